package dev.signet.registry;

import dev.signet.residency.testing.RedisServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;

/** The API contract against the Redis store in a real Redis; stored content is every value under the test's key prefix. */
class RedisRegistryApiTest extends RegistryApiContract {
    private final RedisServers.Server redis = RedisServers.start();
    private final String prefix = "registry-test-" + UUID.randomUUID();

    @Override
    List<String> storeArguments() {
        return List.of("--signet.registry.store=redis", "--signet.registry.redis-url=" + redis.url(),
                "--signet.registry.key-prefix=" + prefix);
    }

    @Override
    String storedContent() {
        RedisClient client = RedisClient.create(redis.url());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> commands = connection.sync();
            StringBuilder content = new StringBuilder();
            for (String key : commands.keys(prefix + ":*")) {
                content.append(key).append('\n');
                switch (commands.type(key)) {
                    case "hash" -> commands.hgetall(key).forEach((f, v) -> content.append(f).append('=').append(v).append('\n'));
                    case "string" -> content.append(commands.get(key)).append('\n');
                    default -> throw new AssertionError("unexpected type of " + key + ": " + commands.type(key));
                }
            }
            return content.toString();
        } finally {
            client.shutdown();
        }
    }

    @AfterAll
    void stopRedis() {
        stopRegistry(); // first: JUnit runs a subclass's @AfterAll before its superclass's
        redis.close();
    }
}
