package dev.signet.gateway.config;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The platform's admin credential, {@code signet.admin-token} (env {@code SIGNET_ADMIN_TOKEN}): the gateway presents
 * it to the registry's {@code /internal/**} paths. The gateway refuses to start without one (docs/platform.md).
 */
@Validated
@ConfigurationProperties("signet")
public record PlatformCredentials(
        @NotBlank(message = "signet.admin-token (env SIGNET_ADMIN_TOKEN) is required: the gateway calls the registry's internal API with it")
        String adminToken) {

    @Override
    public String toString() {
        return "PlatformCredentials[adminToken=<hidden>]";   // never log the secret
    }
}
