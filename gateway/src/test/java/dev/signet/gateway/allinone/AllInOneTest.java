package dev.signet.gateway.allinone;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.completions.CompletionUsage;
import dev.signet.engine.tokenizer.ChatMessage;
import dev.signet.gateway.GreedyOracle;
import dev.signet.gateway.SdkStreams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The acceptance test of {@code ./signet up}: one all-in-one platform for the class, used as a user and an
 * operator would. The demo tenants' printed keys work through the official OpenAI SDK with the engine's own greedy
 * answers; a fixture fine-tune uploaded in chunks (one corrupted, refused, resent) is compressed and measured, refused
 * by the gate it fails, and a passing artifact of it is published as a new model and served; and the registry's usage counts exactly the tokens the SDK was told about.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AllInOneTest {
    private static final String PROMPT = "Once upon a time";
    private static final int MAX_TOKENS = 24;
    private static final double GATE_MAX_PERPLEXITY_RATIO = 1.5;   // the all-in-one gate (AllInOnePlatform)
    private static final double GATE_MAX_KL = 0.35;

    @TempDir
    static Path dataDir;
    private static AllInOnePlatform platform;
    private static PlatformAdmin admin;
    /** tenant → model → [requests, prompt tokens, completion tokens] as the SDK's answers reported them. */
    private static final Map<String, Map<String, long[]>> SEEN = new ConcurrentHashMap<>();
    private static final Map<String, OpenAIClient> CLIENTS = new ConcurrentHashMap<>();

    @BeforeAll
    static void startPlatform() {
        Path home = Path.of(System.getProperty("signet.home"));
        platform = AllInOnePlatform.start(PlatformOptions.parse(home, "--port=0", "--data-dir=" + dataDir));
        admin = new PlatformAdmin(platform.registryUrl(), platform.storeUrl(), platform.adminToken());
    }

    @AfterAll
    static void stopPlatform() {
        CLIENTS.values().forEach(OpenAIClient::close);
        if (platform != null) {
            platform.close();
        }
    }

    /** The SDK with a demo tenant's printed key; {@code validate}: the SDK's strict response validation. */
    private static OpenAIClient client(String tenant, boolean validate) {
        String key = platform.demoTenants().stream().filter(t -> t.id().equals(tenant)).findFirst().orElseThrow().apiKey();
        return CLIENTS.computeIfAbsent(tenant + validate, k -> OpenAIOkHttpClient.builder().baseUrl(platform.gatewayUrl() + "/v1")
                .apiKey(key).maxRetries(0).responseValidation(validate).build());
    }

    private static void count(String tenant, String model, CompletionUsage usage) {
        long[] c = SEEN.computeIfAbsent(tenant, t -> new ConcurrentHashMap<>()).computeIfAbsent(model, m -> new long[3]);
        c[0]++;
        c[1] += usage.promptTokens();
        c[2] += usage.completionTokens();
    }

    private static CompletionCreateParams completion(String model) {
        return CompletionCreateParams.builder().model(model).prompt(PROMPT).maxTokens(MAX_TOKENS).temperature(0.0).build();
    }

    /** The completion, streamed and not, checked equal to {@code expected}; answers the text. */
    private static String completeBothWays(String tenant, String model, String expected) {
        OpenAIClient client = client(tenant, true);
        OpenAIClient lenient = client(tenant, false);
        {
            Completion completion = client.completions().create(completion(model));
            assertThat(completion.choices().getFirst().text()).as("%s/%s", tenant, model).isEqualTo(expected);
            count(tenant, model, completion.usage().orElseThrow());

            // Legacy completion chunks carry finish_reason null until the last one, which the SDK's strict validation refuses.
            CompletionCreateParams streamed = completion(model).toBuilder()
                    .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
            try (StreamResponse<Completion> stream = lenient.completions().createStreaming(streamed)) {
                List<Completion> chunks = stream.stream().toList();
                assertThat(SdkStreams.completionText(chunks)).as("%s/%s streamed", tenant, model).isEqualTo(expected);
                count(tenant, model, chunks.getLast().usage().orElseThrow());
            }
            return completion.choices().getFirst().text();
        }
    }

    @Test
    @Order(1)
    void demoTenantsPrintedKeysAnswerWithTheirOwnGreedyOutputThroughTheOpenAiSdk() {
        assertThat(platform.demoTenants()).extracting(DemoTenants.DemoTenant::id).containsExactly("caps", "pycode", "legal");
        List<ChatMessage> messages = List.of(new ChatMessage("system", "You tell short stories."), new ChatMessage("user", PROMPT));
        String chatPrompt = GreedyOracle.chatPrompt(messages);
        Set<String> completions = new LinkedHashSet<>();
        Set<String> chats = new LinkedHashSet<>();
        for (DemoTenants.DemoTenant tenant : platform.demoTenants()) {
            String id = tenant.id();
            completions.add(completeBothWays(id, id, GreedyOracle.text(id, PROMPT, MAX_TOKENS)));

            String expectedChat = GreedyOracle.text(id, chatPrompt, MAX_TOKENS);
            ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(id)
                    .addSystemMessage("You tell short stories.").addUserMessage(PROMPT)
                    .maxCompletionTokens(MAX_TOKENS).temperature(0.0).build();
            OpenAIClient client = client(id, true);
            {
                ChatCompletion chat = client.chat().completions().create(params);
                assertThat(chat.choices().getFirst().message().content()).as("%s chat", id).contains(expectedChat);
                count(id, id, chat.usage().orElseThrow());
                chats.add(chat.choices().getFirst().message().content().orElseThrow());

                try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(SdkStreams.withUsage(params))) {
                    List<ChatCompletionChunk> chunks = stream.stream().toList();
                    assertThat(SdkStreams.chatText(chunks)).as("%s chat streamed", id).isEqualTo(expectedChat);
                    count(id, id, chunks.getLast().usage().orElseThrow());
                }
            }
        }
        assertThat(completions).as("one answer per tenant").hasSize(3);
        assertThat(chats).as("one chat answer per tenant").hasSize(3);
    }

    @Test
    @Order(2)
    void uploadedFineTuneIsCompressedGatedPublishedAndServed() throws Exception {
        List<PlatformAdmin.UploadFile> files = PlatformAdmin.pycodeCheckpoint();
        String upload = admin.createCheckpointUpload(files);
        PlatformAdmin.UploadFile weights = files.get(1);
        assertThat(weights.chunks()).as("the weights span several chunks").isGreaterThan(2);

        byte[] corrupted = weights.chunk(1);
        corrupted[corrupted.length / 2] ^= 0x5a;
        AdminHttp.Reply refused = admin.putChunk(upload, weights, 1, corrupted);
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.body().at("/error/code").asString()).isEqualTo("chunk_checksum_mismatch");
        assertThat(admin.received(upload).get(weights.name())).as("nothing of the corrupted chunk kept").doesNotContain(1);
        assertThat(admin.putChunk(upload, weights, 1, weights.chunk(1)).status()).as("the corrected retry").isEqualTo(204);
        admin.sendMissingChunks(upload, files);
        assertThat(admin.received(upload).get(weights.name())).hasSize(weights.chunks());

        JsonNode job = admin.completeAndCompress(upload, Duration.ofMinutes(2));
        String digest = job.get("digest").asString();
        JsonNode report = job.get("report");
        double ratio = report.get("perplexity_ratio").asDouble();
        double kl = report.get("mean_kl").asDouble();
        boolean passes = ratio <= GATE_MAX_PERPLEXITY_RATIO && kl <= GATE_MAX_KL;
        assertThat(job.at("/gate/passed").asBoolean()).as("the verdict on %s", report).isEqualTo(passes);
        assertThat(job.at("/gate/reasons").size()).as("one reason per failed limit").isEqualTo(
                (ratio <= GATE_MAX_PERPLEXITY_RATIO ? 0 : 1) + (kl <= GATE_MAX_KL ? 0 : 1));
        JsonNode listed = AdminHttp.expectOk(admin.store.get("/admin/v1/artifacts/" + digest), "reading the artifact");
        assertThat(listed.get("report")).isEqualTo(report);

        // Measured truth on stories260K: the store's plain one-bit compression of this fine-tune scores a perplexity
        // ratio of about 1.59 and a KL of about 0.49, over the all-in-one gate (1.5, 0.35). So it must be refused...
        assertThat(passes).as("the one-bit pycode delta is expected to fail the all-in-one gate: %s", report).isFalse();
        AdminHttp.Reply refusedPublish = admin.publish(digest, "pycode", "pycode-v2");
        assertThat(refusedPublish.status()).isEqualTo(409);
        assertThat(refusedPublish.body().at("/error/code").asString()).isEqualTo("gate_failed");
        assertThat(refusedPublish.body().at("/error/message").asString()).contains("perplexity ratio", "KL");
        assertThat(admin.bindings("pycode")).doesNotContainKey("pycode-v2");

        // ...and pycode-v2 is published from the artifact of the same fine-tune whose report passes: the bundled
        // delta, compressed with two sign planes for q/k/v, hence a different artifact than the store's one-bit job.
        String bundled = admin.bindings("pycode").get("pycode");
        assertThat(bundled).isNotEqualTo(digest);
        JsonNode bundledView = AdminHttp.expectOk(admin.store.get("/admin/v1/artifacts/" + bundled), "reading the bundled artifact");
        assertThat(bundledView.at("/gate/passed").asBoolean()).as("%s", bundledView.get("report")).isTrue();
        AdminHttp.Reply published = admin.publish(bundled, "pycode", "pycode-v2");
        assertThat(published.status()).as("publish: %s", published.body()).isEqualTo(200);
        assertThat(published.body().get("delta").asString()).isEqualTo(bundled);
        assertThat(admin.bindings("pycode")).containsEntry("pycode-v2", bundled);

        // The oracle runs on the bytes the store serves under the binding's digest, not on the local file.
        Path artifact = Files.write(dataDir.resolve("pycode-v2.safetensors"), admin.artifactBytes(bundled));
        assertThat(ArtifactUpload.sha256(Files.readAllBytes(artifact))).isEqualTo(bundled);
        String v2 = completeBothWays("pycode", "pycode-v2", GreedyOracle.text(artifact, PROMPT, MAX_TOKENS));
        // One artifact, one answer: pycode-v2 answers exactly as pycode.
        assertThat(v2).isEqualTo(GreedyOracle.text("pycode", PROMPT, MAX_TOKENS));
    }

    @Test
    @Order(3)
    void registryCountsTheTokensOfEveryRequest() throws InterruptedException {
        assertThat(SEEN).containsKeys("caps", "pycode", "legal");
        for (var tenant : SEEN.entrySet()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            JsonNode usage;
            long[] total;
            do {
                usage = AdminHttp.expectOk(admin.registry.get("/admin/v1/tenants/" + tenant.getKey() + "/usage"), "usage");
                total = totals(tenant.getValue().values());
            } while (usage.get("requests").asLong() < total[0] && System.nanoTime() < deadline && sleep());
            assertThat(new long[] {usage.get("requests").asLong(), usage.get("prompt_tokens").asLong(), usage.get("completion_tokens").asLong()})
                    .as("usage of %s: %s", tenant.getKey(), usage).containsExactly(total);
            for (var model : tenant.getValue().entrySet()) {
                JsonNode m = usage.at("/by_model/" + model.getKey());
                assertThat(new long[] {m.get("requests").asLong(), m.get("prompt_tokens").asLong(), m.get("completion_tokens").asLong()})
                        .as("usage of %s/%s", tenant.getKey(), model.getKey()).containsExactly(model.getValue());
            }
        }
    }

    private static long[] totals(java.util.Collection<long[]> counts) {
        long[] sum = new long[3];
        counts.forEach(c -> {
            for (int i = 0; i < 3; i++) {
                sum[i] += c[i];
            }
        });
        return sum;
    }

    private static boolean sleep() throws InterruptedException {
        Thread.sleep(200);
        return true;
    }
}
