package dev.signet.engine.scheduler;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * One tenant's waiting sequences and its virtual token counter (S-LoRA's VTC): the service it has received,
 * weighted (prompt tokens, generated tokens). The scheduler admits from the tenant with the smallest counter, so
 * a tenant that floods the worker only competes with itself.
 */
final class TenantQueue {
    final String tenant;
    final Deque<ScheduledSequence> waiting = new ArrayDeque<>();
    double counter;
    int running;

    TenantQueue(String tenant) {
        this.tenant = tenant;
    }

    boolean active() {
        return running > 0 || !waiting.isEmpty();
    }
}
