package dev.signet.registry.api;

import dev.signet.registry.config.AdminCredential;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Lets a request reach {@code /admin/**} or {@code /internal/**} only with {@code Authorization: Bearer <admin token>};
 * anything else gets 401 in OpenAI's error shape, before any handler runs.
 */
@Component
public class AdminTokenFilter implements WebFilter {
    private static final String BEARER = "Bearer ";

    private final AdminCredential credential;
    private final JsonMapper json;

    public AdminTokenFilter(AdminCredential credential, JsonMapper json) {
        this.credential = credential;
        this.json = json;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        if (!path.startsWith("/admin/") && !path.startsWith("/internal/")) {
            return chain.filter(exchange);
        }
        String header = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return refuse(exchange, "missing admin credential: send Authorization: Bearer <signet.admin-token>");
        }
        if (!credential.matches(header.substring(BEARER.length()).strip())) {
            return refuse(exchange, "invalid admin credential");
        }
        return chain.filter(exchange);
    }

    private Mono<Void> refuse(ServerWebExchange exchange, String message) {
        ApiException refusal = ApiException.unauthenticated("invalid_admin_token", message);
        var response = exchange.getResponse();
        response.setStatusCode(refusal.status());
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        response.getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        DataBuffer body = response.bufferFactory().wrap(json.writeValueAsBytes(refusal.body()));
        return response.writeWith(Mono.just(body));
    }
}
