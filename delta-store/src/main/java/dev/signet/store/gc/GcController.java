package dev.signet.store.gc;

import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** {@code POST /admin/v1/gc}: one garbage collection now, {@code {"deleted":[…]}}; 503 when the registry is unreachable. */
@RestController
public class GcController {
    private final GarbageCollector collector;

    public GcController(GarbageCollector collector) {
        this.collector = collector;
    }

    @PostMapping("/admin/v1/gc")
    Mono<Map<String, List<String>>> collect() {
        return collector.collect().map(deleted -> Map.of("deleted", deleted));
    }
}
