package io.evloop;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link CompletableFuture} that is completed on an event loop's thread, and that refuses a
 * blocking wait on that same thread: {@link #get()}, {@link #get(long, TimeUnit)} and
 * {@link #join()} of a future that is not done yet throw {@link BlockingOperationException}
 * there instead of waiting forever. On any other thread, and once the future is done, they
 * behave as {@code CompletableFuture}'s do.
 *
 * <p>Every future evloop hands out for work done on a loop (Redis replies, connects, closes,
 * the loop's termination) is one, and so is every future derived from one
 * ({@code thenApply}, {@code thenCompose}...), since the derived future cannot complete
 * before its source does. Futures built outside it ({@code CompletableFuture.allOf}, say)
 * cannot tell; never wait for them on a loop thread either.
 */
public class LoopFuture<T> extends CompletableFuture<T> {

    private final EventLoop loop;

    /** A new incomplete future whose completion comes from {@code loop}'s thread. */
    public LoopFuture(EventLoop loop) {
        this.loop = Objects.requireNonNull(loop, "loop");
    }

    /** The loop whose thread completes this future. */
    public final EventLoop loop() {
        return loop;
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        refuseBlockingOnLoopThread("get()");
        return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        refuseBlockingOnLoopThread("get(timeout)");
        return super.get(timeout, unit);
    }

    @Override
    public T join() {
        refuseBlockingOnLoopThread("join()");
        return super.join();
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new LoopFuture<>(loop);
    }

    private void refuseBlockingOnLoopThread(String wait) {
        if (!isDone() && loop.inLoopThread()) {
            throw new BlockingOperationException(wait + " on an unfinished future of event loop " + loop.name()
                    + ", from that loop's own thread, would never return: this thread is the one that completes it"
                    + " (a reply, a timeout). Chain the rest with thenApply, thenCompose or whenComplete instead,"
                    + " or wait from a thread of your own");
        }
    }
}
