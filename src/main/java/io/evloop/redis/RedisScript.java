package io.evloop.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A Lua script run by its SHA1 digest: {@link #eval} sends EVALSHA, and when the server does
 * not have the script (NOSCRIPT: a restart, a failover, SCRIPT FLUSH) sends it once with EVAL,
 * which also caches it there, so the body crosses the network only when needed. Immutable and
 * thread-safe; create it once and reuse it. On a cluster client the keys route it, and must
 * share a slot as for any multi-key command.
 *
 * <pre>{@code
 * RedisScript incrBy = RedisScript.of("return redis.call('INCRBY', KEYS[1], ARGV[1])");
 * incrBy.eval(redis, List.of("counter"), List.of("5")).thenApply(Reply::asLong);
 * }</pre>
 */
public final class RedisScript {

    private final String body;
    private final String sha1;

    private RedisScript(String body) {
        this.body = body;
        this.sha1 = sha1(body);
    }

    public static RedisScript of(String luaBody) {
        Objects.requireNonNull(luaBody, "luaBody: the script's Lua source");
        if (luaBody.isBlank()) {
            throw new IllegalArgumentException("the script is empty; give its Lua source");
        }
        return new RedisScript(luaBody);
    }

    /** The digest Redis knows the script by (lower-case hex). */
    public String sha1() {
        return sha1;
    }

    /**
     * Runs the script with {@code keys} (KEYS) and {@code args} (ARGV). At most two round trips:
     * EVALSHA, and EVAL only after NOSCRIPT. A script that fails in Redis fails the future
     * with its error; it is never retried.
     */
    public CompletableFuture<Reply> eval(RedisCommands redis, List<String> keys, List<String> args) {
        Objects.requireNonNull(redis, "redis");
        byte[][] bySha = invocation("EVALSHA", sha1, keys, args);
        return redis.send(bySha).handle((reply, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(reply);
            }
            Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            if (cause instanceof RedisErrorException e && "NOSCRIPT".equals(e.prefix())) {
                return redis.send(invocation("EVAL", body, keys, args));
            }
            return CompletableFuture.<Reply>failedFuture(cause);
        }).thenCompose(f -> f);
    }

    @Override
    public String toString() {
        return "RedisScript[" + sha1 + "]";
    }

    /** {@code command script numkeys keys... args...}, for EVAL, EVALSHA and FCALL. */
    static byte[][] invocation(String command, String script, List<String> keys, List<String> args) {
        Objects.requireNonNull(keys, "keys: pass List.of() for none");
        Objects.requireNonNull(args, "args: pass List.of() for none");
        byte[][] argv = new byte[3 + keys.size() + args.size()][];
        argv[0] = command.getBytes(StandardCharsets.US_ASCII);
        argv[1] = script.getBytes(StandardCharsets.UTF_8);
        argv[2] = Integer.toString(keys.size()).getBytes(StandardCharsets.US_ASCII);
        int i = 3;
        for (String k : keys) {
            argv[i++] = Objects.requireNonNull(k, "a key is null").getBytes(StandardCharsets.UTF_8);
        }
        for (String a : args) {
            argv[i++] = Objects.requireNonNull(a, "an argument is null").getBytes(StandardCharsets.UTF_8);
        }
        return argv;
    }

    private static String sha1(String body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-1, which every Java platform must have", e);
        }
    }
}
