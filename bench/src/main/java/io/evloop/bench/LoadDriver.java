package io.evloop.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Keeps commands in flight against one client until stopped. {@link #async} drives a client
 * that returns futures in one of the {@link Pattern}s: N chains that re-send from their
 * completion callback (on whatever thread the client completes it), or producer threads of
 * their own that send while a Semaphore window of N permits allows, each completion giving
 * its permit back. {@link #blocking} drives a blocking client from threads (one command in
 * flight per thread).
 */
abstract class LoadDriver {

    protected final LatencyRecorder recorder;
    protected final AtomicReference<Throwable> firstError = new AtomicReference<>();
    protected volatile boolean stopping;

    LoadDriver(LatencyRecorder recorder) {
        this.recorder = recorder;
    }

    /** Starts keeping {@code inFlight} commands in flight. */
    abstract void start(int inFlight);

    /** Stops sending; returns once every command sent has completed, or false after the timeout. */
    abstract boolean stopAndAwait(long timeout, TimeUnit unit) throws InterruptedException;

    Throwable firstError() {
        return firstError.get();
    }

    static LoadDriver async(LatencyRecorder recorder, Pattern pattern, Supplier<? extends CompletionStage<?>> send,
                            Predicate<Object> valid) {
        return pattern.producerThreads == 0 ? new CompletionChains(recorder, send, valid)
                : new ForeignProducers(recorder, pattern.producerThreads, send, valid);
    }

    /** A blocking call that returns whether the reply was the expected one. */
    interface BlockingCall extends AutoCloseable {
        boolean call() throws Exception;

        /** Called by the thread when it stops (e.g. to return a pooled connection). */
        @Override
        default void close() {
        }
    }

    /** Per-thread blocking call factories: each thread gets its own (e.g. its own pooled connection). */
    static LoadDriver blocking(LatencyRecorder recorder, Supplier<BlockingCall> perThread) {
        return new Blocking(recorder, perThread);
    }

    /** What both future-driven patterns share: how a command is sent and how its completion is counted. */
    private abstract static class AsyncDriver extends LoadDriver {
        private final Supplier<? extends CompletionStage<?>> send;
        private final Predicate<Object> valid;

        AsyncDriver(LatencyRecorder recorder, Supplier<? extends CompletionStage<?>> send, Predicate<Object> valid) {
            super(recorder);
            this.send = send;
            this.valid = valid;
        }

        /** Sends one command; a client that throws instead of failing its future gets a failed one. */
        final CompletionStage<?> sendOne() {
            try {
                return send.get();
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        /** Records one completion; returns false when it failed. */
        final boolean record(long sentAt, Object value, Throwable error) {
            boolean ok = error == null && valid.test(value);
            recorder.completed(sentAt, System.nanoTime(), ok);
            if (error != null) {
                firstError.compareAndSet(null, error);
            }
            return error == null;
        }
    }

    /** {@link Pattern#IN_LOOP}: N chains, each sending its next command from the completion callback. */
    private static final class CompletionChains extends AsyncDriver {
        private final AtomicInteger active = new AtomicInteger();
        private CountDownLatch idle;

        CompletionChains(LatencyRecorder recorder, Supplier<? extends CompletionStage<?>> send, Predicate<Object> valid) {
            super(recorder, send, valid);
        }

        @Override
        void start(int inFlight) {
            idle = new CountDownLatch(1);
            active.set(inFlight);
            for (int i = 0; i < inFlight; i++) {
                new Chain().send();
            }
        }

        @Override
        boolean stopAndAwait(long timeout, TimeUnit unit) throws InterruptedException {
            stopping = true;
            return idle.await(timeout, unit);
        }

        /** One slot of the closed loop: at most one command of it is in flight. */
        private final class Chain implements BiConsumer<Object, Throwable> {
            private long sentAt;

            void send() {
                sentAt = System.nanoTime();
                sendOne().whenComplete(this);
            }

            @Override
            public void accept(Object value, Throwable error) {
                if (!record(sentAt, value, error) || stopping) {
                    if (active.decrementAndGet() == 0) {
                        idle.countDown();
                    }
                    return;
                }
                send();
            }
        }
    }

    /**
     * {@link Pattern#PRODUCERS_1} and {@link Pattern#PRODUCERS_4}: threads that are not the
     * client's send in a loop, each GET taking a permit of one shared Semaphore of N that its
     * completion callback releases, so that at most N are in flight and a producer that finds
     * none free blocks until a reply frees one.
     */
    private static final class ForeignProducers extends AsyncDriver {
        private final int threadCount;
        private Semaphore window;
        private int permits;
        private Thread[] threads = new Thread[0];

        ForeignProducers(LatencyRecorder recorder, int threadCount, Supplier<? extends CompletionStage<?>> send,
                         Predicate<Object> valid) {
            super(recorder, send, valid);
            this.threadCount = threadCount;
        }

        @Override
        void start(int inFlight) {
            permits = inFlight;
            window = new Semaphore(inFlight);
            threads = new Thread[threadCount];
            for (int i = 0; i < threadCount; i++) {
                threads[i] = new Thread(this::produce, "producer-" + i);
                threads[i].setDaemon(true);
                threads[i].start();
            }
        }

        private void produce() {
            try {
                while (!stopping) {
                    // A bounded wait, so that a producer notices the stop while every permit is out.
                    if (!window.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                        continue;
                    }
                    long sentAt = System.nanoTime();
                    sendOne().whenComplete((value, error) -> {
                        if (!record(sentAt, value, error)) {
                            stopping = true; // a broken connection fails every GET: stop rather than spin
                        }
                        window.release();
                    });
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        boolean stopAndAwait(long timeout, TimeUnit unit) throws InterruptedException {
            stopping = true;
            long deadline = System.nanoTime() + unit.toNanos(timeout);
            for (Thread t : threads) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                if (t.isAlive()) {
                    return false;
                }
            }
            // Every permit back means every GET sent has completed.
            return window.tryAcquire(permits, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    private static final class Blocking extends LoadDriver {
        private final Supplier<BlockingCall> perThread;
        private Thread[] threads = new Thread[0];

        Blocking(LatencyRecorder recorder, Supplier<BlockingCall> perThread) {
            super(recorder);
            this.perThread = perThread;
        }

        @Override
        void start(int inFlight) {
            threads = new Thread[inFlight];
            for (int i = 0; i < inFlight; i++) {
                threads[i] = new Thread(this::runThread, "load-" + i);
                threads[i].setDaemon(true);
                threads[i].start();
            }
        }

        private void runThread() {
            BlockingCall call;
            try {
                call = perThread.get();
            } catch (RuntimeException e) {
                firstError.compareAndSet(null, e);
                return;
            }
            try {
                while (!stopping) {
                    long sentAt = System.nanoTime();
                    boolean ok;
                    try {
                        ok = call.call();
                    } catch (Exception e) {
                        firstError.compareAndSet(null, e);
                        recorder.completed(sentAt, System.nanoTime(), false);
                        return;
                    }
                    recorder.completed(sentAt, System.nanoTime(), ok);
                }
            } finally {
                call.close();
            }
        }

        @Override
        boolean stopAndAwait(long timeout, TimeUnit unit) throws InterruptedException {
            stopping = true;
            long deadline = System.nanoTime() + unit.toNanos(timeout);
            for (Thread t : threads) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                if (t.isAlive()) {
                    return false;
                }
            }
            return true;
        }
    }
}
