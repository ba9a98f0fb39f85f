package io.evloop.dag;

import io.evloop.BlockingOperationException;
import io.evloop.EventLoop;
import io.evloop.LoopFuture;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;

/**
 * One run of a coroutine IO node's body: the {@link Coroutine} it awaits through, and the
 * handle its execution stops it with.
 *
 * <p>The wait is a {@link LockSupport#park} loop rather than a blocking {@code get()}: a stop
 * must end it at once without completing (or cancelling) the caller's future, which may be
 * shared, and parking costs no allocation beyond the one completion callback that wakes the
 * thread. The callback is this object itself, for the same reason.
 */
final class CoroutineRun implements Coroutine, DagScheduler.Stoppable, BiConsumer<Object, Throwable> {

    private final String node;
    private final EventLoop loop;
    private final DagMetrics metrics;
    private volatile Thread thread;
    private volatile String stopReason;
    private volatile boolean finished;

    CoroutineRun(String node, EventLoop loop, DagMetrics metrics) {
        this.node = node;
        this.loop = loop;
        this.metrics = metrics;
    }

    @Override
    public String node() {
        return node;
    }

    /**
     * Binds the run to the thread that executes the body; returns false when the run was
     * stopped before it started (then the body must not run). Paired with {@link #stop}: each
     * writes its own volatile field before reading the other's, so either the stop sees the
     * thread and wakes it, or the body sees the stop.
     */
    boolean attach(Thread current) {
        thread = current;
        return stopReason == null;
    }

    /** The body returned or threw: any later await is a misuse. */
    void finish() {
        finished = true;
    }

    /** Ends the current or next await with a {@link DagNodeCancelledException}. Idempotent. */
    @Override
    public void stop(String reason) {
        if (stopReason == null) {
            stopReason = reason;
        }
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public <T> T await(CompletionStage<T> call) {
        Objects.requireNonNull(call, "call");
        checkCaller(call);
        CompletableFuture<T> future = call.toCompletableFuture();
        throwIfStopped();
        if (!future.isDone()) {
            future.whenComplete(this);
            metrics.coroutineSuspended(1);
            try {
                while (!future.isDone()) {
                    throwIfStopped();
                    if (Thread.interrupted()) {
                        Thread.currentThread().interrupt(); // the body may still want to see it
                        throw new DagNodeCancelledException(node, "its thread was interrupted");
                    }
                    LockSupport.park(this);
                }
            } finally {
                metrics.coroutineSuspended(-1);
            }
        }
        // An execution that ended as the reply came in is over all the same: stop the body here
        // rather than let it go on to work nobody will read.
        throwIfStopped();
        try {
            return future.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** Wakes the waiting thread when the awaited call completes. */
    @Override
    public void accept(Object value, Throwable error) {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private void throwIfStopped() {
        String reason = stopReason;
        if (reason != null) {
            throw new DagNodeCancelledException(node, reason);
        }
    }

    private void checkCaller(CompletionStage<?> call) {
        Thread current = Thread.currentThread();
        boolean onLoop = (loop != null && loop.inLoopThread())
                || (call instanceof LoopFuture<?> f && f.loop().inLoopThread());
        if (onLoop) {
            throw new BlockingOperationException("await in node '" + node + "' was called on the event loop thread "
                    + current.getName() + ", where waiting would block the loop that completes the call: await only"
                    + " in the node's own body, and chain work on the loop with thenApply or thenCompose");
        }
        if (current != thread) {
            throw new IllegalStateException("await of node '" + node + "' was called on thread " + current.getName()
                    + ", outside the node's coroutine: a Coroutine is only valid in its node's own body, on the"
                    + " thread that runs it");
        }
        if (finished) {
            throw new IllegalStateException("node '" + node + "' has already returned; its Coroutine cannot await any more");
        }
    }
}
