package io.evloop.testkit;

import io.evloop.redis.RedisCommands;
import io.evloop.redis.Reply;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * An async client seen the way a thread of a blocking IO pool uses Redis: every call waits
 * for its reply before returning (so the futures it returns are already complete). It lets
 * the DAG scheduler's thread-pool baseline run on any client, a cluster client included.
 * Never use it on an event loop thread.
 */
public final class BlockingView implements RedisCommands {

    private final RedisCommands async;

    private BlockingView(RedisCommands async) {
        this.async = async;
    }

    public static RedisCommands of(RedisCommands async) {
        return new BlockingView(Objects.requireNonNull(async, "async"));
    }

    @Override
    public CompletableFuture<Reply> send(byte[]... argv) {
        return settle(async.send(argv));
    }

    @Override
    public CompletableFuture<Reply> send(Duration timeout, byte[]... argv) {
        return settle(async.send(timeout, argv));
    }

    private static CompletableFuture<Reply> settle(CompletableFuture<Reply> future) {
        try {
            future.join(); // every future of a client completes (reply, error, timeout or shutdown)
        } catch (RuntimeException failed) {
            // the returned future carries the failure
        }
        return future;
    }
}
