package dev.signet.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.sampling.FinishReason;
import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.testing.Fixtures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Generation ends where it should (stop token, stop string, token limit), streams its text, and batching changes no result. */
class GeneratorTest {
    private LlamaCheckpoint ckpt;
    private VectorCpuBackend backend;
    private LlamaModel model;
    private Generator generator;

    @BeforeEach
    void open() {
        ckpt = LlamaCheckpoint.open(Fixtures.repoRoot().resolve("models/stories260K"));
        backend = new VectorCpuBackend(2);
        model = new LlamaModel(ckpt, backend, ModelOptions.forSequences(6, 512, 64));
        generator = new Generator(model, ckpt.tokenizer(), ckpt.stopTokenIds());
    }

    @AfterEach
    void close() {
        model.close();
        backend.close();
        ckpt.close();
    }

    private GenerationResult one(int[] prompt, SamplingParams params) {
        return generator.generate(List.of(new GenerationRequest(prompt, params)), TokenListener.NONE).results().getFirst();
    }

    /** A sampled story ends when the model emits BOS; ignoring stop tokens, the same seed goes on past it. */
    @Test
    void endsAtTheModelsStopTokenUnlessToldToIgnoreIt() {
        SamplingParams p = new SamplingParams(1.0f, 0, 1f, OptionalLong.of(3), 500, List.of(), false);
        GenerationResult story = one(new int[] {1}, p);
        assertEquals(FinishReason.STOP, story.finishReason());
        int last = story.tokens()[story.tokens().length - 1];
        assertThat(ckpt.stopTokenIds()).contains(last);
        assertThat(story.tokens().length).isLessThan(500);
        assertEquals(ckpt.tokenizer().decode(story.tokens()), story.text(), "text without the stop token");

        GenerationResult onward = one(new int[] {1}, p.withIgnoreEos(true));
        assertEquals(FinishReason.LENGTH, onward.finishReason());
        assertEquals(500, onward.tokens().length);
        assertArrayEquals(story.tokens(), Arrays.copyOf(onward.tokens(), story.tokens().length));
    }

    @Test
    void endsAtTheTokenLimit() {
        GenerationResult r = one(ckpt.promptIds("Once upon a time"), SamplingParams.greedy(7));
        assertEquals(FinishReason.LENGTH, r.finishReason());
        assertEquals(7, r.tokens().length);
    }

    @Test
    void endsBeforeAStopStringAndNeverStreamsIt() {
        String full = one(ckpt.promptIds("Once upon a time"), SamplingParams.greedy(40)).text();
        int at = full.indexOf("girl");
        assertThat(at).isPositive();
        List<String> streamed = new ArrayList<>();
        Generator.Run run = generator.generate(List.of(new GenerationRequest(ckpt.promptIds("Once upon a time"),
                SamplingParams.greedy(40).withStopStrings(List.of("girl", "zebra")))), (req, token, text) -> streamed.add(text));
        GenerationResult r = run.results().getFirst();
        assertEquals(FinishReason.STOP, r.finishReason());
        assertEquals(full.substring(0, at), r.text());
        assertEquals(r.text(), String.join("", streamed));
        assertEquals(r.tokens().length, streamed.size(), "one callback per token");
    }

    @Test
    void aBatchOfDifferentRequestsGivesWhatEachGetsAlone() {
        List<GenerationRequest> requests = List.of(
                new GenerationRequest(ckpt.promptIds("Lily wanted to"), SamplingParams.greedy(30)),
                new GenerationRequest(ckpt.promptIds("Once upon a time, there was a big dog"),
                        new SamplingParams(0.9f, 40, 0.95f, OptionalLong.of(11), 25, List.of(), false)),
                new GenerationRequest(new int[] {1}, new SamplingParams(1.2f, 0, 1f, OptionalLong.of(5), 50, List.of("."), true)),
                new GenerationRequest(ckpt.promptIds("Tom"), SamplingParams.greedy(3)));
        List<GenerationResult> batched = generator.generate(requests, TokenListener.NONE).results();
        for (int i = 0; i < requests.size(); i++) {
            GenerationResult alone = generator.generate(List.of(requests.get(i)), TokenListener.NONE).results().getFirst();
            assertArrayEquals(alone.tokens(), batched.get(i).tokens(), "request " + i);
            assertEquals(alone.text(), batched.get(i).text());
            assertEquals(alone.finishReason(), batched.get(i).finishReason());
        }
    }

    @Test
    void theSameSeedGivesTheSameStory() {
        SamplingParams p = new SamplingParams(1.0f, 0, 0.9f, OptionalLong.of(2024), 60, List.of(), false);
        GenerationResult a = one(new int[] {1}, p);
        GenerationResult b = one(new int[] {1}, p);
        assertArrayEquals(a.tokens(), b.tokens());
        assertThat(a.text()).isNotBlank();
    }
}
