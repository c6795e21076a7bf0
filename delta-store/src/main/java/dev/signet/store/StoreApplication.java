package dev.signet.store;

import dev.signet.store.config.AdminCredential;
import dev.signet.store.config.StoreProperties;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.PropertySource;

/**
 * The Signet delta store: chunked uploads of fine-tunes or ready BitDelta artifacts, server-side compression against
 * the base with a quality gate, immutable content-addressed artifacts served to workers by digest, publishing to the
 * tenant registry and garbage collection (docs/delta-store.md). Run it with {@code ./signet store} or the exec jar.
 * Its defaults are in {@code signet-store.properties}, not {@code application.yml}: the all-in-one launcher puts
 * every service on one classpath, where one {@code application.yml} would configure them all.
 */
@SpringBootApplication
@PropertySource("classpath:signet-store.properties")
@EnableConfigurationProperties({StoreProperties.class, AdminCredential.class})
public class StoreApplication {
    public static void main(String[] args) {
        SpringApplication.run(StoreApplication.class, args);
    }
}
