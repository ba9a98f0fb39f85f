package io.evloop.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One subscription of a {@link RedisPubSub}: channels, patterns or shard channels and the
 * listener their messages go to. {@link #unsubscribe()} ends it; a reconnect makes it again on
 * the server, telling the listener ({@link PubSubListener#onResubscribed()}).
 *
 * <p>Several subscriptions may share a channel: each gets every message, and the channel is
 * unsubscribed on the server once the last of them is.
 */
public final class RedisSubscription {

    /** What a subscription names, and the commands that make and end it. */
    public enum Kind {
        /** SUBSCRIBE: channels by name. */
        CHANNELS("SUBSCRIBE", "UNSUBSCRIBE"),
        /** PSUBSCRIBE: glob patterns of channel names. */
        PATTERNS("PSUBSCRIBE", "PUNSUBSCRIBE"),
        /** SSUBSCRIBE: shard channels (Redis 7), whose messages stay on the node of their slot. */
        SHARD_CHANNELS("SSUBSCRIBE", "SUNSUBSCRIBE");

        final byte[] subscribe;
        final byte[] unsubscribe;

        Kind(String subscribe, String unsubscribe) {
            this.subscribe = subscribe.getBytes(StandardCharsets.US_ASCII);
            this.unsubscribe = unsubscribe.getBytes(StandardCharsets.US_ASCII);
        }
    }

    private static final System.Logger LOG = System.getLogger("io.evloop.redis");
    /** Items delivered per executor task, so that one busy subscription does not hold a thread forever. */
    private static final int DRAIN_BATCH = 256;

    /** The connection it is made on; a cluster moves it with its slot. */
    private volatile RedisPubSub owner;
    private final Kind kind;
    private final byte[][] names;
    private final PubSubListener listener;
    private final SubscriptionOptions options;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    /** Being made again on the server (after a reconnect, or a slot's move): the loop thread's. */
    boolean remaking;
    /**
     * The server confirmed it once (its subscribe call completed): only then is it made again
     * after a reconnect; before, its own command still waits, or fails with the connection.
     * The loop thread's.
     */
    boolean confirmed;
    /** Moves from node to node without one succeeding (a cluster's MOVED chain): the loop thread's. */
    int moves;
    /** False once unsubscribed or ended: nothing more reaches the listener. */
    private volatile boolean active = true;

    // With an executor: messages (PubSubMessage) and events (Runnable), in order; guarded by itself.
    private final ArrayDeque<Object> buffer;
    private int bufferedMessages;
    private boolean draining;
    private final Runnable drain = this::drain;

    RedisSubscription(RedisPubSub owner, Kind kind, byte[][] names, PubSubListener listener, SubscriptionOptions options) {
        this.owner = owner;
        this.kind = kind;
        this.names = names;
        this.listener = listener;
        this.options = options;
        this.buffer = options.executor() == null ? null : new ArrayDeque<>();
    }

    public Kind kind() {
        return kind;
    }

    /** The channels, patterns or shard channels, decoded as UTF-8, in the order given. */
    public List<String> names() {
        List<String> out = new ArrayList<>(names.length);
        for (byte[] n : names) {
            out.add(new String(n, StandardCharsets.UTF_8));
        }
        return Collections.unmodifiableList(out);
    }

    byte[][] nameBytes() {
        return names;
    }

    /** The connection that holds it now. */
    RedisPubSub owner() {
        return owner;
    }

    /** Loop thread of {@code next}: the subscription lives on that connection from now on. */
    void moveTo(RedisPubSub next) {
        owner = next;
    }

    /** Whether messages still reach the listener: not unsubscribed, not ended. */
    public boolean isActive() {
        return active;
    }

    /** Messages handed to the listener so far. */
    public long delivered() {
        return delivered.get();
    }

    /** Messages the overflow policy dropped so far (0 on the loop thread, which has no buffer). */
    public long dropped() {
        return dropped.get();
    }

    /**
     * Ends the subscription: no message reaches the listener once this is called (those still
     * buffered included), and the future completes once the server has confirmed (at once if
     * another subscription still holds every name, or the client is closed). Idempotent.
     */
    public CompletableFuture<Void> unsubscribe() {
        active = false;
        return owner.unsubscribe(this);
    }

    /** Loop thread: stops delivery; true if it was active. */
    boolean deactivate() {
        boolean was = active;
        active = false;
        return was;
    }

    /** Loop thread: ends it, let go by every connection already, telling the listener. */
    void endWith(RedisException cause) {
        if (deactivate()) {
            event(() -> listener.onEnded(cause), true);
        }
    }

    /** Loop thread: a message for the listener. */
    void deliver(PubSubMessage message) {
        if (!active) {
            return;
        }
        if (buffer == null) {
            delivered.incrementAndGet();
            call(message);
            return;
        }
        synchronized (buffer) {
            if (bufferedMessages >= options.bufferSize()) {
                dropped.incrementAndGet();
                if (options.overflow() == SubscriptionOptions.Overflow.DROP_NEWEST) {
                    return;
                }
                dropOldestMessage();
            }
            buffer.add(message);
            bufferedMessages++;
        }
        schedule();
    }

    /**
     * Loop thread: an event for the listener, in order with the messages, never dropped by the
     * overflow policy; it is skipped if the subscription is no longer active when its turn
     * comes (an unsubscribe in between), unless it is the end itself.
     */
    void event(Runnable event) {
        event(event, false);
    }

    void event(Runnable event, boolean evenWhenEnded) {
        Runnable guarded = evenWhenEnded ? event : () -> {
            if (active) {
                event.run();
            }
        };
        if (buffer == null) {
            run(guarded);
            return;
        }
        synchronized (buffer) {
            buffer.add(guarded);
        }
        schedule();
    }

    private void dropOldestMessage() {
        for (Iterator<Object> it = buffer.iterator(); it.hasNext(); ) {
            if (it.next() instanceof PubSubMessage) {
                it.remove();
                bufferedMessages--;
                return;
            }
        }
    }

    private void schedule() {
        synchronized (buffer) {
            if (draining) {
                return;
            }
            draining = true;
        }
        execute();
    }

    private void execute() {
        Executor executor = options.executor();
        try {
            executor.execute(drain);
        } catch (RejectedExecutionException e) {
            // The messages go (counted, as an overflow would drop them); the listener's other
            // calls run here, in order, so that a subscription's end is always told.
            List<Runnable> events = new ArrayList<>();
            int lost;
            synchronized (buffer) {
                lost = bufferedMessages;
                for (Object item : buffer) {
                    if (item instanceof Runnable event) {
                        events.add(event);
                    }
                }
                buffer.clear();
                bufferedMessages = 0;
            }
            dropped.addAndGet(lost);
            LOG.log(System.Logger.Level.WARNING, "the executor of a subscription to " + names() + " refused its"
                    + " delivery; " + lost + " message(s) dropped" + (events.isEmpty() ? "" : ", " + events.size()
                    + " other listener call(s) made on " + Thread.currentThread().getName() + " instead"), e);
            for (Runnable event : events) {
                run(event);
            }
            synchronized (buffer) {
                if (buffer.isEmpty()) {
                    draining = false;
                    return;
                }
            }
            execute(); // what arrived meanwhile: the executor is asked again
        }
    }

    /** The executor's task: hands the buffered items over, in order, a batch at a time. */
    private void drain() {
        for (int i = 0; i < DRAIN_BATCH; i++) {
            Object item;
            synchronized (buffer) {
                item = buffer.poll();
                if (item == null) {
                    draining = false;
                    return;
                }
                if (item instanceof PubSubMessage) {
                    bufferedMessages--;
                }
            }
            if (item instanceof PubSubMessage message) {
                if (active) {
                    delivered.incrementAndGet();
                    call(message);
                }
            } else {
                run((Runnable) item);
            }
        }
        execute(); // more may wait: another task, so that other work on the executor gets a turn
    }

    private void call(PubSubMessage message) {
        try {
            listener.onMessage(message);
        } catch (Throwable e) {
            LOG.log(System.Logger.Level.WARNING, "the listener of a subscription to " + names() + " threw on "
                    + message + "; delivery goes on", e);
        }
    }

    private void run(Runnable event) {
        try {
            event.run();
        } catch (Throwable e) {
            LOG.log(System.Logger.Level.WARNING, "the listener of a subscription to " + names() + " threw; delivery goes on", e);
        }
    }

    PubSubListener listener() {
        return listener;
    }

    @Override
    public String toString() {
        return "RedisSubscription[" + kind + " " + names() + (active ? "" : ", ended") + "]";
    }
}
