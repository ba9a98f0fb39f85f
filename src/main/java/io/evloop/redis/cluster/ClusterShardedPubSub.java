package io.evloop.redis.cluster;

import io.evloop.EventLoop;
import io.evloop.internal.Failures;
import io.evloop.redis.ClusterAccess;
import io.evloop.redis.PubSubListener;
import io.evloop.redis.RedisConfig;
import io.evloop.redis.RedisConnectionException;
import io.evloop.redis.RedisErrorException;
import io.evloop.redis.RedisException;
import io.evloop.redis.RedisPubSub;
import io.evloop.redis.RedisSubscription;
import io.evloop.redis.SubscriptionOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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

        /** A refresh of the slot map (coalesced with one in flight, spaced as the cluster spaces them). */
        CompletableFuture<Void> refresh();

        /** The master of {@code slot} in the map now, or null; no refresh. */
        String currentMaster(int slot);

        /** Whether the map has {@code address} as a master now. */
        boolean isMaster(String address);

        /** The config of a connection to {@code address}. */
        RedisConfig nodeConfig(String address);

        /** Opens node connections with the cluster's TLS setup. */
        ClusterAccess.NodeConnector connector();

        int maxRedirects();

        boolean isClosed();
    }

    private static final ClusterAccess ACCESS = ClusterAccess.get();
    private static final System.Logger LOG = System.getLogger("io.evloop.redis");
    /** Between looks at the slot map while a node's connection is down. */
    private static final long FAILOVER_CHECK_MILLIS = 500;
    /** Looks per loss: a minute, beyond any failover a cluster should take. */
    private static final int FAILOVER_CHECKS = 120;

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
                    Throwable cause = Failures.unwrap(error);
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
        return NodeConnections.get(loop, nodes, address,
                () -> cluster.connector().pubSub(cluster.nodeConfig(address), new NodeWatch(address)),
                cluster::isClosed, RedisPubSub::closeAsync);
    }

    /** What one node's pub/sub connection tells: a subscription it was told MOVED, its loss. */
    private final class NodeWatch implements ClusterAccess.Relocator {
        private final String address;

        NodeWatch(String address) {
            this.address = address;
        }

        @Override
        public void relocate(RedisSubscription subscription, RedisErrorException moved) {
            ClusterShardedPubSub.this.relocate(subscription, moved, address);
        }

        @Override
        public void connectionLost(RedisPubSub node) {
            followFailover(address, node, 0);
        }
    }

    /** A node said MOVED when a subscription was made again there: take it to the node named. */
    private void relocate(RedisSubscription subscription, RedisErrorException moved, String from) {
        String target = movedTarget(moved, from);
        int slot = ClusterKeys.slot(ACCESS.firstName(subscription));
        int moves = ACCESS.countMove(subscription);
        if (target == null || moves > cluster.maxRedirects()) {
            ACCESS.end(subscription, new RedisException("gave up moving " + subscription + " after " + moves
                    + " cluster redirections; the last one was: " + moved.getMessage(), moved));
            return;
        }
        cluster.moved(slot, target);
        moveTo(subscription, target, slot);
    }

    /** The subscription, let go by its node, goes to {@code target}, the master of its slot now. */
    private void moveTo(RedisSubscription subscription, String target, int slot) {
        LOG.log(System.Logger.Level.INFO, subscription + ": slot " + slot + " is served by " + target + " now; subscribing there");
        node(target).whenComplete((pubsub, error) -> {
            if (error == null) {
                ACCESS.adopt(pubsub, subscription);
            } else {
                Throwable cause = Failures.unwrap(error);
                ACCESS.end(subscription, cause instanceof RedisException r ? r
                        : new RedisConnectionException("cannot reach " + target + ", the master of slot " + slot, cause));
            }
        });
    }

    /**
     * A node's pub/sub connection went down: a master that died takes no MOVED and sends no
     * unsubscribe, so the slot map is asked (refreshed) until it names another master for a slot
     * the node's subscriptions live on, which then move there; or until the node is back, or a
     * minute has passed. A connection that holds nothing and leads to no master any more is
     * closed.
     */
    private void followFailover(String address, RedisPubSub node, int checks) {
        if (cluster.isClosed()) {
            return;
        }
        cluster.refresh().whenComplete((v, refreshError) -> loop.post(() -> {
            for (RedisSubscription s : ACCESS.shardSubscriptions(node)) {
                int slot = ClusterKeys.slot(ACCESS.firstName(s));
                String master = cluster.currentMaster(slot);
                if (master != null && !master.equals(address) && s.isActive()) {
                    ACCESS.handOver(node, s);
                    moveTo(s, master, slot);
                }
            }
            if (ACCESS.shardSubscriptions(node).isEmpty() && !cluster.isMaster(address)) {
                if (nodes.remove(address) != null) {
                    node.closeAsync();
                }
                return;
            }
            if (!ACCESS.isUp(node) && !ACCESS.shardSubscriptions(node).isEmpty() && checks + 1 < FAILOVER_CHECKS && !cluster.isClosed()) {
                loop.schedule(() -> followFailover(address, node, checks + 1), FAILOVER_CHECK_MILLIS,
                        java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }));
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

}
