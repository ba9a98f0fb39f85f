package io.evloop.redis;

import io.evloop.EventLoop;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscUnboundedArrayQueue;

/**
 * How commands from any thread reach the loop: in batches. A producer that finds no drain
 * scheduled posts one task, which hands everything queued by then to the dispatcher, so a
 * burst of commands costs one task and one wake-up, not one per command. FIFO per producer
 * thread. A command is claimed exactly once: by the drain, or, when the queue was closed
 * meanwhile, by its producer (which then fails it) or by {@link #close}.
 */
final class SubmissionQueue {
    /** Commands one drain dispatches before IO gets a turn (the rest follow in a later task). */
    static final int MAX_PER_DRAIN = 1024;

    private final MessagePassingQueue<Command> queue = new MpscUnboundedArrayQueue<>(1024);
    private final AtomicBoolean drainPosted = new AtomicBoolean();
    private final EventLoop loop;
    private final Consumer<Command> dispatcher;
    private final Runnable drainAction = this::drain;
    private volatile boolean closed;
    private Consumer<Command> failer; // loop thread; set by close

    SubmissionQueue(EventLoop loop, Consumer<Command> dispatcher) {
        this.loop = loop;
        this.dispatcher = dispatcher;
    }

    /**
     * Any thread: queues {@code c} for the loop.
     *
     * @return false when the queue was closed meanwhile and this caller claimed {@code c} back:
     *     the caller must fail it
     */
    boolean offer(Command c) {
        queue.offer(c);
        if (!drainPosted.get() && drainPosted.compareAndSet(false, true) && !loop.post(drainAction)) {
            // The loop is stopping: its exit hook closes this queue and fails what is queued.
            drainPosted.set(false);
        }
        // Read after the offer: while it is false, the closing drain is still to come.
        return !(closed && c.claim());
    }

    /** Loop thread: dispatches the commands queued by now, a turn's worth at most. */
    private void drain() {
        drainPosted.set(false); // before polling: an offer after this posts another drain
        for (int n = 0; n < MAX_PER_DRAIN; n++) {
            Command c = queue.poll();
            if (c == null) {
                return;
            }
            if (!closed) {
                c.claimWhileOpen(); // only this thread closes the queue: no sender can claim c before the close
                dispatcher.accept(c);
            } else if (c.claim()) {
                failer.accept(c);
            }
        }
        // More than a turn's worth: the rest in a later task, so that IO gets its turn.
        if (!queue.isEmpty() && drainPosted.compareAndSet(false, true) && !loop.post(drainAction)) {
            drainPosted.set(false);
        }
    }

    /**
     * Loop thread: no command is dispatched any more; each one queued, now or by a producer
     * that raced with this, goes to {@code failer} (unless its producer claimed it back).
     */
    void close(Consumer<Command> failer) {
        this.failer = failer;
        closed = true;
        for (Command c; (c = queue.poll()) != null; ) {
            if (c.claim()) {
                failer.accept(c);
            }
        }
    }
}
