package dev.signet.engine.medusa;

import dev.signet.engine.backend.Weight;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.StepLogits;
import dev.signet.engine.sampling.Sampler;
import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.scheduler.Speculator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Medusa as the scheduler's {@link Speculator}. Heads belong to a model: the base's serve requests on the base
 * (and, when {@code tenantsUseBaseHeads}, tenants without heads of their own); a tenant's serve its delta's
 * requests. Heads always read the serving model's hidden states and use its lm_head. Drafts of one step are
 * computed per set of heads and classifier in one batched call. Greedy requests are verified exactly (the output
 * is plain greedy decoding's); sampled ones losslessly by default (the model's own distribution), or with
 * Medusa's typical acceptance when configured.
 */
public final class MedusaSpeculator implements Speculator {
    /** How requests that sample (temperature > 0) verify a tree. */
    public enum SampledVerification { LOSSLESS, TYPICAL }

    /** A set of heads with the tree they draft, trimmed per step to the rows the scheduler grants. */
    public static final class Drafter {
        private final MedusaHeads heads;
        private final MedusaTree tree;
        private final Map<Integer, MedusaTree> bySize = new HashMap<>();

        public Drafter(MedusaHeads heads, MedusaTree tree) {
            if (tree.maxDepth() > heads.count()) {
                throw new IllegalArgumentException("a tree " + tree.maxDepth() + " deep needs " + tree.maxDepth() + " heads; "
                        + heads + " has " + heads.count());
            }
            this.heads = heads;
            this.tree = tree;
        }

        public MedusaHeads heads() {
            return heads;
        }

        public MedusaTree tree() {
            return tree;
        }

        MedusaTree sized(int nodes) {
            return bySize.computeIfAbsent(Math.min(nodes, tree.size()), tree::sizedTo);
        }
    }

    private final LlamaModel model;
    private final Drafter base;                    // null: the base has no heads
    private final Map<String, Drafter> tenants;    // by delta key
    private final boolean tenantsUseBaseHeads;
    private final SampledVerification sampled;
    private final Map<Sampler, TreeVerifier> verifiers = new WeakHashMap<>();   // one per sequence: they keep buffers

    public MedusaSpeculator(LlamaModel model, Drafter base, Map<String, Drafter> tenants, boolean tenantsUseBaseHeads,
                            SampledVerification sampled) {
        this.model = model;
        this.base = base;
        this.tenants = Map.copyOf(tenants);
        this.tenantsUseBaseHeads = tenantsUseBaseHeads;
        this.sampled = sampled;
    }

    /**
     * Heads that draft Medusa's standard tree ({@link MedusaTree#standard}) for the base ({@code base}; null: none)
     * and for the tenants in {@code tenants} (by delta key), sampled requests verified losslessly.
     */
    public static MedusaSpeculator standardTrees(LlamaModel model, MedusaHeads base, Map<String, MedusaHeads> tenants,
                                                 boolean tenantsUseBaseHeads) {
        Map<String, Drafter> own = new HashMap<>();
        tenants.forEach((key, heads) -> own.put(key, new Drafter(heads, MedusaTree.standard(heads.count()))));
        return new MedusaSpeculator(model, base == null ? null : new Drafter(base, MedusaTree.standard(base.count())), own,
                tenantsUseBaseHeads, SampledVerification.LOSSLESS);
    }

    private Drafter drafter(String delta) {
        if (delta == null) {
            return base;
        }
        Drafter own = tenants.get(delta);
        return own != null ? own : tenantsUseBaseHeads ? base : null;
    }

    @Override
    public boolean speculates(String delta) {
        return drafter(delta) != null;
    }

    /** Requests that share heads and a classifier: one batched run of the heads. */
    private record Group(Drafter drafter, Weight lmHead) {}

    @Override
    public List<Draft> draft(List<DraftRequest> requests) {
        Map<Group, List<Integer>> groups = new LinkedHashMap<>();
        for (int r = 0; r < requests.size(); r++) {
            DraftRequest req = requests.get(r);
            Drafter d = drafter(req.delta());
            if (d == null) {
                throw new IllegalArgumentException("no Medusa heads serve " + (req.delta() == null ? "the base" : "delta " + req.delta()));
            }
            groups.computeIfAbsent(new Group(d, model.classifier(req.resident())), g -> new ArrayList<>()).add(r);
        }
        Draft[] drafts = new Draft[requests.size()];
        int dim = model.config().hiddenSize();
        int vocab = model.config().vocabSize();
        for (var e : groups.entrySet()) {
            Drafter d = e.getKey().drafter();
            List<Integer> members = e.getValue();
            float[] hidden = new float[members.size() * dim];   // [rows, dim]
            for (int i = 0; i < members.size(); i++) {
                System.arraycopy(requests.get(members.get(i)).hidden(), 0, hidden, i * dim, dim);
            }
            float[] guesses = d.heads().logits(hidden, members.size(), e.getKey().lmHead());   // [rows, heads, vocab]
            int heads = d.heads().count();
            for (int i = 0; i < members.size(); i++) {
                DraftRequest req = requests.get(members.get(i));
                MedusaTree tree = d.sized(req.maxNodes());
                int[] tokens = TreeCandidates.fromHeadLogits(tree, req.root(), guesses, i * heads * vocab, heads, vocab);
                drafts[members.get(i)] = new Draft(tokens, tree.parents());
            }
        }
        return List.of(drafts);
    }

    @Override
    public Verdict verify(String delta, Draft draft, StepLogits logits, int chunk, Sampler sampler) {
        MedusaTree tree = drafter(delta).sized(draft.size());
        TreeVerifier verifier = verifiers.computeIfAbsent(sampler, s -> verifierFor(s.params()));
        AcceptedPath path = verifier.verify(tree, draft.tokens(), logits.values(), logits.offset(chunk, 0), logits.vocab(), sampler.random());
        return new Verdict(path.nodes(), path.bonusToken());
    }

    private TreeVerifier verifierFor(SamplingParams params) {
        return sampled == SampledVerification.TYPICAL ? new TypicalVerifier(params) : TreeVerifier.exactFor(params);
    }
}
