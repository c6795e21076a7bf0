package dev.signet.engine.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.engine.backend.reference.ReferenceBackend;
import dev.signet.engine.model.KvCacheFullException;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.model.SequenceChunk;
import dev.signet.engine.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The paged KV pool hands out and takes back whole blocks, and a step that does not fit changes nothing. */
class KvCachePoolTest {

    @Test
    void reservesBlocksAsSequencesGrowAndFreesThemAtOnce() {
        try (ReferenceBackend backend = new ReferenceBackend()) {
            KvCachePool pool = new KvCachePool(backend, 2, 8, 4, 16);
            KvSequence a = new KvSequence();
            assertTrue(pool.reserve(a, 17));
            assertEquals(2, a.blockCount());
            assertEquals(2, pool.freeBlocks());
            assertEquals(0.5, pool.usage());
            assertTrue(pool.reserve(a, 32), "still two blocks");
            assertEquals(2, pool.freeBlocks());
            KvSequence b = new KvSequence();
            assertFalse(pool.reserve(b, 48), "three blocks do not fit in two");
            assertEquals(0, b.blockCount(), "a failed reservation takes nothing");
            pool.release(a);
            assertEquals(4, pool.freeBlocks());
            assertEquals(0, a.length());
            assertTrue(pool.reserve(b, 48));
        }
    }

    @Test
    void aStepThatDoesNotFitFailsBeforeTouchingAnySequence() {
        try (LlamaCheckpoint ckpt = LlamaCheckpoint.open(Fixtures.path("stories260K"));
             ReferenceBackend backend = new ReferenceBackend()) {
            try (LlamaModel model = new LlamaModel(ckpt, backend, new ModelOptions(64, 3, 16))) {
                KvSequence a = new KvSequence();
                KvSequence b = new KvSequence();
                model.forward(List.of(SequenceChunk.last(a, new int[20])));
                assertEquals(20, a.length());
                KvCacheFullException e = assertThrows(KvCacheFullException.class,
                        () -> model.forward(List.of(SequenceChunk.last(a, 5), SequenceChunk.last(b, new int[30]))));
                assertThat(e.getMessage()).contains("needs 2 more KV cache blocks but only 1 are free");
                assertEquals(20, a.length());
                assertEquals(0, b.blockCount());
                assertThrows(IllegalArgumentException.class, () -> model.forward(List.of(SequenceChunk.last(b, new int[600]))),
                        "past max_position_embeddings or the step budget");
                assertThat(assertThrows(IllegalArgumentException.class,
                        () -> model.forward(List.of(SequenceChunk.last(a, 5), SequenceChunk.last(a, 6)))).getMessage())
                        .contains("appears twice");
                assertThat(assertThrows(IllegalArgumentException.class, () -> model.forward(List.of(SequenceChunk.last(b, 512))))
                        .getMessage()).contains("token id 512 is outside the vocabulary of 512");
                assertEquals(0, b.blockCount(), "rejected steps reserve nothing");
                assertThat(assertThrows(IllegalArgumentException.class, () -> model.forward(List.of())).getMessage())
                        .contains("at least one chunk");
            }
        }
    }
}
