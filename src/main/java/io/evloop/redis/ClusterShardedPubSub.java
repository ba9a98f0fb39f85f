package io.evloop.redis;

import io.evloop.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * A cluster's sharded pub/sub: one {@link RedisPubSub} per master, each shard subscription on
 * the master of its channels' slot, and moved with the slot. When a slot moves, its old node
 * ends the subscriptions on it ({@code sunsubscribe}, sent unasked); making them again there
 * meets {@code MOVED}, which names the new node, and the subscription goes there.
 */
final class ClusterShardedPubSub {

    /** What the cluster client lends: its slot map, its redirect bookkeeping, its node settings. */
    interface Cluster {
        /** The master of {@code slot} now, refreshing the map if it has none; fails if none answers. */
        CompletableFuture<String> masterOf(int slot);

        /** A MOVED said {@code slot} lives at {@code address}: point the map there and refresh it. */
        void moved(int slot, String address);

        /** The config of a connection to {@code address}. */
        RedisConfig nodeConfig(String address);

        TlsMaterial tls();

        int maxRedirects();

        boolean isClosed();
    }

    private static final System.Logger LOG = System.getLogger("io.evloop.redis");

    private final EventLoop loop;
    private final Cluster cluster;
    private final Map<String, CompletableFuture<RedisPubSub>> nodes = new ConcurrentHashMap<>();

    ClusterShardedPubSub(EventLoop loop, Cluster cluster) {
        this.loop = loop;
        this.cluster = cluster;
    }

    /** SSUBSCRIBE on the master of the channels' slot, which every channel must share. */
    CompletableFuture<RedisSubscription> subscribe(SubscriptionOptions options, PubSubListener listener, String[] channels) {
        if (channels == null || channels.length == 0) {
            throw new IllegalArgumentException("name at least one shard channel to SSUBSCRIBE");
        }
        int slot = ClusterKeys.slot(java.util.Objects.requireNonNull(channels[0], "a shard channel is null"));
        for (String channel : channels) {
            if (ClusterKeys.slot(java.util.Objects.requireNonNull(channel, "a shard channel is null")) != slot) {
                throw new IllegalArgumentException("SSUBSCRIBE to shard channels in several slots (" + channels[0] + " in "
                        + slot + ", " + channel + " in " + ClusterKeys.slot(channel) + "): a shard subscription lives on"
                        + " one slot's node; subscribe per slot, or give the channels one {hash tag}");
            }
        }
        return subscribe(slot, options, listener, channels, 0);
    }

    private CompletableFuture<RedisSubscription> subscribe(int slot, SubscriptionOptions options, PubSubListener listener,
                                                           String[] channels, int redirects) {
        String[] asked = new String[1];
        return cluster.masterOf(slot)
                .thenCompose(master -> {
                    asked[0] = master;
                    return node(master);
                })
                .thenCompose(pubsub -> pubsub.ssubscribe(options, listener, channels))
                .handle((subscription, error) -> {
                    if (error == null) {
                        return CompletableFuture.completedFuture(subscription);
                    }
                    Throwable cause = unwrap(error);
                    String target = asked[0] == null ? null : movedTarget(cause, asked[0]);
                    if (target != null && redirects < cluster.maxRedirects()) {
                        cluster.moved(slot, target);
                        return subscribe(slot, options, listener, channels, redirects + 1);
                    }
                    return CompletableFuture.<RedisSubscription>failedFuture(cause);
                })
                .thenCompose(f -> f);
    }

    /** The pub/sub connection to a master, opened on first use. */
    private CompletableFuture<RedisPubSub> node(String address) {
        CompletableFuture<RedisPubSub> existing = nodes.get(address);
        if (existing != null && !existing.isCompletedExceptionally()) {
            return existing;
        }
        CompletableFuture<RedisPubSub> fresh = new CompletableFuture<>();
        CompletableFuture<RedisPubSub> raced = existing == null ? nodes.putIfAbsent(address, fresh)
                : nodes.replace(address, existing, fresh) ? null : nodes.get(address);
        if (raced != null) {
            return raced;
        }
        RedisPubSub.Relocator relocator = (subscription, moved) -> relocate(subscription, moved, address);
        RedisPubSub.connectNode(loop, cluster.nodeConfig(address), cluster.tls(), relocator).whenComplete((pubsub, error) -> {
            if (error != null) {
                fresh.completeExceptionally(unwrap(error));
            } else if (cluster.isClosed()) {
                pubsub.closeAsync();
                fresh.completeExceptionally(new RedisClosedException("the cluster client is closed"));
            } else {
                fresh.complete(pubsub);
            }
        });
        return fresh;
    }

    /** A node said MOVED when a subscription was made again there: take it to the node named. */
    private void relocate(RedisSubscription subscription, RedisErrorException moved, String from) {
        String target = movedTarget(moved, from);
        if (target == null) {
            return;
        }
        int slot = ClusterKeys.slot(subscription.nameBytes()[0]);
        cluster.moved(slot, target);
        LOG.log(System.Logger.Level.INFO, subscription + ": slot " + slot + " moved to " + target + "; subscribing there");
        node(target).whenComplete((pubsub, error) -> {
            if (error == null) {
                pubsub.adopt(subscription);
            } else if (subscription.deactivate()) {
                RedisException cause = error instanceof RedisException r ? r
                        : new RedisConnectionException("cannot reach " + target + ", the new node of slot " + slot, error);
                subscription.event(() -> subscription.listener().onEnded(cause));
            }
        });
    }

    /** The address a MOVED from {@code asked} names ({@code MOVED <slot> <host:port>}), or null. */
    private static String movedTarget(Throwable error, String asked) {
        if (error instanceof RedisErrorException e && "MOVED".equals(e.prefix())) {
            String[] words = e.getMessage().split(" ");
            if (words.length == 3) {
                return ClusterSlotMap.normalize(words[2], asked);
            }
        }
        return null;
    }

    CompletableFuture<Void> closeAsync() {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (CompletableFuture<RedisPubSub> f : nodes.values()) {
            closing.add(f.handle((pubsub, error) -> pubsub)
                    .thenCompose(pubsub -> pubsub == null ? CompletableFuture.completedFuture(null) : pubsub.closeAsync()));
        }
        return CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0]));
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
