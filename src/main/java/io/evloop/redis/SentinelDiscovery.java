package io.evloop.redis;

import io.evloop.EventLoop;
import io.evloop.ScheduledTask;
import io.evloop.internal.Failures;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Asks a client's sentinels where its primary is ({@code SENTINEL GET-MASTER-ADDR-BY-NAME}):
 * in order, one at a time, each bounded by the query timeout; the first answer wins and its
 * sentinel moves to the front, so that a sentinel that is down costs one timeout once, not on
 * every ask. The connection to the sentinel that answered is kept for the next ask (the polls
 * of a connected client), so that a poll is one round trip; connections to the others are
 * closed as soon as they failed.
 *
 * <p>Each sentinel connection is a {@link RedisClient} of its own on the same loop (no
 * reconnects, the sentinels' credentials and TLS), so that it resolves names off the loop and
 * bounds its connect exactly as the client does. Its transports come from the owner, with the
 * sentinels' TLS already resolved ({@link RedisTransport#sentinelFactory}): they are made
 * here, on the loop thread, which reads no file. Asks that overlap (a poll still in flight
 * when the connection drops and the client reconnects) share one round. Loop thread only.
 */
final class SentinelDiscovery {

    /** The primary's address as a sentinel gave it. */
    record Primary(String host, int port) {
        String endpoint() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** The outcome of one ask, on the loop thread: the primary, or a failure naming each sentinel's. */
    interface Answer {
        void answered(Primary primary, RedisConnectionException failure);
    }

    /** The answer is two short strings; this bounds a peer that is not a sentinel. */
    private static final long MAX_REPLY_BYTES = 64 * 1024;

    private final EventLoop loop;
    private final RedisSentinel sentinel;
    private final RedisConfig clientConfig;
    private final Function<RedisConfig, Supplier<RedisTransport>> transports;
    private final byte[][] query;
    private final long timeoutNanos;
    /** The sentinels in the order the next round asks them: the last one that answered first. */
    private final List<InetSocketAddress> order;
    private final List<Answer> waiting = new ArrayList<>();
    /** The connection to the sentinel that answered last, kept for the next round. */
    private RedisClient kept;
    private InetSocketAddress keptFor;
    /** The connection of the query in flight, and its deadline. */
    private RedisClient asking;
    private ScheduledTask deadline;
    private int queryId; // bumped per query; a late event of an earlier one is ignored
    private boolean closed;
    /** Told when a sentinel announces that the primary moved; null until watched. */
    private Runnable onSwitch;
    /** The subscription to +switch-master, on the sentinel that answered last. */
    private RedisPubSub switches;
    private InetSocketAddress switchesAt;
    /** When the watch on {@code switchesAt} last failed: it is tried there again after a while. */
    private long switchesFailedNanos;
    /** Between tries of the watch on a sentinel where it failed (one without RESP3, say). */
    private static final long WATCH_RETRY_NANOS = TimeUnit.SECONDS.toNanos(30);

    SentinelDiscovery(EventLoop loop, RedisConfig clientConfig, Function<RedisConfig, Supplier<RedisTransport>> transports) {
        this.loop = loop;
        this.sentinel = clientConfig.sentinel();
        this.clientConfig = clientConfig;
        this.transports = transports;
        this.query = RespEncoder.utf8("SENTINEL", "GET-MASTER-ADDR-BY-NAME", sentinel.masterName());
        this.timeoutNanos = sentinel.queryTimeout().toNanos();
        this.order = new ArrayList<>(sentinel.sentinels());
    }

    /** Asks the sentinels; {@code answer} is called once, on the loop thread, unless this is closed first. */
    void ask(Answer answer) {
        if (closed) {
            return;
        }
        waiting.add(answer);
        if (waiting.size() == 1) {
            ask(List.copyOf(order), 0, new ArrayList<>());
        }
    }

    private void ask(List<InetSocketAddress> candidates, int index, List<String> failures) {
        if (index == candidates.size()) {
            answer(null, new RedisConnectionException("no sentinel answered where the primary " + sentinel.masterName()
                    + " is (asked " + candidates.size() + "): " + String.join("; ", failures)));
            return;
        }
        InetSocketAddress at = candidates.get(index);
        int id = ++queryId;
        Runnable next = () -> ask(candidates, index + 1, failures);
        deadline = loop.schedule(() -> failed(id, at, "no answer within " + sentinel.queryTimeout().toMillis() + " ms",
                failures, next), timeoutNanos, TimeUnit.NANOSECONDS);
        RedisClient client;
        if (kept != null && at.equals(keptFor) && kept.isUp()) {
            client = kept;
        } else {
            RedisConfig config = configFor(at);
            client = RedisClient.open(loop, config, transports.apply(config), transports);
        }
        if (client != kept) {
            closeKept(); // only the sentinel that answered last keeps a connection
        }
        kept = null;
        asking = client;
        client.connectedFuture()
                .thenCompose(up -> up.send(query))
                .whenComplete((reply, error) -> {
                    if (id != queryId || closed) {
                        return;
                    }
                    Primary primary;
                    try {
                        primary = error == null ? primaryIn(reply) : null;
                    } catch (IllegalStateException | IndexOutOfBoundsException | NumberFormatException bad) {
                        failed(id, at, "an unexpected answer (" + bad.getMessage() + "); is it a sentinel?", failures, next);
                        return;
                    }
                    if (error != null) {
                        failed(id, at, Failures.rootMessage(error), failures, next);
                    } else if (primary == null) {
                        failed(id, at, "it does not know a primary named " + sentinel.masterName(), failures, next);
                    } else {
                        queryId++;
                        deadline.cancel();
                        // Ask it first next time, over this connection.
                        order.remove(at);
                        order.add(0, at);
                        kept = client;
                        keptFor = at;
                        asking = null;
                        watchSwitchesOn(at);
                        answer(primary, null);
                    }
                });
    }

    /**
     * From now on, {@code onSwitch} runs (on the loop thread) whenever a sentinel announces a
     * failover of this primary ({@code +switch-master}), and whenever that subscription was made
     * again after its connection was lost (a failover may have happened meanwhile). The
     * subscription lives on the sentinel that answered last; a sentinel that cannot give it
     * (one without RESP3, before Redis 6) leaves the client to its polls.
     */
    void watchSwitches(Runnable onSwitch) {
        this.onSwitch = onSwitch;
    }

    private void watchSwitchesOn(InetSocketAddress at) {
        if (onSwitch == null || closed
                || (at.equals(switchesAt) && (switches != null || System.nanoTime() - switchesFailedNanos < WATCH_RETRY_NANOS))) {
            return;
        }
        closeSwitches();
        RedisConfig config = configFor(at).toBuilder().reconnectPolicy(ReconnectPolicy.DEFAULT).build();
        RedisPubSub pubsub = RedisPubSub.open(loop, config, transports);
        switches = pubsub;
        switchesAt = at;
        PubSubListener listener = new PubSubListener() {
            @Override
            public void onMessage(PubSubMessage message) {
                // "<name> <old host> <old port> <new host> <new port>"
                String text = message.text();
                if (switches == pubsub && text.startsWith(sentinel.masterName() + " ")) {
                    onSwitch.run();
                }
            }

            @Override
            public void onResubscribed() {
                if (switches == pubsub) {
                    onSwitch.run();
                }
            }
        };
        pubsub.subscribe(listener, "+switch-master").whenComplete((subscription, error) -> {
            if (error != null && switches == pubsub) {
                // Tried on this sentinel again after a while; polling covers it meanwhile.
                System.getLogger("io.evloop.redis").log(System.Logger.Level.DEBUG, "cannot watch " + RedisSentinel.endpoint(at)
                        + " for failovers of " + sentinel.masterName() + " (" + Failures.rootMessage(error) + "); polling only");
                pubsub.closeOnLoop();
                switches = null;
                switchesFailedNanos = System.nanoTime();
            }
        });
    }

    private void closeSwitches() {
        if (switches != null) {
            switches.closeOnLoop();
            switches = null;
            switchesAt = null;
        }
    }

    private void failed(int id, InetSocketAddress at, String why, List<String> failures, Runnable next) {
        if (id != queryId || closed) {
            return;
        }
        queryId++;
        deadline.cancel();
        asking.closeOnLoop();
        asking = null;
        failures.add(RedisSentinel.endpoint(at) + ": " + why);
        next.run();
    }

    private void answer(Primary primary, RedisConnectionException failure) {
        List<Answer> answers = List.copyOf(waiting);
        waiting.clear();
        for (Answer a : answers) {
            a.answered(primary, failure);
        }
    }

    /** {@code [host, port]}, or null for the nil a sentinel sends for a name it does not monitor. */
    private static Primary primaryIn(Reply reply) {
        List<Reply> address = reply.asList();
        if (address == null) {
            return null;
        }
        String host = address.get(0).asString();
        int port = Integer.parseInt(address.get(1).asString());
        if (host == null || host.isEmpty() || port < 1 || port > 65535) {
            throw new IllegalStateException("address " + host + ":" + port);
        }
        return new Primary(host, port);
    }

    /**
     * A sentinel connection: the sentinels' credentials and TLS, no database, no reconnects,
     * bounded by the query timeout (which so covers the TLS handshake too).
     */
    private RedisConfig configFor(InetSocketAddress at) {
        RedisCredentials credentials = sentinel.credentials();
        return RedisConfig.builder().host(at.getHostString()).port(at.getPort()).tls(sentinel.tls())
                .user(credentials == null ? null : credentials.user())
                .password(credentials == null ? null : credentials.password())
                .connectTimeout(sentinel.queryTimeout()).commandTimeout(sentinel.queryTimeout())
                .reconnectPolicy(ReconnectPolicy.NEVER).tcpKeepAlive(clientConfig.tcpKeepAlive())
                .maxReplyBytes(MAX_REPLY_BYTES).slowCommandThreshold(Duration.ZERO).build();
    }

    private void closeKept() {
        if (kept != null) {
            kept.closeOnLoop();
            kept = null;
            keptFor = null;
        }
    }

    /** Closes every sentinel connection and cancels the query's timer; pending asks are never answered. Idempotent. */
    void close() {
        closed = true;
        queryId++;
        waiting.clear();
        if (deadline != null) {
            deadline.cancel();
        }
        if (asking != null) {
            asking.closeOnLoop();
            asking = null;
        }
        closeKept();
        closeSwitches();
    }
}
