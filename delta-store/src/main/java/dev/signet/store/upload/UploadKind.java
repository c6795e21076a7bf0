package dev.signet.store.upload;

import com.fasterxml.jackson.annotation.JsonValue;

/** What an upload carries: a ready BitDelta artifact, or a Hugging Face fine-tune the store compresses. */
public enum UploadKind {
    ARTIFACT, CHECKPOINT;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static UploadKind parse(String value) {
        for (UploadKind k : values()) {
            if (k.wireName().equals(value)) {
                return k;
            }
        }
        return null;
    }
}
