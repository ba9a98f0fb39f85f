package io.evloop.dag;

import static io.evloop.TestFutures.await;
import static io.evloop.dag.DagSchedulerTest.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.EventLoop;
import io.evloop.EventLoops;
import io.evloop.redis.RedisCommands;
import io.evloop.redis.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Fan-out IO nodes with calls the test completes by hand, in the order it chooses: the bound
 * at every step, the order of the values, the stop on a deadline. The same node against a
 * real server on both loops is in {@link DagIoContractTest}.
 */
class DagFanOutTest {

    private ExecutorService cpu;
    private EventLoop loop;
    private DagScheduler scheduler;
    /** The calls started and not completed yet, by item. */
    private final ConcurrentHashMap<Integer, CompletableFuture<Object>> pending = new ConcurrentHashMap<>();
    private final List<Integer> startOrder = java.util.Collections.synchronizedList(new ArrayList<>());

    private final RedisCommands unused = new RedisCommands() {
        @Override
        public CompletableFuture<Reply> send(byte[]... argv) {
            throw new AssertionError("the fan-out's calls here do not go through Redis");
        }

        @Override
        public CompletableFuture<Reply> send(Duration timeout, byte[]... argv) {
            return send(argv);
        }
    };

    @BeforeEach
    void setUp() {
        cpu = Executors.newFixedThreadPool(2);
        loop = EventLoops.createJava();
        scheduler = DagScheduler.onEventLoop(cpu, loop, unused);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        scheduler.close();
        loop.close();
        cpu.shutdownNow();
        assertTrue(cpu.awaitTermination(10, TimeUnit.SECONDS));
    }

    private Dag fanOut(int items, int bound) {
        List<Integer> list = IntStream.range(0, items).boxed().toList();
        return Dag.builder()
                .fanOutIo("calls", List.of(), bound, in -> list, (in, item, redis) -> {
                    CompletableFuture<Object> call = new CompletableFuture<>();
                    startOrder.add(item);
                    pending.put(item, call);
                    return call;
                })
                .build();
    }

    private void waitForPending(int count) {
        DagIoContractTest.eventually(count + " calls pending (now " + pending.size() + ")", () -> pending.size() == count);
    }

    @Test
    void neverMoreThanTheBoundInFlightAndValuesInItemOrder() {
        int items = 20;
        int bound = 3;
        CompletableFuture<DagResult> f = scheduler.execute(fanOut(items, bound), null, Duration.ofSeconds(30));
        for (int done = 0; done < items; done++) {
            waitForPending(Math.min(bound, items - done));
            // Complete the newest pending call first: replies out of order must not reorder values.
            int newest = pending.keySet().stream().mapToInt(Integer::intValue).max().getAsInt();
            pending.remove(newest).complete("v" + newest);
        }
        List<Object> values = await(f).get("calls");
        assertEquals(IntStream.range(0, items).mapToObj(i -> "v" + i).toList(), values);
        assertEquals(IntStream.range(0, items).boxed().toList(), startOrder, "calls start in item order");
        assertTrue(pending.isEmpty());
    }

    @Test
    void theDeadlineCancelsTheCallsInFlightAndStartsNoMore() {
        CompletableFuture<DagResult> f = scheduler.execute(fanOut(10, 4), null, Duration.ofMillis(200));
        waitForPending(4);
        List<CompletableFuture<Object>> inFlight = new ArrayList<>(pending.values());
        DagTimeoutException e = failure(f, DagTimeoutException.class);
        assertTrue(e.getMessage().contains("calls"), e.getMessage());
        assertTrue(inFlight.stream().allMatch(CompletableFuture::isCancelled), "every call in flight is cancelled");
        assertEquals(4, startOrder.size(), "no call starts after the execution ended");
    }
}
