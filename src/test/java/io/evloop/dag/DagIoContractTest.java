package io.evloop.dag;

import static io.evloop.TestFutures.await;
import static io.evloop.dag.DagSchedulerTest.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.BlockingOperationException;
import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.TestFutures;
import io.evloop.redis.RedisClient;
import io.evloop.redis.RedisCommands;
import io.evloop.redis.RedisConfig;
import io.evloop.redis.RedisErrorException;
import io.evloop.redis.Reply;
import io.evloop.testkit.Backend;
import io.evloop.testkit.BlockingRedisClient;
import io.evloop.testkit.LatencyProxy;
import io.evloop.testkit.RedisServerProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The DAG's IO node kinds against a real redis-server, run on both loops (a thin subclass
 * per loop): coroutine IO nodes, fan-out IO nodes and read coalescing. Coroutine tests need
 * virtual threads and are skipped, with the reason, on Java 17.
 */
public abstract class DagIoContractTest {

    /** How long a test waits for a gauge or a flag that the code under test must reach. */
    private static final Duration SETTLE = Duration.ofSeconds(10);

    private static RedisServerProcess server;
    protected static RedisConfig config;

    protected EventLoop loop;
    protected RedisClient redis;
    protected ExecutorService cpu;
    protected DagScheduler scheduler;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    private final Backend backend;

    protected DagIoContractTest(Backend backend) {
        this.backend = backend;
    }

    protected EventLoop createLoop() {
        return backend.create(EventLoopOptions.defaults());
    }

    @BeforeAll
    static void startServer() throws Exception {
        server = RedisServerProcess.start();
        config = RedisConfig.fromUri(server.uri());
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void setUp() {
        AtomicInteger ids = new AtomicInteger();
        cpu = Executors.newFixedThreadPool(4, r -> new Thread(r, "dag-cpu-" + ids.incrementAndGet()));
        loop = createLoop();
        redis = await(RedisClient.connect(loop, config));
        scheduler = DagScheduler.onEventLoop(cpu, loop, redis);
    }

    @AfterEach
    void tearDown() throws Exception {
        scheduler.close();
        for (AutoCloseable c : toClose) {
            c.close();
        }
        redis.close();
        loop.close();
        cpu.shutdownNow();
        assertTrue(cpu.awaitTermination(10, TimeUnit.SECONDS));
    }

    protected <T extends AutoCloseable> T closeLater(T resource) {
        toClose.add(resource);
        return resource;
    }

    /** Counts the calls that reach the client, by command name: what Redis is asked. */
    static final class CountingCommands implements RedisCommands {
        final java.util.concurrent.ConcurrentHashMap<String, AtomicInteger> calls = new java.util.concurrent.ConcurrentHashMap<>();
        final RedisCommands client;

        CountingCommands(RedisCommands client) {
            this.client = client;
        }

        @Override
        public CompletableFuture<Reply> send(byte[]... argv) {
            count(argv);
            return client.send(argv);
        }

        @Override
        public CompletableFuture<Reply> send(Duration timeout, byte[]... argv) {
            count(argv);
            return client.send(timeout, argv);
        }

        private void count(byte[][] argv) {
            calls.computeIfAbsent(new String(argv[0], StandardCharsets.UTF_8).toUpperCase(java.util.Locale.ROOT),
                    k -> new AtomicInteger()).incrementAndGet();
        }

        int total() {
            return calls.values().stream().mapToInt(AtomicInteger::get).sum();
        }
    }

    /**
     * A client through a loopback proxy that the test stalls: calls sent meanwhile stay in
     * flight until it forwards again, so "at the same time" is certain rather than a race.
     */
    protected RedisClient stallableClient(LatencyProxy proxy) {
        RedisClient client = await(RedisClient.connect(loop, config.toBuilder().host("127.0.0.1").port(proxy.port()).build()));
        toClose.add(client::close);
        return client;
    }

    protected static String key(String name) {
        return "dag:" + name + ":" + System.nanoTime();
    }

    static void assumeCoroutines() {
        Assumptions.assumeTrue(Dag.coroutineIoAvailable(), "coroutine IO nodes run on virtual threads, which need Java 21"
                + " or later; this JVM is Java " + Runtime.version());
    }

    /** Waits, at most {@link #SETTLE}, for something the code under test does on its own threads. */
    static void eventually(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " did not happen within " + SETTLE);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    void coroutinesAllEnded(DagScheduler s) {
        eventually("every coroutine node ending (running " + s.metrics().coroutineNodesRunning() + ", suspended "
                + s.metrics().coroutineNodesSuspended() + ")",
                () -> s.metrics().coroutineNodesRunning() == 0 && s.metrics().coroutineNodesSuspended() == 0);
    }

    private static boolean isVirtual(Thread t) throws ReflectiveOperationException {
        // Thread.isVirtual() is Java 21 API and these tests compile for Java 17.
        return (Boolean) Thread.class.getMethod("isVirtual").invoke(t);
    }

    /** user (CPU) → profile (coroutine: HGET, then an LRANGE that depends on its reply) → count (CPU). */
    private static Dag profileDag(List<Thread> threads) {
        return Dag.builder()
                .cpu("user", List.of(), NodeInputs::request)
                .coroutineIo("profile", List.of("user"), (in, redis, co) -> {
                    threads.add(Thread.currentThread());
                    String user = in.get("user");
                    String segment = co.await(redis.hget(user, "segment"));
                    threads.add(Thread.currentThread());
                    return co.await(redis.lrange(user + ":top:" + segment, 0, -1));
                })
                .cpu("count", List.of("profile"), in -> ((List<?>) in.get("profile")).size() + "@" + Thread.currentThread().getName())
                .build();
    }

    private void loadProfile(String user, String segment, String... top) {
        await(redis.hset(user, "segment", segment));
        String[] push = new String[top.length + 2];
        push[0] = "RPUSH";
        push[1] = user + ":top:" + segment;
        System.arraycopy(top, 0, push, 2, top.length);
        await(redis.send(push));
    }

    // ---- coroutine IO nodes ---------------------------------------------------------------

    @Test
    void aCoroutineNodeAwaitsDependentCallsOnAVirtualThread() throws Exception {
        assumeCoroutines();
        String user = key("user");
        loadProfile(user, "s1", "a", "b", "c");
        List<Thread> threads = new CopyOnWriteArrayList<>();
        DagResult result = await(scheduler.execute(profileDag(threads), user, Duration.ofSeconds(10)));
        assertEquals(List.of("a", "b", "c"), result.get("profile"));
        String count = result.get("count");
        assertTrue(count.startsWith("3@dag-cpu-"), "what follows a coroutine node runs on the CPU executor: " + count);
        assertEquals(2, threads.size());
        assertEquals(threads.get(0), threads.get(1), "one thread runs the whole body");
        assertTrue(isVirtual(threads.get(0)), threads.get(0) + " is a virtual thread");
        assertEquals("dag-node:profile", threads.get(0).getName());
        assertEquals(2, scheduler.metrics().ioCalls());
        coroutinesAllEnded(scheduler);
    }

    @Test
    void manyCoroutineExecutionsAtOnceEachGetTheirOwnReplies() {
        assumeCoroutines();
        int users = 300;
        List<String> names = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            String user = key("many" + i);
            names.add(user);
            loadProfile(user, "seg" + (i % 7), "item" + i, "x");
        }
        Dag dag = profileDag(new CopyOnWriteArrayList<>());
        List<CompletableFuture<DagResult>> all = new ArrayList<>();
        for (String user : names) {
            all.add(scheduler.execute(dag, user, Duration.ofSeconds(30)));
        }
        for (int i = 0; i < users; i++) {
            assertEquals(List.of("item" + i, "x"), await(all.get(i)).get("profile"));
        }
        assertEquals(2L * users, scheduler.metrics().ioCalls());
        coroutinesAllEnded(scheduler);
    }

    @Test
    void theSameCoroutineAndFanOutNodesRunInThreadPoolMode() {
        assumeCoroutines();
        String user = key("pool");
        loadProfile(user, "p", "one", "two");
        for (String item : List.of("one", "two")) {
            await(redis.set(user + ":" + item, item.toUpperCase(java.util.Locale.ROOT)));
        }
        Dag dag = Dag.builder()
                .coroutineIo("profile", List.of(), (in, redis, co) -> {
                    String segment = co.await(redis.hget(user, "segment"));
                    return co.await(redis.lrange(user + ":top:" + segment, 0, -1));
                })
                .fanOutIo("names", List.of("profile"), 2, in -> in.<List<String>>get("profile"),
                        (in, item, redis) -> redis.get(user + ":" + item))
                .build();
        List<Object> onLoop = await(scheduler.execute(dag, null, Duration.ofSeconds(10))).get("names");
        try (DagScheduler pool = DagScheduler.onThreadPool(cpu, 2, () -> BlockingRedisClient.connect(config))) {
            List<Object> onPool = await(pool.execute(dag, null, Duration.ofSeconds(10))).get("names");
            assertEquals(List.of("ONE", "TWO"), onPool);
            coroutinesAllEnded(pool);
        }
        assertEquals(List.of("ONE", "TWO"), onLoop);
    }

    @Test
    void aFailedAwaitFailsTheNodeByName() {
        assumeCoroutines();
        String k = key("nan");
        AtomicInteger downstream = new AtomicInteger();
        Dag dag = Dag.builder()
                .coroutineIo("parse", List.of(), (in, redis, co) -> {
                    co.await(redis.set(k, "abc"));
                    return co.await(redis.incr(k)); // ERR value is not an integer
                })
                .cpu("after", List.of("parse"), in -> downstream.incrementAndGet())
                .build();
        DagNodeException e = failure(scheduler.execute(dag, null, Duration.ofSeconds(10)), DagNodeException.class);
        assertEquals("parse", e.node());
        assertTrue(e.getMessage().contains("'parse'"), e.getMessage());
        assertInstanceOf(RedisErrorException.class, e.getCause(), "await rethrows the call's own exception");
        assertEquals(0, downstream.get());
        coroutinesAllEnded(scheduler);
    }

    /** A coroutine parked on a BLPOP that no one pushes to: a call that stays in flight. */
    private static Dag parkedDag(String blockedKey, AtomicReference<Thread> thread, AtomicReference<Throwable> seen,
                                 AtomicInteger downstream) {
        return Dag.builder()
                .coroutineIo("wait", List.of(), (in, redis, co) -> {
                    thread.set(Thread.currentThread());
                    try {
                        return co.await(redis.send(Duration.ofSeconds(60), "BLPOP", blockedKey, "0"));
                    } catch (RuntimeException e) {
                        seen.set(e);
                        throw e;
                    }
                })
                .cpu("after", List.of("wait"), in -> downstream.incrementAndGet())
                .build();
    }

    private static DagNodeCancelledException stopSeenBy(AtomicReference<Throwable> seen, AtomicReference<Thread> thread) {
        eventually("the parked await ending", () -> seen.get() != null);
        TestFutures.join(thread.get()); // no thread left parked
        return assertInstanceOf(DagNodeCancelledException.class, seen.get());
    }

    @Test
    void theDeadlineEndsASuspendedAwait() {
        assumeCoroutines();
        AtomicReference<Thread> thread = new AtomicReference<>();
        AtomicReference<Throwable> seen = new AtomicReference<>();
        AtomicInteger downstream = new AtomicInteger();
        Dag dag = parkedDag(key("never"), thread, seen, downstream);
        DagTimeoutException timeout = failure(scheduler.execute(dag, null, Duration.ofMillis(300)), DagTimeoutException.class);
        assertTrue(timeout.getMessage().contains("wait"), timeout.getMessage());
        DagNodeCancelledException stop = stopSeenBy(seen, thread);
        assertEquals("wait", stop.node());
        assertTrue(stop.getMessage().contains("'wait'") && stop.getMessage().contains("deadline"), stop.getMessage());
        coroutinesAllEnded(scheduler);
        assertEquals(0, downstream.get());
        assertEquals(0, scheduler.metrics().executionsInFlight());
    }

    @Test
    void cancellingTheExecutionEndsASuspendedAwait() {
        assumeCoroutines();
        AtomicReference<Thread> thread = new AtomicReference<>();
        AtomicReference<Throwable> seen = new AtomicReference<>();
        AtomicInteger downstream = new AtomicInteger();
        CompletableFuture<DagResult> f = scheduler.execute(parkedDag(key("never"), thread, seen, downstream), null,
                Duration.ofSeconds(60));
        eventually("the node suspending", () -> scheduler.metrics().coroutineNodesSuspended() == 1);
        assertEquals(1, scheduler.metrics().coroutineNodesRunning());
        assertTrue(f.cancel(false));
        DagNodeCancelledException stop = stopSeenBy(seen, thread);
        assertEquals("wait", stop.node());
        assertTrue(stop.getMessage().contains("cancelled"), stop.getMessage());
        coroutinesAllEnded(scheduler);
        assertEquals(0, downstream.get());
    }

    @Test
    void anotherNodesFailureAndClosingTheSchedulerEndSuspendedAwaits() {
        assumeCoroutines();
        AtomicReference<Thread> thread = new AtomicReference<>();
        AtomicReference<Throwable> seen = new AtomicReference<>();
        CompletableFuture<Object> trigger = new CompletableFuture<>();
        Dag dag = Dag.builder()
                .coroutineIo("wait", List.of(), (in, redis, co) -> {
                    thread.set(Thread.currentThread());
                    try {
                        return co.await(redis.send(Duration.ofSeconds(60), "BLPOP", key("never"), "0"));
                    } catch (RuntimeException e) {
                        seen.set(e);
                        throw e;
                    }
                })
                .io("broken", List.of(), (in, redis) -> trigger)
                .build();
        CompletableFuture<DagResult> f = scheduler.execute(dag, null, Duration.ofSeconds(60));
        eventually("the node suspending", () -> scheduler.metrics().coroutineNodesSuspended() == 1);
        trigger.completeExceptionally(new IllegalStateException("no data"));
        assertEquals("broken", failure(f, DagNodeException.class).node());
        DagNodeCancelledException stop = stopSeenBy(seen, thread);
        assertTrue(stop.getMessage().contains("node 'broken' failed"), stop.getMessage());
        coroutinesAllEnded(scheduler);

        // A parked node again, then the scheduler closes under it: the execution fails, naming the node.
        thread.set(null);
        seen.set(null);
        CompletableFuture<DagResult> second = scheduler.execute(parkedDag(key("never"), thread, seen, new AtomicInteger()),
                null, Duration.ofSeconds(60));
        eventually("the node suspending again", () -> scheduler.metrics().coroutineNodesSuspended() == 1);
        scheduler.close();
        DagNodeException closed = failure(second, DagNodeException.class);
        assertEquals("wait", closed.node());
        assertTrue(stopSeenBy(seen, thread).getMessage().contains("scheduler was closed"), seen.get().getMessage());
        coroutinesAllEnded(scheduler);
    }

    @Test
    void awaitRefusesTheLoopThreadAndEveryThreadButTheNodesOwn() {
        assumeCoroutines();
        AtomicReference<Coroutine> leaked = new AtomicReference<>();
        Dag dag = Dag.builder()
                .coroutineIo("inner", List.of(), (in, redis, co) -> {
                    leaked.set(co);
                    CompletableFuture<Object> onLoop = new CompletableFuture<>();
                    loop.execute(() -> {
                        try {
                            onLoop.complete(co.await(redis.ping()));
                        } catch (Throwable t) {
                            onLoop.completeExceptionally(t);
                        }
                    });
                    try {
                        co.await(onLoop);
                        return "await ran on the loop thread";
                    } catch (BlockingOperationException refused) {
                        return refused.getMessage();
                    }
                })
                .cpu("misuse", List.of("inner"), in -> {
                    try {
                        leaked.get().await(CompletableFuture.completedFuture("x"));
                        return "await ran on a CPU thread";
                    } catch (IllegalStateException refused) {
                        return refused.getMessage();
                    }
                })
                .build();
        DagResult result = await(scheduler.execute(dag, null, Duration.ofSeconds(10)));
        String onLoop = result.get("inner");
        assertTrue(onLoop.contains("'inner'") && onLoop.contains("event loop thread"), onLoop);
        String onCpu = result.get("misuse");
        assertTrue(onCpu.contains("'inner'") && onCpu.contains("outside the node's coroutine"), onCpu);
        IllegalStateException fromTest = assertThrows(IllegalStateException.class,
                () -> leaked.get().await(CompletableFuture.completedFuture("x")));
        assertTrue(fromTest.getMessage().contains("'inner'"), fromTest.getMessage());
        coroutinesAllEnded(scheduler);
    }

    // ---- read coalescing ------------------------------------------------------------------

    private static Dag readDag(String... argv) {
        return Dag.builder().io("read", List.of(), (in, redis) -> redis.send(argv)).build();
    }

    private List<CompletableFuture<DagResult>> executeAll(DagScheduler s, Dag dag, int n) {
        List<CompletableFuture<DagResult>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(s.execute(dag, null, Duration.ofSeconds(30)));
        }
        return all;
    }

    @Test
    void identicalReadsInFlightTogetherMakeOneRedisCall() throws Exception {
        String k = key("hot");
        await(redis.set(k, "hot value"));
        LatencyProxy proxy = closeLater(new LatencyProxy(server.address(), 0));
        CountingCommands counted = new CountingCommands(stallableClient(proxy));
        int n = 50;
        try (DagScheduler coalescing = DagScheduler.builder(cpu).eventLoop(loop, counted).coalesceReads().build()) {
            proxy.stall(true);
            List<CompletableFuture<DagResult>> all = executeAll(coalescing, readDag("GET", k), n);
            eventually("every read joining the first", () -> coalescing.metrics().coalescedCalls() == n - 1);
            proxy.stall(false);
            for (CompletableFuture<DagResult> f : all) {
                assertEquals("hot value", ((Reply) await(f).get("read")).asString());
            }
            assertEquals(1, counted.calls.get("GET").get(), "one GET reached Redis for " + n + " reads");
            assertEquals(1, coalescing.metrics().ioCalls());
            assertEquals(n - 1, coalescing.metrics().coalescedCalls());

            // Once answered, the same read is a call of its own again.
            await(coalescing.execute(readDag("GET", k), null, Duration.ofSeconds(10)));
            assertEquals(2, counted.calls.get("GET").get());
        }
    }

    @Test
    void aFailedSharedReadFailsEverySharer() throws Exception {
        String k = key("string");
        await(redis.set(k, "not a hash"));
        LatencyProxy proxy = closeLater(new LatencyProxy(server.address(), 0));
        CountingCommands counted = new CountingCommands(stallableClient(proxy));
        int n = 20;
        try (DagScheduler coalescing = DagScheduler.builder(cpu).eventLoop(loop, counted).coalesceReads().build()) {
            proxy.stall(true);
            List<CompletableFuture<DagResult>> all = executeAll(coalescing, readDag("HGET", k, "f"), n);
            eventually("every read joining the first", () -> coalescing.metrics().coalescedCalls() == n - 1);
            proxy.stall(false);
            for (CompletableFuture<DagResult> f : all) {
                DagNodeException e = failure(f, DagNodeException.class);
                assertEquals("read", e.node());
                RedisErrorException wrongType = assertInstanceOf(RedisErrorException.class, e.getCause());
                assertTrue(wrongType.getMessage().startsWith("WRONGTYPE"), wrongType.getMessage());
            }
            assertEquals(1, counted.total());
        }
    }

    @Test
    void differentReadsAndDifferentConnectionsAreNeverShared() throws Exception {
        String k = key("k");
        await(redis.set(k, "v"));
        LatencyProxy proxy = closeLater(new LatencyProxy(server.address(), 0));
        CountingCommands counted = new CountingCommands(stallableClient(proxy));
        try (DagScheduler first = DagScheduler.builder(cpu).eventLoop(loop, counted).coalesceReads().build();
             DagScheduler second = DagScheduler.builder(cpu).eventLoop(loop, counted).coalesceReads().build()) {
            proxy.stall(true);
            List<CompletableFuture<DagResult>> all = new ArrayList<>();
            for (String[] argv : List.of(new String[] {"GET", k}, new String[] {"GET", k + "x"}, new String[] {"EXISTS", k},
                    new String[] {"MGET", k, k}, new String[] {"MGET", k + k})) {
                all.add(first.execute(readDag(argv), null, Duration.ofSeconds(30)));
            }
            // The same read on another scheduler: another connection wrapper, never shared across.
            all.add(second.execute(readDag("GET", k), null, Duration.ofSeconds(30)));
            eventually("six calls sent", () -> counted.total() == 6);
            proxy.stall(false);
            List<String> replies = new ArrayList<>();
            for (CompletableFuture<DagResult> f : all) {
                Reply reply = await(f).get("read");
                replies.add(String.valueOf(reply));
            }
            assertEquals(0, first.metrics().coalescedCalls() + second.metrics().coalescedCalls(), replies.toString());
            assertEquals(6, counted.total());
        }
        assertEquals(Set.of(), scheduler.coalescedReads(), "off unless asked for");
    }

    // ---- fan-out IO nodes -----------------------------------------------------------------

    @Test
    void aFanOutNodeKeepsTheItemsOrderAndItsBound() {
        int n = 200;
        int bound = 8;
        String prefix = key("fan");
        List<String> keys = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = (i * 37) % n; // not sorted, so that input order is not key order
            keys.add(prefix + id);
            expected.add("v" + id);
            redis.set(prefix + id, "v" + id);
        }
        await(redis.ping()); // the SETs before it are answered
        Dag dag = Dag.builder()
                .cpu("keys", List.of(), in -> keys)
                .fanOutIo("values", List.of("keys"), bound, in -> in.<List<String>>get("keys"), (in, k, redis) -> redis.get(k))
                .build();
        scheduler.metrics().resetPeak();
        assertEquals(expected, await(scheduler.execute(dag, null, Duration.ofSeconds(10))).get("values"));
        assertEquals(n, scheduler.metrics().ioCalls());
        // The node starts on the loop thread and sends its first round there, before the loop can
        // read any reply: the peak is the bound exactly, never more.
        assertEquals(bound, scheduler.metrics().peakIoCallsInFlight());

        Dag empty = Dag.builder().fanOutIo("none", List.of(), 4, in -> List.<String>of(), (in, k, redis) -> redis.get(k)).build();
        assertEquals(List.of(), await(scheduler.execute(empty, null, Duration.ofSeconds(10))).get("none"));
    }

    @Test
    void aFailedItemFailsTheFanOutNodeNamingTheIndexAndStopsTheRest() {
        String prefix = key("fanfail");
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            keys.add(prefix + i);
        }
        await(redis.hset(prefix + 5, "f", "v")); // GET of a hash: WRONGTYPE
        Dag dag = Dag.builder()
                .fanOutIo("values", List.of(), 1, in -> keys, (in, k, redis) -> redis.get(k))
                .build();
        DagNodeException e = failure(scheduler.execute(dag, null, Duration.ofSeconds(10)), DagNodeException.class);
        assertEquals("values", e.node());
        DagItemException item = assertInstanceOf(DagItemException.class, e.getCause());
        assertEquals(5, item.index());
        assertTrue(e.getMessage().contains("item 5 of 50") && e.getMessage().contains(prefix + 5), e.getMessage());
        assertInstanceOf(RedisErrorException.class, item.getCause());
        assertEquals(6, scheduler.metrics().ioCalls(), "one at a time: no call after the failed one starts");
    }

    @Test
    void theFanOutItemsCanComeFromACoroutineNode() {
        assumeCoroutines();
        String user = key("mixed");
        loadProfile(user, "m", "p", "q", "r");
        for (String item : List.of("p", "q", "r")) {
            await(redis.set(user + ":" + item, item + item));
        }
        Dag dag = Dag.builder()
                .coroutineIo("top", List.of(), (in, redis, co) -> co.await(redis.lrange(user + ":top:m", 0, -1)))
                .fanOutIo("values", List.of("top"), 2, in -> in.<List<String>>get("top"), (in, item, redis) -> redis.get(user + ":" + item))
                .cpu("joined", List.of("values"), in -> String.join(",", in.<List<String>>get("values")))
                .build();
        assertEquals("pp,qq,rr", await(scheduler.execute(dag, null, Duration.ofSeconds(10))).get("joined"));
        coroutinesAllEnded(scheduler);
    }
}
