package dev.signet.gateway.config;

import dev.signet.gateway.admission.Admission;
import dev.signet.gateway.admission.AdmissionStores;
import dev.signet.gateway.admission.QuotaAdmission;
import dev.signet.gateway.auth.CachingAuthenticator;
import dev.signet.gateway.auth.RegistryAuthenticator;
import dev.signet.gateway.auth.TenantAuthenticator;
import dev.signet.gateway.completion.CompletionService;
import dev.signet.gateway.openai.JsonBodies;
import dev.signet.gateway.routing.ResidencyRouter;
import dev.signet.gateway.routing.WorkerRouter;
import dev.signet.gateway.usage.GatewayMetrics;
import dev.signet.gateway.usage.RegistryUsageReporter;
import dev.signet.gateway.usage.UsageReporter;
import dev.signet.gateway.worker.FailoverGenerator;
import dev.signet.gateway.worker.HttpWorkerClient;
import dev.signet.gateway.worker.WorkerClient;
import dev.signet.residency.InProcessResidencyRegistry;
import dev.signet.residency.RedisResidencyRegistry;
import dev.signet.residency.ResidencyRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelOption;
import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway's parts, each an interface bean that another can replace (the all-in-one launcher shares its in-process
 * residency registry from a parent context, for one): residency and admission state in Redis when
 * {@code signet.gateway.redis-url} is set, else in process; the registry and the workers over HTTP.
 */
@Configuration(proxyBeanMethods = false)
public class GatewayConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    ResidencyRegistry residencyRegistry(GatewayProperties props) {
        return props.usesRedis() ? new RedisResidencyRegistry(props.redisUrl(), props.keyPrefix()) : new InProcessResidencyRegistry();
    }

    @Bean
    @ConditionalOnMissingBean
    WorkerRouter workerRouter(ResidencyRegistry residency) {
        return new ResidencyRouter(residency);
    }

    @Bean
    @ConditionalOnMissingBean
    WorkerClient workerClient(WebClient.Builder web, GatewayProperties props) {
        HttpClient http = HttpClient.create()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.toIntExact(props.workerConnectTimeout().toMillis()));
        return new HttpWorkerClient(web.clone().clientConnector(new ReactorClientHttpConnector(http)).build());
    }

    @Bean
    @ConditionalOnMissingBean
    FailoverGenerator failoverGenerator(WorkerClient workers, JsonMapper json) {
        return new FailoverGenerator(workers, json);
    }

    @Bean
    @ConditionalOnMissingBean
    TenantAuthenticator tenantAuthenticator(WebClient.Builder web, GatewayProperties props, PlatformCredentials credentials, Clock clock) {
        return new CachingAuthenticator(new RegistryAuthenticator(registry(web, props, credentials)), props.authCacheTtl(),
                props.authNegativeCacheTtl(), props.authCacheSize(), clock);
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    AdmissionStores admissionStores(GatewayProperties props) {
        return props.usesRedis() ? AdmissionStores.redis(props.redisUrl(), props.keyPrefix(), props.concurrencyLease())
                : AdmissionStores.inProcess();
    }

    @Bean
    @ConditionalOnMissingBean
    Admission admission(AdmissionStores stores, GatewayProperties props) {
        return new QuotaAdmission(stores.buckets(), stores.concurrency(), props.keyPrefix());
    }

    @Bean
    @ConditionalOnMissingBean
    GatewayMetrics gatewayMetrics(MeterRegistry meters, GatewayProperties props) {
        return new GatewayMetrics(meters, props.maxTenantLabels());
    }

    @Bean
    @ConditionalOnMissingBean
    UsageReporter usageReporter(WebClient.Builder web, GatewayProperties props, PlatformCredentials credentials, GatewayMetrics metrics) {
        GatewayProperties.Usage u = props.usage();
        return new RegistryUsageReporter(registry(web, props, credentials), u.buffer(), u.retries(), u.backoff(), metrics);
    }

    @Bean
    @ConditionalOnMissingBean
    CompletionService completionService(TenantAuthenticator authenticator, Admission admission, WorkerRouter router,
                                        FailoverGenerator generator, UsageReporter usage, GatewayMetrics metrics, JsonBodies bodies,
                                        JsonMapper json, Clock clock) {
        return new CompletionService(authenticator, admission, router, generator, usage, metrics, bodies, json, clock);
    }

    /** The registry's base URL with the admin credential on every call. */
    private static WebClient registry(WebClient.Builder web, GatewayProperties props, PlatformCredentials credentials) {
        return web.clone().baseUrl(props.registryUrl().toString())
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + credentials.adminToken()).build();
    }
}
