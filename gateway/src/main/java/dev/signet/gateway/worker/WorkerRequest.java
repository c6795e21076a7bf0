package dev.signet.gateway.worker;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.signet.gateway.openai.ChatMessage;
import java.util.List;

/**
 * A worker's {@code POST /v1/generate} body (docs/worker-api.md): the tenant and its delta (null: the base), what to
 * complete (exactly one of {@code prompt}, {@code promptIds} and {@code messages}, which the worker renders with its
 * model's chat template) and the sampling. Absent fields take the worker's defaults.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WorkerRequest(String requestId, String tenant, String delta, String prompt, List<Integer> promptIds,
                            List<ChatMessage> messages, Integer maxTokens, Double temperature, Double topP, Integer topK,
                            Long seed, List<String> stop, Boolean ignoreEos) {}
