package io.evloop.redis;

import io.evloop.internal.Durations;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    /** MGET of binary keys: values in key order, null for missing keys. */
    default CompletableFuture<List<byte[]>> mget(byte[]... keys) {
        return send(prepend(bytes("MGET"), keys)).thenApply(RedisCommands::byteArrays);
    }

    /** HMGET: the fields' values in field order, null for missing fields (all null for a missing key). */
    default CompletableFuture<List<String>> hmget(String key, String... fields) {
        return send(prepend("HMGET", withKey(key, fields))).thenApply(RedisCommands::strings);
    }

    /** HMGET of binary fields. */
    default CompletableFuture<List<byte[]>> hmget(byte[] key, byte[]... fields) {
        return send(prepend(bytes("HMGET"), withKey(key, fields))).thenApply(RedisCommands::byteArrays);
    }

    /** HGETALL of a binary key: field names as UTF-8, values binary-safe, in the server's order. */
    default CompletableFuture<Map<String, byte[]>> hgetall(byte[] key) {
        return send(bytes("HGETALL"), key).thenApply(r -> {
            List<Reply> items = r.asList();
            Map<String, byte[]> map = new LinkedHashMap<>(Math.max(4, items.size()));
            for (int i = 0; i + 1 < items.size(); i += 2) {
                map.put(items.get(i).asString(), items.get(i + 1).asBytes());
            }
            return Collections.unmodifiableMap(map);
        });
    }

    /** LRANGE of a binary key. */
    default CompletableFuture<List<byte[]>> lrange(byte[] key, long start, long stop) {
        return send(bytes("LRANGE"), key, bytes(Long.toString(start)), bytes(Long.toString(stop)))
                .thenApply(RedisCommands::byteArrays);
    }

    /** ZRANGE by index (negative from the end), lowest score first. */
    default CompletableFuture<List<String>> zrange(String key, long start, long stop) {
        return send("ZRANGE", key, Long.toString(start), Long.toString(stop)).thenApply(RedisCommands::strings);
    }

    /** ZRANGE ... WITHSCORES: members with their scores, lowest score first. */
    default CompletableFuture<List<ScoredValue>> zrangeWithScores(String key, long start, long stop) {
        return send("ZRANGE", key, Long.toString(start), Long.toString(stop), "WITHSCORES")
                .thenApply(r -> scored(r.asList()));
    }

    /** SMEMBERS: the members, in the server's (unspecified) order. */
    default CompletableFuture<Set<String>> smembers(String key) {
        return send("SMEMBERS", key).thenApply(r -> {
            List<Reply> items = r.asList();
            Set<String> set = new LinkedHashSet<>(Math.max(4, items.size() * 2));
            for (Reply item : items) {
                set.add(item.asString());
            }
            return Collections.unmodifiableSet(set);
        });
    }

    /** SMEMBERS of a binary key. */
    default CompletableFuture<List<byte[]>> smembers(byte[] key) {
        return send(bytes("SMEMBERS"), key).thenApply(RedisCommands::byteArrays);
    }

    /** TTL in seconds: -1 when the key has no expiry, -2 when it does not exist (as Redis answers). */
    default CompletableFuture<Long> ttl(String key) {
        return send("TTL", key).thenApply(Reply::asLong);
    }

    /** PTTL in milliseconds: -1 when the key has no expiry, -2 when it does not exist. */
    default CompletableFuture<Long> pttl(String key) {
        return send("PTTL", key).thenApply(Reply::asLong);
    }

    /**
     * SCAN over the keys matching {@code match} (a glob; null for all), {@code count} a hint of
     * the page size. On a cluster client, refused: keys live on several nodes.
     */
    default RedisScan<String> scan(String match, int count) {
        return new RedisScan<>(this, new byte[][] {bytes("SCAN")}, match, count, RedisCommands::strings);
    }

    /** HSCAN over a hash's fields matching {@code match} (null for all). */
    default RedisScan<Map.Entry<String, String>> hscan(String key, String match, int count) {
        return new RedisScan<>(this, new byte[][] {bytes("HSCAN"), bytes(key)}, match, count, items -> {
            List<Map.Entry<String, String>> out = new ArrayList<>(items.size() / 2);
            for (int i = 0; i + 1 < items.size(); i += 2) {
                out.add(Map.entry(items.get(i).asString(), items.get(i + 1).asString()));
            }
            return Collections.unmodifiableList(out);
        });
    }

    /** SSCAN over a set's members matching {@code match} (null for all). */
    default RedisScan<String> sscan(String key, String match, int count) {
        return new RedisScan<>(this, new byte[][] {bytes("SSCAN"), bytes(key)}, match, count, RedisCommands::strings);
    }

    /** ZSCAN over a sorted set's members matching {@code match} (null for all), with their scores. */
    default RedisScan<ScoredValue> zscan(String key, String match, int count) {
        return new RedisScan<>(this, new byte[][] {bytes("ZSCAN"), bytes(key)}, match, count, RedisCommands::scored);
    }

        /** FCALL of a function loaded with FUNCTION LOAD (Redis 7): its reply as Redis gives it. */
    default CompletableFuture<Reply> fcall(String function, List<String> keys, List<String> args) {
        return send(RedisScript.invocation("FCALL", function, keys, args));
    }

    /** EXPIRE with millisecond resolution (PEXPIRE): true if the key exists. */
    default CompletableFuture<Boolean> expire(String key, Duration ttl) {
        return send("PEXPIRE", key, Long.toString(positiveMillis(ttl))).thenApply(r -> r.asLong() == 1);
    }

    private static List<String> strings(Reply reply) {
        return strings(reply.asList());
    }

    private static List<String> strings(List<Reply> items) {
        List<String> out = new ArrayList<>(items.size());
        for (Reply item : items) {
            out.add(item.asString());
        }
        return Collections.unmodifiableList(out);
    }

    private static List<byte[]> byteArrays(Reply reply) {
        List<Reply> items = reply.asList();
        List<byte[]> out = new ArrayList<>(items.size());
        for (Reply item : items) {
            out.add(item.asBytes());
        }
        return Collections.unmodifiableList(out);
    }

    private static List<ScoredValue> scored(List<Reply> items) {
        if (!items.isEmpty() && items.get(0).withoutAttributes() instanceof Reply.ArrayReply) {
            // RESP3's form: a [member, score] pair per member, the score a double.
            List<ScoredValue> out = new ArrayList<>(items.size());
            for (Reply pair : items) {
                List<Reply> p = pair.asList();
                if (p.size() != 2) {
                    throw new RedisProtocolException("a member and its score should pair up, got " + pair);
                }
                out.add(new ScoredValue(p.get(0).asString(), score(p.get(1))));
            }
            return Collections.unmodifiableList(out);
        }
        if (items.size() % 2 != 0) {
            throw new RedisProtocolException("members and scores do not pair up: " + items.size() + " elements");
        }
        List<ScoredValue> out = new ArrayList<>(items.size() / 2);
        for (int i = 0; i < items.size(); i += 2) {
            out.add(new ScoredValue(items.get(i).asString(), score(items.get(i + 1))));
        }
        return Collections.unmodifiableList(out);
    }

    /** A score as RESP2 sends it (a bulk string) or RESP3 does (a double). */
    private static double score(Reply reply) {
        return reply.withoutAttributes() instanceof Reply.DoubleReply d ? d.value() : ScoredValue.parseScore(reply.asString());
    }

    private static String[] withKey(String key, String[] fields) {
        if (fields == null || fields.length == 0) {
            throw new IllegalArgumentException("name at least one field");
        }
        String[] out = new String[fields.length + 1];
        out[0] = key;
        System.arraycopy(fields, 0, out, 1, fields.length);
        return out;
    }

    private static byte[][] withKey(byte[] key, byte[][] fields) {
        if (fields == null || fields.length == 0) {
            throw new IllegalArgumentException("name at least one field");
        }
        byte[][] out = new byte[fields.length + 1][];
        out[0] = key;
        System.arraycopy(fields, 0, out, 1, fields.length);
        return out;
    }

    private static byte[][] prepend(byte[] command, byte[][] keys) {
        if (keys == null || keys.length == 0) {
            throw new IllegalArgumentException(new String(command, StandardCharsets.UTF_8) + " needs at least one key");
        }
        byte[][] argv = new byte[keys.length + 1][];
        argv[0] = command;
        System.arraycopy(keys, 0, argv, 1, keys.length);
        return argv;
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
