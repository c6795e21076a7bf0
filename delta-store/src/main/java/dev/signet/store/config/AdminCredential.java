package dev.signet.store.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The operator's bearer token, {@code signet.admin-token} (env {@code SIGNET_ADMIN_TOKEN}): it guards every
 * {@code /admin/**} path and is what the store presents to the registry. The store refuses to start without one.
 */
@ConfigurationProperties("signet")
public record AdminCredential(String adminToken) {

    public AdminCredential {
        if (adminToken == null || adminToken.isBlank()) {
            throw new IllegalArgumentException("signet.admin-token is not set: the delta store needs the admin credential"
                    + " (env SIGNET_ADMIN_TOKEN) to guard /admin/** and to call the registry");
        }
    }

    /** Constant-time comparison, so the time taken says nothing about how much of a guess was right. */
    public boolean matches(String presented) {
        return sameSecret(adminToken, presented);
    }

    /** Whether a presented secret equals the expected one, compared in constant time. */
    public static boolean sameSecret(String expected, String presented) {
        return presented != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                presented.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "AdminCredential[adminToken=***]";
    }
}
