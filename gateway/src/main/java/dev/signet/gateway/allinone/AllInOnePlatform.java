package dev.signet.gateway.allinone;

import dev.signet.gateway.GatewayApplication;
import dev.signet.registry.RegistryApplication;
import dev.signet.registry.key.ApiKeyIssuer;
import dev.signet.store.StoreApplication;
import dev.signet.worker.WorkerApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole platform in one process on the CPU (ARCHITECTURE.md, "A launcher"): the tenant registry (file store), the
 * delta store (a local folder), one worker on the bundled model, and the gateway, each the very service that runs
 * alone in a deployment, started as sibling Spring contexts under a parent that holds their in-process residency.
 * They talk over loopback HTTP exactly as they do across a cluster; only the gateway listens beyond loopback. Then
 * the demo tenants are set up through the admin APIs ({@link DemoTenants}).
 */
public final class AllInOnePlatform implements AutoCloseable {
    private static final Duration WORKER_READY_TIMEOUT = Duration.ofMinutes(2);
    private static final String LOOPBACK = "127.0.0.1";

    private final ConfigurableApplicationContext parent;
    private final List<ConfigurableApplicationContext> services = new ArrayList<>();   // in start order
    private final String adminToken;
    private URI gateway;
    private URI registry;
    private URI store;
    private List<DemoTenants.DemoTenant> demo = List.of();

    private AllInOnePlatform(ConfigurableApplicationContext parent, String adminToken) {
        this.parent = parent;
        this.adminToken = adminToken;
    }

    /** Starts every service, waits for the worker's model, sets up the demo tenants. */
    public static AllInOnePlatform start(PlatformOptions options) {
        ConfigurableApplicationContext parent = new SpringApplicationBuilder(SharedResidency.class)
                .web(WebApplicationType.NONE).bannerMode(Banner.Mode.OFF).logStartupInfo(false).registerShutdownHook(false).run();
        AllInOnePlatform platform = new AllInOnePlatform(parent, ApiKeyIssuer.secret("sa-"));
        try {
            platform.startServices(options);
            return platform;
        } catch (RuntimeException e) {
            platform.close();
            throw e;
        }
    }

    private void startServices(PlatformOptions o) {
        Path data = o.dataDir();
        int registryPort = freePort();
        int storePort = freePort();
        int workerPort = freePort();
        registry = URI.create("http://" + LOOPBACK + ":" + registryPort);
        store = URI.create("http://" + LOOPBACK + ":" + storePort);
        URI worker = URI.create("http://" + LOOPBACK + ":" + workerPort);
        run(RegistryApplication.class, o, LOOPBACK, registryPort,
                "--signet.registry.store=file",
                "--signet.registry.data-dir=" + data.resolve("registry"));
        run(StoreApplication.class, o, LOOPBACK, storePort,
                "--signet.store.data-dir=" + data.resolve("delta-store"),
                "--signet.store.base-model-dir=" + o.home().resolve("models/stories260K"),
                "--signet.store.registry-url=" + registry,
                // stories260K is tiny: one bit per weight costs it more than it costs a 7B model (docs/platform.md).
                "--signet.store.gate.max-perplexity-ratio=1.5",
                "--signet.store.gate.max-kl=0.35");
        run(WorkerApplication.class, o, LOOPBACK, workerPort,
                "--signet.worker.model-dir=" + o.home().resolve("models/stories260K"),
                "--signet.worker.store-url=" + store,
                "--signet.worker.worker-id=all-in-one",
                "--signet.worker.advertised-address=" + worker,
                "--signet.worker.cache.disk-dir=" + data.resolve("worker-cache"));
        WorkerReadiness.await(worker, WORKER_READY_TIMEOUT);
        ConfigurableApplicationContext gatewayContext = run(GatewayApplication.class, o, o.host(), o.port(),
                "--signet.gateway.registry-url=" + registry);
        int gatewayPort = ((WebServerApplicationContext) gatewayContext).getWebServer().getPort();
        gateway = URI.create("http://" + ("0.0.0.0".equals(o.host()) ? "localhost" : o.host()) + ":" + gatewayPort);
        demo = new DemoTenants(new AdminHttp(registry, adminToken), new AdminHttp(store, adminToken))
                .setUp(o.home().resolve("models/deltas"));
    }

    /** One service as a child context: its port, the shared credential, its own settings, then the operator's. */
    private ConfigurableApplicationContext run(Class<?> application, PlatformOptions o, String address, int port, String... settings) {
        List<String> args = new ArrayList<>(List.of(
                "--server.address=" + address,
                "--server.port=" + port,
                "--management.server.port=" + port,   // one port per service: actuator beside the API
                "--signet.admin-token=" + adminToken,
                "--spring.main.register-shutdown-hook=false"));   // SignetUp closes the services in order
        args.addAll(List.of(settings));
        o.serviceProperties().forEach(p -> args.add("--" + p));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(application).parent(parent)
                .bannerMode(Banner.Mode.OFF).logStartupInfo(false).run(args.toArray(String[]::new));
        services.add(context);
        return context;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /** The public OpenAI-compatible API's root ({@code …/v1} is under it). */
    public URI gatewayUrl() {
        return gateway;
    }

    /** The tenant registry's root (its admin API, with {@link #adminToken()}); loopback only. */
    public URI registryUrl() {
        return registry;
    }

    /** The delta store's root (its admin API, with {@link #adminToken()}, and the artifacts); loopback only. */
    public URI storeUrl() {
        return store;
    }

    public String adminToken() {
        return adminToken;
    }

    public List<DemoTenants.DemoTenant> demoTenants() {
        return demo;
    }

    /** Stops the services in reverse order (the gateway first, the registry last), then the shared residency. */
    @Override
    public void close() {
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).close();
        }
        parent.close();
    }
}
