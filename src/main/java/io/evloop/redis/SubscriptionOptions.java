package io.evloop.redis;

import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Where a subscription's listener runs, and what happens when it falls behind.
 *
 * <ul>
 * <li>{@link #onLoopThread()} (the default): the listener is called on the loop thread as each
 *     message is read, in order, with no buffer. It must not block: the loop serves every
 *     connection on it.</li>
 * <li>{@link #on(Executor)}: messages are buffered, in order, and handed to the listener on
 *     the executor, one at a time (never two of one subscription at once). The buffer holds
 *     {@link #DEFAULT_BUFFER} messages unless {@link #buffer} says otherwise; when a message
 *     arrives and it is full, the overflow policy drops one message and counts it in
 *     {@link RedisSubscription#dropped()}: the loop never waits for a slow listener. An
 *     executor that refuses a delivery (shut down, saturated) loses the messages buffered then,
 *     counted as dropped; the listener's other calls ({@code onDisconnected},
 *     {@code onResubscribed}, {@code onEnded}) are then made on the thread at hand, most often
 *     the loop thread, so that a subscription's end is always told.</li>
 * </ul>
 */
public final class SubscriptionOptions {

    /** What a full buffer drops. */
    public enum Overflow {
        /** The message that arrived (the buffer keeps the older ones): the default. */
        DROP_NEWEST,
        /** The oldest message in the buffer, to make room for the one that arrived. */
        DROP_OLDEST
    }

    /** Messages a subscription on an executor buffers unless told otherwise. */
    public static final int DEFAULT_BUFFER = 10_000;

    private static final SubscriptionOptions LOOP_THREAD = new SubscriptionOptions(null, 0, Overflow.DROP_NEWEST);

    private final Executor executor;
    private final int buffer;
    private final Overflow overflow;

    private SubscriptionOptions(Executor executor, int buffer, Overflow overflow) {
        this.executor = executor;
        this.buffer = buffer;
        this.overflow = overflow;
    }

    /** The listener runs on the loop thread and must not block. */
    public static SubscriptionOptions onLoopThread() {
        return LOOP_THREAD;
    }

    /** The listener runs on {@code executor}, behind a buffer of {@link #DEFAULT_BUFFER} messages that drops the newest when full. */
    public static SubscriptionOptions on(Executor executor) {
        Objects.requireNonNull(executor, "executor: pass the Executor the listener runs on, or use onLoopThread()");
        return new SubscriptionOptions(executor, DEFAULT_BUFFER, Overflow.DROP_NEWEST);
    }

    /**
     * These options with a buffer of {@code messages} and the given overflow policy.
     *
     * @throws IllegalStateException if the listener runs on the loop thread, which has no buffer
     */
    public SubscriptionOptions buffer(int messages, Overflow policy) {
        Objects.requireNonNull(policy, "policy: Overflow.DROP_NEWEST or Overflow.DROP_OLDEST");
        if (executor == null) {
            throw new IllegalStateException("a listener on the loop thread has no buffer: messages are handed to it as"
                    + " they are read; use SubscriptionOptions.on(executor).buffer(...)");
        }
        if (messages < 1) {
            throw new IllegalArgumentException("the buffer holds at least one message, got " + messages);
        }
        return new SubscriptionOptions(executor, messages, policy);
    }

    /** The executor the listener runs on; null for the loop thread. */
    public Executor executor() {
        return executor;
    }

    /** How many messages wait for the listener at most; 0 on the loop thread. */
    public int bufferSize() {
        return buffer;
    }

    public Overflow overflow() {
        return overflow;
    }

    @Override
    public String toString() {
        return executor == null ? "SubscriptionOptions[loop thread]"
                : "SubscriptionOptions[" + executor + ", buffer " + buffer + ", " + overflow + "]";
    }
}
