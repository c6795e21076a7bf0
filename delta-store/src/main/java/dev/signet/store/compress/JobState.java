package dev.signet.store.compress;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A compression job's life: queued, running, then succeeded or failed; never left running across a restart. */
public enum JobState {
    QUEUED, RUNNING, SUCCEEDED, FAILED;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean active() {
        return this == QUEUED || this == RUNNING;
    }
}
