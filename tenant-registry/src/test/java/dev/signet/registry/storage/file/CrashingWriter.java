package dev.signet.registry.storage.file;

import dev.signet.registry.key.ApiKeyIssuer;
import dev.signet.registry.key.IssuedKey;
import dev.signet.registry.model.ModelBinding;
import dev.signet.registry.tenant.Quota;
import dev.signet.registry.tenant.Tenant;
import dev.signet.registry.usage.UsageReport;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The child process of {@link FileStoreCrashTest}: writes to a file store in an endless loop and prints one
 * {@code ACK ... ok} line after each write returns (that is, after it is acknowledged as durable), until it is killed.
 * Arguments: the data directory, the first tenant number, the compaction threshold.
 */
public final class CrashingWriter {
    static final String ACK_END = "ok";

    private CrashingWriter() {}

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        long first = Long.parseLong(args[1]);
        long compactEvery = Long.parseLong(args[2]);
        PrintStream out = System.out;
        ApiKeyIssuer issuer = new ApiKeyIssuer();
        FileRegistryStore store = FileRegistryStore.open(dir, Duration.ofHours(1), compactEvery);
        out.println("OPEN " + ProcessHandle.current().pid());
        out.flush();
        for (long i = first; ; i++) {
            String tenant = "t" + i;
            store.createTenant(new Tenant(tenant, "Tenant " + i, 1, new Quota(i, 0, 1)));
            ack(out, "TENANT " + tenant);
            IssuedKey key = issuer.issue(tenant, "k", 2);
            store.addKey(key.key());
            ack(out, "KEY " + tenant + " " + key.secret() + " " + key.key().id());
            String digest = "%064x".formatted(i);
            store.putModel(tenant, new ModelBinding("m", digest, null, "stories260K", 3));
            ack(out, "MODEL " + tenant + " " + digest);
            for (int j = 0; j < 3; j++) {
                String requestId = "req-" + i + "-" + j;
                store.recordUsage(new UsageReport(requestId, tenant, "m", i, j), 4);
                ack(out, "USAGE " + tenant + " " + requestId);
            }
            if (i % 3 == 0) {
                store.revokeKey(tenant, key.key().id(), 5);
                ack(out, "REVOKED " + tenant + " " + key.key().id());
            }
            if (i % 7 == 0 && i > first) {
                store.deleteTenant("t" + (i - 1));
                ack(out, "DELETED t" + (i - 1));
            }
        }
    }

    private static void ack(PrintStream out, String line) {
        out.print("ACK " + line + " " + ACK_END + "\n"); // the end marker tells a whole line from one cut by the kill
        out.flush();
    }
}
