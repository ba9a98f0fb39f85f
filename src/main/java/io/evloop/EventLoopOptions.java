package io.evloop;

import io.evloop.internal.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one event loop. Immutable; start from {@link #defaults()} and change what you
 * need with the {@code with...} methods.
 */
public final class EventLoopOptions {

    private static final EventLoopOptions DEFAULTS =
            new EventLoopOptions(LoggingTaskExceptionHandler.INSTANCE, Duration.ofSeconds(30), true);

    private final TaskExceptionHandler taskExceptionHandler;
    private final Duration closeTimeout;
    private final boolean daemon;

    private EventLoopOptions(TaskExceptionHandler handler, Duration closeTimeout, boolean daemon) {
        this.taskExceptionHandler = handler;
        this.closeTimeout = closeTimeout;
        this.daemon = daemon;
    }

    /** Exceptions are logged (System.Logger "io.evloop"), 30 s close timeout, daemon thread. */
    public static EventLoopOptions defaults() {
        return DEFAULTS;
    }

    /** Who hears about exceptions thrown by tasks. By default they are logged with the loop's name. */
    public TaskExceptionHandler taskExceptionHandler() {
        return taskExceptionHandler;
    }

    /**
     * How long {@link EventLoop#close()} from another thread waits for the loop thread. Zero
     * does not wait; anything longer than about 146 years ({@code ChronoUnit.FOREVER} included)
     * waits without a limit.
     */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /** Whether the loop thread is a daemon thread (it then does not keep the JVM alive). */
    public boolean daemon() {
        return daemon;
    }

    public EventLoopOptions withTaskExceptionHandler(TaskExceptionHandler handler) {
        return new EventLoopOptions(
                Objects.requireNonNull(handler, "handler: pass a TaskExceptionHandler, such as (loop, e) -> log(e)"),
                closeTimeout, daemon);
    }

    public EventLoopOptions withCloseTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("closeTimeout must not be negative, got " + timeout);
        }
        return new EventLoopOptions(taskExceptionHandler, Durations.clamp(timeout), daemon);
    }

    public EventLoopOptions withDaemon(boolean daemon) {
        return new EventLoopOptions(taskExceptionHandler, closeTimeout, daemon);
    }
}
