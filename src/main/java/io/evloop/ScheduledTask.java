package io.evloop;

/** A task handed to {@link EventLoop#schedule}. Thread-safe. */
public interface ScheduledTask {

    /**
     * Prevents the task from running if it has not started yet.
     *
     * @return {@code true} if this call cancelled it; {@code false} if it had already run,
     *     was running, or was cancelled before
     */
    boolean cancel();

    /** Whether the task was cancelled (by {@link #cancel} or because the loop stopped). */
    boolean isCancelled();

    /** Whether the task has run, was cancelled, or can no longer run. */
    boolean isDone();
}
