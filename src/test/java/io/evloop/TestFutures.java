package io.evloop;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Every wait in the tests has a bound; these are the bounded waits. */
public final class TestFutures {

    public static final Duration BOUND = Duration.ofSeconds(30);

    private TestFutures() {
    }

    public static <T> T await(CompletableFuture<T> future) {
        return await(future, BOUND);
    }

    public static <T> T await(CompletableFuture<T> future, Duration bound) {
        try {
            return future.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("future did not complete within " + bound, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            throw new AssertionError("future failed: " + e.getCause(), e.getCause());
        }
    }

    public static void await(CountDownLatch latch) {
        try {
            if (!latch.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("latch not released within " + BOUND + " (count " + latch.getCount() + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    public static void join(Thread thread) {
        try {
            thread.join(BOUND.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        if (thread.isAlive()) {
            throw new AssertionError("thread " + thread.getName() + " still alive after " + BOUND);
        }
    }

    /** The first result of {@code attempt} that succeeds within 5 s, tried every 20 ms until {@link #BOUND}. */
    public static <T> T eventually(java.util.function.Supplier<CompletableFuture<T>> attempt) {
        long deadline = System.nanoTime() + BOUND.toNanos();
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
        throw new AssertionError("did not succeed within " + BOUND, last);
    }
}
