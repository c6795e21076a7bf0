package dev.signet.registry.storage.redis;

import dev.signet.registry.key.ApiKey;
import dev.signet.registry.model.ModelBinding;
import dev.signet.registry.storage.Authentication;
import dev.signet.registry.storage.DuplicateEntryException;
import dev.signet.registry.storage.EntryKind;
import dev.signet.registry.storage.NoSuchEntryException;
import dev.signet.registry.storage.RegistryStore;
import dev.signet.registry.storage.StorageUnavailableException;
import dev.signet.registry.storage.StoreJson;
import dev.signet.registry.storage.TenantRecord;
import dev.signet.registry.tenant.Quota;
import dev.signet.registry.tenant.Tenant;
import dev.signet.registry.usage.TenantUsage;
import dev.signet.registry.usage.UsageReport;
import dev.signet.registry.usage.UsageTotals;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The registry in Redis, shared by any number of registry replicas: every change is one Lua script
 * ({@link RegistryScripts}), so it is atomic and a concurrent reader sees it whole; a key is found by its hash in one
 * HGET. Durability is Redis's own: run it with {@code appendonly yes} (and {@code appendfsync always} to lose no
 * acknowledged usage on a power cut). Calls block for at most {@link #COMMAND_TIMEOUT}.
 */
public final class RedisRegistryStore implements RegistryStore {
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    private static final String OK = "ok";

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RegistryKeys keys;
    private final long dedupSeconds;

    public RedisRegistryStore(String redisUrl, String keyPrefix, Duration dedupWindow) {
        this.keys = new RegistryKeys(keyPrefix);
        this.dedupSeconds = dedupWindow.toSeconds();
        this.client = RedisClient.create(RedisURI.create(redisUrl));
        client.setOptions(ClientOptions.builder().timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT)).build());
        try {
            this.connection = client.connect();
        } catch (RedisException e) {
            client.shutdown();
            throw new IllegalStateException("cannot connect to the registry's Redis at " + redisUrl + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void createTenant(Tenant tenant) {
        List<Object> answer = run(RegistryScripts.CREATE_TENANT, new String[] {keys.tenants()}, tenant.id(), json(tenant));
        if ("exists".equals(answer.getFirst())) {
            throw new DuplicateEntryException(EntryKind.TENANT, tenant.id());
        }
    }

    @Override
    public List<TenantRecord> tenants() {
        List<Object> answer = run(RegistryScripts.READ_TENANTS, new String[] {keys.tenants()}, keys.tenantPrefix());
        return answer.stream().skip(1).map(entry -> record((List<?>) entry, 0))
                .sorted(Comparator.comparing(r -> r.tenant().id())).toList();
    }

    @Override
    public List<String> tenantIds() {
        return call(() -> commands().hkeys(keys.tenants())).stream().sorted().toList();
    }

    @Override
    public Optional<TenantRecord> tenant(String id) {
        List<Object> answer = run(RegistryScripts.READ_TENANT, new String[] {keys.tenants(), keys.models(id), keys.keys(id)}, id);
        return OK.equals(answer.getFirst()) ? Optional.of(record(answer, 1)) : Optional.empty();
    }

    @Override
    public void deleteTenant(String id) {
        expectOk(id, null, run(RegistryScripts.DELETE_TENANT,
                new String[] {keys.tenants(), keys.keyHashes(), keys.models(id), keys.keys(id), keys.usage(id)}, id));
    }

    @Override
    public Tenant setQuota(String tenant, Quota quota) {
        List<Object> answer = run(RegistryScripts.SET_QUOTA, new String[] {keys.tenants()}, tenant, json(quota));
        expectOk(tenant, null, answer);
        return read((String) answer.get(1), Tenant.class);
    }

    @Override
    public void addKey(ApiKey key) {
        expectOk(key.tenant(), null, run(RegistryScripts.ADD_KEY,
                new String[] {keys.tenants(), keys.keys(key.tenant()), keys.keyHashes()},
                key.tenant(), key.id(), json(key), key.sha256(), key.tenant() + " " + key.id()));
    }

    @Override
    public ApiKey revokeKey(String tenant, String keyId, long now) {
        List<Object> answer = run(RegistryScripts.REVOKE_KEY, new String[] {keys.tenants(), keys.keys(tenant), keys.keyHashes()},
                tenant, keyId, Long.toString(now));
        expectOk(tenant, keyId, answer);
        return read((String) answer.get(1), ApiKey.class);
    }

    @Override
    public ModelBinding putModel(String tenant, ModelBinding binding) {
        List<Object> answer = run(RegistryScripts.PUT_MODEL, new String[] {keys.tenants(), keys.models(tenant)},
                tenant, binding.name(), json(binding));
        expectOk(tenant, binding.name(), answer);
        return read((String) answer.get(1), ModelBinding.class);
    }

    @Override
    public void deleteModel(String tenant, String name) {
        expectOk(tenant, name, run(RegistryScripts.DELETE_MODEL, new String[] {keys.tenants(), keys.models(tenant)}, tenant, name));
    }

    @Override
    public Optional<Authentication> authenticate(String keySha256) {
        List<Object> answer = run(RegistryScripts.AUTHENTICATE, new String[] {keys.keyHashes(), keys.tenants()},
                keySha256, keys.tenantPrefix());
        if (!OK.equals(answer.getFirst())) {
            return Optional.empty();
        }
        return Optional.of(new Authentication(read((String) answer.get(1), Tenant.class), (String) answer.get(2),
                models((List<?>) answer.get(3))));
    }

    @Override
    public boolean recordUsage(UsageReport report, long now) {
        List<Object> answer = run(RegistryScripts.RECORD_USAGE,
                new String[] {keys.tenants(), keys.usageRequest(report.requestId()), keys.usage(report.tenant())},
                report.tenant(), Long.toString(dedupSeconds), report.model(), Long.toString(report.promptTokens()),
                Long.toString(report.completionTokens()));
        if ("duplicate".equals(answer.getFirst())) {
            return false;
        }
        expectOk(report.tenant(), null, answer);
        return true;
    }

    @Override
    public TenantUsage usage(String tenant) {
        List<Object> answer = run(RegistryScripts.READ_USAGE, new String[] {keys.tenants(), keys.usage(tenant)}, tenant);
        expectOk(tenant, null, answer);
        List<?> fields = (List<?>) answer.get(1);
        Map<String, long[]> counts = new HashMap<>(); // model → requests, prompt tokens, completion tokens
        for (int i = 0; i < fields.size(); i += 2) {
            String field = (String) fields.get(i);
            int colon = field.lastIndexOf(':');
            long[] c = counts.computeIfAbsent(field.substring(0, colon), m -> new long[3]);
            long value = Long.parseLong((String) fields.get(i + 1));
            switch (field.substring(colon + 1)) {
                case "requests" -> c[0] = value;
                case "prompt_tokens" -> c[1] = value;
                case "completion_tokens" -> c[2] = value;
                default -> throw new IllegalStateException("unexpected usage field '" + field + "' in " + keys.usage(tenant));
            }
        }
        Map<String, UsageTotals> byModel = new HashMap<>();
        counts.forEach((model, c) -> byModel.put(model, new UsageTotals(c[0], c[1], c[2])));
        return TenantUsage.of(tenant, byModel);
    }

    @Override
    public SortedSet<String> references() {
        SortedSet<String> digests = new TreeSet<>();
        tenants().forEach(t -> t.models().stream().map(ModelBinding::delta).filter(Objects::nonNull).forEach(digests::add));
        return digests;
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
    }

    /** Turns a script's refusal into the exception the interface promises, naming what exists. */
    private void expectOk(String tenant, String name, List<Object> answer) {
        switch ((String) answer.getFirst()) {
            case OK -> { }
            case "no-tenant" -> throw NoSuchEntryException.tenant(tenant, tenantIds());
            case "no-key" -> throw NoSuchEntryException.of(EntryKind.KEY, tenant, name,
                    call(() -> commands().hkeys(keys.keys(tenant))));
            case "no-model" -> throw NoSuchEntryException.of(EntryKind.MODEL, tenant, name,
                    call(() -> commands().hkeys(keys.models(tenant))));
            default -> throw new IllegalStateException("unexpected script answer " + answer);
        }
    }

    private TenantRecord record(List<?> answer, int from) {
        Tenant tenant = read((String) answer.get(from), Tenant.class);
        List<ApiKey> apiKeys = ((List<?>) answer.get(from + 2)).stream().map(k -> read((String) k, ApiKey.class)).toList();
        return new TenantRecord(tenant, models((List<?>) answer.get(from + 1)), apiKeys);
    }

    private static List<ModelBinding> models(List<?> jsons) {
        return jsons.stream().map(m -> read((String) m, ModelBinding.class))
                .sorted(Comparator.comparing(ModelBinding::name)).toList();
    }

    private List<Object> run(String script, String[] scriptKeys, String... args) {
        return call(() -> commands().eval(script, ScriptOutputType.MULTI, scriptKeys, args));
    }

    private RedisCommands<String, String> commands() {
        return connection.sync();
    }

    private <T> T call(Supplier<T> command) {
        try {
            return command.get();
        } catch (RedisException e) {
            throw new StorageUnavailableException("Redis did not answer: " + e.getMessage(), e);
        }
    }

    private static String json(Object value) {
        return StoreJson.MAPPER.writeValueAsString(value);
    }

    private static <T> T read(String json, Class<T> type) {
        return StoreJson.MAPPER.readValue(json, type);
    }
}
