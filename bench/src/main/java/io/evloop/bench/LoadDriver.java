package io.evloop.bench;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Keeps commands in flight against one client until stopped: a closed loop, where every
 * completion sends the next command. {@link #async} drives a client that returns futures
 * (N chains, each re-sending from its completion callback, on whatever thread the client
 * completes it); {@link #blocking} drives a blocking client from threads (one command in
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

    static LoadDriver async(LatencyRecorder recorder, Supplier<? extends CompletionStage<?>> send, Predicate<Object> valid) {
        return new Async(recorder, send, valid);
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

    private static final class Async extends LoadDriver {
        private final Supplier<? extends CompletionStage<?>> send;
        private final Predicate<Object> valid;
        private final AtomicInteger active = new AtomicInteger();
        private CountDownLatch idle;

        Async(LatencyRecorder recorder, Supplier<? extends CompletionStage<?>> send, Predicate<Object> valid) {
            super(recorder);
            this.send = send;
            this.valid = valid;
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
                CompletionStage<?> f;
                try {
                    f = send.get();
                } catch (RuntimeException e) {
                    accept(null, e);
                    return;
                }
                f.whenComplete(this);
            }

            @Override
            public void accept(Object value, Throwable error) {
                long now = System.nanoTime();
                boolean ok = error == null && valid.test(value);
                recorder.completed(sentAt, now, ok);
                if (error != null) {
                    firstError.compareAndSet(null, error);
                }
                if (stopping || error != null) {
                    if (active.decrementAndGet() == 0) {
                        idle.countDown();
                    }
                    return;
                }
                send();
            }
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
