package io.evloop.redis;

import static io.evloop.TestFutures.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.testkit.Backend;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The typed commands of {@link RedisCommands}, scans and scripts, against a real redis-server;
 * one thin subclass per loop.
 */
public abstract class RedisCommandsContractTest {

    private static RedisServer server;
    private EventLoop loop;
    private RedisClient redis;

    private final Backend backend;
    private final RedisProtocol protocol;

    protected RedisCommandsContractTest(Backend backend) {
        this(backend, RedisProtocol.RESP2);
    }

    /** The same commands in RESP3, whose replies have other shapes (maps, sets, doubles): the results must not differ. */
    protected RedisCommandsContractTest(Backend backend, RedisProtocol protocol) {
        this.backend = backend;
        this.protocol = protocol;
    }

    protected EventLoop createLoop(EventLoopOptions options) {
        return backend.create(options);
    }

    @BeforeAll
    static void startServer() {
        server = RedisServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void connect() {
        loop = createLoop(EventLoopOptions.defaults());
        redis = await(RedisClient.connect(loop, server.config().protocol(protocol).build()));
    }

    @AfterEach
    void close() {
        redis.close();
        loop.close();
    }

    private static String key(String name) {
        return "cmd:" + name + ":" + System.nanoTime();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void multiKeyAndHashReads() {
        String a = key("a");
        String missing = key("missing");
        byte[] binary = {0, (byte) 0xff, '\r', '\n', 42};
        await(redis.set(b(a), binary));
        List<byte[]> values = await(redis.mget(b(a), b(missing)));
        assertArrayEquals(binary, values.get(0));
        assertNull(values.get(1));

        String h = key("h");
        await(redis.hset(h, Map.of("f1", "v1", "f2", "v2")));
        assertEquals(java.util.Arrays.asList("v2", null, "v1"), await(redis.hmget(h, "f2", "nope", "f1")));
        List<byte[]> raw = await(redis.hmget(b(h), b("f1")));
        assertArrayEquals(b("v1"), raw.get(0));
        Map<String, byte[]> all = await(redis.hgetall(b(h)));
        assertEquals(Set.of("f1", "f2"), all.keySet());
        assertArrayEquals(b("v2"), all.get("f2"));
        assertEquals(java.util.Arrays.asList(null, null), await(redis.hmget(missing, "x", "y")));
    }

    @Test
    void listsSetsAndSortedSets() {
        String l = key("l");
        await(redis.send("RPUSH", l, "x", "y", "z"));
        assertEquals(3, await(redis.lrange(b(l), 0, -1)).size());
        assertArrayEquals(b("z"), await(redis.lrange(b(l), -1, -1)).get(0));

        String s = key("s");
        await(redis.send("SADD", s, "m1", "m2", "m3"));
        assertEquals(Set.of("m1", "m2", "m3"), await(redis.smembers(s)));
        assertEquals(3, await(redis.smembers(b(s))).size());
        assertEquals(Set.of(), await(redis.smembers(key("none"))));

        String z = key("z");
        await(redis.send("ZADD", z, "1.5", "one", "-inf", "low", "+inf", "high", "2", "two"));
        assertEquals(List.of("low", "one", "two", "high"), await(redis.zrange(z, 0, -1)));
        List<ScoredValue> scored = await(redis.zrangeWithScores(z, 0, -1));
        assertEquals(new ScoredValue("low", Double.NEGATIVE_INFINITY), scored.get(0));
        assertEquals(new ScoredValue("one", 1.5), scored.get(1));
        assertEquals(new ScoredValue("high", Double.POSITIVE_INFINITY), scored.get(3));
    }

    @Test
    void existsAndTimeToLive() {
        String k = key("ttl");
        await(redis.set(k, "v"));
        assertEquals(-1L, await(redis.ttl(k)));
        assertEquals(-2L, await(redis.pttl(key("gone"))));
        await(redis.expire(k, java.time.Duration.ofSeconds(100)));
        long pttl = await(redis.pttl(k));
        assertTrue(pttl > 0 && pttl <= 100_000, "pttl " + pttl);
        assertEquals(1L, await(redis.exists(k, key("gone"))));
    }

    @Test
    void scansVisitEveryElementPageByPage() throws Exception {
        String prefix = "scan:" + System.nanoTime() + ":";
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            keys.add(prefix + i);
            redis.set(prefix + i, "v");
        }
        await(redis.ping());
        Set<String> seen = new HashSet<>(await(redis.scan(prefix + "*", 50).toList(10_000)));
        assertEquals(keys, seen);

        String h = key("hscan");
        for (int i = 0; i < 200; i++) {
            redis.hset(h, "f" + i, "v" + i);
        }
        await(redis.ping());
        Map<String, String> fields = new java.util.HashMap<>();
        await(redis.hscan(h, null, 20).forEach(e -> fields.put(e.getKey(), e.getValue())));
        assertEquals(200, fields.size());
        assertEquals("v7", fields.get("f7"));

        String s = key("sscan");
        String z = key("zscan");
        for (int i = 0; i < 150; i++) {
            redis.send("SADD", s, "m" + i);
            redis.send("ZADD", z, Integer.toString(i), "m" + i);
        }
        await(redis.ping());
        assertEquals(150, new HashSet<>(await(redis.sscan(s, "m*", 10).toList(1000))).size());
        List<ScoredValue> zs = await(redis.zscan(z, null, 10).toList(1000));
        assertTrue(zs.contains(new ScoredValue("m42", 42)), zs.toString());

        RedisCommands silent = new RedisCommands() { // a server that never answers: the page stays in flight
            @Override
            public CompletableFuture<Reply> send(byte[]... argv) {
                return new CompletableFuture<>();
            }

            @Override
            public CompletableFuture<Reply> send(java.time.Duration timeout, byte[]... argv) {
                return new CompletableFuture<>();
            }
        };
        RedisScan<String> scan = silent.scan(prefix + "*", 10);
        scan.next();
        assertThrows(IllegalStateException.class, scan::next, "one page at a time");
        ExecutionException tooMany = assertThrows(ExecutionException.class,
                () -> redis.scan(prefix + "*", 50).toList(10).get(10, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, tooMany.getCause());
        assertTrue(tooMany.getCause().getMessage().contains("more than 10"), tooMany.getCause().getMessage());
    }

    @Test
    void scriptsRunBySha1AndLoadThemselvesOnceOnNoscript() throws Exception {
        await(redis.send("SCRIPT", "FLUSH"));
        RedisScript incrBy = RedisScript.of("return redis.call('INCRBY', KEYS[1], ARGV[1])");
        String counter = key("script");
        long before = commandCalls("evalsha");
        assertEquals(5L, await(incrBy.eval(redis, List.of(counter), List.of("5"))).asLong()); // NOSCRIPT, then EVAL
        assertEquals(12L, await(incrBy.eval(redis, List.of(counter), List.of("7"))).asLong()); // cached now
        assertEquals(before + 2, commandCalls("evalsha"));
        assertEquals(12L, Long.parseLong(await(redis.get(counter))), "each call ran exactly once");

        RedisScript broken = RedisScript.of("return redis.call('NOSUCHCOMMAND')");
        ExecutionException failed = assertThrows(ExecutionException.class,
                () -> broken.eval(redis, List.of(), List.of()).get(10, TimeUnit.SECONDS));
        assertInstanceOf(RedisErrorException.class, failed.getCause());
        assertThrows(IllegalArgumentException.class, () -> RedisScript.of("  "));
    }

    @Test
    void functionsAreCalledWithFcall() {
        String library = "#!lua name=evltest" + System.nanoTime() % 100000 + "\n"
                + "redis.register_function('evl_echo_len', function(keys, args) return string.len(args[1]) end)";
        await(redis.send("FUNCTION", "LOAD", "REPLACE", library));
        assertEquals(5L, await(redis.fcall("evl_echo_len", List.of(), List.of("hello"))).asLong());
    }

    @Test
    void aTransactionRunsItsCommandsTogetherAndTheirFuturesCompleteWithEXEC() {
        String counter = key("tx:n");
        String log = key("tx:log");
        RedisTransaction tx = redis.transaction();
        CompletableFuture<Reply> incr = tx.send("INCR", counter);
        CompletableFuture<Reply> push = tx.send("LPUSH", log, "one");
        assertTrue(!incr.isDone(), "nothing is sent before exec()");
        List<Reply> replies = await(tx.exec());
        assertEquals(2, replies.size());
        assertEquals(1L, await(incr).asLong());
        assertEquals(1L, await(push).asLong());
        assertThrows(IllegalStateException.class, tx::exec, "once");
        IllegalArgumentException inside = assertThrows(IllegalArgumentException.class,
                () -> redis.transaction().send("MULTI"));
        assertTrue(inside.getMessage().contains("inside a transaction"), inside.getMessage());
        IllegalArgumentException plain = assertThrows(IllegalArgumentException.class, () -> redis.send("MULTI"));
        assertTrue(plain.getMessage().contains("transaction()"), plain.getMessage());
    }

    @Test
    void aCommandFailingWhileRunningFailsAloneAndAQueueingErrorAbortsEverything() throws Exception {
        String text = key("tx:text");
        String n = key("tx:n");
        await(redis.set(text, "not a number"));
        RedisTransaction ran = redis.transaction();
        CompletableFuture<Reply> bad = ran.send("INCR", text);
        CompletableFuture<Reply> good = ran.send("INCR", n);
        List<Reply> replies = await(ran.exec());
        assertTrue(replies.get(0).isError(), replies.toString());
        ExecutionException runtime = assertThrows(ExecutionException.class, () -> bad.get(10, TimeUnit.SECONDS));
        assertInstanceOf(RedisErrorException.class, runtime.getCause());
        assertEquals(1L, await(good).asLong(), "the other command ran");

        RedisTransaction refused = redis.transaction();
        CompletableFuture<Reply> unknown = refused.send("NOSUCHCOMMAND", "x");
        CompletableFuture<Reply> queued = refused.send("INCR", n);
        ExecutionException abort = assertThrows(ExecutionException.class, () -> refused.exec().get(10, TimeUnit.SECONDS));
        assertEquals("EXECABORT", ((RedisErrorException) abort.getCause()).prefix());
        ExecutionException own = assertThrows(ExecutionException.class, () -> unknown.get(10, TimeUnit.SECONDS));
        assertTrue(own.getCause().getMessage().contains("unknown command"), own.getCause().getMessage());
        ExecutionException other = assertThrows(ExecutionException.class, () -> queued.get(10, TimeUnit.SECONDS));
        assertEquals("EXECABORT", ((RedisErrorException) other.getCause()).prefix());
        assertEquals("1", await(redis.get(n)), "nothing of the aborted transaction ran");
    }

    @Test
    void aRealServersAttributeComesWithTheValueItDescribes() throws Exception {
        // DEBUG is off by default from Redis 7 on, and Redis 6 knows no switch for it.
        String[] debugOn = redisServerMajorVersion() >= 7 ? new String[] {"--enable-debug-command", "yes"} : new String[0];
        try (RedisServer debug = RedisServer.start(debugOn)) {
            RedisClient client = await(RedisClient.connect(loop, debug.config().protocol(protocol).build()));
            try {
                Reply reply = await(client.send("DEBUG", "PROTOCOL", "attrib"));
                if (protocol == RedisProtocol.RESP2) {
                    assertInstanceOf(Reply.BulkString.class, reply, "RESP2 has no attributes: the server sends the value only");
                    assertEquals("Some real reply following the attribute", reply.asString());
                    return;
                }
                Reply.AttributedReply attributed = assertInstanceOf(Reply.AttributedReply.class, reply);
                assertEquals("Some real reply following the attribute", reply.asString(), "read as if it were not there");
                assertEquals(new Reply.BulkString("Some real reply following the attribute".getBytes(StandardCharsets.UTF_8)),
                        reply.withoutAttributes());
                Map<Reply, Reply> attributes = attributed.attributes().asMap();
                Reply popularity = attributes.get(new Reply.BulkString("key-popularity".getBytes(StandardCharsets.UTF_8)));
                assertEquals(List.of("key:123", "90"), popularity.asList().stream()
                        .map(r -> r instanceof Reply.IntegerReply i ? Long.toString(i.value()) : r.asString()).toList(),
                        attributes.toString());
                assertEquals("PONG", await(client.ping()), "the next reply is the next command's");
            } finally {
                client.close();
            }
        }
    }

    private static int redisServerMajorVersion() throws Exception {
        Process p = new ProcessBuilder("redis-server", "--version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "redis-server --version did not end");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("v=(\\d+)\\.").matcher(out);
        assertTrue(m.find(), "no version in: " + out);
        return Integer.parseInt(m.group(1));
    }

    /** How many times the server ran {@code command}, from INFO commandstats. */
    private long commandCalls(String command) {
        String info = await(redis.send("INFO", "commandstats")).asString();
        for (String line : info.split("\r\n")) {
            if (line.startsWith("cmdstat_" + command + ":")) {
                String calls = line.substring(line.indexOf("calls=") + 6);
                return Long.parseLong(calls.substring(0, calls.indexOf(',')));
            }
        }
        return 0;
    }
}
