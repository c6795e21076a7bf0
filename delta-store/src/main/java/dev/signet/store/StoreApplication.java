package dev.signet.store;

import dev.signet.store.config.AdminCredential;
import dev.signet.store.config.StoreProperties;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.PropertySource;
import org.springframework.http.client.ReactorResourceFactory;

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

    /**
     * Reactor Netty event loops of this context's own, not the JVM's global ones: closing a context disposes its
     * factory's loops, and with global loops that would stop every other service in the same JVM (the all-in-one
     * mode's, a test's).
     */
    @Bean
    ReactorResourceFactory reactorResourceFactory() {
        ReactorResourceFactory resources = new ReactorResourceFactory();
        resources.setUseGlobalResources(false);
        return resources;
    }
}
