package io.evloop.dag;

import static io.evloop.TestFutures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.EventLoop;
import io.evloop.EventLoops;
import io.evloop.TestFutures;
import io.evloop.redis.RedisCommands;
import io.evloop.redis.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** DAG semantics with a fake Redis (no server): ordering, fan-in, failure, deadline, cancellation. */
class DagSchedulerTest {

    private ExecutorService cpu;
    private EventLoop loop;
    private DagScheduler scheduler;

    /** Answers every command with its first argument after the command name, asynchronously. */
    private final RedisCommands echoRedis = new RedisCommands() {
        @Override
        public CompletableFuture<Reply> send(byte[]... argv) {
            return CompletableFuture.supplyAsync(() -> new Reply.BulkString(argv[argv.length - 1]));
        }

        @Override
        public CompletableFuture<Reply> send(Duration timeout, byte[]... argv) {
            return send(argv);
        }
    };

    @BeforeEach
    void setUp() {
        AtomicInteger ids = new AtomicInteger();
        cpu = Executors.newFixedThreadPool(4, r -> new Thread(r, "cpu-" + ids.incrementAndGet()));
        loop = EventLoops.createJava();
        scheduler = DagScheduler.onEventLoop(cpu, loop, echoRedis);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        scheduler.close();
        loop.close();
        cpu.shutdownNow();
        assertTrue(cpu.awaitTermination(10, TimeUnit.SECONDS));
    }

    @Test
    void nodesRunAfterTheirDependenciesAndSeeTheirValues() {
        List<String> order = new CopyOnWriteArrayList<>();
        Dag dag = Dag.builder()
                .cpu("sum", List.of("a", "b"), in -> {
                    order.add("sum");
                    return (Integer) in.get("a") + (Integer) in.get("b");
                })
                .cpu("a", List.of(), in -> {
                    order.add("a");
                    return 1;
                })
                .io("b", List.of("a"), (in, redis) -> {
                    order.add("b");
                    return redis.get("x" + in.get("a")).thenApply(v -> v.length() + 1);
                })
                .build();
        DagResult result = await(scheduler.execute(dag, null, Duration.ofSeconds(10)));
        assertEquals(List.of("a", "b", "sum"), order);
        assertEquals(1, (Integer) result.get("a"));
        assertEquals(3, (Integer) result.get("b"));
        assertEquals(4, (Integer) result.get("sum"));
        assertEquals(List.of("a", "b", "sum"), dag.nodeNames());
    }

    @Test
    void ioCompletionsContinueOnTheCpuExecutorNotTheLoop() {
        Dag dag = Dag.builder()
                .io("fetch", List.of(), (in, redis) -> {
                    assertTrue(loop.inLoopThread(), "IO nodes start on the event loop");
                    return redis.get("k");
                })
                .cpu("after", List.of("fetch"), in -> Thread.currentThread().getName())
                .build();
        String thread = await(scheduler.execute(dag, null, Duration.ofSeconds(10))).get("after");
        assertTrue(thread.startsWith("cpu-"), thread);
    }

    @Test
    void aFailingNodeFailsTheExecutionByNameAndLaterNodesNeverStart() {
        AtomicInteger downstream = new AtomicInteger();
        Dag dag = Dag.builder()
                .cpu("broken", List.of(), in -> {
                    throw new IllegalStateException("bad data");
                })
                .cpu("next", List.of("broken"), in -> downstream.incrementAndGet())
                .build();
        CompletableFuture<DagResult> f = scheduler.execute(dag, null, Duration.ofSeconds(10));
        DagNodeException e = failure(f, DagNodeException.class);
        assertEquals("broken", e.node());
        assertTrue(e.getMessage().contains("broken") && e.getMessage().contains("bad data"), e.getMessage());
        assertEquals(0, downstream.get());
        assertEquals(1, scheduler.metrics().executionsFailed());
    }

    @Test
    void aFailedIoCallFailsTheNode() {
        Dag dag = Dag.builder()
                .io("io", List.of(), (in, redis) -> CompletableFuture.failedFuture(new IllegalStateException("redis down")))
                .build();
        DagNodeException e = failure(scheduler.execute(dag, null, Duration.ofSeconds(10)), DagNodeException.class);
        assertEquals("io", e.node());
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    @Test
    void theDeadlineCancelsWhatIsUnfinished() {
        CompletableFuture<Object> never = new CompletableFuture<>();
        AtomicInteger downstream = new AtomicInteger();
        Dag dag = Dag.builder()
                .io("slow", List.of(), (in, redis) -> never)
                .cpu("after", List.of("slow"), in -> downstream.incrementAndGet())
                .build();
        DagTimeoutException e = failure(scheduler.execute(dag, null, Duration.ofMillis(50)), DagTimeoutException.class);
        assertTrue(e.getMessage().contains("slow") && e.getMessage().contains("after"), e.getMessage());
        assertTrue(never.isCancelled(), "the running IO future is cancelled");
        assertEquals(0, downstream.get());
        assertEquals(0, scheduler.metrics().executionsInFlight());
    }

    @Test
    void cancellingTheExecutionStopsIt() {
        CompletableFuture<Object> gate = new CompletableFuture<>();
        AtomicInteger downstream = new AtomicInteger();
        Dag dag = Dag.builder()
                .io("wait", List.of(), (in, redis) -> gate)
                .cpu("after", List.of("wait"), in -> downstream.incrementAndGet())
                .build();
        CompletableFuture<DagResult> f = scheduler.execute(dag, null, Duration.ofSeconds(10));
        assertTrue(f.cancel(false));
        assertTrue(gate.isCancelled() || !gate.isDone());
        gate.complete("late");
        assertEquals(0, downstream.get());
    }

    @Test
    void readingANodeThatIsNotADependencyFails() {
        Dag dag = Dag.builder()
                .cpu("a", List.of(), in -> 1)
                .cpu("b", List.of(), in -> in.get("a"))
                .build();
        DagNodeException e = failure(scheduler.execute(dag, null, Duration.ofSeconds(10)), DagNodeException.class);
        assertTrue(e.getMessage().contains("not one of its dependencies"), e.getMessage());
    }

    @Test
    void badGraphsAreRefusedWhenBuilt() {
        IllegalArgumentException cycle = assertThrows(IllegalArgumentException.class, () -> Dag.builder()
                .cpu("a", List.of("c"), in -> 1).cpu("b", List.of("a"), in -> 1).cpu("c", List.of("b"), in -> 1)
                .cpu("free", List.of(), in -> 1).build());
        assertTrue(cycle.getMessage().contains("cycle") && cycle.getMessage().contains("a"), cycle.getMessage());
        assertFalse(cycle.getMessage().contains("free"), cycle.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> Dag.builder().cpu("a", List.of("ghost"), in -> 1).build());
        assertTrue(missing.getMessage().contains("ghost"), missing.getMessage());
        IllegalArgumentException duplicate = assertThrows(IllegalArgumentException.class,
                () -> Dag.builder().cpu("a", List.of(), in -> 1).cpu("a", List.of(), in -> 2));
        assertTrue(duplicate.getMessage().contains("duplicate"), duplicate.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Dag.builder().cpu("self", List.of("self"), in -> 1).build());
        assertThrows(IllegalArgumentException.class, () -> Dag.builder().build());
        assertThrows(IllegalArgumentException.class,
                () -> scheduler.execute(Dag.builder().cpu("a", List.of(), in -> 1).build(), null, Duration.ZERO));
    }

    @Test
    void manyConcurrentExecutionsOfOneDag() throws Exception {
        Dag dag = Dag.builder()
                .io("fetch", List.of(), (in, redis) -> redis.get("v" + in.request()))
                .cpu("left", List.of("fetch"), in -> "L" + in.get("fetch"))
                .cpu("right", List.of("fetch"), in -> "R" + in.get("fetch"))
                .cpu("join", List.of("left", "right"), in -> in.get("left") + "|" + in.get("right"))
                .build();
        List<CompletableFuture<DagResult>> all = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            all.add(scheduler.execute(dag, i, Duration.ofSeconds(30)));
        }
        for (int i = 0; i < all.size(); i++) {
            assertEquals("Lv" + i + "|Rv" + i, await(all.get(i)).get("join"));
        }
        assertEquals(0, scheduler.metrics().executionsInFlight());
        assertEquals(2000 * 4, scheduler.metrics().nodeLatencies().values().stream().mapToLong(DagMetrics.NodeLatency::count).sum());
        assertTrue(scheduler.metrics().ioCalls() >= 2000);
        String line = scheduler.metrics().toString();
        assertTrue(line.startsWith("DagMetrics[executions: 0 in flight, 2000 finished, 0 failed; IO calls: "), line);
        for (String node : scheduler.metrics().nodeLatencies().keySet()) {
            assertTrue(line.contains("; " + node + ": 2000x mean "), line);
        }
    }

    static <E extends Throwable> E failure(CompletableFuture<?> f, Class<E> type) {
        try {
            f.get(TestFutures.BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (type.isInstance(e.getCause())) {
                return type.cast(e.getCause());
            }
            throw new AssertionError("expected " + type.getSimpleName() + ", got " + e.getCause(), e.getCause());
        } catch (Exception e) {
            throw new AssertionError("future did not fail as expected", e);
        }
        throw new AssertionError("expected " + type.getSimpleName() + " but the execution succeeded");
    }
}
