package dev.signet.engine.generate;

import dev.signet.engine.kv.KvSequence;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.SequenceChunk;
import dev.signet.engine.model.StepLogits;
import dev.signet.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Runs a fixed set of requests to completion on one model: their prompts are prefilled in chunks packed up
 * to the model's step budget, then every unfinished sequence decodes one token per step, all in one batch.
 * (The serving scheduler does the same continuously, admitting and retiring requests between steps.)
 */
public final class Generator {
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final Set<Integer> stopTokens;

    public Generator(LlamaModel model, Tokenizer tokenizer, Set<Integer> stopTokens) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.stopTokens = Set.copyOf(stopTokens);
    }

    /** The results, in request order, and the time spent. */
    public record Run(List<GenerationResult> results, GenerationStats stats) {}

    public Run generate(List<GenerationRequest> requests, TokenListener listener) {
        List<Sequence> seqs = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            seqs.add(new Sequence(i, requests.get(i)));
        }
        try {
            long t0 = System.nanoTime();
            int prefillTokens = prefill(seqs, listener);
            long t1 = System.nanoTime();
            int decoded = decode(seqs, listener);
            long t2 = System.nanoTime();
            List<GenerationResult> results = seqs.stream().map(Sequence::result).toList();
            return new Run(results, new GenerationStats(prefillTokens, t1 - t0, decoded, t2 - t1));
        } finally {
            seqs.forEach(s -> model.kvCache().release(s.kv));
        }
    }

    private int prefill(List<Sequence> seqs, TokenListener listener) {
        int total = 0;
        int budget = model.options().maxBatchRows();
        int next = 0;
        while (next < seqs.size()) {
            List<SequenceChunk> chunks = new ArrayList<>();
            List<Sequence> owners = new ArrayList<>();
            int rows = 0;
            while (next < seqs.size() && rows < budget) {
                Sequence s = seqs.get(next);
                int take = Math.min(s.prompt.length - s.prefilled, budget - rows);
                int[] piece = Arrays.copyOfRange(s.prompt, s.prefilled, s.prefilled + take);
                chunks.add(s.prefilled + take == s.prompt.length && s.output.count() == 0 ? s.producing(piece) : s.chunk(piece));
                owners.add(s);
                s.prefilled += take;
                rows += take;
                if (s.prefilled == s.prompt.length) {
                    next++;
                }
            }
            StepLogits logits = model.forward(chunks);
            total += rows;
            for (int c = 0; c < owners.size(); c++) {
                Sequence s = owners.get(c);
                if (s.prefilled == s.prompt.length && s.output.count() == 0) {
                    s.accept(logits, c, listener);
                }
            }
        }
        return total;
    }

    /** Returns the number of tokens decoded. */
    private int decode(List<Sequence> seqs, TokenListener listener) {
        int tokens = 0;
        int budget = model.options().maxBatchRows();
        while (true) {
            List<Sequence> active = seqs.stream().filter(s -> !s.finished()).limit(budget).toList();
            if (active.isEmpty()) {
                return tokens;
            }
            List<SequenceChunk> chunks = active.stream().map(s -> s.producing(s.lastToken())).toList();
            StepLogits logits = model.forward(chunks);
            for (int c = 0; c < active.size(); c++) {
                active.get(c).accept(logits, c, listener);
            }
            tokens += active.size();
        }
    }

    /** One request's state while it runs. */
    private final class Sequence {
        final int index;
        final int[] prompt;
        final GenerationRequest request;
        final KvSequence kv = new KvSequence();
        final SequenceOutput output;
        int prefilled;

        Sequence(int index, GenerationRequest request) {
            this.index = index;
            this.request = request;
            this.prompt = request.promptIds();
            int room = model.config().maxPositionEmbeddings() - prompt.length;
            if (room <= 0) {
                throw new IllegalArgumentException("prompt of " + prompt.length + " tokens leaves no room in the model's context of "
                        + model.config().maxPositionEmbeddings());
            }
            this.output = new SequenceOutput(request.params(), prompt, tokenizer, stopTokens, Math.min(request.params().maxTokens(), room));
        }

        boolean finished() {
            return output.finish() != null;
        }

        int lastToken() {
            return output.token(output.count() - 1);
        }

        /** Tokens continuing this sequence under its request's delta. */
        SequenceChunk chunk(int... tokens) {
            return new SequenceChunk(kv, tokens, false, request.delta());
        }

        /** Tokens whose last row gives this sequence's next token: sampled by the backend when the model says so. */
        SequenceChunk producing(int... tokens) {
            return model.samplesOnBackend()
                    ? SequenceChunk.sampled(kv, tokens, request.delta(), output.sampler().nextDraw())
                    : chunk(tokens);
        }

        void accept(StepLogits logits, int chunk, TokenListener listener) {
            SequenceOutput.Emitted e = logits.wasSampled(chunk)
                    ? output.push(logits.token(chunk))
                    : output.next(logits.values(), logits.offset(chunk, logits.rows(chunk) - 1), logits.vocab());
            if (e.finish() != null) {
                model.kvCache().release(kv);  // free its blocks now: later steps may need them
            }
            listener.onToken(index, e.token(), e.text());
        }

        GenerationResult result() {
            return output.result();
        }
    }
}
