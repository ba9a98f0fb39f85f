package io.evloop.redis;

import io.evloop.internal.Durations;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The commands a DAG's IO nodes use, on top of {@link #send}. Strings are sent as UTF-8 and
 * bulk replies read back as UTF-8; the {@code byte[]} forms are binary-safe.
 *
 * <p>Every returned future completes: with the reply, a {@link RedisErrorException} carrying
 * the server's message, a {@link RedisTimeoutException}, a {@link RedisConnectionException},
 * a {@link RedisBackpressureException} or a {@link RedisClosedException}. Futures complete on
 * the event loop thread: do not block in a continuation, hop to your own executor with the
 * {@code ...Async(executor)} variants for real work.
 */
public interface RedisCommands {

    /** Sends one command; argv[0] is the command name. Arguments are never interpreted. */
    CompletableFuture<Reply> send(byte[]... argv);

    /** {@link #send(byte[]...)} with a timeout for this call instead of the configured default. */
    CompletableFuture<Reply> send(Duration timeout, byte[]... argv);

    /** Sends one command whose arguments are encoded as UTF-8. */
    default CompletableFuture<Reply> send(String... argv) {
        return send(RespEncoder.utf8(argv));
    }

    default CompletableFuture<Reply> send(Duration timeout, String... argv) {
        return send(timeout, RespEncoder.utf8(argv));
    }

    default CompletableFuture<String> ping() {
        return send("PING").thenApply(Reply::asString);
    }

    /** GET: the value as UTF-8, or null when the key does not exist. */
    default CompletableFuture<String> get(String key) {
        return send("GET", key).thenApply(Reply::asString);
    }

    /** GET: the value's bytes, or null when the key does not exist. */
    default CompletableFuture<byte[]> get(byte[] key) {
        return send(bytes("GET"), key).thenApply(Reply::asBytes);
    }

    default CompletableFuture<Void> set(String key, String value) {
        return send("SET", key, value).thenApply(r -> null);
    }

    default CompletableFuture<Void> set(byte[] key, byte[] value) {
        return send(bytes("SET"), key, value).thenApply(r -> null);
    }

    /** SET with PX expiry (millisecond resolution). */
    default CompletableFuture<Void> set(String key, String value, Duration expiry) {
        return send("SET", key, value, "PX", Long.toString(positiveMillis(expiry))).thenApply(r -> null);
    }

    default CompletableFuture<Long> del(String... keys) {
        return send(prepend("DEL", keys)).thenApply(Reply::asLong);
    }

    default CompletableFuture<Long> exists(String... keys) {
        return send(prepend("EXISTS", keys)).thenApply(Reply::asLong);
    }

    default CompletableFuture<Long> incr(String key) {
        return send("INCR", key).thenApply(Reply::asLong);
    }

    /** MGET: values in key order, null for missing keys. */
    default CompletableFuture<List<String>> mget(String... keys) {
        return send(prepend("MGET", keys)).thenApply(RedisCommands::strings);
    }

    default CompletableFuture<String> hget(String key, String field) {
        return send("HGET", key, field).thenApply(Reply::asString);
    }

    /** HGETALL as an insertion-ordered map (empty when the key does not exist). */
    default CompletableFuture<Map<String, String>> hgetall(String key) {
        return send("HGETALL", key).thenApply(r -> {
            List<Reply> items = r.asList();
            Map<String, String> map = new LinkedHashMap<>(Math.max(4, items.size()));
            for (int i = 0; i + 1 < items.size(); i += 2) {
                map.put(items.get(i).asString(), items.get(i + 1).asString());
            }
            return Collections.unmodifiableMap(map);
        });
    }

    /** HSET of one field: 1 if the field is new, 0 if it was updated. */
    default CompletableFuture<Long> hset(String key, String field, String value) {
        return send("HSET", key, field, value).thenApply(Reply::asLong);
    }

    /** HSET of several fields: how many are new. */
    default CompletableFuture<Long> hset(String key, Map<String, String> fields) {
        if (fields.isEmpty()) {
            throw new IllegalArgumentException("hset needs at least one field");
        }
        List<String> argv = new ArrayList<>(2 + 2 * fields.size());
        argv.add("HSET");
        argv.add(key);
        fields.forEach((f, v) -> {
            argv.add(f);
            argv.add(v);
        });
        return send(argv.toArray(new String[0])).thenApply(Reply::asLong);
    }

    default CompletableFuture<List<String>> lrange(String key, long start, long stop) {
        return send("LRANGE", key, Long.toString(start), Long.toString(stop)).thenApply(RedisCommands::strings);
    }

    /** EXPIRE with millisecond resolution (PEXPIRE): true if the key exists. */
    default CompletableFuture<Boolean> expire(String key, Duration ttl) {
        return send("PEXPIRE", key, Long.toString(positiveMillis(ttl))).thenApply(r -> r.asLong() == 1);
    }

    private static List<String> strings(Reply reply) {
        List<Reply> items = reply.asList();
        List<String> out = new ArrayList<>(items.size());
        for (Reply item : items) {
            out.add(item.asString());
        }
        return Collections.unmodifiableList(out);
    }

    private static String[] prepend(String command, String[] keys) {
        if (keys == null || keys.length == 0) {
            throw new IllegalArgumentException(command + " needs at least one key");
        }
        String[] argv = new String[keys.length + 1];
        argv[0] = command;
        System.arraycopy(keys, 0, argv, 1, keys.length);
        return argv;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static long positiveMillis(Duration d) {
        if (d == null || d.isNegative() || d.isZero() || d.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("expiry must be at least 1 ms, got " + d);
        }
        if (d.compareTo(Durations.FOREVER) > 0) {
            throw new IllegalArgumentException("expiry " + d + " is longer than evloop accepts (about 146 years); for a key"
                    + " that never expires, give no expiry (set without one, or PERSIST)");
        }
        return d.toMillis();
    }
}
