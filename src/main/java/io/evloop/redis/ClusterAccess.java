package io.evloop.redis;

import io.evloop.EventLoop;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Not API: what {@code io.evloop.redis.cluster} does with its node connections that users of a
 * {@link RedisClient} or {@link RedisPubSub} may not (ASKING glued to a command, a transaction
 * routed by slot, shard subscriptions moved between connections). The cluster package sits a
 * layer above this one (docs/ARCHITECTURE.md, "Layers"), so it cannot see package-private
 * members; this class hands it exactly these and nothing more. {@link #get()} serves only
 * classes of that package and refuses every other caller.
 */
public final class ClusterAccess {

    private static final String CLUSTER_PACKAGE = "io.evloop.redis.cluster";
    private static final ClusterAccess INSTANCE = new ClusterAccess();
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    private ClusterAccess() {
    }

    /**
     * The one instance, for a class of {@code io.evloop.redis.cluster} (held in a static field:
     * the caller check walks the stack).
     *
     * @throws UnsupportedOperationException for any other caller
     */
    public static ClusterAccess get() {
        Class<?> caller = WALKER.getCallerClass();
        if (!CLUSTER_PACKAGE.equals(caller.getPackageName())) {
            throw new UnsupportedOperationException("ClusterAccess is internal to evloop's cluster client and serves "
                    + CLUSTER_PACKAGE + " only, not " + caller.getName() + "; use RedisClient, RedisPubSub or"
                    + " RedisClusterClient");
        }
        return INSTANCE;
    }

    /**
     * Opens a cluster's node connections. Made once per cluster client, at its connect call:
     * TLS files are read and the loop is checked against the node settings here, so that bad
     * input fails that call and no node connection (opened on the loop thread) reads a file.
     */
    public NodeConnector connector(EventLoop loop, RedisConfig nodeSettings) {
        return new NodeConnector(loop, nodeSettings);
    }

    /** Opens command and shard pub/sub connections to a cluster's nodes, sharing one TLS setup. */
    public static final class NodeConnector {
        private final EventLoop loop;
        private final TlsMaterial tls; // null: plain TCP

        private NodeConnector(EventLoop loop, RedisConfig nodeSettings) {
            this.loop = loop;
            this.tls = nodeSettings.tls() == null ? null : TlsMaterial.resolve(nodeSettings.tls());
            RedisTransport.factory(loop, nodeSettings, tls); // refuses a loop that cannot carry the settings
        }

        /** A command connection to one node; completes once it is up. */
        public CompletableFuture<RedisClient> client(RedisConfig node) {
            return RedisClient.connect(loop, node, RedisTransport.factory(loop, node, tls));
        }

        /** A shard pub/sub connection to one master, whose moved subscriptions go to {@code relocator}. */
        public CompletableFuture<RedisPubSub> pubSub(RedisConfig node, Relocator relocator) {
            Function<RedisConfig, Supplier<RedisTransport>> transports = c -> RedisTransport.factory(loop, c, tls);
            return RedisPubSub.connectNode(loop, node, transports, relocator);
        }
    }

    /**
     * Where a cluster takes a shard subscription whose slot moved to another node; a plain
     * {@link RedisPubSub} has none, and there a refusal ends the subscription.
     */
    public interface Relocator {
        /** The node refused to make {@code subscription} again with this MOVED. Loop thread. */
        void relocate(RedisSubscription subscription, RedisErrorException moved);

        /** The node's connection was lost: its slots may have another master by now. Loop thread. */
        void connectionLost(RedisPubSub node);
    }

    // ---- command connections ----------------------------------------------------------------

    /** Refuses, at the call, what {@link RedisClient#send} would refuse: malformed or unsupported commands. */
    public void checkCommand(byte[][] argv) {
        RespEncoder.validate(argv);
        UnsupportedCommands.refuse(argv);
    }

    /** ASKING and then {@code argv}, written back to back so that no other command takes the flag. */
    public CompletableFuture<Reply> sendAsking(RedisClient node, Duration timeout, byte[][] argv) {
        return node.sendAsking(timeout, argv);
    }

    /** Commands written back to back on one connection; every one's future, in order. */
    public List<CompletableFuture<Reply>> sendGroup(RedisClient node, byte[][][] group, Duration timeout) {
        return node.sendGroup(group, timeout);
    }

    /** A transaction whose batch goes to {@code sender}, every command first passing {@code admission}. */
    public RedisTransaction transaction(BiFunction<byte[][][], Duration, List<CompletableFuture<Reply>>> sender,
                                        Consumer<byte[][]> admission) {
        return new RedisTransaction(sender, admission);
    }

    // ---- shard pub/sub connections ----------------------------------------------------------

    /** Loop thread: whether the connection is up now. */
    public boolean isUp(RedisPubSub node) {
        return node.isUp();
    }

    /** Loop thread: the confirmed shard subscriptions {@code node} holds. */
    public List<RedisSubscription> shardSubscriptions(RedisPubSub node) {
        return node.shardSubscriptions();
    }

    /** Loop thread: {@code node} lets the subscription go, for another connection to adopt it. */
    public void handOver(RedisPubSub node, RedisSubscription subscription) {
        node.handOver(subscription);
    }

    /** Any thread: {@code node} takes the subscription over and makes it on its server. */
    public void adopt(RedisPubSub node, RedisSubscription subscription) {
        node.adopt(subscription);
    }

    /** The first channel of a subscription, whose slot is the subscription's. */
    public byte[] firstName(RedisSubscription subscription) {
        return subscription.nameBytes()[0];
    }

    /** Counts one more move of the subscription between nodes; returns the count. Loop thread. */
    public int countMove(RedisSubscription subscription) {
        return ++subscription.moves;
    }

    /** Ends the subscription with {@code cause}, telling its listener. */
    public void end(RedisSubscription subscription, RedisException cause) {
        subscription.endWith(cause);
    }
}
