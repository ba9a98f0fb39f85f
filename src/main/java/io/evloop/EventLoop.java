package io.evloop;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One event loop on one dedicated thread. Two implementations behave identically: the
 * native loop ({@code io.evloop.internal.nativeloop.NativeEventLoop}, libuv through a small C shim) and the
 * pure-Java loop ({@code io.evloop.internal.javaloop.JavaEventLoop}); {@link EventLoops} creates them.
 *
 * <h2>Threading rules</h2>
 * <ul>
 *   <li>{@link #post}, {@link #execute}, {@link #schedule}, {@link #stop} and {@link #close}
 *       are safe from any thread.</li>
 *   <li>Tasks run on the loop thread, one at a time. A task must not block: while it runs,
 *       nothing else on this loop makes progress (no other task, no Redis reply).</li>
 *   <li>Futures handed out by clients of this loop complete on the loop thread. Continue on
 *       them with the {@code ...Async(executor)} variants of {@link CompletableFuture} when
 *       the continuation does real work.</li>
 * </ul>
 *
 * <h2>Guarantees</h2>
 * A task whose {@link #post} returned {@code true} runs exactly once; one that returned
 * {@code false} never runs. Tasks posted by one thread run in the order posted. A task that
 * throws does not kill the loop: the exception goes to the loop's
 * {@link EventLoopOptions#taskExceptionHandler() task exception handler}.
 */
public interface EventLoop extends Executor, AutoCloseable {

    /**
     * Hands a task to the loop. Thread-safe.
     *
     * @return {@code true} if the task was accepted and will run exactly once on the loop
     *     thread; {@code false} if the loop is stopping or stopped, in which case it never runs
     * @throws NullPointerException if {@code task} is null
     */
    boolean post(Runnable task);

    /**
     * Like {@link #post}, for code written against {@link Executor}.
     *
     * @throws RejectedExecutionException if the loop is stopping or stopped
     * @throws NullPointerException if {@code task} is null
     */
    @Override
    default void execute(Runnable task) {
        if (!post(task)) {
            throw new RejectedExecutionException(
                    "event loop " + name() + " is stopping or stopped; the task was not accepted");
        }
    }

    /**
     * Runs {@code task} on the loop thread after {@code delay} (millisecond resolution, never
     * early). Thread-safe. Tasks still pending when the loop stops are cancelled and never run.
     *
     * @return a handle that cancels the task if it has not started yet
     * @throws RejectedExecutionException if the loop is stopping or stopped
     * @throws IllegalArgumentException if {@code delay} is negative
     */
    ScheduledTask schedule(Runnable task, long delay, TimeUnit unit);

    /** Whether the calling thread is this loop's thread. */
    boolean inLoopThread();

    /** The loop thread's name, such as {@code evloop-3}. */
    String name();

    /** {@code "native"} (libuv) or {@code "java"} (NIO selector). */
    String implementation();

    /** Whether {@link #stop} or {@link #close} has been called. */
    boolean isStopping();

    /**
     * Stops the loop. New posts are rejected from now on; every task accepted before runs;
     * then the loop thread exits. Idempotent and safe to call concurrently from any thread.
     *
     * <p>From another thread it returns once the loop thread has exited (if the calling
     * thread is interrupted while waiting, it returns early with its interrupt flag set).
     * From the loop thread itself it cannot wait for itself: it returns at once, and the loop
     * exits after the current task and the tasks already accepted.
     */
    void stop();

    /**
     * {@link #stop()}, then releases the loop's native resources. Idempotent, safe from any
     * thread, including from inside one of the loop's own tasks (the native loop is then
     * deliberately leaked rather than closed under its own feet, see the README).
     * From another thread, waits for the loop thread at most
     * {@link EventLoopOptions#closeTimeout()}; a loop thread stuck in a task after that frees
     * the resources itself when the task finally returns.
     */
    @Override
    void close();

    /** Completes (never exceptionally) once the loop thread has run its last task and exited. */
    CompletableFuture<Void> terminationFuture();
}
