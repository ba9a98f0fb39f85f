package io.evloop.redis;

import static io.evloop.TestFutures.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.LoopStall;
import io.evloop.TestFutures;
import io.evloop.testkit.Backend;
import io.evloop.testkit.LatencyProxy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Redis client's contract, run against both backends (a thin subclass per loop) with a
 * real redis-server on a free loopback port. Fault tests that kill or pause a server use
 * their own, so the shared one stays healthy.
 */
public abstract class RedisClientContractTest {

    private static RedisServer shared;
    protected EventLoop loop;
    private final List<RedisClient> clients = new ArrayList<>();

    private final Backend backend;

    protected RedisClientContractTest(Backend backend) {
        this.backend = backend;
    }

    protected EventLoop createLoop(EventLoopOptions options) {
        return backend.create(options);
    }

    @BeforeAll
    static void startServer() {
        shared = RedisServer.start();
    }

    @AfterAll
    static void stopServer() {
        shared.close();
    }

    @BeforeEach
    void createTheLoop() {
        loop = createLoop(EventLoopOptions.defaults());
    }

    @AfterEach
    void closeEverything() {
        clients.forEach(RedisClient::close);
        loop.close();
        await(loop.terminationFuture());
    }

    private RedisClient connect(RedisConfig config) {
        RedisClient client = await(RedisClient.connect(loop, config));
        clients.add(client);
        return client;
    }

    private RedisClient connect() {
        return connect(shared.config().build());
    }

    private static String key(String name) {
        return "test:" + name + ":" + System.nanoTime();
    }

    // ---- happy path ---------------------------------------------------------------------

    @Test
    void pingAndTypedHelpers() {
        RedisClient redis = connect();
        assertEquals("PONG", await(redis.ping()));
        String k = key("str");
        await(redis.set(k, "v1"));
        assertEquals("v1", await(redis.get(k)));
        assertNull(await(redis.get(key("missing"))));
        assertEquals(1L, await(redis.exists(k)));
        assertEquals(1L, await(redis.del(k)));
        assertEquals(0L, await(redis.exists(k)));
        String counter = key("counter");
        assertEquals(1L, await(redis.incr(counter)));
        assertEquals(2L, await(redis.incr(counter)));
        String a = key("a");
        await(redis.set(a, "A"));
        assertEquals(java.util.Arrays.asList("A", null), await(redis.mget(a, key("nothing"))));
        String h = key("hash");
        assertEquals(1L, await(redis.hset(h, "f1", "x")));
        assertEquals(2L, await(redis.hset(h, Map.of("f2", "y", "f3", "z"))));
        assertEquals("x", await(redis.hget(h, "f1")));
        assertNull(await(redis.hget(h, "nope")));
        assertEquals(Map.of("f1", "x", "f2", "y", "f3", "z"), await(redis.hgetall(h)));
        assertEquals(Map.of(), await(redis.hgetall(key("nohash"))));
        String list = key("list");
        await(redis.send("RPUSH", list, "1", "2", "3"));
        assertEquals(List.of("1", "2", "3"), await(redis.lrange(list, 0, -1)));
        assertEquals(List.of("2"), await(redis.lrange(list, 1, 1)));
        assertTrue(await(redis.expire(list, Duration.ofSeconds(30))));
        assertFalse(await(redis.expire(key("gone"), Duration.ofSeconds(30))));
        String ex = key("expiring");
        await(redis.set(ex, "v", Duration.ofSeconds(100)));
        long pttl = await(redis.send("PTTL", ex)).asLong();
        assertTrue(pttl > 0 && pttl <= 100_000, "PTTL " + pttl);
    }

    @Test
    void bytesRoundTripExactly() {
        RedisClient redis = connect();
        byte[] k = {'k', '\r', '\n', 0, '%', 's', (byte) 0xff, (byte) 0xc3};
        byte[] v = new byte[256];
        for (int i = 0; i < v.length; i++) {
            v[i] = (byte) i;
        }
        await(redis.set(k, v));
        assertArrayEquals(v, await(redis.get(k)));
        byte[] big = new byte[3 * 1024 * 1024 + 7];
        new java.util.Random(1).nextBytes(big);
        await(redis.set(k, big));
        assertArrayEquals(big, await(redis.get(k)));
    }

    @Test
    void serverErrorsFailTheFutureWithTheServersMessage() {
        RedisClient redis = connect();
        String k = key("notanumber");
        await(redis.set(k, "abc"));
        RedisErrorException e = failure(redis.incr(k), RedisErrorException.class);
        assertTrue(e.getMessage().startsWith("ERR"), e.getMessage());
        RedisErrorException unknown = failure(redis.send("NOSUCHCOMMAND"), RedisErrorException.class);
        assertTrue(unknown.getMessage().contains("unknown command"), unknown.getMessage());
        assertEquals("PONG", await(redis.ping()), "the connection stays usable");
    }

    @Test
    void errorsInsideArraysAreElements() {
        RedisClient redis = connect();
        Reply reply = await(redis.send("EVAL", "return {1, {err='boom'}, 'x'}", "0"));
        List<Reply> items = reply.asList();
        assertEquals(1L, items.get(0).asLong());
        assertInstanceOf(Reply.ErrorReply.class, items.get(1));
        assertEquals("boom", ((Reply.ErrorReply) items.get(1)).message());
        assertEquals("x", items.get(2).asString());
    }

    @Test
    void tenThousandPipelinedCommandsAnswerInOrderFromManyThreads() throws Exception {
        RedisClient redis = connect();
        String k = key("seq");
        int threads = 4;
        int perThread = 2500;
        List<CompletableFuture<Reply>> all = new ArrayList<>();
        List<Thread> senders = new ArrayList<>();
        List<List<CompletableFuture<Reply>>> byThread = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<CompletableFuture<Reply>> mine = new ArrayList<>();
            byThread.add(mine);
            int id = t;
            senders.add(new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    mine.add(redis.send("RPUSH", k + id, Integer.toString(i)));
                }
            }));
        }
        senders.forEach(Thread::start);
        senders.forEach(TestFutures::join);
        byThread.forEach(all::addAll);
        await(CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])));
        for (int t = 0; t < threads; t++) {
            List<CompletableFuture<Reply>> mine = byThread.get(t);
            for (int i = 0; i < perThread; i++) {
                assertEquals(i + 1, mine.get(i).join().asLong(), "reply " + i + " of thread " + t);
            }
        }
        assertEquals(0, redis.inFlight());
    }

    @Test
    void sendsRacingWithCloseAndWithTheLoopStoppingAllCompleteExactlyOnce() throws Exception {
        for (boolean stopTheLoop : new boolean[] {false, true}) {
            EventLoop own = createLoop(EventLoopOptions.defaults());
            try {
                RedisClient redis = RedisClient.connect(own, shared.config().build()).get(10, TimeUnit.SECONDS);
                String counter = key("race-" + stopTheLoop);
                int threads = 4;
                int perThread = 20_000;
                List<List<CompletableFuture<Reply>>> byThread = new ArrayList<>();
                List<Thread> senders = new ArrayList<>();
                CountDownLatch started = new CountDownLatch(threads);
                for (int t = 0; t < threads; t++) {
                    List<CompletableFuture<Reply>> mine = new ArrayList<>(perThread);
                    byThread.add(mine);
                    senders.add(new Thread(() -> {
                        started.countDown();
                        for (int i = 0; i < perThread; i++) {
                            mine.add(redis.send("INCR", counter));
                        }
                    }));
                }
                senders.forEach(Thread::start);
                assertTrue(started.await(10, TimeUnit.SECONDS));
                Thread.sleep(5);
                if (stopTheLoop) {
                    own.stop();
                } else {
                    redis.closeAsync();
                }
                senders.forEach(TestFutures::join);
                long succeeded = 0;
                for (List<CompletableFuture<Reply>> mine : byThread) {
                    for (CompletableFuture<Reply> f : mine) {
                        Throwable failure = failureOrValue(f);
                        if (failure == null) {
                            succeeded++;
                        } else {
                            assertInstanceOf(RedisException.class, failure, "every failure is the client's own");
                        }
                    }
                }
                assertEquals(0, redis.inFlight(), "every command was accounted for once");
                RedisClient check = connect();
                String value = await(check.get(counter));
                long ran = value == null ? 0 : Long.parseLong(value);
                assertTrue(ran >= succeeded && ran <= (long) threads * perThread,
                        "INCRs that ran: " + ran + ", succeeded: " + succeeded + " (stop the loop: " + stopTheLoop + ")");
            } finally {
                own.close();
            }
        }
    }

    @Test
    void aCompletionThatBlocksTheLoopIsReportedAsAStall() throws Exception {
        List<LoopStall> stalls = new java.util.concurrent.CopyOnWriteArrayList<>();
        EventLoop own = createLoop(EventLoopOptions.defaults().withStallThreshold(Duration.ofMillis(50))
                .withStallListener(stalls::add));
        try {
            RedisClient redis = RedisClient.connect(own, shared.config().build()).get(10, TimeUnit.SECONDS);
            // Chained on the loop thread, so that the reply cannot come before the callback is
            // attached (which would run it on this thread instead).
            CompletableFuture<Void> blocked = new CompletableFuture<>();
            own.post(() -> redis.ping().thenAccept(pong -> blockTheLoop(300))
                    .whenComplete((v, e) -> blocked.complete(null)));
            await(blocked);
            assertEquals("PONG", await(redis.ping()), "the connection goes on after the stall");
            // Only the blocking completion counts: a slow first turn (class loading on a busy
            // machine) may be reported too, and rightly so.
            java.util.function.Supplier<List<LoopStall>> inTheCallback = () -> stalls.stream()
                    .filter(x -> x.stack().stream().anyMatch(f -> f.getMethodName().equals("blockTheLoop"))).toList();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (inTheCallback.get().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, inTheCallback.get().size(), "one report for the blocking completion: " + stalls);
        } finally {
            own.close();
        }
    }

    private static void blockTheLoop(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void tcpConnectionsHaveKeepAliveWithTheConfiguredIdleTimeByDefault() throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name", "").startsWith("Linux") && Files.isExecutable(Path.of("/usr/bin/ss"))
                || Files.isExecutable(Path.of("/bin/ss")), "ss (iproute2) shows the sockets' keepalive timers");
        try (RedisServer server = RedisServer.start()) {
            assertEquals(RedisConfig.DEFAULT_TCP_KEEPALIVE, server.config().build().tcpKeepAlive());
            for (Duration idle : List.of(Duration.ofSeconds(7), RedisConfig.DEFAULT_TCP_KEEPALIVE, Duration.ZERO)) {
                RedisClient redis = connect(server.config().tcpKeepAlive(idle).build());
                assertEquals("PONG", await(redis.ping()));
                String line = awaitSocket(server.port(), l -> !l.isEmpty());
                java.util.regex.Matcher timer = java.util.regex.Pattern.compile("timer:\\(keepalive,([^,]*),").matcher(line);
                if (idle.isZero()) {
                    assertFalse(timer.find(), "no keepalive: " + line);
                } else {
                    assertTrue(timer.find(), "a keepalive timer: " + line);
                    double seconds = ssSeconds(timer.group(1));
                    assertTrue(seconds <= idle.getSeconds() && seconds > idle.getSeconds() - 5,
                            "the timer runs from the configured idle time " + idle + ": " + line);
                }
                redis.close();
                awaitSocket(server.port(), String::isEmpty);
            }
        }
        RedisConfig.Builder b = RedisConfig.builder();
        assertThrows(IllegalArgumentException.class, () -> b.tcpKeepAlive(Duration.ofMillis(1500)));
        assertThrows(IllegalArgumentException.class, () -> b.tcpKeepAlive(Duration.ofSeconds(32768)));
        assertThrows(IllegalArgumentException.class, () -> b.tcpKeepAlive(Duration.ofSeconds(-1)));
        assertTrue(assertThrows(NullPointerException.class, () -> b.tcpKeepAlive(null)).getMessage().contains("Duration.ZERO"));
    }

    /** ss's timer text ("1min", "59sec", "6.996ms" for 6 s 996 ms, "996ms") in seconds. */
    private static double ssSeconds(String text) {
        double seconds = 0;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)min").matcher(text);
        if (m.find()) {
            seconds += 60 * Long.parseLong(m.group(1));
        }
        m = java.util.regex.Pattern.compile("(?:^|min)(\\d+)(?:sec|\\.)").matcher(text);
        if (m.find()) {
            seconds += Long.parseLong(m.group(1));
        }
        m = java.util.regex.Pattern.compile("(\\d+)ms").matcher(text);
        if (m.find()) {
            seconds += Long.parseLong(m.group(1)) / 1000.0;
        }
        return seconds;
    }

    /** Polls {@link #clientSocket} until it gives a line that passes. */
    private static String awaitSocket(int port, java.util.function.Predicate<String> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + TestFutures.BOUND.toNanos();
        String line = null;
        while (System.nanoTime() < deadline) {
            line = clientSocket(port);
            if (line != null && wanted.test(line)) {
                return line;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("ss never showed the expected client socket to port " + port + "; last: " + line);
    }

    /** The one established client socket to the port, as ss shows it with its timers ("" if
     * none, null if more than one). */
    private static String clientSocket(int port) {
        try {
            Process p = new ProcessBuilder("ss", "-tnoH", "state", "established", "dport", "=", ":" + port)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "ss finished");
            return out.lines().count() == 1 ? out : out.isEmpty() ? "" : null;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void anIdlePingFindsAStoppedServerAndTheClientReconnects() throws Exception {
        try (RedisServer server = RedisServer.start()) {
            ReconnectPolicy quick = new ReconnectPolicy(true, Duration.ofMillis(20), Duration.ofMillis(100));
            RedisClient pinging = connect(server.config().idlePing(Duration.ofMillis(100), Duration.ofMillis(300))
                    .reconnectPolicy(quick).build());
            RedisClient silent = connect(server.config().reconnectPolicy(quick).build());
            long pingingId = await(pinging.send("CLIENT", "ID")).asLong();
            long silentId = await(silent.send("CLIENT", "ID")).asLong();
            server.pause();
            try {
                Thread.sleep(1500); // several idle PING intervals and timeouts
            } finally {
                server.resume();
            }
            // The pinging client found the server gone and reconnected: a new connection. The
            // other never noticed: without traffic nothing on its connection changed.
            long after = TestFutures.eventually(() -> pinging.send(Duration.ofSeconds(2), "CLIENT", "ID")).asLong();
            assertNotEquals(pingingId, after, "the idle PING closed the connection and the client reconnected");
            assertEquals(silentId, await(silent.send("CLIENT", "ID")).asLong(), "no idle PING, no reconnect");
        }
    }

    @Test
    void anIdlePingFindsANetworkThatStoppedForwardingAndTheClientReconnects() throws Exception {
        try (RedisServer server = RedisServer.start();
             LatencyProxy proxy = new LatencyProxy(new java.net.InetSocketAddress("127.0.0.1", server.port()), 0)) {
            ReconnectPolicy quick = new ReconnectPolicy(true, Duration.ofMillis(20), Duration.ofMillis(100));
            RedisConfig.Builder viaProxy = RedisConfig.builder().host("127.0.0.1").port(proxy.port()).reconnectPolicy(quick);
            RedisClient pinging = connect(viaProxy.idlePing(Duration.ofMillis(100), Duration.ofMillis(300)).build());
            long id = await(pinging.send("CLIENT", "ID")).asLong();
            proxy.stall(true); // nothing passes, nothing closes
            try {
                Thread.sleep(1500);
            } finally {
                proxy.stall(false);
            }
            long after = TestFutures.eventually(() -> pinging.send(Duration.ofSeconds(2), "CLIENT", "ID")).asLong();
            assertNotEquals(id, after, "the idle PING closed the stalled connection and the client reconnected");
        }
    }

    @Test
    void idlePingsKeepAHealthyConnectionAndNeverFailIt() throws Exception {
        try (RedisServer server = RedisServer.start()) {
            RedisClient redis = connect(server.config().idlePing(Duration.ofMillis(20), Duration.ofSeconds(2)).build());
            long id = await(redis.send("CLIENT", "ID")).asLong();
            long before = pingCalls(server);
            Thread.sleep(400);
            assertTrue(pingCalls(server) - before >= 5, "idle PINGs were sent: " + (pingCalls(server) - before));
            assertEquals(id, await(redis.send("CLIENT", "ID")).asLong(), "the same connection throughout");
            assertEquals("PONG", await(redis.ping()));
        }
        RedisConfig.Builder b = RedisConfig.builder();
        assertThrows(IllegalArgumentException.class, () -> b.idlePing(Duration.ofMillis(5), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> b.idlePing(Duration.ofSeconds(1), Duration.ZERO));
        assertTrue(assertThrows(NullPointerException.class, () -> b.idlePing(null, Duration.ofSeconds(1)))
                .getMessage().contains("Duration.ZERO"));
        assertEquals(Duration.ZERO, b.build().idlePingInterval(), "off by default");
    }

    private static long pingCalls(RedisServer server) {
        String stats = server.admin("INFO", "commandstats").asString();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("cmdstat_ping:calls=(\\d+)").matcher(stats);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void metricsCountCommandsRepliesErrorsTimeoutsAndReconnects() throws Exception {
        try (RedisServer server = RedisServer.start()) {
            RedisClient redis = connect(server.config().clientName("counted")
                    .reconnectPolicy(new ReconnectPolicy(true, Duration.ofMillis(10), Duration.ofMillis(50))).build());
            RedisClientMetrics start = redis.metrics();
            assertEquals(0, start.commandsWritten(), "the handshake is not counted: " + start);
            String k = key("metrics");
            for (int i = 0; i < 10; i++) {
                await(redis.set(k, "v" + i));
            }
            failure(redis.incr(k), RedisErrorException.class); // WRONGTYPE-like: not an integer
            failure(redis.send(Duration.ofMillis(50), "BLPOP", key("metrics-empty"), "1"), RedisTimeoutException.class);
            server.admin("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
            assertEquals("PONG", TestFutures.eventually(() -> redis.ping()));
            RedisClientMetrics m = redis.metrics();
            assertTrue(m.commandsWritten() >= 13, m.toString());
            assertTrue(m.replies() >= 11, m.toString());
            assertEquals(1, m.errorReplies(), m.toString());
            assertEquals(1, m.timeouts(), m.toString());
            assertEquals(1, m.connectionsLost(), m.toString());
            assertEquals(1, m.reconnects(), m.toString());
            assertTrue(m.toString().contains("1 reconnects"), m.toString());
        }
    }

    @Test
    void unixSocket() {
        RedisClient redis = connect(RedisConfig.fromUri("redis-socket://" + shared.socketPath()));
        assertEquals("PONG", await(redis.ping()));
    }

    @Test
    void uriWithDatabaseAndClientName() {
        RedisClient redis = connect(RedisConfig.fromUri(shared.uri() + "/5").toBuilder().clientName("evloop-test").build());
        String k = key("db5");
        await(redis.set(k, "in five"));
        assertNull(shared.admin("GET", k).asString());
        Reply inFive = await(redis.send("CLIENT", "GETNAME"));
        assertEquals("evloop-test", inFive.asString());
    }

    // ---- bad input ---------------------------------------------------------------------

    @Test
    void badInputIsRefusedAtTheCall() {
        RedisClient redis = connect();
        assertThrows(NullPointerException.class, () -> redis.send((byte[][]) null));
        assertThrows(IllegalArgumentException.class, () -> redis.send(new byte[0][]));
        NullPointerException nullArg = assertThrows(NullPointerException.class, () -> redis.send("SET", null, "v"));
        assertTrue(nullArg.getMessage().contains("1"), nullArg.getMessage());
        assertThrows(IllegalArgumentException.class, () -> redis.send(Duration.ZERO, "PING"));
        assertThrows(IllegalArgumentException.class, () -> RedisClient.connect(loop, "http://localhost:6379"));
        assertThrows(IllegalArgumentException.class, () -> redis.del());
        assertEquals(0, redis.inFlight());
        assertEquals("PONG", await(redis.ping()));
    }

    @Test
    void commandsThatChangeHowTheServerRepliesAreRefusedAtTheCallAndNothingIsSent() {
        try (RedisServer server = RedisServer.start()) {
            RedisClient redis = connect(server.config().build());
            String[][] refused = {
                {"SUBSCRIBE", "ch"}, {"psubscribe", "c*"}, {"SSubscribe", "ch"},
                {"UNSUBSCRIBE", "a", "b"}, {"PUNSUBSCRIBE"}, {"SUNSUBSCRIBE"},
                {"MONITOR"}, {"CLIENT", "REPLY", "OFF"}, {"client", "reply", "skip"},
                {"SYNC"}, {"PSYNC", "?", "-1"}, {"REPLCONF", "ACK", "0"},
                {"HELLO", "3"}, {"RESET"}, {"SELECT", "1"}, {"AUTH", "pw"}, {"QUIT"},
            };
            for (String[] argv : refused) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> redis.send(argv),
                        String.join(" ", argv));
                String name = argv[0].toUpperCase(java.util.Locale.ROOT);
                assertTrue(e.getMessage().startsWith(name), e.getMessage());
                assertTrue(e.getMessage().contains("not supported"), e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> redis.send(Duration.ofSeconds(1), argv));
            }
            assertEquals(0, redis.inFlight());
            // CLIENT REPLY ON is harmless (one +OK), and the stream stays aligned.
            assertEquals("OK", await(redis.send("CLIENT", "REPLY", "ON")).asString());
            for (int i = 1; i <= 4; i++) {
                await(redis.set("k:" + i, "v:" + i));
            }
            List<CompletableFuture<String>> gets = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                gets.add(redis.get("k:" + i));
            }
            for (int i = 1; i <= 4; i++) {
                assertEquals("v:" + i, await(gets.get(i - 1)));
            }
            List<CompletableFuture<Reply>> echoes = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                echoes.add(redis.send("ECHO", "p" + i));
            }
            for (int i = 0; i < 2000; i++) {
                assertEquals("p" + i, await(echoes.get(i)).asString());
            }
            String stats = server.admin("INFO", "commandstats").asString();
            for (String never : new String[] {"cmdstat_subscribe", "cmdstat_psubscribe", "cmdstat_ssubscribe",
                    "cmdstat_unsubscribe", "cmdstat_monitor", "cmdstat_sync", "cmdstat_psync", "cmdstat_replconf",
                    "cmdstat_hello", "cmdstat_reset", "cmdstat_select", "cmdstat_auth", "cmdstat_quit"}) {
                assertFalse(stats.contains(never + ":"), never + " reached the server:\n" + stats);
            }
        }
    }

    @Test
    void durationsTooLongForNanosecondsMeanNoTimeout() {
        Duration forever = java.time.temporal.ChronoUnit.FOREVER.getDuration();
        RedisConfig config = shared.config().connectTimeout(forever).commandTimeout(forever).build();
        assertTrue(config.commandTimeout().toDays() > 365 * 100, config.toString());
        RedisClient redis = connect(config); // used to throw ArithmeticException on the loop thread and hang
        assertEquals("PONG", await(redis.ping()));
        String list = key("forever");
        CompletableFuture<Reply> popped = redis.send(forever, "BLPOP", list, "0");
        CompletableFuture<Reply> alsoForever = redis.send(Duration.ofSeconds(Long.MAX_VALUE), "ECHO", "x");
        RedisClient other = connect();
        await(other.send("RPUSH", list, "item"));
        assertEquals(List.of(list, "item"), await(popped).asList().stream().map(Reply::asString).toList());
        assertEquals("x", await(alsoForever).asString());
        IllegalArgumentException expiry = assertThrows(IllegalArgumentException.class,
                () -> redis.set(key("x"), "v", forever));
        assertTrue(expiry.getMessage().contains("expiry"), expiry.getMessage());
        assertThrows(IllegalArgumentException.class, () -> redis.expire(key("x"), forever));
        redis.close(); // waits at most the (clamped) connect timeout; used to throw
        failure(redis.ping(), RedisClosedException.class);
    }

    @Test
    void aHostNameThatLooksLikeHexDigitsIsResolvedOffTheLoopAndItsErrorReported() {
        // Hex letters and three dots: not an address, a name (which does not exist).
        RedisConfig config = RedisConfig.builder().host("cafe.bad.dad.fed").port(6379)
                .connectTimeout(Duration.ofSeconds(20)).build();
        RedisConnectionException e = failure(RedisClient.connect(loop, config), RedisConnectionException.class);
        assertTrue(e.getMessage().contains("cannot resolve cafe.bad.dad.fed"), e.getMessage());
        // Literal addresses connect without a lookup, bracketed IPv6 included.
        RedisClient v4 = connect(RedisConfig.builder().host("127.0.0.1").port(shared.port()).build());
        assertEquals("PONG", await(v4.ping()));
    }

    @Test
    void closingTheLoopFromInsideACompletionClosesEveryConnectionOnIt() throws Exception {
        try (RedisServer server = RedisServer.start()) {
            long before = connectedClients(server);
            int loops = 5;
            int perLoop = 6;
            List<CompletableFuture<Reply>> blocked = new ArrayList<>();
            List<RedisClient> first = new ArrayList<>();
            List<EventLoop> doomed = new ArrayList<>();
            for (int l = 0; l < loops; l++) {
                EventLoop own = createLoop(EventLoopOptions.defaults());
                doomed.add(own);
                List<RedisClient> mine = new ArrayList<>();
                for (int c = 0; c < perLoop; c++) {
                    mine.add(await(RedisClient.connect(own, server.config().build())));
                }
                for (RedisClient client : mine.subList(1, perLoop)) {
                    blocked.add(client.send("BLPOP", key("never"), "20"));
                }
                first.add(mine.get(0));
            }
            assertEquals(before + (long) loops * perLoop, connectedClients(server));
            for (int l = 0; l < loops; l++) {
                EventLoop own = doomed.get(l);
                // Closed from inside a completion, on the loop thread, while the others wait.
                await(first.get(l).ping().thenRun(own::close));
                await(own.terminationFuture());
            }
            for (CompletableFuture<Reply> f : blocked) {
                failure(f, RedisClosedException.class);
            }
            long deadline = System.nanoTime() + TestFutures.BOUND.toNanos();
            long now = connectedClients(server);
            while (now != before && System.nanoTime() < deadline) {
                Thread.sleep(20);
                now = connectedClients(server);
            }
            assertEquals(before, now, "connections left open by loops closed from inside their callbacks");
        }
    }

    @Test
    void aBlockingWaitOnTheLoopThreadFailsAtOnceInsteadOfDeadlocking() {
        RedisClient redis = connect();
        CompletableFuture<List<Throwable>> seen = new CompletableFuture<>();
        assertTrue(loop.post(() -> {
            List<Throwable> errors = new ArrayList<>();
            CompletableFuture<Reply> pong = redis.send("PING");
            CompletableFuture<String> typed = redis.get(key("nothing"));
            for (Runnable wait : List.<Runnable>of(pong::join, typed::join,
                    () -> get(pong), () -> getWithTimeout(typed), () -> get(RedisClient.connect(loop, shared.config().build())))) {
                try {
                    wait.run();
                    errors.add(null);
                } catch (Throwable t) {
                    errors.add(t);
                }
            }
            seen.complete(errors);
        }));
        for (Throwable t : await(seen)) {
            assertInstanceOf(io.evloop.BlockingOperationException.class, t);
            assertTrue(t.getMessage().contains(loop.name()), t.getMessage());
        }
        // From another thread the same futures are ordinary ones.
        assertEquals("PONG", await(redis.ping()));
        assertNull(redis.get(key("nothing")).join());
    }

    private static void get(CompletableFuture<?> f) {
        try {
            f.get();
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError(e);
        }
    }

    private static void getWithTimeout(CompletableFuture<?> f) {
        try {
            f.get(1, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    private static long connectedClients(RedisServer server) {
        // The admin connection that asks counts itself.
        String info = server.admin("INFO", "clients").asString();
        for (String line : info.split("\r\n")) {
            if (line.startsWith("connected_clients:")) {
                return Long.parseLong(line.substring("connected_clients:".length()).trim()) - 1;
            }
        }
        throw new AssertionError("no connected_clients in " + info);
    }

    // ---- failures ----------------------------------------------------------------------

    @Test
    void connectToAClosedPortFailsNamingTheServer() throws IOException {
        int port = RedisServer.freePort();
        RedisConfig config = RedisConfig.builder().host("127.0.0.1").port(port)
                .connectTimeout(Duration.ofSeconds(2)).build();
        long start = System.nanoTime();
        RedisConnectionException e = failure(RedisClient.connect(loop, config), RedisConnectionException.class);
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "connect failure took too long");
    }

    @Test
    void connectToAServerThatNeverAnswersFailsWithinTheConnectTimeout() throws Exception {
        // A listener that accepts TCP but never speaks: the handshake (PING-less here, so use
        // a password to force one) cannot finish, like an unreachable host.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            RedisConfig config = RedisConfig.builder().host("127.0.0.1").port(silent.getLocalPort())
                    .password("x").connectTimeout(Duration.ofMillis(300)).build();
            RedisConnectionException e = failure(RedisClient.connect(loop, config), RedisConnectionException.class);
            assertTrue(e.getMessage().contains("timed out"), e.getMessage());
            assertTrue(e.getMessage().contains("127.0.0.1:" + silent.getLocalPort()), e.getMessage());
        }
    }

    @Test
    void connectToAnUnreachableAddressFailsWithinTheConnectTimeout() {
        // TEST-NET-1 (RFC 5737): never routed; depending on the network either unreachable at once or a timeout.
        RedisConfig config = RedisConfig.builder().host("192.0.2.1").port(6379)
                .connectTimeout(Duration.ofMillis(500)).build();
        RedisConnectionException e = failure(RedisClient.connect(loop, config), RedisConnectionException.class);
        assertTrue(e.getMessage().contains("192.0.2.1:6379"), e.getMessage());
    }

    @Test
    void aTimedOutCommandsLateReplyIsDroppedAndTheNextCommandGetsItsOwn() {
        RedisClient redis = connect();
        String list = key("blpop");
        CompletableFuture<Reply> blocked = redis.send(Duration.ofMillis(100), "BLPOP", list, "1");
        CompletableFuture<Reply> ping = redis.send("ECHO", "mine");
        RedisTimeoutException e = failure(blocked, RedisTimeoutException.class);
        assertTrue(e.getMessage().contains("BLPOP"), e.getMessage());
        assertEquals("mine", await(ping).asString());
        assertEquals("PONG", await(redis.ping()));
        assertEquals(0, redis.inFlight());
    }

    @Test
    void defaultCommandTimeoutApplies() {
        RedisClient redis = connect(shared.config().commandTimeout(Duration.ofMillis(150)).build());
        CompletableFuture<Reply> blocked = redis.send("BLPOP", key("empty"), "1");
        failure(blocked, RedisTimeoutException.class);
        // Replies come in order: this PING waits behind the BLPOP, so it gets a longer timeout.
        assertEquals("PONG", await(redis.send(Duration.ofSeconds(5), "PING")).asString());
    }

    @Test
    void wrongPasswordFailsTheConnectWithTheServersErrorAndNoPassword() {
        try (RedisServer secured = RedisServer.start("--requirepass", "right-one")) {
            RedisConfig config = secured.config().password("wrong-secret-123").build();
            assertFalse(config.toString().contains("wrong-secret-123"));
            RedisConnectionException e = failure(RedisClient.connect(loop, config), RedisConnectionException.class);
            assertTrue(e.getMessage().contains("WRONGPASS") || e.getMessage().contains("invalid password"), e.getMessage());
            assertFalse(stackText(e).contains("wrong-secret-123"), "the password leaked into the exception");
            RedisClient ok = connect(secured.config().password("right-one").build());
            assertEquals("PONG", await(ok.ping()));
        }
    }

    @Test
    void aRotatedPasswordIsAskedForAgainOnReconnect() throws Exception {
        try (RedisServer server = RedisServer.start("--requirepass", "first-secret")) {
            java.util.concurrent.atomic.AtomicReference<String> current = new java.util.concurrent.atomic.AtomicReference<>("first-secret");
            java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
            RedisConfig config = server.config().credentials(() -> {
                asked.incrementAndGet();
                return CompletableFuture.completedFuture(new RedisCredentials(null, current.get()));
            }).reconnectPolicy(new ReconnectPolicy(true, Duration.ofMillis(20), Duration.ofMillis(200)))
                    .waitForReconnect(true).build();
            assertFalse(config.toString().contains("secret"), config.toString());
            RedisClient redis = connect(config);
            assertEquals("PONG", await(redis.ping()));
            // The server's password changes, then the connection drops: the reconnect asks again.
            server.adminWithPassword("first-secret", "CONFIG", "SET", "requirepass", "second-secret");
            current.set("second-secret");
            server.adminWithPassword("second-secret", "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
            assertEquals("PONG", await(retryUntilConnected(redis)));
            assertTrue(asked.get() >= 2, "asked " + asked.get() + " times");
            assertEquals(1, redis.metrics().reconnects());
        }
    }

    /** A PING that may hit the moment the client learns its connection is gone: tried again until it passes. */
    private static CompletableFuture<String> retryUntilConnected(RedisClient redis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            CompletableFuture<String> ping = redis.ping();
            try {
                ping.get(10, TimeUnit.SECONDS);
                return ping;
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                if (System.nanoTime() - deadline > 0) {
                    return ping;
                }
                Thread.sleep(20);
            }
        }
    }

    @Test
    void killedConnectionFailsInFlightCommandsAtMostOnceAndReconnectsWithHandshake() {
        try (RedisServer server = RedisServer.start("--requirepass", "pw")) {
            RedisClient redis = connect(server.config().password("pw").database(2).clientName("victim")
                    .reconnectPolicy(new ReconnectPolicy(true, Duration.ofMillis(20), Duration.ofMillis(200))).build());
            String counter = key("incr");
            List<CompletableFuture<Reply>> incrs = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                incrs.add(redis.send("INCR", counter));
            }
            server.adminWithPassword("pw", "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
            long ok = 0;
            long failed = 0;
            for (CompletableFuture<Reply> f : incrs) {
                try {
                    f.get(30, TimeUnit.SECONDS);
                    ok++;
                } catch (ExecutionException e) {
                    assertInstanceOf(RedisConnectionException.class, e.getCause());
                    failed++;
                } catch (InterruptedException | TimeoutException e) {
                    fail("an INCR future did not complete: " + e);
                }
            }
            assertEquals(10_000, ok + failed);
            long value = awaitValue(() -> server.adminWithPassword("pw", "EVAL", "redis.call('SELECT', 2) return redis.call('GET', KEYS[1])", "1", counter));
            assertTrue(value >= ok && value <= ok + failed, "counter " + value + " outside [" + ok + ", " + (ok + failed) + "]");
            // The reconnect replays AUTH, SELECT 2 and CLIENT SETNAME before anything else.
            Reply name = TestFutures.eventually(() -> redis.send("CLIENT", "GETNAME"));
            assertEquals("victim", name.asString());
            await(redis.set(counter + ":after", "1"));
            assertEquals("1", server.adminWithPassword("pw", "EVAL", "redis.call('SELECT', 2) return redis.call('GET', KEYS[1])", "1", counter + ":after").asString());
        }
    }

    @Test
    void serverKilledMidFlightEveryFutureCompletesAndNewCommandsFailFastUntilItIsBack() {
        try (RedisServer server = RedisServer.start()) {
            RedisClient redis = connect(server.config()
                    .reconnectPolicy(new ReconnectPolicy(true, Duration.ofMillis(20), Duration.ofMillis(100))).build());
            List<CompletableFuture<Reply>> incrs = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                incrs.add(redis.send("INCR", "c"));
            }
            server.kill();
            for (CompletableFuture<Reply> f : incrs) {
                try {
                    f.get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    assertInstanceOf(RedisConnectionException.class, e.getCause());
                } catch (InterruptedException | TimeoutException e) {
                    fail("an INCR future did not complete: " + e);
                }
            }
            RedisConnectionException down = failure(redis.ping(), RedisConnectionException.class);
            assertTrue(down.getMessage().contains("127.0.0.1:" + server.port()), down.getMessage());
            server.restart();
            assertEquals("PONG", TestFutures.eventually(redis::ping));
        }
    }

    @Test
    void waitForReconnectKeepsCommandsUntilTheServerIsBack() {
        try (RedisServer server = RedisServer.start()) {
            RedisClient redis = connect(server.config().waitForReconnect(true)
                    .reconnectPolicy(new ReconnectPolicy(true, Duration.ofMillis(20), Duration.ofMillis(100))).build());
            server.kill();
            // Give the client a moment to notice (a short probe: once it has noticed, commands
            // wait for the reconnect); commands sent now wait for the server to come back.
            failureOrValue(redis.send(Duration.ofMillis(200), "PING"));
            CompletableFuture<String> waiting = redis.ping();
            server.restart();
            assertEquals("PONG", await(waiting));
        }
    }

    @Test
    void backpressureFailsFastAndTheHeapStaysBoundedWhileTheServerIsPaused() {
        try (RedisServer server = RedisServer.start()) {
            RedisClient redis = connect(server.config().maxInFlight(1000).build());
            server.admin("CLIENT", "PAUSE", "3000", "ALL");
            List<CompletableFuture<Reply>> accepted = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                accepted.add(redis.send("INCR", "paused"));
            }
            RedisBackpressureException e = failure(redis.send("INCR", "paused"), RedisBackpressureException.class);
            assertTrue(e.getMessage().contains("1000"), e.getMessage());
            assertEquals(1000, redis.inFlight());
            server.admin("CLIENT", "UNPAUSE");
            await(CompletableFuture.allOf(accepted.toArray(new CompletableFuture<?>[0])));
            assertEquals(0, redis.inFlight());
            assertEquals("PONG", await(redis.ping()));
        }
    }

    @Test
    void aTransactionCountsEveryCommandItWritesAgainstMaxInFlight() {
        try (RedisServer server = RedisServer.start()) {
            RedisClient redis = connect(server.config().maxInFlight(10).build());
            server.admin("CLIENT", "PAUSE", "3000", "ALL");
            RedisTransaction tx = redis.transaction();
            List<CompletableFuture<Reply>> incrs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                incrs.add(tx.send("INCR", "tx-weight"));
            }
            CompletableFuture<List<Reply>> exec = tx.exec(); // MULTI, 3 INCRs, EXEC
            assertEquals(5, redis.inFlight());
            List<CompletableFuture<Reply>> singles = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                singles.add(redis.send("INCR", "tx-weight"));
            }
            failure(redis.send("INCR", "tx-weight"), RedisBackpressureException.class);
            RedisTransaction big = redis.transaction();
            for (int i = 0; i < 20; i++) {
                big.send("INCR", "tx-weight");
            }
            RedisBackpressureException tooBig = failure(big.exec(), RedisBackpressureException.class);
            assertTrue(tooBig.getMessage().contains("a group of 22 commands"), tooBig.getMessage());
            server.admin("CLIENT", "UNPAUSE");
            assertEquals(3, await(exec).size());
            await(CompletableFuture.allOf(singles.toArray(new CompletableFuture<?>[0])));
            assertEquals(8, Long.parseLong(await(redis.get("tx-weight"))));
            assertEquals(0, redis.inFlight());
        }
    }

    @Test
    void closeFailsPendingCommandsAndRefusesNewOnes() {
        try (RedisServer server = RedisServer.start()) {
            RedisClient redis = connect(server.config().build());
            server.admin("CLIENT", "PAUSE", "2000", "ALL");
            CompletableFuture<Reply> pending = redis.send("INCR", "x");
            await(redis.closeAsync());
            failure(pending, RedisClosedException.class);
            failure(redis.ping(), RedisClosedException.class);
            await(redis.closeAsync());
            assertEquals(0, redis.inFlight());
            server.admin("CLIENT", "UNPAUSE");
        }
    }

    @Test
    void stoppingTheLoopClosesItsClients() {
        try (RedisServer server = RedisServer.start()) {
            RedisClient redis = connect(server.config().build());
            server.admin("CLIENT", "PAUSE", "2000", "ALL");
            CompletableFuture<Reply> pending = redis.send("INCR", "x");
            loop.stop();
            failure(pending, RedisClosedException.class);
            failure(redis.ping(), RedisClosedException.class);
            server.admin("CLIENT", "UNPAUSE");
        }
    }

    // ---- hostile server ----------------------------------------------------------------

    @Test
    void malformedReplies() throws Exception {
        String[] poisons = {
            "!bogus\r\n",
            "*4294967295\r\n",
            "$999999999999\r\n",
            "$536870913\r\n",
            "*1\r\n".repeat(100) + ":1\r\n",
            ":12a\r\n",
            "$3\r\nabcXY",
            // What Redis never sends: refused alike by both backends.
            ":-0\r\n",
            "$-0\r\n",
            "*-0\r\n",
            ":007\r\n",
        };
        for (String poison : poisons) {
            try (FakeServer fake = new FakeServer(in -> poison)) {
                RedisClient redis = connect(RedisConfig.builder().host("127.0.0.1").port(fake.port())
                        .reconnectPolicy(ReconnectPolicy.NEVER).build());
                RedisProtocolException e = failure(redis.ping(), RedisProtocolException.class);
                assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
                failure(redis.ping(), RedisConnectionException.class); // the connection is gone, not reconnecting
                CompletableFuture<Boolean> alive = new CompletableFuture<>();
                assertTrue(loop.post(() -> alive.complete(true)));
                assertTrue(await(alive), "the loop keeps running");
            }
        }
    }

    @Test
    void anAggregateReplyLargerThanTheLimitClosesTheConnectionBeforeItIsHeld() throws Exception {
        // 40 elements of 64 KiB each: every one within every per-element limit, 2.5 MiB in all.
        StringBuilder huge = new StringBuilder("*40\r\n");
        String element = "$65536\r\n" + "x".repeat(65536) + "\r\n";
        for (int i = 0; i < 40; i++) {
            huge.append(element);
        }
        try (FakeServer fake = new FakeServer(in -> huge.toString())) {
            RedisClient redis = connect(RedisConfig.builder().host("127.0.0.1").port(fake.port())
                    .maxReplyBytes(1024 * 1024).reconnectPolicy(ReconnectPolicy.NEVER).build());
            CompletableFuture<Reply> first = redis.send("LRANGE", "big", "0", "-1");
            CompletableFuture<Reply> next = redis.send("PING");
            RedisProtocolException e = failure(first, RedisProtocolException.class);
            assertTrue(e.getMessage().contains("reply larger than 1048576 bytes"), e.getMessage());
            assertTrue(e.getMessage().contains("reply size limit"), e.getMessage());
            assertInstanceOf(RedisException.class, failureOrValue(next)); // failed with the connection, not hung
        }
    }

    @Test
    void aValueLargerThanTheLimitFailsItsCommandAndTheClientReconnects() {
        try (RedisServer server = RedisServer.start()) {
            RedisClient redis = connect(server.config().maxReplyBytes(64 * 1024)
                    .reconnectPolicy(new ReconnectPolicy(true, Duration.ofMillis(10), Duration.ofMillis(50))).build());
            String big = key("big");
            String small = key("small");
            await(redis.set(big, "b".repeat(200_000)));
            await(redis.set(small, "fits"));
            CompletableFuture<String> tooLarge = redis.get(big);
            CompletableFuture<String> behind = redis.get(small);
            RedisProtocolException e = failure(tooLarge, RedisProtocolException.class);
            assertTrue(e.getMessage().contains("reply larger than 65536 bytes"), e.getMessage());
            assertInstanceOf(RedisException.class, failureOrValue(behind));
            assertEquals("fits", TestFutures.eventually(() -> redis.get(small)), "the client reconnects and goes on");
            assertEquals(RedisConfig.DEFAULT_MAX_REPLY_BYTES, RedisConfig.builder().build().maxReplyBytes());
        }
    }

    @Test
    void arraysNestedUpTo32LevelsAsRedisSendsThemAreDecoded() {
        RedisClient redis = connect();
        for (int depth : new int[] {7, 8, 10, 31}) {
            String table = "{".repeat(depth) + "1" + "}".repeat(depth);
            Reply reply = await(redis.send("EVAL", "return " + table, "0"));
            for (int level = 0; level < depth; level++) {
                reply = reply.asList().get(0);
            }
            assertEquals(1L, reply.asLong(), "depth " + depth);
        }
    }

    @Test
    void aServerWithoutHelloFailsAResp3ConnectSayingWhy() throws Exception {
        try (FakeServer fake = new FakeServer(in -> "-ERR unknown command 'HELLO', with args beginning with: '3'\r\n")) {
            RedisConfig config = RedisConfig.builder().host("127.0.0.1").port(fake.port())
                    .protocol(RedisProtocol.RESP3).reconnectPolicy(ReconnectPolicy.NEVER).build();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> RedisClient.connect(loop, config).get(10, TimeUnit.SECONDS));
            RedisConnectionException failure = assertInstanceOf(RedisConnectionException.class, e.getCause());
            assertTrue(failure.getMessage().contains("HELLO 3 during the handshake"), failure.getMessage());
            assertTrue(failure.getMessage().contains("Redis 6 or later"), failure.getMessage());
            assertTrue(failure.getMessage().contains("RedisProtocol.RESP2"), failure.getMessage());
        }
    }

    @Test
    void anUnsolicitedReplyClosesTheConnection() throws Exception {
        try (FakeServer fake = new FakeServer(in -> "+PONG\r\n+UNASKED\r\n")) {
            RedisClient redis = connect(RedisConfig.builder().host("127.0.0.1").port(fake.port())
                    .reconnectPolicy(ReconnectPolicy.NEVER).build());
            CompletableFuture<Reply> first = redis.send("PING");
            // The first gets its PONG; the unasked reply then kills the connection.
            assertEquals("PONG", await(first).asString());
            Throwable after = failureOrValue(redis.send(Duration.ofSeconds(5), "PING"));
            assertTrue(after instanceof RedisProtocolException || after instanceof RedisConnectionException, String.valueOf(after));
        }
    }

    // ---- helpers -----------------------------------------------------------------------

    /** A server that answers the first command with a fixed byte string and then stays silent. */
    static final class FakeServer implements AutoCloseable {
        private final ServerSocket socket;
        private final Thread thread;

        FakeServer(Function<InputStream, String> answer) throws IOException {
            this(in -> answer.apply(in).getBytes(StandardCharsets.ISO_8859_1), -1, 5000);
        }

        /**
         * Answers the first read of each connection with the bytes {@code answer} gives, in two
         * writes split after byte {@code split} with a pause between (whole when negative), then
         * keeps the connection until the client drops it or {@code silenceMillis} pass idle.
         */
        FakeServer(Function<InputStream, byte[]> answer, int split, int silenceMillis) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            thread = new Thread(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept()) {
                        s.setTcpNoDelay(true);
                        InputStream in = s.getInputStream();
                        byte[] buf = new byte[64 * 1024];
                        if (in.read(buf) > 0) {
                            OutputStream out = s.getOutputStream();
                            byte[] bytes = answer.apply(in);
                            if (split < 0) {
                                out.write(bytes);
                            } else {
                                out.write(bytes, 0, split);
                                out.flush();
                                Thread.sleep(2);
                                out.write(bytes, split, bytes.length - split);
                            }
                            out.flush();
                        }
                        s.setSoTimeout(silenceMillis);
                        while (in.read(buf) > 0) {
                            // keep the connection open until the client drops it
                        }
                    } catch (IOException ignored) {
                        // closed
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "fake-redis");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            TestFutures.join(thread);
        }
    }

    static <E extends Throwable> E failure(CompletableFuture<?> future, Class<E> type) {
        Throwable t = failureOrValue(future);
        if (!type.isInstance(t)) {
            throw new AssertionError("expected " + type.getSimpleName() + " but got " + t, t);
        }
        return type.cast(t);
    }

    static Throwable failureOrValue(CompletableFuture<?> future) {
        try {
            future.get(TestFutures.BOUND.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException | CompletionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("future did not complete within " + TestFutures.BOUND, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static long awaitValue(java.util.function.Supplier<Reply> read) {
        Reply r = read.get();
        return r.isNil() ? 0 : Long.parseLong(r.asString());
    }

    private static String stackText(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }
}
