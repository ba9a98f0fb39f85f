package io.evloop.dag;

import static io.evloop.TestFutures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.EventLoop;
import io.evloop.EventLoops;
import io.evloop.redis.RedisClient;
import io.evloop.redis.RedisConfig;
import io.evloop.testkit.BlockingRedisClient;
import io.evloop.testkit.NativeRequirement;
import io.evloop.testkit.RecommendationWorkload;
import io.evloop.testkit.RedisServerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The same DAG gives the same results in thread-pool mode and in event-loop mode on both loops,
 * with reads coalesced or not and with the viewer written as a coroutine IO node.
 */
class DagModesParityTest {

    private static RedisServerProcess server;
    private static RedisConfig config;
    private static final RecommendationWorkload WORKLOAD = new RecommendationWorkload(50, 30);

    @BeforeAll
    static void startAndLoad() throws Exception {
        server = RedisServerProcess.start();
        config = RedisConfig.fromUri(server.uri());
        try (EventLoop loop = EventLoops.createJava()) {
            RedisClient redis = await(RedisClient.connect(loop, config));
            WORKLOAD.load(redis);
            redis.close();
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static List<List<String>> run(Function<ExecutorService, DagScheduler> schedulerFactory) {
        return run(schedulerFactory, WORKLOAD.dag());
    }

    private static List<List<String>> run(Function<ExecutorService, DagScheduler> schedulerFactory, Dag dag) {
        ExecutorService cpu = Executors.newFixedThreadPool(4);
        try (DagScheduler scheduler = schedulerFactory.apply(cpu)) {
            List<CompletableFuture<DagResult>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                futures.add(scheduler.execute(dag, WORKLOAD.userFor(i), Duration.ofSeconds(30)));
            }
            List<List<String>> tops = new ArrayList<>();
            for (CompletableFuture<DagResult> f : futures) {
                tops.add(await(f).get("sort"));
            }
            return tops;
        } finally {
            cpu.shutdownNow();
        }
    }

    private static List<List<String>> onLoop(EventLoop loop) {
        return onLoop(loop, WORKLOAD.dag(), false);
    }

    private static List<List<String>> onLoop(EventLoop loop, Dag dag, boolean coalesce) {
        try (loop) {
            RedisClient redis = await(RedisClient.connect(loop, config));
            try {
                return run(cpu -> {
                    DagScheduler.Builder b = DagScheduler.builder(cpu).eventLoop(loop, redis);
                    return (coalesce ? b.coalesceReads() : b).build();
                }, dag);
            } finally {
                redis.close();
            }
        }
    }

    @Test
    void threadPoolAndBothEventLoopsAgree() {
        NativeRequirement.check();
        List<List<String>> threadPool = run(cpu -> DagScheduler.onThreadPool(cpu, 8, () -> BlockingRedisClient.connect(config)));
        List<List<String>> javaLoop = onLoop(EventLoops.createJava());
        List<List<String>> nativeLoop = onLoop(EventLoops.createNative());
        assertEquals(200, threadPool.size());
        assertTrue(threadPool.stream().allMatch(top -> top.size() == 10), "every request ranks ten items");
        assertEquals(threadPool, javaLoop);
        assertEquals(threadPool, nativeLoop);
    }

    @Test
    void coalescedReadsGiveTheSameResults() {
        NativeRequirement.check();
        List<List<String>> threadPool = run(cpu -> DagScheduler.onThreadPool(cpu, 8, () -> BlockingRedisClient.connect(config)));
        assertEquals(threadPool, onLoop(EventLoops.createJava(), WORKLOAD.dag(), true), "coalesced reads, Java loop");
        assertEquals(threadPool, onLoop(EventLoops.createNative(), WORKLOAD.dag(), true), "coalesced reads, native loop");
    }

    @Test
    void theCoroutineViewerGivesTheSameResults() {
        NativeRequirement.check();
        Assumptions.assumeTrue(Dag.coroutineIoAvailable(), "the coroutine viewer needs Java 21 or later; this JVM is Java "
                + Runtime.version());
        List<List<String>> threadPool = run(cpu -> DagScheduler.onThreadPool(cpu, 8, () -> BlockingRedisClient.connect(config)));
        assertEquals(threadPool, onLoop(EventLoops.createJava(), WORKLOAD.coroutineDag(), false), "coroutine viewer, Java loop");
        assertEquals(threadPool, onLoop(EventLoops.createNative(), WORKLOAD.coroutineDag(), true),
                "coroutine viewer with coalesced reads, native loop");
    }

    @Test
    void eventLoopModeKeepsManyMoreCallsInFlightThanThePool() {
        ExecutorService cpu = Executors.newFixedThreadPool(4);
        try (EventLoop loop = EventLoops.createJava()) {
            RedisClient redis = await(RedisClient.connect(loop, config));
            DagScheduler pool = DagScheduler.onThreadPool(cpu, 8, () -> BlockingRedisClient.connect(config));
            DagScheduler events = DagScheduler.onEventLoop(cpu, loop, redis);
            Dag dag = WORKLOAD.dag();
            List<CompletableFuture<DagResult>> all = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                all.add(pool.execute(dag, WORKLOAD.userFor(i), Duration.ofSeconds(30)));
                all.add(events.execute(dag, WORKLOAD.userFor(i), Duration.ofSeconds(30)));
            }
            all.forEach(f -> await(f));
            assertTrue(pool.metrics().peakIoCallsInFlight() <= 8, "a pool of 8 blocks on at most 8 calls");
            assertTrue(events.metrics().peakIoCallsInFlight() > 8, "peak " + events.metrics().peakIoCallsInFlight());
            pool.close();
            events.close();
            redis.close();
        } finally {
            cpu.shutdownNow();
        }
    }
}
