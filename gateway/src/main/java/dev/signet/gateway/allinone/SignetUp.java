package dev.signet.gateway.allinone;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code ./signet up}: the whole platform in one process on the CPU with the bundled demo ({@link AllInOnePlatform}).
 * Prints where the API is, the admin credential (new on every start) and one API key per demo tenant, then serves
 * until the process is stopped.
 */
public final class SignetUp {
    private SignetUp() {}

    public static void main(String[] args) {
        long start = System.nanoTime();
        PlatformOptions options;
        try {
            options = PlatformOptions.parse(Path.of(System.getProperty("signet.home", "")), args);
        } catch (IllegalArgumentException e) {
            System.err.println("signet up: " + e.getMessage());
            System.exit(2);
            return;
        }
        AllInOnePlatform platform = AllInOnePlatform.start(options);
        Runtime.getRuntime().addShutdownHook(new Thread(platform::close, "signet-up-shutdown"));
        banner(System.out, platform, (System.nanoTime() - start) / 1e9);
    }

    static void banner(PrintStream out, AllInOnePlatform platform, double seconds) {
        String api = platform.gatewayUrl() + "/v1";
        out.printf("%nSignet is up at %s (ready in %.1f s)%n", api, seconds);
        out.println("admin credential: " + platform.adminToken());
        out.println("tenant registry admin API: " + platform.registryUrl() + "/admin/v1");
        out.println("delta store admin API: " + platform.storeUrl() + "/admin/v1");
        out.println("demo tenants (API key, models):");
        for (DemoTenants.DemoTenant t : platform.demoTenants()) {
            out.printf("  %-8s %s  %s%n", t.id(), t.apiKey(), String.join(", ", t.models()));
        }
        DemoTenants.DemoTenant first = platform.demoTenants().getFirst();
        out.printf("%ntry:%n  curl %s/chat/completions -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \\%n"
                + "    -d '{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story\"}],\"max_tokens\":40}'%n%n",
                api, first.apiKey(), first.id());
        out.flush();
    }
}
