package dev.signet.engine.sampling;

import java.util.List;

/**
 * Watches a stream of generated text for stop strings. Text that could still be the start of a stop
 * string is held back, so a client never sees part of a stop string; once one appears, the text before it
 * is released and generation should end.
 */
public final class StopStringMatcher {
    private final List<String> stops;
    private final int longest;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    public StopStringMatcher(List<String> stops) {
        this.stops = List.copyOf(stops);
        this.longest = stops.stream().mapToInt(String::length).max().orElse(0);
    }

    /** Feeds newly decoded text; returns the text that is now safe to emit. */
    public String push(String text) {
        if (stopped) {
            return "";
        }
        pending.append(text);
        int earliest = -1;
        for (String stop : stops) {
            int at = pending.indexOf(stop);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
            }
        }
        if (earliest >= 0) {
            stopped = true;
            String out = pending.substring(0, earliest);
            pending.setLength(0);
            return out;
        }
        int hold = heldBack();
        String out = pending.substring(0, pending.length() - hold);
        pending.delete(0, pending.length() - hold);
        return out;
    }

    /** The generation ended without a stop string: everything held back is released. */
    public String flush() {
        String out = stopped ? "" : pending.toString();
        pending.setLength(0);
        return out;
    }

    public boolean stopped() {
        return stopped;
    }

    /** Length of the longest suffix of the pending text that is a proper prefix of some stop string. */
    private int heldBack() {
        String text = pending.toString();
        int max = Math.min(longest - 1, text.length());
        for (int len = max; len > 0; len--) {
            int from = text.length() - len;
            for (String stop : stops) {
                if (stop.length() > len && text.regionMatches(from, stop, 0, len)) {
                    return len;
                }
            }
        }
        return 0;
    }
}
