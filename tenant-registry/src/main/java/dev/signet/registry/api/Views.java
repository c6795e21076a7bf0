package dev.signet.registry.api;

import dev.signet.registry.key.ApiKey;
import dev.signet.registry.key.IssuedKey;
import dev.signet.registry.model.ModelBinding;
import dev.signet.registry.storage.Authentication;
import dev.signet.registry.storage.TenantRecord;
import dev.signet.registry.tenant.Quota;
import dev.signet.registry.tenant.Tenant;
import java.util.Collection;
import java.util.List;

/** The API's answers (snake_case JSON). Keys appear without their hash: the secret is shown once, at issue, and never again. */
final class Views {
    private Views() {}

    /** {@code {"data": [...]}}, OpenAI's list shape. */
    record ListOf<T>(List<T> data) {}

    record TenantView(String id, String displayName, long createdAt, Quota quota, List<ModelBinding> models, List<KeyView> keys) {
        static TenantView of(TenantRecord record) {
            Tenant t = record.tenant();
            return new TenantView(t.id(), t.displayName(), t.createdAt(), t.quota(), record.models(), KeyView.all(record.keys()));
        }
    }

    record KeyView(String id, String name, String prefix, long createdAt, Long revokedAt) {
        static KeyView of(ApiKey key) {
            return new KeyView(key.id(), key.name(), key.prefix(), key.createdAt(), key.revokedAt());
        }

        static List<KeyView> all(Collection<ApiKey> keys) {
            return keys.stream().map(KeyView::of).toList();
        }
    }

    /** The only answer that carries a key's secret. */
    record IssuedKeyView(String id, String name, String key, String prefix, long createdAt) {
        static IssuedKeyView of(IssuedKey issued) {
            ApiKey k = issued.key();
            return new IssuedKeyView(k.id(), k.name(), issued.secret(), k.prefix(), k.createdAt());
        }
    }

    record TenantSummary(String id, String displayName, long createdAt, Quota quota) {}

    record AuthenticationView(TenantSummary tenant, String keyId, List<ModelBinding> models) {
        static AuthenticationView of(Authentication a) {
            Tenant t = a.tenant();
            return new AuthenticationView(new TenantSummary(t.id(), t.displayName(), t.createdAt(), t.quota()), a.keyId(), a.models());
        }
    }

    record References(Collection<String> digests) {}
}
