package io.evloop;

import io.evloop.internal.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one event loop. Immutable; start from {@link #defaults()} and change what you
 * need with the {@code with...} methods.
 */
public final class EventLoopOptions {

    /** The default {@link #stallThreshold()}. */
    public static final Duration DEFAULT_STALL_THRESHOLD = Duration.ofMillis(100);

    private static final StallListener NO_STALL_LISTENER = stall -> { };
    private static final EventLoopOptions DEFAULTS = new EventLoopOptions(LoggingTaskExceptionHandler.INSTANCE,
            Duration.ofSeconds(30), true, DEFAULT_STALL_THRESHOLD, NO_STALL_LISTENER);

    private final TaskExceptionHandler taskExceptionHandler;
    private final Duration closeTimeout;
    private final boolean daemon;
    private final Duration stallThreshold;
    private final StallListener stallListener;

    private EventLoopOptions(TaskExceptionHandler handler, Duration closeTimeout, boolean daemon,
                             Duration stallThreshold, StallListener stallListener) {
        this.taskExceptionHandler = handler;
        this.closeTimeout = closeTimeout;
        this.daemon = daemon;
        this.stallThreshold = stallThreshold;
        this.stallListener = stallListener;
    }

    /**
     * Exceptions are logged (System.Logger "io.evloop"), 30 s close timeout, daemon thread,
     * stalls longer than 100 ms logged, no stall listener.
     */
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

    /**
     * How long one turn of the loop (a task, a timer, a future completion, or a batch of them)
     * may keep the loop thread before evloop reports a {@linkplain LoopStall stall}: a warning
     * through System.Logger "io.evloop" with the loop thread's stack, and the
     * {@link #stallListener()}. Once per stall, seen within about a quarter of the threshold.
     * {@link Duration#ZERO} turns the detection off. Default 100 ms ({@link #DEFAULT_STALL_THRESHOLD}).
     */
    public Duration stallThreshold() {
        return stallThreshold;
    }

    /** Who hears about stalls besides the log; by default nobody. */
    public StallListener stallListener() {
        return stallListener;
    }

    public EventLoopOptions withTaskExceptionHandler(TaskExceptionHandler handler) {
        return new EventLoopOptions(
                Objects.requireNonNull(handler, "handler: pass a TaskExceptionHandler, such as (loop, e) -> log(e)"),
                closeTimeout, daemon, stallThreshold, stallListener);
    }

    /**
     * Sets the {@link #stallThreshold()}: zero turns stall detection off; at least 1 ms
     * otherwise (a shorter one would report ordinary turns).
     */
    public EventLoopOptions withStallThreshold(Duration threshold) {
        Objects.requireNonNull(threshold, "threshold: pass a Duration, or Duration.ZERO to turn stall detection off");
        if (threshold.isNegative() || (!threshold.isZero() && threshold.compareTo(Duration.ofMillis(1)) < 0)) {
            throw new IllegalArgumentException("stallThreshold must be zero (off) or at least 1 ms, got " + threshold);
        }
        return new EventLoopOptions(taskExceptionHandler, closeTimeout, daemon, Durations.clamp(threshold), stallListener);
    }

    /** Sets the {@link #stallListener()}, called for every stall besides the logged warning. */
    public EventLoopOptions withStallListener(StallListener listener) {
        return new EventLoopOptions(taskExceptionHandler, closeTimeout, daemon, stallThreshold,
                Objects.requireNonNull(listener, "listener: pass a StallListener, such as stall -> metrics.record(stall)"));
    }

    public EventLoopOptions withCloseTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("closeTimeout must not be negative, got " + timeout);
        }
        return new EventLoopOptions(taskExceptionHandler, Durations.clamp(timeout), daemon, stallThreshold, stallListener);
    }

    public EventLoopOptions withDaemon(boolean daemon) {
        return new EventLoopOptions(taskExceptionHandler, closeTimeout, daemon, stallThreshold, stallListener);
    }
}
