package dev.signet.residency.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The test Redis is real, and its restart is what the residency tests rely on: same address, nothing kept. */
class RedisServersTest {

    @Test
    void restartKeepsTheAddressAndLosesEveryKeyAndScript() {
        try (RedisServers.Server server = RedisServers.start()) {
            RedisClient client = RedisClient.create(server.url());
            try {
                try (StatefulRedisConnection<String, String> before = client.connect()) {
                    before.sync().set("residency-test:survives", "no");
                    String sha = before.sync().scriptLoad("return 1");
                    assertThat(before.sync().scriptExists(sha)).containsExactly(true);

                    server.restart();

                    try (StatefulRedisConnection<String, String> after = client.connect()) {
                        assertThat(after.sync().get("residency-test:survives")).isNull();
                        assertThat(after.sync().scriptExists(sha)).containsExactly(false);
                    }
                }
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }
}
