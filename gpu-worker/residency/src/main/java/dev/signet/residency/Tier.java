package dev.signet.residency;

import java.util.Arrays;
import java.util.Locale;

/**
 * Where a worker holds a delta, best first: in GPU memory (a request can use it at the next step), in pinned host
 * memory (one copy to the GPU away), or on local disk (a read and a copy away). The declaration order is the routing
 * preference, so {@link Enum#compareTo} ranks tiers; Redis stores the lower-case {@linkplain #label() label}.
 */
public enum Tier {
    DEVICE,
    HOST,
    DISK;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The name stored in Redis: {@code device}, {@code host} or {@code disk}. */
    public String label() {
        return label;
    }

    /** The tier with this {@linkplain #label() label}; an unknown one is an error naming the known ones. */
    public static Tier ofLabel(String label) {
        for (Tier tier : values()) {
            if (tier.label.equals(label)) {
                return tier;
            }
        }
        throw new IllegalArgumentException("unknown residency tier '" + label + "'; known tiers are "
                + Arrays.stream(values()).map(Tier::label).toList());
    }
}
