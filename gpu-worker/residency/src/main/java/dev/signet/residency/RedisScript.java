package dev.signet.residency;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A Lua script from this package's resources, run by its SHA-1 and sent in full only when the server does not have it
 * cached: after a Redis restart (or SCRIPT FLUSH) the cache is empty and EVALSHA answers NOSCRIPT.
 */
final class RedisScript {
    private static final String PRELUDE = resource("server-time.lua");

    private final String source;
    private final String sha1;

    private RedisScript(String source) {
        this.source = source;
        this.sha1 = sha1(source);
    }

    /** The script in this package's resource {@code name}, after the server-time prelude its code may call. */
    static RedisScript load(String name) {
        return new RedisScript(PRELUDE + "\n" + resource(name));
    }

    <T> T run(RedisCommands<String, String> redis, ScriptOutputType type, String[] keys, String... args) {
        try {
            return redis.evalsha(sha1, type, keys, args);
        } catch (RedisNoScriptException notCached) {
            return redis.eval(source, type, keys, args); // EVAL also caches it for the next EVALSHA
        }
    }

    private static String resource(String name) {
        try (InputStream in = RedisScript.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing script resource dev/signet/residency/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read script resource " + name, e);
        }
    }

    private static String sha1(String source) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }
}
