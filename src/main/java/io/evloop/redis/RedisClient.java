package io.evloop.redis;

import io.evloop.EventLoop;
import io.evloop.LoopFuture;
import io.evloop.ScheduledTask;
import io.evloop.internal.Durations;
import io.evloop.internal.Failures;
import io.evloop.internal.FlightEvents;
import io.evloop.internal.LoopCounter;
import io.evloop.internal.loop.AbstractEventLoop;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * An asynchronous Redis client on an {@link EventLoop}: one connection, any number of
 * commands in flight (pipelined), each answered through a {@link CompletableFuture}.
 *
 * <p>On the native loop the connection is hiredis's async context on libuv; on the Java loop
 * it is a RESP codec over NIO. Everything else lives here, shared by both backends: the FIFO
 * of commands waiting for their replies, timeouts, backpressure, reconnects and the handshake.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Thread-safe: any thread may send; commands from one thread are sent in call order.</li>
 *   <li>Every future completes: reply, {@link RedisErrorException} (the server's error),
 *       {@link RedisTimeoutException}, {@link RedisConnectionException},
 *       {@link RedisBackpressureException} or {@link RedisClosedException}.</li>
 *   <li>At most once: when a connection drops, every command written to it fails; nothing is
 *       resent. A reply that arrives after its command timed out is dropped, never handed to
 *       another command.</li>
 *   <li>Futures complete on the loop thread: never block in a continuation.</li>
 * </ul>
 *
 * <h2>Through Redis Sentinel</h2>
 * With {@link RedisConfig#sentinel()} the client asks the sentinels for the primary's address
 * before every connection (the first and each reconnect) and, once the handshake is done,
 * checks with {@code ROLE} that the node is the primary; a node that is not (a sentinel's view
 * may lag a failover) is dropped and the sentinels are asked again (on the first connection for
 * at most the connect timeout). While connected it asks them again every
 * {@link RedisSentinel#pollInterval()}, whenever a reply is a {@code READONLY} error, and
 * whenever the sentinel that answered last announces a failover ({@code +switch-master}, which
 * the client subscribes to there on a pub/sub connection of its own). When the primary moved, the connection is closed as
 * lost: the commands in flight fail with a {@link RedisConnectionException} saying a failover
 * happened (nothing is resent) and the client reconnects to the new primary. TLS is set apart
 * for the primary ({@link RedisConfig#tls()}, its certificate checked against the host the
 * sentinels name) and for the sentinels ({@link RedisSentinel#tls()}).
 */
public final class RedisClient implements RedisCommands, AutoCloseable {

    private static final System.Logger LOG = System.getLogger("io.evloop.redis");
    private static final byte[][] ASKING = {"ASKING".getBytes(StandardCharsets.US_ASCII)};
    private static final byte[][] PING = {"PING".getBytes(StandardCharsets.US_ASCII)};
    /** What a command answered by push messages completes with once its pushes are in. */
    static final Reply PUSH_ANSWERED = new Reply.SimpleString("OK");
    private static final Handshake.Step ROLE = new Handshake.Step(RespEncoder.utf8("ROLE"), "ROLE");
    /** The shortest wait before connecting again to a node that said it is not the primary. */
    private static final long NOT_PRIMARY_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private enum State { NEW, CONNECTING, HANDSHAKE, CONNECTED, DISCONNECTED, CLOSED }

    // Any thread.
    private final EventLoop loop;
    private final AbstractEventLoop loopCore;
    private final RedisConfig config;
    private final Supplier<RedisTransport> transports;
    private final SentinelDiscovery sentinels; // null unless the config names sentinels
    private final PrimaryWatch primaryWatch; // null unless the config names sentinels
    private final long defaultTimeoutNanos;
    private final InFlightCount inFlight = new InFlightCount();
    // Counted on the loop thread, read by metrics() from any thread.
    private final LoopCounter commandsWritten = new LoopCounter();
    private final LoopCounter repliesReceived = new LoopCounter();
    private final LoopCounter errorReplies = new LoopCounter();
    private final LoopCounter timeouts = new LoopCounter();
    private final LoopCounter connectionsLost = new LoopCounter();
    private final LoopCounter reconnects = new LoopCounter();
    private final LoopCounter slowCommands = new LoopCounter();
    private final LoopCounter pushesReceived = new LoopCounter();
    private final long slowThresholdNanos;
    /** Written on the loop thread without locks; read by {@link #metrics()} into {@link #latencyTotal}. */
    private final SingleWriterRecorder latencyRecorder = new SingleWriterRecorder(2);
    private Histogram latencyInterval; // guarded by latencyTotal
    private final Histogram latencyTotal = new Histogram(2);
    private final SubmissionQueue submitted;
    private final CompletableFuture<RedisClient> connected;
    private final CompletableFuture<Void> closed;
    private volatile boolean closing;

    // Loop thread only.
    private State state = State.NEW;
    private RedisTransport transport;
    private int generation; // bumped per connection attempt; late events of old attempts are ignored
    private final RespEncoder out = new RespEncoder();
    private int[] commandEnds = new int[256];
    private int commandCount;
    private final PendingCommands pending = new PendingCommands();
    private final ArrayDeque<Command> waiting = new ArrayDeque<>(); // for a reconnect, in order
    private final Deadlines deadlines = new Deadlines();
    private ScheduledTask timeoutCheck;
    private ScheduledTask connectTimer;
    private ScheduledTask reconnectTimer;
    private ScheduledTask idleTimer;
    private long lastReplyNanos; // turn start of the last reply, or of the connect
    private int reconnectAttempt;
    private long firstConnectDeadline;
    private SentinelDiscovery.Primary primary; // the address the sentinels gave this connection attempt
    private boolean flushScheduled;
    private final Runnable flushAction = this::flush;
    private ConnectionEvents events; // set before the client starts; null for most clients
    private final Runnable exitHook = () -> shutdown(new RedisClosedException(
            "event loop " + loopName() + " stopped; the Redis client on it is closed"));

    private RedisClient(EventLoop loop, RedisConfig config, Supplier<RedisTransport> transports,
                        Function<RedisConfig, Supplier<RedisTransport>> sentinelTransports) {
        this.loop = loop;
        this.loopCore = (AbstractEventLoop) loop;
        this.config = config;
        this.transports = transports;
        this.sentinels = config.sentinel() == null ? null : new SentinelDiscovery(loop, config, sentinelTransports);
        this.primaryWatch = sentinels == null ? null : new PrimaryWatch(loop, config, sentinels, new WatchedConnection());
        if (sentinels != null) {
            sentinels.watchSwitches(primaryWatch::switchAnnounced);
        }
        this.defaultTimeoutNanos = Durations.toNanosSaturated(config.commandTimeout());
        long slow = Durations.toNanosSaturated(config.slowCommandThreshold());
        this.slowThresholdNanos = slow == 0 ? Long.MAX_VALUE : slow;
        this.connected = new LoopFuture<>(loop);
        this.closed = new LoopFuture<>(loop);
        this.submitted = new SubmissionQueue(loop, this::dispatch);
    }

    /** Connects to the server a URI names; see {@link RedisConfig#fromUri(String)}. */
    public static CompletableFuture<RedisClient> connect(EventLoop loop, String uri) {
        return connect(loop, RedisConfig.fromUri(uri));
    }

    /**
     * Connects: the future completes with a client once the connection is up and AUTH,
     * SELECT and CLIENT SETNAME (those configured) have succeeded, or fails within the
     * connect timeout with an exception naming the server. Through Sentinel, asking the
     * sentinels comes first, each within {@link RedisSentinel#queryTimeout()}, and the
     * connect timeout starts once one of them named the primary. TLS files (the primary's and
     * the sentinels') are read here, on the caller's thread, once for every connection the
     * client makes.
     *
     * @throws IllegalArgumentException when TLS input is refused (naming the file and what is
     *     wrong) or the loop cannot speak TLS (naming what to install)
     */
    public static CompletableFuture<RedisClient> connect(EventLoop loop, RedisConfig config) {
        Objects.requireNonNull(loop, "loop: pass the EventLoop the client runs on (EventLoops.create())");
        Objects.requireNonNull(config, "config");
        return connect(loop, config, RedisTransport.factory(loop, config), RedisTransport.sentinelFactory(loop, config));
    }

    /** With the given transports: the tests' fake one, or each loop's own; sentinel connections use the same. */
    static CompletableFuture<RedisClient> connect(EventLoop loop, RedisConfig config, Supplier<RedisTransport> transports) {
        return connect(loop, config, transports, c -> transports);
    }

    /** With the given transports for the data connection and, by their config, for the sentinel connections. */
    static CompletableFuture<RedisClient> connect(EventLoop loop, RedisConfig config, Supplier<RedisTransport> transports,
                                                  Function<RedisConfig, Supplier<RedisTransport>> sentinelTransports) {
        return open(loop, config, transports, sentinelTransports).connected;
    }

    /**
     * Starts connecting and returns the client at once, so that its owner can close it while
     * it connects (the sentinel connections); {@link #connectedFuture()} tells when it is up.
     */
    static RedisClient open(EventLoop loop, RedisConfig config, Supplier<RedisTransport> transports,
                            Function<RedisConfig, Supplier<RedisTransport>> sentinelTransports) {
        return open(loop, config, transports, sentinelTransports, null);
    }

    /** As {@link #open(EventLoop, RedisConfig, Supplier, Function)}, telling {@code events} of every connection up and lost. */
    static RedisClient open(EventLoop loop, RedisConfig config, Supplier<RedisTransport> transports,
                            Function<RedisConfig, Supplier<RedisTransport>> sentinelTransports,
                            ConnectionEvents events) {
        RedisClient client = new RedisClient(loop, config, transports, sentinelTransports);
        client.events = events;
        if (!loop.post(client::start)) {
            client.closing = true;
            client.connected.completeExceptionally(new RedisClosedException(
                    "event loop " + loop.name() + " is stopped; cannot connect to " + config.endpoint()));
            client.closed.complete(null);
        }
        return client;
    }

    /** Completes with this client once its first connection is up, or fails as {@link #connect} does. */
    CompletableFuture<RedisClient> connectedFuture() {
        return connected;
    }

    /**
     * Loop thread: closes at once rather than on a task of its own, so that the sentinel
     * connections are gone when their owner's attempt fails or it closes.
     */
    void closeOnLoop() {
        closing = true;
        shutdown(closedException());
    }

    /** Loop thread: whether the connection is up now (a sentinel connection is reused only then). */
    boolean isUp() {
        return state == State.CONNECTED;
    }

    public RedisConfig config() {
        return config;
    }

    public EventLoop loop() {
        return loop;
    }

    /** Commands accepted and not yet answered (or failed). */
    public int inFlight() {
        return inFlight.get();
    }

    /** A snapshot of what this client has done; any thread. */
    public RedisClientMetrics metrics() {
        CommandLatency latency;
        synchronized (latencyTotal) {
            latencyInterval = latencyRecorder.getIntervalHistogram(latencyInterval);
            latencyTotal.add(latencyInterval);
            latency = latencyOf(latencyTotal);
        }
        return new RedisClientMetrics(commandsWritten.get(), repliesReceived.get(), errorReplies.get(), timeouts.get(),
                connectionsLost.get(), reconnects.get(), slowCommands.get(), pushesReceived.get(), inFlight.get(), latency);
    }

    private static CommandLatency latencyOf(Histogram h) {
        if (h.getTotalCount() == 0) {
            return CommandLatency.NONE;
        }
        return new CommandLatency(h.getTotalCount(), Duration.ofNanos((long) h.getMean()),
                Duration.ofNanos(h.getValueAtPercentile(50)), Duration.ofNanos(h.getValueAtPercentile(90)),
                Duration.ofNanos(h.getValueAtPercentile(99)), Duration.ofNanos(h.getValueAtPercentile(99.9)),
                Duration.ofNanos(h.getMaxValue()));
    }

    @Override
    public CompletableFuture<Reply> send(byte[]... argv) {
        return submit(argv, defaultTimeoutNanos, false);
    }

    @Override
    public CompletableFuture<Reply> send(Duration timeout, byte[]... argv) {
        long nanos = Durations.toNanosSaturated(Durations.positiveTimeout(timeout, "timeout"));
        return submit(argv, nanos, nanos != defaultTimeoutNanos);
    }

    /**
     * Cluster redirection: ASKING and then the command, written back to back in one loop task
     * so that no other thread's command can slip between them and take the ASKING flag.
     */
    CompletableFuture<Reply> sendAsking(Duration timeout, byte[][] argv) {
        RespEncoder.validate(argv);
        UnsupportedCommands.refuse(argv);
        long nanos = timeout == null ? defaultTimeoutNanos : Durations.toNanosSaturated(timeout);
        return submit(argv, nanos, nanos != defaultTimeoutNanos, new byte[][][] {ASKING}).get(1);
    }

    /**
     * A transaction on this client's connection; see {@link RedisTransaction}. Its commands are
     * written together, so that no other thread's command can fall inside it.
     */
    public RedisTransaction transaction() {
        return new RedisTransaction(this::sendGroup, null);
    }

    /**
     * {@code group} written back to back in one loop task; the last one carries {@code timeout}
     * (null: the default) and counts as one command in flight, the others are the client's own
     * (no timeout of their own: the last one's bounds them, as their replies come before its).
     * The arguments were checked by the caller. Returns every command's future, in order.
     */
    List<CompletableFuture<Reply>> sendGroup(byte[][][] group, Duration timeout) {
        long nanos = timeout == null ? defaultTimeoutNanos : Durations.toNanosSaturated(timeout);
        byte[][][] before = java.util.Arrays.copyOf(group, group.length - 1);
        return submit(group[group.length - 1], nanos, nanos != defaultTimeoutNanos, before);
    }

    /**
     * A pub/sub command (SUBSCRIBE and its kin), whose answers are push messages, followed by
     * a PING: its future completes once the PING's reply came (the command's pushes came
     * before it), fails with the server's error if it refused the command, and fails with the
     * PING if that times out or the connection goes. Any thread; the caller checked argv.
     */
    CompletableFuture<Reply> sendAnsweredByPush(byte[][] argv) {
        Command command = new Command(loop, argv, 0, false, true);
        command.answeredByPush = true;
        Command ping = new Command(loop, PING, defaultTimeoutNanos, false, false);
        ping.prefix = new Command[] {command};
        ping.whenComplete((reply, error) -> {
            if (error != null) {
                command.completeExceptionally(error);
            }
        });
        enqueue(ping);
        return command;
    }

    /** What the owner of a client is told of its connections, on the loop thread. */
    interface ConnectionEvents {
        /** A connection is up, its handshake done, before the commands that waited for it are written. */
        void onUp(boolean reconnected);

        /** The connection that was up is lost; the client reconnects (if its policy says so). */
        void onLost(RedisException cause);

        /** The client is closed (by its owner, or with its loop): no connection follows. */
        void onClosed(RedisException cause);
    }

    private CompletableFuture<Reply> submit(byte[][] argv, long timeoutNanos, boolean ownTimer) {
        RespEncoder.validate(argv);
        UnsupportedCommands.refuse(argv);
        return enqueue(new Command(loop, argv, timeoutNanos, ownTimer, false));
    }

    /** {@code argv} with {@code before} written right ahead of it; the futures of all, {@code argv}'s last. */
    private List<CompletableFuture<Reply>> submit(byte[][] argv, long timeoutNanos, boolean ownTimer, byte[][][] before) {
        Command command = new Command(loop, argv, timeoutNanos, ownTimer, false);
        command.prefix = new Command[before.length];
        List<CompletableFuture<Reply>> all = new java.util.ArrayList<>(before.length + 1);
        for (int i = 0; i < before.length; i++) {
            command.prefix[i] = new Command(loop, before[i], 0, false, true);
            all.add(command.prefix[i]);
        }
        all.add(enqueue(command));
        return all;
    }

    /** Any thread: hands {@code command} to the loop, or fails it (with what it carries) at once. */
    private Command enqueue(Command command) {
        RedisException refused = null;
        // A group (a transaction, a redirection's ASKING, a subscribe's PING) counts every
        // command it writes: maxInFlight bounds what waits for replies, however it was sent.
        int weight = command.prefix == null ? 1 : 1 + command.prefix.length;
        if (closing) {
            refused = closedException();
        } else if (weight > config.maxInFlight()) {
            refused = new RedisBackpressureException("a group of " + weight + " commands (a transaction's, say) to "
                    + config.endpoint() + " is more than maxInFlight (" + config.maxInFlight() + ") allows in flight;"
                    + " split it, or raise RedisConfig.maxInFlight");
        } else if (!inFlight.tryTake(weight, config.maxInFlight())) {
            refused = new RedisBackpressureException(config.maxInFlight() + " commands already in flight to "
                    + config.endpoint() + " (maxInFlight); wait for replies before sending more, or raise RedisConfig.maxInFlight");
        } else if (!submitted.offer(command)) {
            inFlight.giveBack(weight);
            refused = loop.isStopping()
                    ? new RedisClosedException("event loop " + loop.name() + " is stopped; the command was not sent")
                    : closedException();
        }
        if (refused != null) {
            command.counted = false;
            finish(command, refused);
        }
        return command;
    }

    /** Closes the connection: pending commands fail with {@link RedisClosedException}. Idempotent. */
    public CompletableFuture<Void> closeAsync() {
        if (!closing) {
            closing = true;
            if (!loop.post(() -> shutdown(closedException()))) {
                closed.complete(null); // the loop is gone; its exit hook already shut us down
            }
        }
        return closed;
    }

    /** {@link #closeAsync()}, waiting for it at most the connect timeout unless on the loop thread. */
    @Override
    public void close() {
        CompletableFuture<Void> done = closeAsync();
        if (!loop.inLoopThread()) {
            try {
                done.get(Durations.toNanosSaturated(config.connectTimeout()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.log(System.Logger.Level.WARNING, "closing the Redis client of " + config.endpoint() + ": " + e);
            }
        }
    }

    @Override
    public String toString() {
        return "RedisClient[" + config.endpoint() + " on " + loop.name() + "]";
    }

    // ---- loop thread ----------------------------------------------------------------------

    private void start() {
        if (closing) {
            shutdown(closedException());
            return;
        }
        loopCore.addExitHook(exitHook);
        firstConnectDeadline = System.nanoTime() + Durations.toNanosSaturated(config.connectTimeout());
        connectAttempt();
    }

    private void dispatch(Command c) {
        if (loop.isStopping()) {
            // The final drain of a stopping loop: nothing written now could be answered.
            finish(c, new RedisClosedException("event loop " + loopName() + " is stopping; the command to "
                    + config.endpoint() + " was not sent"));
            return;
        }
        switch (state) {
            case CONNECTED -> {
                writePrefix(c);
                write(c);
            }
            case CLOSED -> finish(c, closedException());
            default -> {
                if (!config.reconnectPolicy().enabled()) {
                    finish(c, new RedisConnectionException("the connection to " + config.endpoint()
                            + " is lost and this client does not reconnect (ReconnectPolicy.NEVER); the command was not sent"));
                } else if (!config.waitForReconnect()) {
                    finish(c, new RedisConnectionException("not connected to " + config.endpoint()
                            + " (reconnecting, attempt " + reconnectAttempt + "); the command was not sent"));
                } else {
                    c.deadline = loopCore.turnStartNanos() + c.timeoutNanos;
                    waiting.add(c);
                    armTimeoutCheck();
                }
            }
        }
    }

    private void writePrefix(Command c) {
        if (c.prefix != null) {
            for (Command p : c.prefix) {
                write(p);
            }
        }
    }

    private void write(Command c) {
        if (c.deadline == 0) {
            c.deadline = loopCore.turnStartNanos() + c.timeoutNanos;
        }
        try {
            out.append(c.argv);
        } catch (IllegalStateException tooMuch) {
            finish(c, new RedisBackpressureException("output buffer to " + config.endpoint() + " is full: " + tooMuch.getMessage()));
            return;
        }
        c.argv = null;
        if (!c.internal) {
            commandsWritten.increment();
        }
        if (commandCount == commandEnds.length) {
            commandEnds = java.util.Arrays.copyOf(commandEnds, commandCount * 2);
        }
        commandEnds[commandCount++] = out.length();
        pending.add(c);
        if (c.ownTimer) {
            c.timer = loop.schedule(() -> expire(c), c.timeoutNanos, TimeUnit.NANOSECONDS);
        } else if (!c.internal) {
            armTimeoutCheck();
        }
        if (!flushScheduled) {
            flushScheduled = true;
            loopCore.runAtEndOfTurn(flushAction);
        }
    }

    private void flush() {
        flushScheduled = false;
        if (transport != null && commandCount > 0) {
            int n = commandCount;
            commandCount = 0;
            transport.write(out, commandEnds, n);
        }
    }

    private void onReply(Reply reply) {
        lastReplyNanos = loopCore.turnStartNanos();
        if (reply instanceof Reply.PushReply push) {
            onPush(push); // never a command's reply
            return;
        }
        repliesReceived.increment();
        Command c = pending.poll();
        while (c != null && c.answeredByPush && (!reply.isError() || c.confirmations > 0)) {
            // Its pushes came before this reply, which answers the command after it: the PING,
            // which the server may refuse (an ACL without PING, a stale replica) after it took
            // the command. An error before any confirmation is the command's own refusal.
            release(c);
            c.complete(PUSH_ANSWERED);
            c = pending.poll();
        }
        if (c == null) {
            throw new RedisProtocolException("unsolicited reply from " + config.endpoint()
                    + " while no command was waiting: " + reply);
        }
        if (c.timer != null) {
            c.timer.cancel();
        }
        if (!c.internal) {
            measure(c);
        }
        // Two exact type checks rather than a call on the sealed interface for every reply.
        Reply bare = reply instanceof Reply.AttributedReply attributed ? attributed.value() : reply;
        if (bare instanceof Reply.ErrorReply error) {
            errorReplies.increment();
            if (sentinels != null && error.message().startsWith("READONLY")) {
                primaryWatch.readOnlyReply();
            }
            finish(c, error.toException());
        } else {
            release(c);
            c.complete(reply); // a late reply to a timed-out command is dropped here
        }
    }

    private void onPush(Reply.PushReply push) {
        pushesReceived.increment();
        Command head = pending.peek();
        if (head != null && head.answeredByPush && isConfirmation(push)) {
            head.confirmations++;
        }
        Consumer<Reply.PushReply> listener = config.pushListener();
        if (listener == null) {
            return;
        }
        try {
            listener.accept(push);
        } catch (Throwable e) {
            // The listener's failure is its own: the connection and its commands carry on.
            LOG.log(System.Logger.Level.WARNING, "the push listener of " + config.endpoint() + " threw on "
                    + push.kind() + "; the push is dropped", e);
        }
    }

    /** A push that confirms a subscribe or an unsubscribe (RESP3 sends those as pushes too). */
    private static boolean isConfirmation(Reply.PushReply push) {
        return switch (push.kind()) {
            case "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe" -> true;
            default -> false;
        };
    }

    /** The command was written in the turn its deadline was set in: the latency costs no clock read. */
    private void measure(Command c) {
        long latency = Math.max(0, lastReplyNanos - (c.deadline - c.timeoutNanos));
        latencyRecorder.recordValue(latency);
        if (latency >= slowThresholdNanos) {
            slowCommands.increment();
            FlightEvents.slowCommand(config.endpoint(), c.name(), latency);
        }
    }

    private void expire(Command c) {
        if (!c.isDone()) {
            timeouts.increment();
            c.completeExceptionally(new RedisTimeoutException(c.name() + " to " + config.endpoint()
                    + " got no reply within " + TimeUnit.NANOSECONDS.toMillis(c.timeoutNanos) + " ms"));
        }
    }

    /** Fails commands whose default timeout has passed; written ones stay queued to absorb their replies. */
    private void checkTimeouts() {
        timeoutCheck = null;
        deadlines.expire(System.nanoTime(), pending, waiting, this::expire, c -> {
            expire(c);
            release(c);
        });
        armTimeoutCheck();
    }

    private void armTimeoutCheck() {
        if (timeoutCheck != null || state == State.CLOSED) {
            return;
        }
        OptionalLong next = deadlines.next(pending, waiting);
        if (next.isPresent()) {
            timeoutCheck = loop.schedule(this::checkTimeouts, Math.max(0, next.getAsLong() - System.nanoTime()),
                    TimeUnit.NANOSECONDS);
        }
    }

    private void connectAttempt() {
        reconnectTimer = null;
        if (state == State.CLOSED) {
            return;
        }
        state = State.CONNECTING;
        int attempt = ++generation;
        if (sentinels == null) {
            connectTo(config.host(), config.port(), attempt);
            return;
        }
        // Asked before every connection: the primary may have moved since the last one (which is
        // often why it was lost). Each sentinel's query has its own bound; the connect timeout
        // starts once one answered.
        primary = null;
        sentinels.ask((found, failure) -> {
            if (attempt != generation || state != State.CONNECTING) {
                return;
            }
            if (failure != null) {
                connectionLost(failure, attempt);
            } else {
                primary = found;
                connectTo(found.host(), found.port(), attempt);
            }
        });
    }

    /** How connection messages name the node: with Sentinel, the primary's name and the address it was given. */
    private String target() {
        return primary == null ? config.endpoint() : config.endpoint() + " at " + primary.endpoint();
    }

    private void connectTo(String host, int port, int attempt) {
        connectTimer = loop.schedule(() -> {
            if (attempt == generation && (state == State.CONNECTING || state == State.HANDSHAKE)) {
                connectionLost(new RedisConnectionException("connect to " + target() + " timed out after "
                        + config.connectTimeout().toMillis() + " ms"
                        + (transport == null && config.socketPath() == null ? " while resolving the host name" : "")
                        + (transport != null ? transport.timeoutHint() : "")),
                        attempt);
            }
        }, Durations.toNanosSaturated(config.connectTimeout()), TimeUnit.NANOSECONDS);
        if (config.socketPath() != null) {
            startTransport(UnixDomainSocketAddress.of(config.socketPath()), attempt);
            return;
        }
        InetAddress literal;
        try {
            literal = HostAddresses.literal(host);
        } catch (UnknownHostException e) {
            // Cannot fail from inside this task: the connect future must still complete.
            connectionLost(new RedisConnectionException("cannot connect to " + target() + ": "
                    + Failures.rootMessage(e), e), attempt);
            return;
        }
        if (literal != null) {
            startTransport(new InetSocketAddress(literal, port), attempt);
            return;
        }
        // A name: getaddrinfo blocks (for seconds when a DNS server does not answer), so never
        // on the loop thread.
        CompletableFuture.supplyAsync(() -> resolve(host, port), HostAddresses.RESOLVER).whenComplete((address, error) -> {
            boolean posted = loop.post(() -> {
                if (attempt != generation || state != State.CONNECTING) {
                    return;
                }
                if (error != null) {
                    connectionLost(new RedisConnectionException("cannot resolve " + target() + ": "
                            + Failures.rootMessage(error), error), attempt);
                } else {
                    startTransport(address, attempt);
                }
            });
            if (!posted) {
                LOG.log(System.Logger.Level.DEBUG, "loop stopped while resolving " + host);
            }
        });
    }

    private static SocketAddress resolve(String host, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new RedisConnectionException("unknown host " + host, e);
        }
    }

    private void startTransport(SocketAddress address, int attempt) {
        RedisTransport t = transports.get();
        transport = t;
        t.connect(address, new RedisTransport.Listener() {
            @Override
            public void onConnected() {
                if (attempt == generation && transport == t) {
                    onTransportConnected(attempt);
                }
            }

            @Override
            public void onReply(Reply reply) {
                if (attempt == generation && transport == t) {
                    try {
                        RedisClient.this.onReply(reply);
                    } catch (RedisProtocolException e) {
                        connectionLost(e, attempt);
                    } catch (Throwable e) {
                        // An Error (OutOfMemoryError, say) or a bug, in the middle of a reply: the
                        // stream cannot be followed any more. The connection goes, its commands
                        // fail with the cause, and the client reconnects.
                        LOG.log(System.Logger.Level.ERROR, "handling a reply of " + config.endpoint()
                                + " failed; closing the connection", e);
                        connectionLost(new RedisConnectionException("handling a reply from " + config.endpoint()
                                + " failed (" + e + "); the connection was closed", e), attempt);
                    }
                }
            }

            @Override
            public void onClosed(Throwable cause) {
                if (attempt == generation && transport == t) {
                    connectionLost(cause, attempt);
                }
            }
        });
    }

    private void onTransportConnected(int attempt) {
        state = State.HANDSHAKE;
        RedisCredentialsProvider provider = config.credentialsProvider();
        if (provider == null) {
            runHandshake(attempt, Handshake.steps(config));
            return;
        }
        // Asked on every connection: a rotated password is picked up by the next reconnect.
        // The connect timer, already running, bounds the wait.
        CompletionStage<RedisCredentials> asked;
        try {
            asked = provider.credentials();
        } catch (RuntimeException e) {
            asked = CompletableFuture.failedFuture(e);
        }
        if (asked == null) {
            asked = CompletableFuture.failedFuture(new NullPointerException("the provider returned null"));
        }
        asked.whenComplete((credentials, error) -> loop.post(() -> {
            if (attempt != generation || state != State.HANDSHAKE) {
                return;
            }
            if (error != null || credentials == null) {
                String why = error != null ? Failures.rootMessage(error) : "it completed with null";
                connectionLost(new RedisConnectionException("the credentials provider for " + config.endpoint()
                        + " failed: " + why, error), attempt);
            } else {
                runHandshake(attempt, Handshake.steps(config, credentials));
            }
        }));
    }

    private void runHandshake(int attempt, List<Handshake.Step> steps) {
        Command last = null;
        for (Handshake.Step step : steps) {
            last = handshake(attempt, step);
        }
        if (sentinels != null) {
            // A sentinel's view may lag a failover: only a node that says it is the primary is
            // used. Pipelined behind the handshake; a failed step before it fails the attempt first.
            handshake(attempt, ROLE).thenAccept(reply -> onRole(attempt, reply));
            return;
        }
        if (last == null) {
            onHandshakeDone(attempt);
        } else {
            last.thenRun(() -> onHandshakeDone(attempt));
        }
    }

    private Command handshake(int attempt, Handshake.Step step) {
        Command c = new Command(loop, step.argv(), 0, false, true);
        c.shownName = step.shownName();
        c.whenComplete((reply, error) -> {
            if (error != null && attempt == generation && state == State.HANDSHAKE) {
                String what = c.name() + " during the handshake with " + target() + " failed: " + Failures.rootMessage(error)
                        + Handshake.hintFor(step, error);
                connectionLost(new RedisConnectionException(what, error), attempt);
            }
        });
        write(c);
        return c;
    }

    private void onRole(int attempt, Reply reply) {
        if (attempt != generation || state != State.HANDSHAKE) {
            return;
        }
        String role;
        try {
            role = reply.asList().get(0).asString();
        } catch (RuntimeException unexpected) {
            role = "(an unexpected reply: " + reply + ")";
        }
        if ("master".equals(role)) {
            onHandshakeDone(attempt);
        } else {
            connectionLost(new NotThePrimaryException(target() + " says its ROLE is " + role
                    + ", not master: the sentinels' view lags a failover; asking them again"), attempt);
        }
    }

    private void onHandshakeDone(int attempt) {
        if (attempt != generation || state != State.HANDSHAKE) {
            return;
        }
        cancel(connectTimer);
        connectTimer = null;
        state = State.CONNECTED;
        lastReplyNanos = loopCore.turnStartNanos();
        armIdleCheck(config.idlePingInterval().toNanos());
        if (primaryWatch != null) {
            primaryWatch.connected();
        }
        if (reconnectAttempt > 0 && connected.isDone()) {
            reconnects.increment(); // not the retries of a first connection that met a replica
            LOG.log(System.Logger.Level.INFO, "reconnected to " + target() + " after " + reconnectAttempt + " attempt(s)");
        }
        boolean reconnected = connected.isDone();
        reconnectAttempt = 0;
        if (events != null) {
            try {
                events.onUp(reconnected);
            } catch (Throwable e) {
                LOG.log(System.Logger.Level.ERROR, "telling the owner of " + config.endpoint() + "'s client that it is up failed", e);
            }
        }
        for (Command c; (c = waiting.poll()) != null; ) {
            writePrefix(c);
            write(c);
        }
        connected.complete(this);
    }

    /** Loop thread: looks at the connection again in {@code delayNanos}, if idle PINGs are on. */
    private void armIdleCheck(long delayNanos) {
        if (!config.idlePingInterval().isZero()) {
            idleTimer = loop.schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Sends a PING of the client's own when the connection has been quiet for the idle PING
     * interval with no command waiting for a reply; one unanswered within its timeout means
     * the server stopped answering, and the connection is closed as lost.
     */
    private void checkIdle() {
        idleTimer = null;
        if (state != State.CONNECTED) {
            return;
        }
        long interval = config.idlePingInterval().toNanos();
        long quiet = System.nanoTime() - lastReplyNanos;
        if (quiet < interval || !pending.allDone()) {
            armIdleCheck(Math.max(interval - quiet, interval / 4));
            return;
        }
        int attempt = generation;
        long timeout = config.idlePingTimeout().toNanos();
        Command ping = new Command(loop, PING, 0, false, true);
        ScheduledTask deadline = loop.schedule(() -> {
            if (!ping.isDone() && attempt == generation) {
                connectionLost(new RedisConnectionException("no reply from " + config.endpoint() + " to an idle PING within "
                        + TimeUnit.NANOSECONDS.toMillis(timeout) + " ms: the server stopped answering; the connection was closed"),
                        attempt);
            }
        }, timeout, TimeUnit.NANOSECONDS);
        ping.whenComplete((reply, error) -> {
            deadline.cancel();
            if (attempt == generation && state == State.CONNECTED) {
                armIdleCheck(interval);
            }
        });
        write(ping);
    }

    private void connectionLost(Throwable cause, int attempt) {
        if (attempt != generation || state == State.CLOSED) {
            return;
        }
        boolean wasUp = state == State.CONNECTED;
        if (wasUp) {
            connectionsLost.increment();
        }
        dropTransport();
        RedisException failure = failureFor(cause, wasUp);
        failPending(failure);
        if (wasUp && events != null) {
            try {
                events.onLost(failure);
            } catch (Throwable e) {
                LOG.log(System.Logger.Level.ERROR, "telling the owner of " + config.endpoint() + "'s client that it is lost failed", e);
            }
        }
        boolean notPrimary = cause instanceof NotThePrimaryException;
        if (!connected.isDone() && !(notPrimary && System.nanoTime() - firstConnectDeadline < 0)) {
            // The first connection failed: the caller gets the error and no client. A node that
            // is not the primary yet only fails it once the connect timeout has passed.
            shutdown(failure);
            connected.completeExceptionally(failure);
            return;
        }
        state = State.DISCONNECTED;
        if (!config.reconnectPolicy().enabled() && connected.isDone()) {
            failWaiting(failure);
            return;
        }
        reconnectAttempt++;
        long delay = config.reconnectPolicy().delayNanos(reconnectAttempt);
        if (sentinels != null && !config.sentinel().pollInterval().isZero()) {
            // While the sentinels still name a primary that is gone, each attempt is a poll: a
            // failover is followed within about one poll interval, connected or not.
            delay = Math.min(delay, config.sentinel().pollInterval().toNanos());
        }
        if (notPrimary) {
            delay = Math.max(delay, NOT_PRIMARY_RETRY_NANOS);
        }
        LOG.log(System.Logger.Level.WARNING, failure.getMessage() + "; reconnect attempt " + reconnectAttempt
                + " in " + TimeUnit.NANOSECONDS.toMillis(delay) + " ms");
        reconnectTimer = loop.schedule(this::connectAttempt, delay, TimeUnit.NANOSECONDS);
    }

    private RedisException failureFor(Throwable cause, boolean wasUp) {
        if (cause instanceof RedisProtocolException protocol) {
            return protocol;
        }
        if (cause instanceof RedisConnectionException connection && !wasUp) {
            return connection;
        }
        String reason = Failures.rootMessage(cause);
        return new RedisConnectionException(wasUp
                ? "connection to " + target() + " lost (" + reason + "); commands in flight failed and may or may not have run"
                : "cannot connect to " + target() + ": " + reason, cause);
    }

    private void dropTransport() {
        generation++;
        cancel(connectTimer);
        connectTimer = null;
        cancel(idleTimer);
        idleTimer = null;
        if (primaryWatch != null) {
            primaryWatch.stop();
        }
        if (transport != null) {
            transport.close();
            transport = null;
        }
        out.clear();
        commandCount = 0;
    }

    private void shutdown(RedisException cause) {
        closing = true;
        if (state != State.CLOSED) {
            state = State.CLOSED;
            dropTransport();
            cancel(reconnectTimer);
            cancel(timeoutCheck);
            timeoutCheck = null;
            failPending(cause);
            failWaiting(cause);
            // Producers that offer after this fail their own commands; those queued before
            // fail here.
            submitted.close(c -> finish(c, cause));
            loopCore.removeExitHook(exitHook);
            if (!connected.isDone()) {
                connected.completeExceptionally(cause);
            }
            if (events != null) {
                try {
                    events.onClosed(cause);
                } catch (Throwable e) {
                    LOG.log(System.Logger.Level.ERROR, "telling the owner of " + config.endpoint() + "'s client that it closed failed", e);
                }
            }
        }
        if (sentinels != null) {
            sentinels.close();
        }
        closed.complete(null);
    }

    private void failPending(RedisException cause) {
        for (Command c; (c = pending.poll()) != null; ) {
            cancel(c.timer);
            finish(c, cause);
        }
        deadlines.reset(pending);
    }

    private void failWaiting(RedisException cause) {
        for (Command c; (c = waiting.poll()) != null; ) {
            finish(c, cause);
        }
    }

    private void finish(Command c, Throwable error) {
        release(c);
        c.completeExceptionally(error);
        if (c.prefix != null) {
            for (Command p : c.prefix) {
                p.completeExceptionally(error); // no-op for those written and answered already
            }
        }
    }

    private void release(Command c) {
        if (c.counted) {
            c.counted = false;
            inFlight.release(c.prefix == null ? 1 : 1 + c.prefix.length);
        }
    }

    private RedisClosedException closedException() {
        return new RedisClosedException("the Redis client of " + config.endpoint() + " is closed");
    }

    private String loopName() {
        return loop.name();
    }

    private static void cancel(ScheduledTask task) {
        if (task != null) {
            task.cancel();
        }
    }

    /** The connection as the Sentinel primary watch sees it. */
    private final class WatchedConnection implements PrimaryWatch.Connection {
        @Override
        public int upGeneration() {
            return state == State.CONNECTED ? generation : -1;
        }

        @Override
        public SentinelDiscovery.Primary primary() {
            return primary;
        }

        @Override
        public void failover(RedisConnectionException cause, int attempt) {
            connectionLost(cause, attempt);
        }
    }

    /** A node the sentinels named that is not (yet) the primary: the attempt is retried, even a first one. */
    private static final class NotThePrimaryException extends RedisConnectionException {
        private static final long serialVersionUID = 1L;

        NotThePrimaryException(String message) {
            super(message);
        }
    }
}
