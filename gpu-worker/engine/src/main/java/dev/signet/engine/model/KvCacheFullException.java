package dev.signet.engine.model;

/** A step needs more KV cache blocks than are free; the caller should wait for sequences to finish or preempt one. */
public final class KvCacheFullException extends RuntimeException {
    public KvCacheFullException(int needed, int free) {
        super("the step needs " + needed + " more KV cache blocks but only " + free + " are free");
    }
}
