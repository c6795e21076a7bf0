package dev.signet.registry.config;

import dev.signet.registry.key.Sha256;
import jakarta.validation.constraints.NotBlank;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The operator's bearer token ({@code signet.admin-token}, env {@code SIGNET_ADMIN_TOKEN}) for every {@code /admin/**}
 * and {@code /internal/**} path. Start-up fails without one: a registry open to anyone would hand out tenant keys.
 */
@Validated
@ConfigurationProperties("signet")
public record AdminCredential(
        @NotBlank(message = "is required: set signet.admin-token (env SIGNET_ADMIN_TOKEN), the operator's bearer token for"
                + " /admin/** and /internal/**; ./signet up generates one")
        String adminToken) {

    /**
     * Whether a presented token is the admin token, in time independent of where they differ: both are hashed first,
     * so neither a differing byte nor a differing length shows in the timing.
     */
    public boolean matches(String presented) {
        if (presented == null || adminToken == null) {
            return false;
        }
        return MessageDigest.isEqual(sha256(presented), sha256(adminToken));
    }

    @Override
    public String toString() {
        return "AdminCredential[adminToken=<redacted>]";
    }

    private static byte[] sha256(String text) {
        return Sha256.hex(text).getBytes(StandardCharsets.US_ASCII);
    }
}
