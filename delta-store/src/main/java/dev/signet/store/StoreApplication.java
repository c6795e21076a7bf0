package dev.signet.store;

import dev.signet.store.config.AdminCredential;
import dev.signet.store.config.StoreProperties;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * The Signet delta store: chunked uploads of fine-tunes or ready BitDelta artifacts, server-side compression against
 * the base with a quality gate, immutable content-addressed artifacts served to workers by digest, publishing to the
 * tenant registry and garbage collection (docs/delta-store.md). Run it with {@code ./signet store} or the exec jar.
 */
@SpringBootApplication
@EnableConfigurationProperties({StoreProperties.class, AdminCredential.class})
public class StoreApplication {
    public static void main(String[] args) {
        SpringApplication.run(StoreApplication.class, args);
    }
}
