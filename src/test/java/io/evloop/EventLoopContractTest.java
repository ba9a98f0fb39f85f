package io.evloop;

import static io.evloop.TestFutures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.evloop.testkit.Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The EventLoop contract (docs/ARCHITECTURE.md), run against every implementation by a thin subclass
 * that only says which loop to create.
 */
public abstract class EventLoopContractTest {

    private final List<EventLoop> created = new CopyOnWriteArrayList<>();

    /** Creates the implementation under test. */
    private final Backend backend;

    protected EventLoopContractTest(Backend backend) {
        this.backend = backend;
    }

    protected EventLoop create(EventLoopOptions options) {
        return backend.create(options);
    }


    protected final EventLoop newLoop() {
        return newLoop(EventLoopOptions.defaults());
    }

    protected final EventLoop newLoop(EventLoopOptions options) {
        EventLoop loop = create(options);
        created.add(loop);
        return loop;
    }

    @AfterEach
    void closeLoops() {
        for (EventLoop loop : created) {
            loop.close();
            await(loop.terminationFuture());
        }
    }

    // ---- stall detection ----------------------------------------------------------------

    @Test
    void aTaskThatBlocksTheLoopIsReportedOncePerStallWithTheLoopsNameAndStack() throws Exception {
        List<LoopStall> stalls = new CopyOnWriteArrayList<>();
        EventLoop loop = newLoop(EventLoopOptions.defaults().withStallThreshold(java.time.Duration.ofMillis(50))
                .withStallListener(stalls::add));
        // A posted task, then two timers. Work that reaches a loop still busy in a turn joins
        // that turn (one turn is one stall), so the later stalls are timers 50 ms out: by then
        // the turn before has long ended and the loop has gone back to waiting.
        CompletableFuture<Boolean> posted = new CompletableFuture<>();
        assertTrue(loop.post(() -> {
            sleepOnTheLoop(400);
            posted.complete(true);
        }));
        assertTrue(await(posted));
        awaitCount(stalls, 1);
        for (int i = 2; i <= 3; i++) {
            CompletableFuture<Boolean> timed = new CompletableFuture<>();
            loop.schedule(() -> {
                sleepOnTheLoop(300);
                timed.complete(true);
            }, 50, TimeUnit.MILLISECONDS);
            assertTrue(await(timed));
            awaitCount(stalls, i);
        }
        Thread.sleep(100); // a fourth report would come now
        assertEquals(3, sleeping(stalls).size(), "one report per stall: " + stalls);
        for (LoopStall stall : sleeping(stalls)) {
            assertEquals(loop.name(), stall.loopName());
            assertEquals(java.time.Duration.ofMillis(50), stall.threshold());
            assertTrue(stall.blockedFor().toMillis() >= 50 && stall.blockedFor().toMillis() < 1000, stall.toString());
            assertTrue(stall.stack().stream().anyMatch(f -> f.getMethodName().equals("sleepOnTheLoop")),
                    "the stack shows where the loop is stuck: " + stall.stack());
        }
    }

    @Test
    void shortTurnsAreNotStallsAndAThresholdOfZeroTurnsDetectionOff() throws Exception {
        List<LoopStall> stalls = new CopyOnWriteArrayList<>();
        EventLoop watched = newLoop(EventLoopOptions.defaults().withStallThreshold(java.time.Duration.ofMillis(200))
                .withStallListener(stalls::add));
        EventLoop unwatched = newLoop(EventLoopOptions.defaults().withStallThreshold(java.time.Duration.ZERO)
                .withStallListener(stalls::add));
        for (int i = 0; i < 5; i++) {
            CompletableFuture<Boolean> done = new CompletableFuture<>();
            watched.post(() -> {
                sleepOnTheLoop(20);
                done.complete(true);
            });
            assertTrue(await(done));
        }
        CompletableFuture<Boolean> blocked = new CompletableFuture<>();
        unwatched.post(() -> {
            sleepOnTheLoop(400);
            blocked.complete(true);
        });
        assertTrue(await(blocked));
        Thread.sleep(150);
        assertEquals(List.of(), sleeping(stalls));
        assertEquals(EventLoopOptions.DEFAULT_STALL_THRESHOLD, EventLoopOptions.defaults().stallThreshold());
    }

    @Test
    void aStallListenerThatThrowsChangesNothingForTheLoop() {
        AtomicInteger heard = new AtomicInteger();
        EventLoop loop = newLoop(EventLoopOptions.defaults().withStallThreshold(java.time.Duration.ofMillis(30))
                .withStallListener(stall -> {
                    heard.incrementAndGet();
                    throw new IllegalStateException("a broken listener");
                }));
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        loop.post(() -> {
            sleepOnTheLoop(200);
            done.complete(true);
        });
        assertTrue(await(done));
        CompletableFuture<Boolean> after = new CompletableFuture<>();
        assertTrue(loop.post(() -> after.complete(true)));
        assertTrue(await(after), "the loop goes on");
        assertTrue(heard.get() >= 1, "the listener was called");
    }

    @Test
    void stallOptionsAreCheckedAtTheCall() {
        EventLoopOptions options = EventLoopOptions.defaults();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> options.withStallThreshold(java.time.Duration.ofMillis(-1)))
                .getMessage().contains("zero (off) or at least 1 ms"));
        assertThrows(IllegalArgumentException.class, () -> options.withStallThreshold(java.time.Duration.ofNanos(500)));
        assertTrue(assertThrows(NullPointerException.class, () -> options.withStallThreshold(null))
                .getMessage().contains("Duration.ZERO"));
        assertTrue(assertThrows(NullPointerException.class, () -> options.withStallListener(null))
                .getMessage().contains("StallListener"));
        assertTrue(options.withStallThreshold(java.time.temporal.ChronoUnit.FOREVER.getDuration()).stallThreshold()
                .toDays() > 365 * 100);
    }

    /** Waits for the count of reports of turns stuck in {@link #sleepOnTheLoop}. */
    private static void awaitCount(List<LoopStall> stalls, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (sleeping(stalls).size() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(count, sleeping(stalls).size(), "stall reports so far: " + stalls);
    }

    /** The reports of turns stuck in {@link #sleepOnTheLoop}: a slow turn of the test's own
     * (class loading on a busy machine) may be reported too, and rightly so. */
    private static List<LoopStall> sleeping(List<LoopStall> stalls) {
        return stalls.stream().filter(s -> s.stack().stream().anyMatch(f -> f.getMethodName().equals("sleepOnTheLoop")))
                .toList();
    }

    /** Blocks the loop thread; its name marks the frame a stall report must show. */
    private static void sleepOnTheLoop(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aCloseTimeoutOfForeverWaitsWithoutOverflowing() {
        EventLoopOptions options = EventLoopOptions.defaults()
                .withCloseTimeout(java.time.temporal.ChronoUnit.FOREVER.getDuration());
        assertTrue(options.closeTimeout().toDays() > 365 * 100, options.closeTimeout().toString());
        EventLoop loop = newLoop(options);
        CompletableFuture<Boolean> ran = new CompletableFuture<>();
        assertTrue(loop.post(() -> ran.complete(true)));
        assertTrue(await(ran));
        loop.close(); // waits for the loop thread; used to throw ArithmeticException
        assertTrue(loop.terminationFuture().isDone());
    }

    @Test
    void aBlockingWaitOnTheLoopsOwnFutureFromItsThreadFailsAtOnce() {
        EventLoop loop = newLoop();
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        assertTrue(loop.post(() -> {
            try {
                loop.terminationFuture().join();
                seen.complete(null);
            } catch (Throwable t) {
                seen.complete(t);
            }
        }));
        Throwable t = await(seen);
        assertTrue(t instanceof BlockingOperationException, String.valueOf(t));
        assertTrue(t.getMessage().contains(loop.name()), t.getMessage());
        assertTrue(t.getMessage().contains("thenApply"), t.getMessage());
        // From another thread the same future is an ordinary one.
        loop.stop();
        assertNull(loop.terminationFuture().join());
    }

    @Test
    void runsTasksOnItsOwnNamedThread() {
        EventLoop loop = newLoop();
        assertEquals(backend.implementation(), loop.implementation());
        CompletableFuture<String> threadName = new CompletableFuture<>();
        assertTrue(loop.post(() -> threadName.complete(
                loop.inLoopThread() ? Thread.currentThread().getName() : "not in loop thread")));
        assertEquals(loop.name(), await(threadName));
        assertTrue(loop.name().matches("evloop-\\d+"), loop.name());
        assertFalse(loop.inLoopThread());
    }

    @Test
    void rejectsNullAndBadArgumentsAtTheCall() {
        EventLoop loop = newLoop();
        NullPointerException npe = assertThrows(NullPointerException.class, () -> loop.post(null));
        assertTrue(npe.getMessage().contains("task"), npe.getMessage());
        assertThrows(NullPointerException.class, () -> loop.execute(null));
        assertThrows(NullPointerException.class, () -> loop.schedule(null, 1, TimeUnit.MILLISECONDS));
        assertThrows(IllegalArgumentException.class, () -> loop.schedule(() -> { }, -1, TimeUnit.MILLISECONDS));
    }

    @Test
    void tasksFromOneThreadRunInOrder() throws Exception {
        EventLoop loop = newLoop();
        int threads = 4;
        int perThread = 20_000;
        int[] lastSeen = new int[threads];
        AtomicInteger outOfOrder = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(threads * perThread);
        List<Thread> posters = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            posters.add(new Thread(() -> {
                for (int i = 1; i <= perThread; i++) {
                    int seq = i;
                    assertTrue(loop.post(() -> {
                        if (lastSeen[id] != seq - 1) {
                            outOfOrder.incrementAndGet();
                        }
                        lastSeen[id] = seq;
                        done.countDown();
                    }));
                }
            }));
        }
        posters.forEach(Thread::start);
        posters.forEach(TestFutures::join);
        TestFutures.await(done);
        assertEquals(0, outOfOrder.get());
    }

    @Test
    void executeThrowsAndPostReturnsFalseOnceStopped() {
        EventLoop loop = newLoop();
        loop.stop();
        assertTrue(loop.isStopping());
        assertTrue(loop.terminationFuture().isDone());
        AtomicInteger ran = new AtomicInteger();
        assertFalse(loop.post(ran::incrementAndGet));
        RejectedExecutionException e = assertThrows(RejectedExecutionException.class, () -> loop.execute(ran::incrementAndGet));
        assertTrue(e.getMessage().contains(loop.name()), e.getMessage());
        assertThrows(RejectedExecutionException.class, () -> loop.schedule(ran::incrementAndGet, 1, TimeUnit.MILLISECONDS));
        assertEquals(0, ran.get());
    }

    @Test
    void stopFromAnotherThreadRunsAcceptedTasksThenReturnsAfterExit() {
        EventLoop loop = newLoop();
        AtomicInteger ran = new AtomicInteger();
        CountDownLatch gate = new CountDownLatch(1);
        loop.post(() -> TestFutures.await(gate)); // holds the loop while we queue behind it
        for (int i = 0; i < 1000; i++) {
            assertTrue(loop.post(ran::incrementAndGet));
        }
        Thread stopper = new Thread(loop::stop);
        stopper.start();
        gate.countDown();
        TestFutures.join(stopper);
        assertTrue(loop.terminationFuture().isDone(), "stop() returned before the loop thread exited");
        assertEquals(1000, ran.get());
    }

    @Test
    void stopFromTheLoopThreadReturnsAtOnceAndDrainsAcceptedTasks() {
        EventLoop loop = newLoop();
        List<String> order = new CopyOnWriteArrayList<>();
        CompletableFuture<Boolean> postAfterStop = new CompletableFuture<>();
        loop.post(() -> {
            loop.post(() -> order.add("accepted before stop"));
            loop.stop(); // must not wait for itself
            order.add("stop returned");
            postAfterStop.complete(loop.post(() -> order.add("must never run")));
        });
        await(loop.terminationFuture());
        assertFalse(await(postAfterStop));
        assertEquals(List.of("stop returned", "accepted before stop"), order);
    }

    @Test
    void closeFromInsideATaskIsSafe() {
        EventLoop loop = newLoop();
        AtomicInteger ran = new AtomicInteger();
        loop.post(() -> {
            loop.post(ran::incrementAndGet);
            loop.close();
            loop.close(); // idempotent, still inside the callback
            ran.incrementAndGet();
        });
        await(loop.terminationFuture());
        assertEquals(2, ran.get());
        assertFalse(loop.post(ran::incrementAndGet));
        loop.close(); // and again from outside
    }

    @Test
    void aThousandLoopsClosedFromTheirOwnTasks() {
        for (int i = 0; i < 1000; i++) {
            EventLoop loop = create(EventLoopOptions.defaults());
            CountDownLatch ran = new CountDownLatch(1);
            assertTrue(loop.post(() -> {
                loop.close();
                ran.countDown();
            }));
            TestFutures.await(ran);
            await(loop.terminationFuture());
        }
    }

    @Test
    void stopAndCloseFromSixteenThreadsAtOnce() throws Exception {
        for (int round = 0; round < 20; round++) {
            EventLoop loop = newLoop();
            AtomicInteger ran = new AtomicInteger();
            for (int i = 0; i < 100; i++) {
                loop.post(ran::incrementAndGet);
            }
            CyclicBarrier start = new CyclicBarrier(16);
            List<Thread> threads = new ArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int t = 0; t < 16; t++) {
                boolean close = t % 2 == 0;
                Thread thread = new Thread(() -> {
                    try {
                        start.await(30, TimeUnit.SECONDS);
                        if (close) {
                            loop.close();
                        } else {
                            loop.stop();
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                threads.add(thread);
                thread.start();
            }
            threads.forEach(TestFutures::join);
            if (failure.get() != null) {
                fail("stop/close threw", failure.get());
            }
            assertTrue(loop.terminationFuture().isDone());
            assertEquals(100, ran.get());
        }
    }

    @Test
    void everyAcceptedTaskRunsExactlyOnceWhileAnotherThreadStops() throws Exception {
        Random random = new Random(42);
        int total = 1_000_000;
        int posters = 8;
        for (int round = 0; round < 3; round++) {
            EventLoop loop = newLoop();
            AtomicIntegerArray runs = new AtomicIntegerArray(total);
            boolean[] accepted = new boolean[total];
            CyclicBarrier start = new CyclicBarrier(posters + 1);
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < posters; p++) {
                int first = p;
                Thread thread = new Thread(() -> {
                    awaitBarrier(start);
                    for (int i = first; i < total; i += posters) {
                        int id = i;
                        accepted[id] = loop.post(() -> runs.incrementAndGet(id));
                    }
                });
                threads.add(thread);
                thread.start();
            }
            long stopAfterNanos = TimeUnit.MICROSECONDS.toNanos(random.nextInt(300_000));
            awaitBarrier(start);
            long until = System.nanoTime() + stopAfterNanos;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            loop.stop();
            threads.forEach(TestFutures::join);
            int acceptedCount = 0;
            for (int i = 0; i < total; i++) {
                int expected = accepted[i] ? 1 : 0;
                acceptedCount += expected;
                if (runs.get(i) != expected) {
                    fail("task " + i + " accepted=" + accepted[i] + " ran " + runs.get(i) + " times");
                }
            }
            assertTrue(acceptedCount <= total);
        }
    }

    @Test
    void aThrowingTaskGoesToTheHandlerAndTheLoopGoesOn() {
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        AtomicReference<EventLoop> seenLoop = new AtomicReference<>();
        EventLoop loop = newLoop(EventLoopOptions.defaults().withTaskExceptionHandler((l, e) -> {
            seenLoop.set(l);
            seen.complete(e);
        }));
        IllegalStateException boom = new IllegalStateException("boom");
        loop.post(() -> {
            throw boom;
        });
        CompletableFuture<Boolean> after = new CompletableFuture<>();
        loop.post(() -> after.complete(true));
        assertSame(boom, await(seen));
        assertSame(loop, seenLoop.get());
        assertTrue(await(after));
    }

    @Test
    void aThrowingHandlerDoesNotKillTheLoopEither() {
        EventLoop loop = newLoop(EventLoopOptions.defaults().withTaskExceptionHandler((l, e) -> {
            throw new IllegalStateException("handler fails too");
        }));
        loop.post(() -> {
            throw new IllegalStateException("task fails");
        });
        CompletableFuture<Boolean> after = new CompletableFuture<>();
        loop.post(() -> after.complete(true));
        assertTrue(await(after));
    }

    @Test
    void scheduledTasksRunAfterTheirDelayInDeadlineOrder() {
        EventLoop loop = newLoop();
        ConcurrentLinkedQueue<String> order = new ConcurrentLinkedQueue<>();
        CompletableFuture<Long> lateRan = new CompletableFuture<>();
        long start = System.nanoTime();
        loop.schedule(() -> {
            order.add("60ms");
            lateRan.complete(System.nanoTime());
        }, 60, TimeUnit.MILLISECONDS);
        loop.schedule(() -> order.add("20ms"), 20, TimeUnit.MILLISECONDS);
        loop.schedule(() -> order.add("0ms"), 0, TimeUnit.MILLISECONDS);
        long ranAt = await(lateRan);
        assertTrue(ranAt - start >= TimeUnit.MILLISECONDS.toNanos(60), "a scheduled task ran early");
        assertEquals(List.of("0ms", "20ms", "60ms"), List.copyOf(order));
    }

    @Test
    void scheduleFromTheLoopThreadAndChainedTimers() {
        EventLoop loop = newLoop();
        CompletableFuture<Integer> done = new CompletableFuture<>();
        AtomicInteger hops = new AtomicInteger();
        Runnable[] hop = new Runnable[1];
        hop[0] = () -> {
            if (hops.incrementAndGet() == 10) {
                done.complete(hops.get());
            } else {
                loop.schedule(hop[0], 1, TimeUnit.MILLISECONDS);
            }
        };
        loop.post(hop[0]);
        assertEquals(10, await(done));
    }

    @Test
    void cancelledScheduledTasksNeverRun() throws Exception {
        EventLoop loop = newLoop();
        AtomicInteger ran = new AtomicInteger();
        List<ScheduledTask> handles = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            handles.add(loop.schedule(ran::incrementAndGet, 30, TimeUnit.MILLISECONDS));
        }
        for (ScheduledTask h : handles) {
            assertTrue(h.cancel());
            assertFalse(h.cancel());
            assertTrue(h.isCancelled());
            assertTrue(h.isDone());
        }
        CompletableFuture<Boolean> later = new CompletableFuture<>();
        loop.schedule(() -> later.complete(true), 60, TimeUnit.MILLISECONDS);
        assertTrue(await(later));
        assertEquals(0, ran.get());
    }

    @Test
    void scheduledTasksStillPendingAtStopAreCancelled() {
        EventLoop loop = newLoop();
        AtomicInteger ran = new AtomicInteger();
        ScheduledTask pending = loop.schedule(ran::incrementAndGet, 1, TimeUnit.HOURS);
        ScheduledTask soon = loop.schedule(ran::incrementAndGet, 0, TimeUnit.MILLISECONDS);
        CompletableFuture<Boolean> marker = new CompletableFuture<>();
        loop.schedule(() -> marker.complete(true), 5, TimeUnit.MILLISECONDS);
        await(marker);
        loop.stop();
        assertTrue(pending.isCancelled());
        assertTrue(soon.isDone());
        assertFalse(soon.isCancelled());
        assertEquals(1, ran.get());
    }

    @Test
    void tasksPostedByTimersOnTheLoopThreadRunWithoutAnyOtherWakeUp() {
        EventLoop loop = newLoop();
        CompletableFuture<String> ran = new CompletableFuture<>();
        loop.schedule(() -> loop.post(() -> ran.complete(Thread.currentThread().getName())), 5, TimeUnit.MILLISECONDS);
        assertEquals(loop.name(), await(ran));
    }

    @Test
    void aFloodOfPostsFromTheLoopThreadItselfAllRun() {
        EventLoop loop = newLoop();
        int count = 50_000; // well over one turn's batch
        CountDownLatch done = new CountDownLatch(count);
        loop.post(() -> {
            for (int i = 0; i < count; i++) {
                loop.post(done::countDown);
            }
        });
        TestFutures.await(done);
    }

    @Test
    void stopAndCloseAreIdempotent() {
        EventLoop loop = newLoop();
        loop.stop();
        loop.stop();
        loop.close();
        loop.close();
        assertTrue(loop.terminationFuture().isDone());
        assertNotNull(loop.toString());
    }

    @Test
    void closeWithoutEverPostingAndCloseRightAfterCreate() {
        for (int i = 0; i < 100; i++) {
            EventLoop loop = create(EventLoopOptions.defaults());
            loop.close();
            assertTrue(loop.terminationFuture().isDone());
        }
    }

    @Test
    void closeFromAnotherThreadWhileATaskOverrunsTheCloseTimeout() {
        EventLoop loop = newLoop(EventLoopOptions.defaults().withCloseTimeout(java.time.Duration.ofMillis(50)));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger ranAfter = new AtomicInteger();
        loop.post(() -> {
            started.countDown();
            TestFutures.await(release);
        });
        loop.post(ranAfter::incrementAndGet);
        TestFutures.await(started);
        loop.close(); // gives up after 50 ms; the loop thread frees what remains when it exits
        assertFalse(loop.terminationFuture().isDone());
        release.countDown();
        await(loop.terminationFuture());
        assertEquals(1, ranAfter.get());
    }

    private static void awaitBarrier(CyclicBarrier barrier) {
        try {
            barrier.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("barrier", e);
        }
    }
}
