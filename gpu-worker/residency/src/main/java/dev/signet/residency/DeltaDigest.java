package dev.signet.residency;

import java.util.regex.Pattern;

/** The identity of a BitDelta artifact as residency records it: its sha256 digest as 64 lower-case hex digits. */
final class DeltaDigest {
    // Lower case only: the gateway looks holders up by exact string, so "ABC…" and "abc…" must not both exist.
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    private DeltaDigest() {}

    static String require(String digest) {
        if (digest == null || !SHA256_HEX.matcher(digest).matches()) {
            throw new IllegalArgumentException(
                    "a delta is identified by its sha256 digest as 64 lower-case hex digits, got '" + digest + "'");
        }
        return digest;
    }
}
