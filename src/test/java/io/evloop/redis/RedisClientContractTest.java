package io.evloop.redis;

import static io.evloop.TestFutures.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.TestFutures;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
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

    protected abstract EventLoop createLoop(EventLoopOptions options);

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
        await(CompletableFuture.allOf(all.toArray(new CompletableFuture[0])));
        for (int t = 0; t < threads; t++) {
            List<CompletableFuture<Reply>> mine = byThread.get(t);
            for (int i = 0; i < perThread; i++) {
                assertEquals(i + 1, mine.get(i).join().asLong(), "reply " + i + " of thread " + t);
            }
        }
        assertEquals(0, redis.inFlight());
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
            Reply name = eventually(() -> redis.send("CLIENT", "GETNAME"));
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
            assertEquals("PONG", eventually(redis::ping));
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
            await(CompletableFuture.allOf(accepted.toArray(new CompletableFuture[0])));
            assertEquals(0, redis.inFlight());
            assertEquals("PONG", await(redis.ping()));
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
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            thread = new Thread(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept()) {
                        InputStream in = s.getInputStream();
                        byte[] buf = new byte[4096];
                        if (in.read(buf) > 0) {
                            OutputStream out = s.getOutputStream();
                            out.write(answer.apply(in).getBytes(StandardCharsets.ISO_8859_1));
                            out.flush();
                        }
                        s.setSoTimeout(5000);
                        while (in.read(buf) > 0) {
                            // keep the connection open until the client drops it
                        }
                    } catch (IOException ignored) {
                        // closed
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

    static <T> T eventually(java.util.function.Supplier<CompletableFuture<T>> attempt) {
        long deadline = System.nanoTime() + TestFutures.BOUND.toNanos();
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            try {
                return attempt.get().get(5, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                last = e.getCause();
            } catch (Exception e) {
                last = e;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("did not succeed within " + TestFutures.BOUND, last);
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
