package io.evloop.redis.cluster;

import io.evloop.EventLoop;
import io.evloop.LoopFuture;
import io.evloop.internal.Failures;
import io.evloop.redis.RedisClosedException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A cluster's connections by node address (its command connections and its shard pub/sub
 * ones): each opened on first use, and again after one that failed; callers that race get the
 * same one.
 */
final class NodeConnections {

    private NodeConnections() {
    }

    /**
     * The connection to {@code address} in {@code pool}, or a new one from {@code open}. One
     * that comes up once {@code closed} says the cluster client is closed is closed again
     * ({@code close}) and fails.
     */
    static <T> CompletableFuture<T> get(EventLoop loop, Map<String, CompletableFuture<T>> pool, String address,
                                        Supplier<? extends CompletionStage<T>> open, BooleanSupplier closed,
                                        Consumer<T> close) {
        CompletableFuture<T> existing = pool.get(address);
        if (existing != null && !existing.isCompletedExceptionally()) {
            return existing;
        }
        CompletableFuture<T> fresh = new LoopFuture<>(loop);
        CompletableFuture<T> raced = existing == null ? pool.putIfAbsent(address, fresh)
                : pool.replace(address, existing, fresh) ? null : pool.get(address);
        if (raced != null) {
            return raced;
        }
        open.get().whenComplete((connection, error) -> {
            if (error != null) {
                fresh.completeExceptionally(Failures.unwrap(error));
            } else if (closed.getAsBoolean()) {
                close.accept(connection);
                fresh.completeExceptionally(new RedisClosedException("the cluster client is closed"));
            } else {
                fresh.complete(connection);
            }
        });
        return fresh;
    }
}
