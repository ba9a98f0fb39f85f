package io.evloop.redis.cluster;

import io.evloop.EventLoop;
import io.evloop.LoopFuture;
import io.evloop.internal.Durations;
import io.evloop.internal.Failures;
import io.evloop.redis.ClusterAccess;
import io.evloop.redis.PubSubListener;
import io.evloop.redis.RedisClient;
import io.evloop.redis.RedisClosedException;
import io.evloop.redis.RedisCommands;
import io.evloop.redis.RedisConfig;
import io.evloop.redis.RedisConnectionException;
import io.evloop.redis.RedisErrorException;
import io.evloop.redis.RedisException;
import io.evloop.redis.RedisPubSub;
import io.evloop.redis.RedisScan;
import io.evloop.redis.RedisSubscription;
import io.evloop.redis.RedisTransaction;
import io.evloop.redis.Reply;
import io.evloop.redis.SubscriptionOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Redis Cluster client on one {@link EventLoop}: one {@link RedisClient} per node, commands
 * routed by key slot, with the same {@link RedisCommands} API and guarantees as
 * {@link RedisClient} (every future completes; nothing is replayed after a connection loss).
 *
 * <ul>
 *   <li>Routing: CRC16 slots with {hash tags}, from the slot map of {@code CLUSTER SLOTS}.</li>
 *   <li>{@code MOVED}: the slot is re-pointed at once, a refresh is requested, and the command
 *       is sent to the new owner (it had not run). {@code ASK}: {@code ASKING} then the command
 *       on the target, once. {@code TRYAGAIN}: retried after a short pause. At most
 *       {@link RedisClusterConfig#maxRedirects()} of these per command.</li>
 *   <li>Refreshes are coalesced (one in flight at a time, at least
 *       {@link RedisClusterConfig#minRefreshGap()} apart) and also happen periodically, on
 *       connection loss and on {@code CLUSTERDOWN}.</li>
 *   <li>Multi-key commands whose keys span slots fail at the call, except MGET, DEL, EXISTS,
 *       UNLINK and TOUCH, which are split per slot and merged in key order.</li>
 *   <li>Failover: commands in flight to a dead master fail (at most once); the next refreshes
 *       find the promoted replica, after which new commands succeed. The bound is the cluster's
 *       failover time ({@code cluster-node-timeout} plus the election) plus one
 *       {@link RedisClusterConfig#minRefreshGap()}.</li>
 * </ul>
 */
public final class RedisClusterClient implements RedisCommands, AutoCloseable {

    private static final ClusterAccess ACCESS = ClusterAccess.get();
    private static final System.Logger LOG = System.getLogger("io.evloop.redis");
    private static final Set<String> READ_ONLY_COMMANDS = Set.of("GET", "MGET", "EXISTS", "HGET", "HGETALL", "HMGET",
            "HEXISTS", "HLEN", "LRANGE", "LLEN", "LINDEX", "SMEMBERS", "SISMEMBER", "SCARD", "ZRANGE", "ZSCORE",
            "ZCARD", "STRLEN", "TTL", "PTTL", "TYPE", "GETRANGE");

    private final EventLoop loop;
    private final RedisClusterConfig config;
    private final ClusterAccess.NodeConnector connector;
    private final Map<String, CompletableFuture<RedisClient>> nodes = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<RedisClient>> replicaNodes = new ConcurrentHashMap<>();
    private final AtomicReference<CompletableFuture<Void>> refreshing = new AtomicReference<>();
    private final LongAdder moved = new LongAdder();
    private final LongAdder asks = new LongAdder();
    private final LongAdder refreshes = new LongAdder();
    /** The routing table: for each slot, the master's address and its replicas'. */
    private volatile ClusterSlotMap slots = ClusterSlotMap.EMPTY;
    private volatile long lastRefreshStart;
    private volatile boolean closed;
    private final ClusterShardedPubSub shardedPubSub;

    private RedisClusterClient(EventLoop loop, RedisClusterConfig config) {
        this.loop = loop;
        this.config = config;
        this.shardedPubSub = new ClusterShardedPubSub(loop, new ShardedPubSubHost());
        // Once for every node connection, at the connect call: bad TLS input or a loop that
        // cannot carry the node settings fails the call, and no node connection reads a file.
        this.connector = ACCESS.connector(loop, config.node());
    }

    /** Connects through the seed nodes of {@code redis://host:port} URIs. */
    public static CompletableFuture<RedisClusterClient> connect(EventLoop loop, String... seedUris) {
        return connect(loop, RedisClusterConfig.fromUris(seedUris));
    }

    /**
     * Reads the slot map from the first seed that answers and connects to every master; fails
     * with {@link RedisConnectionException} if no seed answers.
     */
    public static CompletableFuture<RedisClusterClient> connect(EventLoop loop, RedisClusterConfig config) {
        Objects.requireNonNull(loop, "loop");
        Objects.requireNonNull(config, "config");
        RedisClusterClient client = new RedisClusterClient(loop, config);
        return client.requestRefresh()
                .thenCompose(v -> CompletableFuture.allOf(client.slots.masters().stream()
                        .map(client::nodeFor).toArray(CompletableFuture[]::new)))
                .handle((v, error) -> {
                    if (error != null) {
                        client.close();
                        throw new CompletionException(error instanceof CompletionException ce ? ce.getCause() : error);
                    }
                    client.schedulePeriodicRefresh();
                    return client;
                });
    }

    /** Masters in the current slot map, as {@code host:port}. */
    public List<String> masters() {
        return slots.masters();
    }

    /** The slot of a key (CRC16 of the key or of its {hash tag}, modulo 16384). */
    public static int slotOf(String key) {
        return ClusterKeys.slot(key);
    }

    /** The master that owns {@code slot} in the current map, or null. */
    public String masterOf(int slot) {
        return slots.master(slot);
    }

    public long movedRedirects() {
        return moved.sum();
    }

    public long askRedirects() {
        return asks.sum();
    }

    public long topologyRefreshes() {
        return refreshes.sum();
    }

    @Override
    public CompletableFuture<Reply> send(byte[]... argv) {
        return route(argv, null);
    }

    /**
     * Refused: SCAN walks the keys of one node, and a cluster's keys live on several. Scan each
     * primary with a client of its own, or use HSCAN, SSCAN or ZSCAN, which follow their key.
     */
    @Override
    public RedisScan<String> scan(String match, int count) {
        throw new UnsupportedOperationException("SCAN on a cluster would walk one node's keys only; scan each primary"
                + " with a RedisClient of its own, or use hscan/sscan/zscan, which follow their key");
    }

    @Override
    public CompletableFuture<Reply> send(Duration timeout, byte[]... argv) {
        return route(argv, Durations.positiveTimeout(timeout, "timeout"));
    }

    private CompletableFuture<Reply> route(byte[][] argv, Duration timeout) {
        ACCESS.checkCommand(argv);
        if (closed) {
            return CompletableFuture.failedFuture(new RedisClosedException("the cluster client is closed"));
        }
        String command = ClusterKeys.commandName(argv);
        int[] keys = ClusterKeys.keyIndexes(command, argv);
        boolean readOnly = config.readFromReplicas() && READ_ONLY_COMMANDS.contains(command);
        if (keys.length == 0) {
            CompletableFuture<Reply> result = new LoopFuture<>(loop);
            dispatch(command(argv), -1, timeout, 0, null, false, result);
            return result;
        }
        int slot = ClusterKeys.slot(argv[keys[0]]);
        int other = -1;
        for (int k : keys) {
            int s = ClusterKeys.slot(argv[k]);
            if (s != slot) {
                other = s;
                break;
            }
        }
        if (other < 0) {
            CompletableFuture<Reply> result = new LoopFuture<>(loop);
            dispatch(command(argv), slot, timeout, 0, null, readOnly, result);
            return result;
        }
        if (ClusterKeys.SPLITTABLE.contains(command) && keys.length == argv.length - 1) {
            return split(command, argv, timeout, readOnly);
        }
        throw new IllegalArgumentException("the keys of " + command + " map to different cluster slots (" + slot
                + " and " + other + "); give them a common {hash tag} so that they land in one slot");
    }

    /** MGET/DEL/EXISTS/UNLINK/TOUCH across slots: one command per slot, merged in key order. */
    private CompletableFuture<Reply> split(String command, byte[][] argv, Duration timeout, boolean readOnly) {
        KeySplit split = KeySplit.of(command, argv);
        List<CompletableFuture<Reply>> parts = new ArrayList<>();
        for (KeySplit.Part part : split.parts()) {
            CompletableFuture<Reply> f = new LoopFuture<>(loop);
            dispatch(command(part.argv()), part.slot(), timeout, 0, null, readOnly, f);
            parts.add(f);
        }
        LoopFuture<Reply> merged = new LoopFuture<>(loop);
        CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).whenComplete((done, error) -> {
            if (error != null) {
                merged.completeExceptionally(Failures.unwrap(error));
                return;
            }
            try {
                merged.complete(split.merge(parts.stream().map(CompletableFuture::join).toList()));
            } catch (RuntimeException e) {
                merged.completeExceptionally(e);
            }
        });
        return merged;
    }

    /**
     * A transaction on the node that serves its keys' slot: every key of every command (and of
     * WATCH) must be in one slot, checked at each {@code send}, so that a transaction spanning
     * slots is refused at the call. A slot that moved while the transaction was queued (MOVED
     * while queueing: nothing ran) is followed as for a command; one that is being migrated
     * (ASK) fails the transaction, unrun, to be retried.
     */
    public RedisTransaction transaction() {
        int[] slot = {-1};
        return ACCESS.transaction((group, timeout) -> sendTransaction(group, timeout, slot[0]), argv -> {
            String command = ClusterKeys.commandName(argv);
            for (int k : ClusterKeys.keyIndexes(command, argv)) {
                int s = ClusterKeys.slot(argv[k]);
                if (slot[0] < 0) {
                    slot[0] = s;
                } else if (s != slot[0]) {
                    throw new IllegalArgumentException("a cluster transaction runs on one node, but " + command
                            + " has a key in slot " + s + " and an earlier key is in slot " + slot[0]
                            + "; give the keys a common {hash tag}");
                }
            }
        });
    }

    private List<CompletableFuture<Reply>> sendTransaction(byte[][][] group, Duration timeout, int slot) {
        if (closed) {
            RedisClosedException c = new RedisClosedException("the cluster client is closed");
            List<CompletableFuture<Reply>> failed = new ArrayList<>();
            for (int i = 0; i < group.length; i++) {
                failed.add(CompletableFuture.failedFuture(c));
            }
            return failed;
        }
        java.util.concurrent.atomic.AtomicReference<List<CompletableFuture<Reply>>> attempt =
                new java.util.concurrent.atomic.AtomicReference<>();
        Sender sender = (node, t, asking) -> {
            if (asking) {
                return CompletableFuture.failedFuture(new RedisException("slot " + slot + " is being migrated between"
                        + " nodes (ASK): the transaction was not run; retry it once the migration is done"));
            }
            List<CompletableFuture<Reply>> sent = ACCESS.sendGroup(node, group, t);
            attempt.set(sent);
            // EXECABORT after a MOVED while queueing: hand the redirection to the retry logic.
            return sent.get(sent.size() - 1).handle((reply, error) -> {
                if (error == null) {
                    return CompletableFuture.completedFuture(reply);
                }
                Throwable cause = Failures.unwrap(error);
                for (CompletableFuture<Reply> queued : sent.subList(0, sent.size() - 1)) {
                    Throwable q = queued.isCompletedExceptionally() ? Failures.unwrap(queued.handle((r, e) -> e).join()) : null;
                    if (q instanceof RedisErrorException e && ("MOVED".equals(e.prefix()) || "ASK".equals(e.prefix()))) {
                        cause = e;
                        break;
                    }
                }
                return CompletableFuture.<Reply>failedFuture(cause);
            }).thenCompose(f -> f);
        };
        LoopFuture<Reply> result = new LoopFuture<>(loop);
        dispatch(sender, slot, timeout, 0, null, false, result);
        // What the transaction reads: the last attempt's queueing replies, then the outcome.
        List<CompletableFuture<Reply>> outcome = new ArrayList<>(group.length);
        for (int i = 0; i < group.length; i++) {
            outcome.add(new CompletableFuture<>());
        }
        result.whenComplete((reply, error) -> {
            List<CompletableFuture<Reply>> sent = attempt.get();
            for (int i = 0; i < group.length - 1; i++) {
                CompletableFuture<Reply> target = outcome.get(i);
                if (sent == null) {
                    target.completeExceptionally(Failures.unwrap(error));
                } else {
                    sent.get(i).whenComplete((r, e) -> {
                        if (e != null) {
                            target.completeExceptionally(Failures.unwrap(e));
                        } else {
                            target.complete(r);
                        }
                    });
                }
            }
            CompletableFuture<Reply> exec = outcome.get(group.length - 1);
            if (error != null) {
                exec.completeExceptionally(Failures.unwrap(error));
            } else {
                exec.complete(reply);
            }
        });
        return outcome;
    }

    /** What one attempt sends on the node's client: a command, or a transaction's group. */
    @FunctionalInterface
    private interface Sender {
        CompletableFuture<Reply> send(RedisClient node, Duration timeout, boolean asking);
    }

    private static Sender command(byte[][] argv) {
        return (node, timeout, asking) -> asking ? ACCESS.sendAsking(node, timeout, argv)
                : timeout == null ? node.send(argv) : node.send(timeout, argv);
    }

    private void dispatch(Sender sender, int slot, Duration timeout, int redirects, String askTarget,
                          boolean readOnly, CompletableFuture<Reply> result) {
        String address = askTarget != null ? askTarget : addressFor(slot, readOnly);
        if (address == null) {
            requestRefresh();
            result.completeExceptionally(new RedisConnectionException("no cluster node serves slot " + slot
                    + " right now (the slot map is being refreshed); the command was not sent"));
            return;
        }
        boolean replica = askTarget == null && readOnly && !Objects.equals(address, slots.master(Math.max(slot, 0)));
        (replica ? replicaFor(address) : nodeFor(address)).whenComplete((client, connectError) -> {
            if (connectError != null) {
                requestRefresh();
                result.completeExceptionally(Failures.unwrap(connectError));
                return;
            }
            CompletableFuture<Reply> sent;
            try {
                sent = sender.send(client, timeout, askTarget != null);
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
                return;
            }
            sent.whenComplete((reply, error) -> {
                if (error == null) {
                    result.complete(reply);
                } else {
                    onError(sender, slot, timeout, redirects, readOnly, result, Failures.unwrap(error), address);
                }
            });
        });
    }

    private void onError(Sender sender, int slot, Duration timeout, int redirects, boolean readOnly,
                         CompletableFuture<Reply> result, Throwable error, String address) {
        if (error instanceof RedisErrorException serverError) {
            String message = serverError.getMessage();
            String[] words = message.split(" ");
            boolean redirect = words[0].equals("MOVED") || words[0].equals("ASK") || words[0].equals("TRYAGAIN");
            if (redirect && redirects >= config.maxRedirects()) {
                result.completeExceptionally(new RedisException("gave up after " + redirects
                        + " cluster redirections; the last one was: " + message, serverError));
                return;
            }
            if (words[0].equals("MOVED") && words.length == 3) {
                moved.increment();
                int movedSlot = Integer.parseInt(words[1]);
                String target = ClusterSlotMap.normalize(words[2], address);
                repoint(movedSlot, target);
                requestRefresh();
                dispatch(sender, slot, timeout, redirects + 1, null, false, result);
                return;
            }
            if (words[0].equals("ASK") && words.length == 3) {
                asks.increment();
                dispatch(sender, slot, timeout, redirects + 1, ClusterSlotMap.normalize(words[2], address), false, result);
                return;
            }
            if (words[0].equals("TRYAGAIN")) {
                try {
                    loop.schedule(() -> dispatch(sender, slot, timeout, redirects + 1, null, readOnly, result), 20, TimeUnit.MILLISECONDS);
                } catch (RuntimeException stopped) {
                    result.completeExceptionally(serverError);
                }
                return;
            }
            if (words[0].equals("CLUSTERDOWN")) {
                requestRefresh();
            }
        } else if (error instanceof RedisConnectionException) {
            requestRefresh(); // a node may have died: look for its successor
        }
        result.completeExceptionally(error);
    }

    private String addressFor(int slot, boolean readOnly) {
        return slots.addressFor(slot, readOnly);
    }

    /** Points one slot at a new master at once (MOVED), ahead of the full refresh. */
    private synchronized void repoint(int slot, String target) {
        slots = slots.repointed(slot, target);
    }

    private CompletableFuture<RedisClient> nodeFor(String address) {
        return connection(nodes, address, false);
    }

    private CompletableFuture<RedisClient> replicaFor(String address) {
        return connection(replicaNodes, address, true);
    }

    private CompletableFuture<RedisClient> connection(Map<String, CompletableFuture<RedisClient>> pool, String address, boolean readOnly) {
        return NodeConnections.get(loop, pool, address, () -> {
            return connector.client(nodeConfig(address, readOnly));
        }, () -> closed, RedisClient::closeAsync);
    }

    /**
     * SSUBSCRIBE to shard channels (Redis 7) on the master of their slot, the listener on the
     * loop thread; see {@link #ssubscribe(SubscriptionOptions, PubSubListener, String...)}.
     */
    public CompletableFuture<RedisSubscription> ssubscribe(PubSubListener listener, String... shardChannels) {
        return ssubscribe(SubscriptionOptions.onLoopThread(), listener, shardChannels);
    }

    /**
     * SSUBSCRIBE to shard channels on the master of their slot, which they must share (one
     * {hash tag}): the subscription lives on a pub/sub connection to that master (one per
     * master, opened on first use, RESP3, as {@link RedisPubSub}'s), and follows the slot when
     * it moves: the old master ends it, the new one, which a MOVED names, gets it, and the
     * listener hears {@link PubSubListener#onResubscribed()}. Messages published meanwhile may
     * be lost (pub/sub is at most once).
     *
     * @throws IllegalArgumentException if no channel is named, or they lie in several slots
     */
    public CompletableFuture<RedisSubscription> ssubscribe(SubscriptionOptions options, PubSubListener listener,
                                                           String... shardChannels) {
        java.util.Objects.requireNonNull(options, "options: SubscriptionOptions.onLoopThread() or SubscriptionOptions.on(executor)");
        java.util.Objects.requireNonNull(listener, "listener: what receives the messages");
        if (closed) {
            return CompletableFuture.failedFuture(new RedisClosedException("the cluster client is closed"));
        }
        return shardedPubSub.subscribe(options, listener, shardChannels);
    }

    /** What the sharded pub/sub borrows from this client. */
    private final class ShardedPubSubHost implements ClusterShardedPubSub.Cluster {
        @Override
        public CompletableFuture<String> masterOf(int slot) {
            String master = slots.master(slot);
            if (master != null) {
                return CompletableFuture.completedFuture(master);
            }
            return requestRefresh().thenApply(v -> {
                String refreshed = slots.master(slot);
                if (refreshed == null) {
                    throw new RedisConnectionException("no master serves slot " + slot + " in the cluster's slot map");
                }
                return refreshed;
            });
        }

        @Override
        public void moved(int slot, String address) {
            moved.increment();
            repoint(slot, address);
            requestRefresh();
        }

        @Override
        public CompletableFuture<Void> refresh() {
            return requestRefresh();
        }

        @Override
        public String currentMaster(int slot) {
            return slots.master(slot);
        }

        @Override
        public boolean isMaster(String address) {
            return slots.masters().contains(address);
        }

        @Override
        public RedisConfig nodeConfig(String address) {
            return RedisClusterClient.this.nodeConfig(address, false);
        }

        @Override
        public ClusterAccess.NodeConnector connector() {
            return connector;
        }

        @Override
        public int maxRedirects() {
            return config.maxRedirects();
        }

        @Override
        public boolean isClosed() {
            return closed;
        }
    }

    /** The config of a connection to one node: the cluster's node settings, database 0. */
    private RedisConfig nodeConfig(String address, boolean readOnly) {
        int colon = address.lastIndexOf(':');
        return config.node().toBuilder().host(address.substring(0, colon))
                .port(Integer.parseInt(address.substring(colon + 1))).database(0).readOnly(readOnly).build();
    }

    /** Starts a refresh unless one is in flight (then returns that one); refreshes are spaced by minRefreshGap. */
    private CompletableFuture<Void> requestRefresh() {
        while (true) {
            CompletableFuture<Void> current = refreshing.get();
            if (current != null) {
                return current;
            }
            if (closed) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> mine = new LoopFuture<>(loop);
            if (!refreshing.compareAndSet(null, mine)) {
                continue;
            }
            long wait = lastRefreshStart + config.minRefreshGap().toNanos() - System.nanoTime();
            Runnable go = () -> {
                lastRefreshStart = System.nanoTime();
                refreshes.increment();
                List<String> candidates = new ArrayList<>(new LinkedHashSet<>(slots.masters()));
                for (String seed : config.seeds()) {
                    if (!candidates.contains(seed)) {
                        candidates.add(seed);
                    }
                }
                fetchSlots(candidates, 0, null).whenComplete((v, error) -> {
                    refreshing.set(null);
                    if (error != null) {
                        mine.completeExceptionally(Failures.unwrap(error));
                    } else {
                        mine.complete(null);
                    }
                });
            };
            if (wait > 0 && lastRefreshStart != 0) {
                try {
                    loop.schedule(go, wait, TimeUnit.NANOSECONDS);
                } catch (RuntimeException stopped) {
                    refreshing.set(null);
                    mine.completeExceptionally(stopped);
                }
            } else {
                go.run();
            }
            return mine;
        }
    }

    private CompletableFuture<Void> fetchSlots(List<String> candidates, int index, Throwable lastError) {
        if (index >= candidates.size()) {
            return CompletableFuture.failedFuture(new RedisConnectionException("no cluster node answered CLUSTER SLOTS (tried "
                    + candidates + "): " + (lastError == null ? "no candidates" : Failures.unwrap(lastError).getMessage()), lastError));
        }
        String address = candidates.get(index);
        return nodeFor(address)
                .thenCompose(client -> client.send(Duration.ofSeconds(5), "CLUSTER", "SLOTS"))
                .thenAccept(reply -> install(ClusterSlotMap.parse(reply, address)))
                .handle((v, error) -> error)
                .thenCompose(error -> error == null ? CompletableFuture.<Void>completedFuture(null)
                        : fetchSlots(candidates, index + 1, error));
    }

    private synchronized void install(ClusterSlotMap map) {
        slots = map;
        for (String m : map.masters()) {
            nodeFor(m); // connect ahead of the first command
        }
        // Forget connections to nodes that left the map once nothing waits on them.
        for (Map.Entry<String, CompletableFuture<RedisClient>> e : nodes.entrySet()) {
            if (!map.masters().contains(e.getKey()) && !config.seeds().contains(e.getKey())) {
                CompletableFuture<RedisClient> f = e.getValue();
                if (f.isCompletedExceptionally() || (f.isDone() && f.join().inFlight() == 0)) {
                    if (nodes.remove(e.getKey(), f) && !f.isCompletedExceptionally()) {
                        f.join().closeAsync();
                    }
                }
            }
        }
    }

    private void schedulePeriodicRefresh() {
        if (closed) {
            return;
        }
        try {
            loop.schedule(() -> {
                requestRefresh().whenComplete((v, e) -> {
                    if (e != null) {
                        LOG.log(System.Logger.Level.WARNING, "cluster slot map refresh failed: " + e.getMessage());
                    }
                });
                schedulePeriodicRefresh();
            }, config.refreshInterval().toNanos(), TimeUnit.NANOSECONDS);
        } catch (RuntimeException loopStopped) {
            closed = true;
        }
    }

    /** Closes every node connection; pending commands fail with {@link RedisClosedException}. */
    public CompletableFuture<Void> closeAsync() {
        closed = true;
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        closing.add(shardedPubSub.closeAsync());
        for (Map<String, CompletableFuture<RedisClient>> pool : List.of(nodes, replicaNodes)) {
            pool.values().forEach(f -> closing.add(f.handle((client, error) -> client)
                    .thenCompose(client -> client == null ? CompletableFuture.completedFuture(null) : client.closeAsync())));
        }
        return CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0]));
    }

    @Override
    public void close() {
        CompletableFuture<Void> done = closeAsync();
        if (!loop.inLoopThread()) {
            try {
                done.get(Durations.toNanosSaturated(config.node().connectTimeout().plusSeconds(1)), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "closing the cluster client: " + e);
            }
        }
    }

    @Override
    public String toString() {
        return "RedisClusterClient[masters=" + slots.masters() + " on " + loop.name() + "]";
    }


    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
