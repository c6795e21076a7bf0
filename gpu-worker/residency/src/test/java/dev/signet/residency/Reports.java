package dev.signet.residency;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** Builds the reports the tests publish: realistic values, distinct per worker, so a mix-up shows. */
final class Reports {
    static final String LLAMA_CHAT = digest('a');
    static final String SQL_COPILOT = digest('b');
    static final String SUPPORT_BOT = digest('c');

    private Reports() {}

    /** A 64-hex digest made of one repeated hex digit. */
    static String digest(char hexDigit) {
        return String.valueOf(hexDigit).repeat(64);
    }

    static WorkerReport report(String workerId, WorkerLoad load, Map<String, Tier> deltas) {
        int n = Math.abs(workerId.hashCode() % 1000);
        WorkerInfo info = new WorkerInfo(workerId, "10.0.0." + (n % 250) + ":8080", "cuda", 8, 4L << 30, 64, 4096 + n);
        return new WorkerReport(info, load, deltas, Instant.parse("2026-03-01T12:00:00.123456789Z").plusSeconds(n));
    }

    static WorkerReport report(String workerId, Map<String, Tier> deltas) {
        return report(workerId, new WorkerLoad(3, 1, 2, 0.25), deltas);
    }

    /** Queued plus running = busy, split between the two so both count. */
    static WorkerLoad loadOf(int busy) {
        return new WorkerLoad(2, busy / 2, busy - busy / 2, 0.5);
    }

    static Map<String, Tier> deltas(Object... digestTierPairs) {
        Map<String, Tier> deltas = new HashMap<>();
        for (int i = 0; i < digestTierPairs.length; i += 2) {
            deltas.put((String) digestTierPairs[i], (Tier) digestTierPairs[i + 1]);
        }
        return deltas;
    }
}
