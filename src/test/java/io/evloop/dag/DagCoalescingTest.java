package io.evloop.dag;

import static io.evloop.TestFutures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.TestFutures;
import io.evloop.redis.RedisCommands;
import io.evloop.redis.RedisErrorException;
import io.evloop.redis.Reply;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Read coalescing over a connection whose calls the test holds open and completes by hand:
 * what is shared, what never is, and that callers on many threads at once share one call.
 * Against a real server on both loops: {@link DagIoContractTest}.
 */
class DagCoalescingTest {

    /** A connection that records every call and leaves it in flight until the test completes it. */
    static final class HeldConnection implements RedisCommands {
        final List<byte[][]> calls = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<Reply>> futures = new CopyOnWriteArrayList<>();
        volatile RuntimeException refuseWith;

        @Override
        public CompletableFuture<Reply> send(byte[]... argv) {
            if (refuseWith != null) {
                throw refuseWith;
            }
            calls.add(argv.clone());
            CompletableFuture<Reply> f = new CompletableFuture<>();
            futures.add(f);
            return f;
        }

        @Override
        public CompletableFuture<Reply> send(Duration timeout, byte[]... argv) {
            return send(argv);
        }

        void answerAll(String value) {
            futures.forEach(f -> f.complete(new Reply.BulkString(value.getBytes(StandardCharsets.UTF_8))));
        }
    }

    private final HeldConnection connection = new HeldConnection();
    private final DagMetrics metrics = new DagMetrics();
    private final CoalescingRedisCommands redis = new CoalescingRedisCommands(connection,
            CoalescingRedisCommands.DEFAULT_COMMANDS, null, metrics);

    @Test
    void identicalReadsFromManyThreadsAtOnceShareOneCall() throws Exception {
        int threads = 8;
        int perThread = 250;
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<String>> all = new CopyOnWriteArrayList<>();
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread caller = new Thread(() -> {
                TestFutures.await(go);
                for (int i = 0; i < perThread; i++) {
                    all.add(redis.get("hot"));
                }
            });
            callers.add(caller);
            caller.start();
        }
        go.countDown();
        callers.forEach(TestFutures::join);
        assertEquals(1, connection.calls.size(), "every read came while the first was in flight");
        assertEquals(threads * perThread - 1, metrics.coalescedCalls());
        assertTrue(all.stream().noneMatch(CompletableFuture::isDone));
        connection.answerAll("v");
        for (CompletableFuture<String> f : all) {
            assertEquals("v", await(f));
        }
        assertEquals(0, redis.inFlight(), "the finished call left the table");
        assertEquals("v", completeNext(redis.get("hot")), "a read after the reply is a call of its own");
        assertEquals(2, connection.calls.size());
    }

    private String completeNext(CompletableFuture<String> read) {
        connection.answerAll("v");
        return await(read);
    }

    @Test
    void everySharerGetsTheFailureAndAFutureOfItsOwn() throws Exception {
        List<CompletableFuture<Reply>> sharers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sharers.add(redis.send("HGET", "h", "f"));
        }
        assertEquals(1, connection.calls.size());
        assertTrue(sharers.get(1).cancel(false));
        assertFalse(connection.futures.get(0).isDone(), "one sharer cancelling leaves the call alone");
        RedisErrorException wrongType = new RedisErrorException("WRONGTYPE Operation against a key holding the wrong kind of value");
        connection.futures.get(0).completeExceptionally(wrongType);
        for (int i = 0; i < sharers.size(); i++) {
            if (i == 1) {
                assertTrue(sharers.get(i).isCancelled());
                continue;
            }
            ExecutionException e = assertThrows(ExecutionException.class, sharers.get(i)::get);
            assertSame(wrongType, e.getCause(), "the connection's own exception, not a wrapper");
        }
        for (int i = 0; i < sharers.size(); i++) {
            for (int j = i + 1; j < sharers.size(); j++) {
                assertFalse(sharers.get(i) == sharers.get(j));
            }
        }
    }

    @Test
    void onlyTheSameNameAndTheSameArgumentBytesAreShared() {
        redis.send("GET", "k");
        redis.send("get", "k"); // Redis's names ignore case: shared
        redis.send("GET", "K"); // arguments never do
        redis.send("EXISTS", "k");
        redis.send("MGET", "ab", "c");
        redis.send("MGET", "a", "bc"); // the same bytes run together, split differently
        redis.send(new byte[][] {bytes("GET"), {'k', 0}});
        redis.send(new byte[][] {bytes("GET"), {'k', (byte) 0xff}});
        redis.send(Duration.ofSeconds(2), "GET", "k"); // a timeout of its own: another call
        redis.send(Duration.ofSeconds(2), "GET", "k"); // the same timeout: shared
        redis.send(Duration.ofSeconds(3), "GET", "k");
        redis.send("SET", "k", "v");
        redis.send("SET", "k", "v"); // writes are never coalesced
        redis.send("HGETALL", "k");
        redis.send("HGETALL", "k");
        assertEquals(12, connection.calls.size());
        assertEquals(3, metrics.coalescedCalls());
    }

    @Test
    void aReusedArgumentBufferDoesNotChangeTheKeyOfACallInFlight() {
        byte[] key = bytes("k1");
        CompletableFuture<Reply> first = redis.send(bytes("GET"), key);
        key[1] = '2'; // the caller reuses its buffer for the next key
        CompletableFuture<Reply> second = redis.send(bytes("GET"), key);
        assertEquals(2, connection.calls.size(), "k2 is not k1");
        assertEquals(0, metrics.coalescedCalls());
        assertFalse(first == second);
    }

    @Test
    void aCallTheConnectionRefusesAtOnceReachesTheCallerAndLeavesNothingBehind() {
        IllegalStateException refused = new IllegalStateException("client closed");
        connection.refuseWith = refused;
        assertSame(refused, assertThrows(IllegalStateException.class, () -> redis.send("GET", "k")));
        assertEquals(0, redis.inFlight());
        connection.refuseWith = null;
        CompletableFuture<Reply> next = redis.send("GET", "k");
        assertEquals(1, connection.calls.size(), "the refused call did not stay in the table to be joined");
        connection.answerAll("x");
        assertEquals("x", await(next).asString());
    }

    @Test
    void aCustomAllowListIsUpperCasedAndChecked() {
        CoalescingRedisCommands custom = new CoalescingRedisCommands(connection,
                CoalescingRedisCommands.normalise(Set.of("strlen")), null, metrics);
        custom.send("STRLEN", "k");
        custom.send("STRLEN", "k");
        custom.send("GET", "k");
        custom.send("GET", "k");
        assertEquals(3, connection.calls.size());
        assertThrows(IllegalArgumentException.class, () -> CoalescingRedisCommands.normalise(Set.of()));
        assertThrows(IllegalArgumentException.class, () -> CoalescingRedisCommands.normalise(Set.of("GET key")));
    }

    @Test
    void theSchedulerOffersCoalescingOnlyOnAnEventLoop() {
        var cpu = Executors.newSingleThreadExecutor();
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> DagScheduler.builder(cpu)
                    .threadPool(2, () -> connection).coalesceReads().build());
            assertTrue(e.getMessage().contains("thread-pool"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> DagScheduler.builder(cpu).build());
            try (var loop = io.evloop.EventLoops.createJava();
                 DagScheduler s = DagScheduler.builder(cpu).eventLoop(loop, connection).coalesceReads(Set.of("get")).build()) {
                assertEquals(Set.of("GET"), s.coalescedReads());
            }
            try (var loop = io.evloop.EventLoops.createJava(); DagScheduler plain = DagScheduler.onEventLoop(cpu, loop, connection)) {
                assertEquals(Set.of(), plain.coalescedReads());
            }
        } finally {
            cpu.shutdownNow();
        }
        assertTrue(CoalescingRedisCommands.DEFAULT_COMMANDS.containsAll(Set.of("GET", "HGET", "HGETALL", "MGET", "LRANGE",
                "ZRANGE", "SMEMBERS", "EXISTS")));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
