package io.evloop.redis;

import io.evloop.EventLoop;
import io.evloop.LoopFuture;
import io.evloop.internal.Failures;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Pub/sub on a connection of its own: {@link #subscribe}, {@link #psubscribe} and
 * {@link #ssubscribe} each make a {@link RedisSubscription} whose messages go to a
 * {@link PubSubListener}, on the loop thread or on an executor ({@link SubscriptionOptions}).
 *
 * <pre>{@code
 * RedisPubSub pubsub = RedisPubSub.connect(loop, RedisConfig.fromUri("redis://localhost:6379")).join();
 * RedisSubscription orders = pubsub.subscribe(m -> System.out.println(m.text()), "orders").join();
 * ...
 * orders.unsubscribe();
 * pubsub.close();
 * }</pre>
 *
 * <p>The connection speaks RESP3 (whatever {@link RedisConfig#protocol()} says), so that its
 * messages are push messages apart from the replies: it needs Redis 6 or later. It reconnects
 * by the config's {@link ReconnectPolicy} and then subscribes every subscription again,
 * telling each listener ({@link PubSubListener#onDisconnected}, then
 * {@link PubSubListener#onResubscribed}). Messages published while it was away are lost:
 * pub/sub is at most once. A subscribe waits for a reconnect in progress, within the command
 * timeout.
 *
 * <p>Thread-safe: every method may be called from any thread.
 */
public final class RedisPubSub implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("io.evloop.redis");
    /** Names per command when subscriptions are made again after a reconnect. */
    private static final int NAMES_PER_COMMAND = 1000;

    private final EventLoop loop;
    private final RedisClient connection;
    // Loop thread only: who holds each name, per kind.
    private final Map<RedisSubscription.Kind, Map<Name, List<RedisSubscription>>> holders =
            new EnumMap<>(RedisSubscription.Kind.class);
    private final Set<RedisSubscription> subscriptions = new LinkedHashSet<>();
    /** Shard channels whose SUNSUBSCRIBE is on its way: their confirmation is no slot move. */
    private final Map<Name, Integer> unsubscribing = new HashMap<>();
    private boolean closed;

    /** A channel or pattern, by content. */
    private record Name(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Name n && Arrays.equals(bytes, n.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    /** Between attempts to make a subscription again that failed without the server refusing it. */
    private static final long REMAKE_RETRY_MILLIS = 200;

    private final ClusterAccess.Relocator relocator; // null on a plain connection

    private RedisPubSub(EventLoop loop, RedisConfig config, Function<RedisConfig, Supplier<RedisTransport>> transports,
                        Function<RedisConfig, Supplier<RedisTransport>> sentinelTransports, ClusterAccess.Relocator relocator) {
        this.loop = loop;
        this.relocator = relocator;
        for (RedisSubscription.Kind kind : RedisSubscription.Kind.values()) {
            holders.put(kind, new HashMap<>());
        }
        Consumer<Reply.PushReply> pushes = this::onPush;
        RedisConfig own = ownConfig(config).pushListener(pushes).build();
        this.connection = RedisClient.open(loop, own, transports.apply(own), sentinelTransports, new Events());
    }

    /**
     * Starts connecting with the given transports and returns at once (the sentinel client's
     * watch for failovers); the connection retries by the config's reconnect policy.
     */
    static RedisPubSub open(EventLoop loop, RedisConfig config, Function<RedisConfig, Supplier<RedisTransport>> transports) {
        return new RedisPubSub(loop, config, transports, transports, null);
    }

    /** What the connection changes in the caller's config: RESP3, and subscribes waiting for a reconnect. */
    private static RedisConfig.Builder ownConfig(RedisConfig config) {
        return config.toBuilder().protocol(RedisProtocol.RESP3).waitForReconnect(true);
    }

    /**
     * A cluster node's pub/sub connection over {@code transports} (the cluster's, sharing its TLS
     * setup), whose moved shard subscriptions go to {@code relocator}; completes once it is up.
     */
    static CompletableFuture<RedisPubSub> connectNode(EventLoop loop, RedisConfig node,
                                                      Function<RedisConfig, Supplier<RedisTransport>> transports,
                                                      ClusterAccess.Relocator relocator) {
        RedisPubSub pubsub = new RedisPubSub(loop, node, transports, transports, relocator);
        return pubsub.connection.connectedFuture().thenApply(c -> pubsub);
    }

    /**
     * Connects; the future completes once the connection is up (as {@link RedisClient#connect}
     * does), or fails naming the server.
     *
     * @throws IllegalArgumentException if the config has a push listener (a pub/sub connection's
     *     pushes are its subscriptions' messages) or asks for what the connection cannot do
     */
    public static CompletableFuture<RedisPubSub> connect(EventLoop loop, RedisConfig config) {
        Objects.requireNonNull(loop, "loop: pass the EventLoop the connection runs on (EventLoops.create())");
        Objects.requireNonNull(config, "config");
        if (config.pushListener() != null) {
            throw new IllegalArgumentException("a RedisPubSub hands its connection's pushes to its subscriptions;"
                    + " leave RedisConfig.pushListener unset (it is for a RedisClient's pushes, such as client tracking)");
        }
        if (config.maxInFlight() < 2) {
            throw new IllegalArgumentException("a subscribe writes two commands (the SUBSCRIBE and a PING after it), so a"
                    + " RedisPubSub needs RedisConfig.maxInFlight of at least 2, got " + config.maxInFlight());
        }
        ownConfig(config).build(); // what the connection would refuse, refused at the call
        RedisPubSub pubsub = new RedisPubSub(loop, config, c -> RedisTransport.factory(loop, c),
                RedisTransport.sentinelFactory(loop, config), null);
        return pubsub.connection.connectedFuture().thenApply(c -> pubsub);
    }

    /** Connects to the server a URI names; see {@link RedisConfig#fromUri(String)}. */
    public static CompletableFuture<RedisPubSub> connect(EventLoop loop, String uri) {
        return connect(loop, RedisConfig.fromUri(uri));
    }

    /** SUBSCRIBE to channels, the listener on the loop thread. */
    public CompletableFuture<RedisSubscription> subscribe(PubSubListener listener, String... channels) {
        return subscribe(SubscriptionOptions.onLoopThread(), listener, channels);
    }

    /** SUBSCRIBE to channels, the listener where the options say. */
    public CompletableFuture<RedisSubscription> subscribe(SubscriptionOptions options, PubSubListener listener,
                                                          String... channels) {
        return start(RedisSubscription.Kind.CHANNELS, options, listener, channels);
    }

    /** PSUBSCRIBE to glob patterns ({@code news.*}), the listener on the loop thread. */
    public CompletableFuture<RedisSubscription> psubscribe(PubSubListener listener, String... patterns) {
        return psubscribe(SubscriptionOptions.onLoopThread(), listener, patterns);
    }

    /** PSUBSCRIBE to glob patterns, the listener where the options say. */
    public CompletableFuture<RedisSubscription> psubscribe(SubscriptionOptions options, PubSubListener listener,
                                                           String... patterns) {
        return start(RedisSubscription.Kind.PATTERNS, options, listener, patterns);
    }

    /**
     * SSUBSCRIBE to shard channels (Redis 7), the listener on the loop thread. On a cluster
     * node every channel must hash to a slot that node serves, or the server refuses it
     * ({@code MOVED}, {@code CROSSSLOT}).
     */
    public CompletableFuture<RedisSubscription> ssubscribe(PubSubListener listener, String... shardChannels) {
        return ssubscribe(SubscriptionOptions.onLoopThread(), listener, shardChannels);
    }

    /** SSUBSCRIBE to shard channels, the listener where the options say. */
    public CompletableFuture<RedisSubscription> ssubscribe(SubscriptionOptions options, PubSubListener listener,
                                                           String... shardChannels) {
        return start(RedisSubscription.Kind.SHARD_CHANNELS, options, listener, shardChannels);
    }

    /** What this connection has done (its messages are counted as pushes). */
    public RedisClientMetrics metrics() {
        return connection.metrics();
    }

    public RedisConfig config() {
        return connection.config();
    }

    /**
     * Closes the connection; every subscription ends ({@link PubSubListener#onEnded} with
     * {@link RedisClosedException}). Idempotent.
     */
    public CompletableFuture<Void> closeAsync() {
        loop.post(() -> endAll(closedException()));
        return connection.closeAsync();
    }

    /** As {@link #closeAsync()}, waiting for it within the client's close bound. */
    @Override
    public void close() {
        loop.post(() -> endAll(closedException()));
        connection.close();
    }

    /** Loop thread: closes at once, as a sentinel client's connections are closed with it. */
    void closeOnLoop() {
        endAll(closedException());
        connection.closeOnLoop();
    }

    /** Loop thread: whether the connection is up now. */
    boolean isUp() {
        return connection.isUp();
    }

    /** Loop thread: the shard subscriptions this connection holds (for a cluster to move). */
    List<RedisSubscription> shardSubscriptions() {
        List<RedisSubscription> out = new ArrayList<>();
        for (RedisSubscription s : subscriptions) {
            if (s.kind() == RedisSubscription.Kind.SHARD_CHANNELS && s.confirmed) {
                out.add(s);
            }
        }
        return out;
    }

    /** Loop thread: lets another connection take the subscription (a cluster moving it with its slot). */
    void handOver(RedisSubscription subscription) {
        release(subscription);
    }

    private RedisClosedException closedException() {
        return new RedisClosedException("the RedisPubSub of " + config().endpoint() + " is closed");
    }

    private CompletableFuture<RedisSubscription> start(RedisSubscription.Kind kind, SubscriptionOptions options,
                                                       PubSubListener listener, String[] names) {
        Objects.requireNonNull(options, "options: SubscriptionOptions.onLoopThread() or SubscriptionOptions.on(executor)");
        Objects.requireNonNull(listener, "listener: what receives the messages");
        Objects.requireNonNull(names, "names");
        if (names.length == 0) {
            throw new IllegalArgumentException("name at least one channel or pattern to " + new String(kind.subscribe,
                    StandardCharsets.US_ASCII));
        }
        byte[][] bytes = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            bytes[i] = Objects.requireNonNull(names[i], "a channel or pattern is null").getBytes(StandardCharsets.UTF_8);
        }
        RedisSubscription subscription = new RedisSubscription(this, kind, bytes, listener, options);
        LoopFuture<RedisSubscription> result = new LoopFuture<>(loop);
        boolean posted = loop.post(() -> {
            if (closed) {
                result.completeExceptionally(new RedisClosedException("the RedisPubSub of " + config().endpoint()
                        + " is closed"));
                return;
            }
            hold(subscription);
            send(kind.subscribe, bytes).whenComplete((ok, error) -> onLoop(() -> {
                if (error == null && !closed && subscription.isActive()) {
                    subscription.confirmed = true;
                    result.complete(subscription);
                    return;
                }
                List<byte[]> unheld = release(subscription);
                subscription.deactivate();
                Throwable cause = Failures.unwrap(error);
                if (cause instanceof RedisTimeoutException && !unheld.isEmpty() && connection.isUp()) {
                    // Written, maybe taken: the server must not keep sending what nobody holds.
                    sendUnsubscribe(kind, unheld);
                }
                result.completeExceptionally(cause != null ? cause : closedException());
            }));
        });
        if (!posted) {
            result.completeExceptionally(new RedisClosedException("event loop " + loop.name() + " is stopped; cannot subscribe"));
        }
        return result;
    }

    /**
     * Any thread: ends the subscription, on the loop thread, where it is asked which connection
     * holds it now (a cluster may have moved it: every connection of a cluster shares its loop).
     */
    CompletableFuture<Void> unsubscribe(RedisSubscription subscription) {
        LoopFuture<Void> result = new LoopFuture<>(loop);
        boolean posted = loop.post(() -> subscription.owner().unsubscribeOnLoop(subscription, result));
        if (!posted) {
            result.complete(null); // the loop is gone, and the connection with it
        }
        return result;
    }

    private void unsubscribeOnLoop(RedisSubscription subscription, LoopFuture<Void> result) {
        List<byte[]> unheld = subscriptions.contains(subscription) ? release(subscription) : List.of();
        if (unheld.isEmpty() || closed) {
            result.complete(null);
            return;
        }
        sendUnsubscribe(subscription.kind(), unheld).whenComplete((ok, error) -> {
            if (error == null) {
                result.complete(null);
            } else {
                result.completeExceptionally(Failures.unwrap(error));
            }
        });
    }

    /** Loop thread: UNSUBSCRIBE and its kin; their confirmations are told from a slot's move. */
    private CompletableFuture<Reply> sendUnsubscribe(RedisSubscription.Kind kind, List<byte[]> names) {
        if (kind == RedisSubscription.Kind.SHARD_CHANNELS) {
            for (byte[] n : names) {
                unsubscribing.merge(new Name(n), 1, Integer::sum);
            }
        }
        return send(kind.unsubscribe, names.toArray(new byte[0][]));
    }

    /** Loop thread: the subscription holds its names. */
    private void hold(RedisSubscription subscription) {
        subscriptions.add(subscription);
        Map<Name, List<RedisSubscription>> byName = holders.get(subscription.kind());
        for (byte[] n : subscription.nameBytes()) {
            List<RedisSubscription> list = byName.computeIfAbsent(new Name(n), k -> new ArrayList<>(1));
            if (!list.contains(subscription)) {
                list.add(subscription);
            }
        }
    }

    /** Loop thread: lets go of the subscription's names; returns those nobody holds any more. */
    private List<byte[]> release(RedisSubscription subscription) {
        subscriptions.remove(subscription);
        Map<Name, List<RedisSubscription>> byName = holders.get(subscription.kind());
        List<byte[]> unheld = new ArrayList<>();
        for (byte[] n : subscription.nameBytes()) {
            Name name = new Name(n);
            List<RedisSubscription> list = byName.get(name);
            if (list != null && list.remove(subscription) && list.isEmpty()) {
                byName.remove(name);
                unheld.add(n);
            }
        }
        return unheld;
    }

    private CompletableFuture<Reply> send(byte[] command, byte[][] names) {
        byte[][] argv = new byte[names.length + 1][];
        argv[0] = command;
        System.arraycopy(names, 0, argv, 1, names.length);
        return connection.sendAnsweredByPush(argv);
    }

    /** Loop thread: the connection's pushes; messages go to their subscriptions, the rest are confirmations. */
    private void onPush(Reply.PushReply push) {
        List<Reply> e = push.elements();
        String kind = push.kind();
        switch (kind) {
            case "message" -> {
                if (e.size() == 3) {
                    dispatch(RedisSubscription.Kind.CHANNELS, e.get(1).asBytes(),
                            new PubSubMessage(e.get(1).asBytes(), e.get(2).asBytes(), null, false));
                }
            }
            case "pmessage" -> {
                if (e.size() == 4) {
                    dispatch(RedisSubscription.Kind.PATTERNS, e.get(1).asBytes(),
                            new PubSubMessage(e.get(2).asBytes(), e.get(3).asBytes(), e.get(1).asBytes(), false));
                }
            }
            case "smessage" -> {
                if (e.size() == 3) {
                    dispatch(RedisSubscription.Kind.SHARD_CHANNELS, e.get(1).asBytes(),
                            new PubSubMessage(e.get(1).asBytes(), e.get(2).asBytes(), null, true));
                }
            }
            case "sunsubscribe" -> {
                // Also sent unasked, when a cluster moves the channel's slot away: subscriptions
                // that still hold it are made again, and the server says where it went.
                if (e.size() >= 2 && e.get(1).withoutAttributes() instanceof Reply.BulkString channel) {
                    Name name = new Name(channel.bytes());
                    Integer asked = unsubscribing.get(name);
                    if (asked != null) {
                        if (asked == 1) {
                            unsubscribing.remove(name);
                        } else {
                            unsubscribing.put(name, asked - 1);
                        }
                        return; // the confirmation of our own SUNSUBSCRIBE
                    }
                    List<RedisSubscription> list = holders.get(RedisSubscription.Kind.SHARD_CHANNELS).get(name);
                    if (list != null) {
                        for (RedisSubscription s : List.copyOf(list)) {
                            resubscribe(s);
                        }
                    }
                }
            }
            default -> {
                // subscribe, psubscribe, ssubscribe, unsubscribe, punsubscribe: confirmations, of
                // which the PING after each command already tells the end.
            }
        }
    }

    private void dispatch(RedisSubscription.Kind kind, byte[] name, PubSubMessage message) {
        List<RedisSubscription> list = holders.get(kind).get(new Name(name));
        if (list == null) {
            return; // unsubscribed while the server was still sending
        }
        if (list.size() == 1) {
            list.get(0).deliver(message);
            return;
        }
        for (RedisSubscription s : List.copyOf(list)) { // a listener on the loop thread may unsubscribe
            s.deliver(message);
        }
    }

    /** Loop thread: makes the subscription again on the server; a refusal ends it. */
    private void resubscribe(RedisSubscription subscription) {
        if (subscription.remaking) {
            return; // one remake at a time: a moved slot ends each of its channels with a push of its own
        }
        subscription.remaking = true;
        byte[][] names = subscription.nameBytes();
        List<CompletableFuture<Reply>> sent = new ArrayList<>();
        for (int from = 0; from < names.length; from += NAMES_PER_COMMAND) {
            sent.add(send(subscription.kind().subscribe,
                    Arrays.copyOfRange(names, from, Math.min(names.length, from + NAMES_PER_COMMAND))));
        }
        CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0])).whenComplete((ok, error) -> onLoop(() -> {
            subscription.remaking = false;
            if (!subscription.isActive()) {
                return;
            }
            if (error == null) {
                subscription.moves = 0;
                subscription.event(subscription.listener()::onResubscribed);
                return;
            }
            Throwable cause = Failures.unwrap(error);
            if (cause instanceof RedisErrorException refused && relocator != null && "MOVED".equals(refused.prefix())) {
                release(subscription); // still active: the cluster makes it on the slot's new node
                relocator.relocate(subscription, refused);
                return;
            }
            if (cause instanceof RedisErrorException refused) {
                LOG.log(System.Logger.Level.WARNING, "the server refused to make " + subscription + " again: "
                        + refused.getMessage() + "; it has ended");
                end(subscription, refused);
                return;
            }
            if (connection.isUp() && !closed) {
                // Not refused, yet not made: the PING timed out, or the commands in flight were
                // at maxInFlight. Try again shortly; a lost connection's reconnect does it anyway.
                loop.schedule(() -> {
                    if (subscription.isActive() && subscriptions.contains(subscription) && connection.isUp()) {
                        resubscribe(subscription);
                    }
                }, REMAKE_RETRY_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }));
    }

    /**
     * Takes over a subscription from another connection (a cluster's shard subscription whose
     * slot moved here), making it on the server as after a reconnect. Any thread.
     */
    void adopt(RedisSubscription subscription) {
        boolean posted = loop.post(() -> {
            if (!subscription.isActive()) {
                return;
            }
            if (closed) {
                end(subscription, new RedisClosedException("the cluster's pub/sub connection to " + config().endpoint()
                        + " is closed"));
                return;
            }
            subscription.moveTo(this);
            hold(subscription);
            resubscribe(subscription);
        });
        if (!posted) {
            subscription.deactivate();
        }
    }

    /** Loop thread: the subscription ends without being asked to. */
    private void end(RedisSubscription subscription, RedisException cause) {
        release(subscription);
        subscription.endWith(cause);
    }

    /**
     * Loop thread: every subscription ends, the pub/sub being closed (or its connection gone for
     * good). One not confirmed yet ends without a word: its subscribe call fails instead.
     */
    private void endAll(RedisException cause) {
        if (closed) {
            return;
        }
        closed = true;
        for (RedisSubscription s : List.copyOf(subscriptions)) {
            if (s.confirmed) {
                end(s, cause);
            } else {
                release(s);
                s.deactivate();
            }
        }
    }


    private void onLoop(Runnable task) {
        if (loop.inLoopThread()) {
            task.run();
        } else if (!loop.post(task)) {
            LOG.log(System.Logger.Level.DEBUG, "loop " + loop.name() + " stopped before a subscription's outcome");
        }
    }

    /** The connection's life, told to every subscription. */
    private final class Events implements RedisClient.ConnectionEvents {
        @Override
        public void onUp(boolean reconnected) {
            if (!reconnected) {
                return;
            }
            for (RedisSubscription s : List.copyOf(subscriptions)) {
                if (s.confirmed && s.isActive()) {
                    resubscribe(s);
                }
            }
        }

        @Override
        public void onLost(RedisException cause) {
            if (!connection.config().reconnectPolicy().enabled()) {
                endAll(cause); // no reconnect follows: the subscriptions are over
                return;
            }
            for (RedisSubscription s : List.copyOf(subscriptions)) {
                if (s.confirmed && s.isActive()) {
                    s.event(() -> s.listener().onDisconnected(cause));
                }
            }
            if (relocator != null) {
                relocator.connectionLost(RedisPubSub.this);
            }
        }

        @Override
        public void onClosed(RedisException cause) {
            endAll(cause); // with the loop, or by close(): told once
        }
    }

    @Override
    public String toString() {
        return "RedisPubSub[" + config().endpoint() + "]";
    }
}
