package dev.signet.store.gate;

import dev.signet.store.config.StoreProperties;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The quality gate: a delta's report (the engine's {@code quality} metadata: {@code perplexity_ratio}, compressed
 * perplexity over the fine-tune's, and {@code mean_kl}, nats) against {@code signet.store.gate.*}. Evaluated with the
 * settings in force when asked, so tightening the gate applies to artifacts already stored.
 */
@Component
public class QualityGate {
    private final StoreProperties.Gate gate;

    public QualityGate(StoreProperties properties) {
        this.gate = properties.gate();
    }

    public GateVerdict evaluate(JsonNode report) {
        List<String> reasons = new ArrayList<>();
        boolean measured = report != null && report.has("perplexity_ratio") && report.has("mean_kl");
        if (!measured) {
            if (gate.requireReport()) {
                reasons.add("no quality report was measured (upload the checkpoint with an eval.txt, or set"
                        + " signet.store.gate.require-report=false)");
            }
            return new GateVerdict(reasons.isEmpty(), List.copyOf(reasons));
        }
        double ratio = report.path("perplexity_ratio").asDouble();
        double kl = report.path("mean_kl").asDouble();
        if (!(ratio <= gate.maxPerplexityRatio())) {
            reasons.add(String.format("perplexity ratio %.4f exceeds the gate's %.4f (compressed perplexity over the"
                    + " fine-tune's)", ratio, gate.maxPerplexityRatio()));
        }
        if (!(kl <= gate.maxKl())) {
            reasons.add(String.format("mean KL divergence %.5f nats exceeds the gate's %.5f", kl, gate.maxKl()));
        }
        return new GateVerdict(reasons.isEmpty(), List.copyOf(reasons));
    }
}
