package dev.signet.registry.storage.redis;

/**
 * The Lua scripts that make each multi-key change one atomic step in Redis (a script runs alone). Each answers a table
 * whose first element is {@code ok} or why not ({@code no-tenant}, {@code no-key}, {@code no-model}, {@code exists},
 * {@code duplicate}). Stored records are JSON written by Java; a script decodes one (cjson) only to edit a field in place.
 */
final class RegistryScripts {
    private RegistryScripts() {}

    /** KEYS: tenants. ARGV: id, tenant JSON. */
    static final String CREATE_TENANT = """
            if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return {'exists'} end
            return {'ok'}
            """;

    /** KEYS: tenants, models, keys. ARGV: id. Answers the tenant, its models, its keys. */
    static final String READ_TENANT = """
            local t = redis.call('HGET', KEYS[1], ARGV[1])
            if not t then return {'no-tenant'} end
            return {'ok', t, redis.call('HVALS', KEYS[2]), redis.call('HVALS', KEYS[3])}
            """;

    /** KEYS: tenants. ARGV: tenant key prefix. Answers each tenant with its models and keys. */
    static final String READ_TENANTS = """
            local out = {'ok'}
            for _, id in ipairs(redis.call('HKEYS', KEYS[1])) do
              local p = ARGV[1] .. id
              out[#out + 1] = {redis.call('HGET', KEYS[1], id), redis.call('HVALS', p .. ':models'), redis.call('HVALS', p .. ':keys')}
            end
            return out
            """;

    /** KEYS: tenants, key-hashes, models, keys, usage. ARGV: id. Its keys leave the hash index with it. */
    static final String DELETE_TENANT = """
            if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return {'no-tenant'} end
            for _, k in ipairs(redis.call('HVALS', KEYS[4])) do
              redis.call('HDEL', KEYS[2], cjson.decode(k).sha256)
            end
            redis.call('DEL', KEYS[3], KEYS[4], KEYS[5])
            return {'ok'}
            """;

    /** KEYS: tenants. ARGV: id, quota JSON. Answers the updated tenant. */
    static final String SET_QUOTA = """
            local t = redis.call('HGET', KEYS[1], ARGV[1])
            if not t then return {'no-tenant'} end
            local tenant = cjson.decode(t)
            tenant.quota = cjson.decode(ARGV[2])
            t = cjson.encode(tenant)
            redis.call('HSET', KEYS[1], ARGV[1], t)
            return {'ok', t}
            """;

    /** KEYS: tenants, keys, key-hashes. ARGV: tenant, key id, key JSON, key sha256, "tenant keyId". */
    static final String ADD_KEY = """
            if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return {'no-tenant'} end
            redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
            redis.call('HSET', KEYS[3], ARGV[4], ARGV[5])
            return {'ok'}
            """;

    /** KEYS: tenants, keys, key-hashes. ARGV: tenant, key id, now. Answers the key as stored; revoking twice keeps the first time. */
    static final String REVOKE_KEY = """
            if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return {'no-tenant'} end
            local k = redis.call('HGET', KEYS[2], ARGV[2])
            if not k then return {'no-key'} end
            local key = cjson.decode(k)
            if key.revoked_at == nil or key.revoked_at == cjson.null then
              key.revoked_at = tonumber(ARGV[3])
              k = cjson.encode(key)
              redis.call('HSET', KEYS[2], ARGV[2], k)
              redis.call('HDEL', KEYS[3], key.sha256)
            end
            return {'ok', k}
            """;

    /** KEYS: tenants, models. ARGV: tenant, name, binding JSON. A replaced binding keeps its created_at. */
    static final String PUT_MODEL = """
            if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return {'no-tenant'} end
            local json = ARGV[3]
            local old = redis.call('HGET', KEYS[2], ARGV[2])
            if old then
              local binding = cjson.decode(json)
              binding.created_at = cjson.decode(old).created_at
              json = cjson.encode(binding)
            end
            redis.call('HSET', KEYS[2], ARGV[2], json)
            return {'ok', json}
            """;

    /** KEYS: tenants, models. ARGV: tenant, name. */
    static final String DELETE_MODEL = """
            if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return {'no-tenant'} end
            if redis.call('HDEL', KEYS[2], ARGV[2]) == 0 then return {'no-model'} end
            return {'ok'}
            """;

    /** KEYS: key-hashes, tenants. ARGV: key sha256, tenant key prefix. Answers the tenant, the key id, the models. */
    static final String AUTHENTICATE = """
            local ref = redis.call('HGET', KEYS[1], ARGV[1])
            if not ref then return {'no-key'} end
            local sep = string.find(ref, ' ', 1, true)
            local tenant = string.sub(ref, 1, sep - 1)
            local t = redis.call('HGET', KEYS[2], tenant)
            if not t then return {'no-tenant'} end
            return {'ok', t, string.sub(ref, sep + 1), redis.call('HVALS', ARGV[2] .. tenant .. ':models')}
            """;

    /**
     * KEYS: tenants, usage-request, usage. ARGV: tenant, dedup window seconds, model, prompt tokens, completion tokens.
     * The request key is set only if absent, so a retried report (within the window) counts once.
     */
    static final String RECORD_USAGE = """
            if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return {'no-tenant'} end
            if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[2]) then return {'duplicate'} end
            local m = ARGV[3] .. ':'
            redis.call('HINCRBY', KEYS[3], m .. 'requests', 1)
            redis.call('HINCRBY', KEYS[3], m .. 'prompt_tokens', ARGV[4])
            redis.call('HINCRBY', KEYS[3], m .. 'completion_tokens', ARGV[5])
            return {'ok'}
            """;

    /** KEYS: tenants, usage. ARGV: tenant. Answers the usage hash: {@code <model>:requests|prompt_tokens|completion_tokens} → count. */
    static final String READ_USAGE = """
            if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return {'no-tenant'} end
            return {'ok', redis.call('HGETALL', KEYS[2])}
            """;
}
