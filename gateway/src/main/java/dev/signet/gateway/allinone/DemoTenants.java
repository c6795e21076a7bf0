package dev.signet.gateway.allinone;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The bundled demo, set up through the services' own admin APIs as an operator would: tenants {@code caps},
 * {@code pycode} and {@code legal}, each with its fine-tune (the bundled BitDelta, uploaded to the store once and
 * published through the quality gate under the tenant's name) and the base model, and a fresh API key named
 * {@value #KEY_NAME} on every start (the previous one revoked: keys are stored hashed, so an old one cannot be shown
 * again).
 */
final class DemoTenants {
    static final List<String> TENANTS = List.of("caps", "pycode", "legal");
    static final String BASE_MODEL = "stories260K";
    static final String KEY_NAME = "demo";
    private static final int CHUNK = 1 << 20;

    /** A demo tenant as the banner shows it. */
    record DemoTenant(String id, List<String> models, String apiKey) {}

    private final AdminHttp registry;
    private final AdminHttp store;

    DemoTenants(AdminHttp registry, AdminHttp store) {
        this.registry = registry;
        this.store = store;
    }

    List<DemoTenant> setUp(Path deltaDir) {
        List<DemoTenant> out = new ArrayList<>();
        for (String tenant : TENANTS) {
            ensureTenant(tenant);
            String digest = ensureArtifact(deltaDir.resolve(tenant + ".safetensors"));
            AdminHttp.expectOk(store.post("/admin/v1/artifacts/" + digest + "/publish", Map.of("tenant", tenant, "model", tenant)),
                    "publishing the " + tenant + " delta");
            Map<String, Object> base = new LinkedHashMap<>();
            base.put("delta", null);
            base.put("base_model", BASE_MODEL);
            AdminHttp.expectOk(registry.put("/admin/v1/tenants/" + tenant + "/models/" + BASE_MODEL, base), "binding the base model for " + tenant);
            out.add(new DemoTenant(tenant, List.of(tenant, BASE_MODEL), rotateKey(tenant)));
        }
        return out;
    }

    private void ensureTenant(String tenant) {
        if (registry.get("/admin/v1/tenants/" + tenant).status() == 404) {
            AdminHttp.expectOk(registry.post("/admin/v1/tenants", Map.of("id", tenant, "display_name", "Demo tenant " + tenant)),
                    "creating tenant " + tenant);
        }
    }

    /** The artifact's digest, uploaded in chunks unless the store holds it already. */
    private String ensureArtifact(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);   // the bundled deltas are small; the store streams real ones
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the demo delta " + file, e);
        }
        String digest = ArtifactUpload.sha256(bytes);
        if (store.get("/admin/v1/artifacts/" + digest).ok()) {
            return digest;
        }
        return ArtifactUpload.upload(store, file.getFileName().toString(), bytes, CHUNK);
    }

    private String rotateKey(String tenant) {
        JsonNode keys = AdminHttp.expectOk(registry.get("/admin/v1/tenants/" + tenant + "/keys"), "listing the keys of " + tenant);
        for (JsonNode key : keys.get("data")) {
            if (KEY_NAME.equals(key.path("name").asString()) && key.path("revoked_at").isNull()) {
                AdminHttp.expectOk(registry.delete("/admin/v1/tenants/" + tenant + "/keys/" + key.get("id").asString()), "revoking the old demo key of " + tenant);
            }
        }
        return AdminHttp.expectOk(registry.post("/admin/v1/tenants/" + tenant + "/keys", Map.of("name", KEY_NAME)), "issuing a key for " + tenant)
                .get("key").asString();
    }
}
