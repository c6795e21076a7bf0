package dev.signet.store.api;

import dev.signet.store.config.AdminCredential;
import dev.signet.store.config.StoreProperties;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Bearer credentials: the admin credential on every {@code /admin/**} path; on {@code /v1/artifacts/**} the optional
 * {@code signet.store.artifact-token} when one is set (inside the cluster network workers fetch without one).
 */
@Component
public class CredentialFilter implements WebFilter {
    private static final String BEARER = "Bearer ";

    private final AdminCredential admin;
    private final StoreProperties properties;

    public CredentialFilter(AdminCredential admin, StoreProperties properties) {
        this.admin = admin;
        this.properties = properties;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        String presented = bearer(exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION));
        if (path.startsWith("/admin/") && !admin.matches(presented)) {
            return Mono.error(ApiException.unauthorized(presented == null
                    ? "missing admin credential: send Authorization: Bearer <signet.admin-token>"
                    : "the admin credential is not valid"));
        }
        if (path.startsWith("/v1/artifacts/") && properties.artifactsNeedToken() && !artifactTokenMatches(presented)) {
            return Mono.error(ApiException.unauthorized("fetching artifacts needs Authorization: Bearer <signet.store.artifact-token>"));
        }
        return chain.filter(exchange);
    }

    private boolean artifactTokenMatches(String presented) {
        return AdminCredential.sameSecret(properties.artifactToken(), presented);
    }

    private static String bearer(String header) {
        return header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? header.substring(BEARER.length()).trim() : null;
    }
}
