package dev.signet.registry.key;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * Issues tenant API keys: {@code sk-} and 48 base62 characters from a {@link SecureRandom} (48·log2(62) ≈ 286 bits),
 * of which only the {@link Sha256} hash and a display prefix are stored.
 */
public final class ApiKeyIssuer {
    public static final String KEY_PREFIX = "sk-";
    public static final int SECRET_LENGTH = 48;
    public static final int DISPLAY_PREFIX_LENGTH = 8;
    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final Pattern WELL_FORMED = Pattern.compile("sk-[0-9A-Za-z]{" + SECRET_LENGTH + "}");
    private static final int KEY_ID_LENGTH = 24;

    private final SecureRandom random = new SecureRandom();

    public IssuedKey issue(String tenant, String name, long now) {
        String secret = KEY_PREFIX + base62(SECRET_LENGTH);
        String prefix = secret.substring(KEY_PREFIX.length(), KEY_PREFIX.length() + DISPLAY_PREFIX_LENGTH);
        ApiKey key = new ApiKey("key_" + base62(KEY_ID_LENGTH), tenant, name, prefix, Sha256.hex(secret), now, null);
        return new IssuedKey(key, secret);
    }

    /** A fresh credential of the same strength: {@code prefix} and 48 base62 characters (e.g. the all-in-one mode's admin credential). */
    public static String secret(String prefix) {
        return prefix + new ApiKeyIssuer().base62(SECRET_LENGTH);
    }

    /** Whether a presented key has the shape of an issued one; anything else cannot be valid. */
    public static boolean wellFormed(String presented) {
        return presented != null && WELL_FORMED.matcher(presented).matches();
    }

    private String base62(int length) {
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(BASE62.charAt(random.nextInt(BASE62.length()))); // nextInt(62) is uniform: no modulo bias
        }
        return out.toString();
    }
}
