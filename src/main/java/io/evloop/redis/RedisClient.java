package io.evloop.redis;

import io.evloop.EventLoop;
import io.evloop.LoopFuture;
import io.evloop.ScheduledTask;
import io.evloop.internal.Durations;
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
import java.util.concurrent.atomic.AtomicInteger;
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
 */
public final class RedisClient implements RedisCommands, AutoCloseable {

    private static final System.Logger LOG = System.getLogger("io.evloop.redis");
    private static final byte[][] ASKING = {"ASKING".getBytes(StandardCharsets.US_ASCII)};
    private static final byte[][] PING = {"PING".getBytes(StandardCharsets.US_ASCII)};

    private enum State { NEW, CONNECTING, HANDSHAKE, CONNECTED, DISCONNECTED, CLOSED }

    // Any thread.
    private final EventLoop loop;
    private final AbstractEventLoop loopCore;
    private final RedisConfig config;
    private final Supplier<RedisTransport> transports;
    private final long defaultTimeoutNanos;
    private final AtomicInteger inFlight = new AtomicInteger();
    // Counted on the loop thread, read by metrics() from any thread.
    private final LoopCounter commandsWritten = new LoopCounter();
    private final LoopCounter repliesReceived = new LoopCounter();
    private final LoopCounter errorReplies = new LoopCounter();
    private final LoopCounter timeouts = new LoopCounter();
    private final LoopCounter connectionsLost = new LoopCounter();
    private final LoopCounter reconnects = new LoopCounter();
    private final LoopCounter slowCommands = new LoopCounter();
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
    private boolean flushScheduled;
    private final Runnable flushAction = this::flush;
    private final Runnable exitHook = () -> shutdown(new RedisClosedException(
            "event loop " + loopName() + " stopped; the Redis client on it is closed"));

    private RedisClient(EventLoop loop, RedisConfig config, Supplier<RedisTransport> transports) {
        this.loop = loop;
        this.loopCore = (AbstractEventLoop) loop;
        this.config = config;
        this.transports = transports;
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
     * connect timeout with an exception naming the server.
     */
    public static CompletableFuture<RedisClient> connect(EventLoop loop, RedisConfig config) {
        Objects.requireNonNull(loop, "loop: pass the EventLoop the client runs on (EventLoops.create())");
        Objects.requireNonNull(config, "config");
        return connect(loop, config, RedisTransport.factory(loop, config));
    }

    /** With the given transports: the tests' fake one, or each loop's own. */
    static CompletableFuture<RedisClient> connect(EventLoop loop, RedisConfig config, Supplier<RedisTransport> transports) {
        RedisClient client = new RedisClient(loop, config, transports);
        if (!loop.post(client::start)) {
            return CompletableFuture.failedFuture(new RedisClosedException(
                    "event loop " + loop.name() + " is stopped; cannot connect to " + config.endpoint()));
        }
        return client.connected;
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
                connectionsLost.get(), reconnects.get(), slowCommands.get(), inFlight.get(), latency);
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
        long nanos = timeout == null ? defaultTimeoutNanos : Durations.toNanosSaturated(timeout);
        return submit(argv, nanos, nanos != defaultTimeoutNanos, true);
    }

    private CompletableFuture<Reply> submit(byte[][] argv, long timeoutNanos, boolean ownTimer) {
        return submit(argv, timeoutNanos, ownTimer, false);
    }

    private CompletableFuture<Reply> submit(byte[][] argv, long timeoutNanos, boolean ownTimer, boolean asking) {
        RespEncoder.validate(argv);
        UnsupportedCommands.refuse(argv);
        if (closing) {
            return CompletableFuture.failedFuture(closedException());
        }
        if (inFlight.incrementAndGet() > config.maxInFlight()) {
            inFlight.decrementAndGet();
            return CompletableFuture.failedFuture(new RedisBackpressureException(config.maxInFlight()
                    + " commands already in flight to " + config.endpoint()
                    + " (maxInFlight); wait for replies before sending more, or raise RedisConfig.maxInFlight"));
        }
        Command command = new Command(loop, argv, timeoutNanos, ownTimer, false);
        if (asking) {
            command.prefix = new Command(loop, ASKING, 0, false, true);
        }
        if (!submitted.offer(command)) {
            command.counted = false;
            inFlight.decrementAndGet();
            command.completeExceptionally(loop.isStopping()
                    ? new RedisClosedException("event loop " + loop.name() + " is stopped; the command was not sent")
                    : closedException());
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
                if (c.prefix != null) {
                    write(c.prefix);
                }
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
        repliesReceived.increment();
        Command c = pending.poll();
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
        if (reply instanceof Reply.ErrorReply error) {
            errorReplies.increment();
            finish(c, error.toException());
        } else {
            release(c);
            c.complete(reply); // a late reply to a timed-out command is dropped here
        }
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
        connectTimer = loop.schedule(() -> {
            if (attempt == generation && (state == State.CONNECTING || state == State.HANDSHAKE)) {
                connectionLost(new RedisConnectionException("connect to " + config.endpoint() + " timed out after "
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
            literal = HostAddresses.literal(config.host());
        } catch (UnknownHostException e) {
            // Cannot fail from inside this task: the connect future must still complete.
            connectionLost(new RedisConnectionException("cannot connect to " + config.endpoint() + ": "
                    + rootMessage(e), e), attempt);
            return;
        }
        if (literal != null) {
            startTransport(new InetSocketAddress(literal, config.port()), attempt);
            return;
        }
        // A name: getaddrinfo blocks (for seconds when a DNS server does not answer), so never
        // on the loop thread.
        CompletableFuture.supplyAsync(this::resolve, HostAddresses.RESOLVER).whenComplete((address, error) -> {
            boolean posted = loop.post(() -> {
                if (attempt != generation || state != State.CONNECTING) {
                    return;
                }
                if (error != null) {
                    connectionLost(new RedisConnectionException("cannot resolve " + config.endpoint() + ": "
                            + rootMessage(error), error), attempt);
                } else {
                    startTransport(address, attempt);
                }
            });
            if (!posted) {
                LOG.log(System.Logger.Level.DEBUG, "loop stopped while resolving " + config.endpoint());
            }
        });
    }

    private SocketAddress resolve() {
        try {
            return new InetSocketAddress(InetAddress.getByName(config.host()), config.port());
        } catch (UnknownHostException e) {
            throw new RedisConnectionException("unknown host " + config.host(), e);
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
                String why = error != null ? rootMessage(error) : "it completed with null";
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
                String what = c.name() + " during the handshake with " + config.endpoint() + " failed: " + rootMessage(error);
                connectionLost(new RedisConnectionException(what, error), attempt);
            }
        });
        write(c);
        return c;
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
        if (reconnectAttempt > 0) {
            reconnects.increment();
            LOG.log(System.Logger.Level.INFO, "reconnected to " + config.endpoint() + " after " + reconnectAttempt + " attempt(s)");
        }
        reconnectAttempt = 0;
        for (Command c; (c = waiting.poll()) != null; ) {
            if (c.prefix != null) {
                write(c.prefix);
            }
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
        if (!connected.isDone()) {
            // The first connection failed: the caller gets the error and no client.
            shutdown(failure);
            connected.completeExceptionally(failure);
            return;
        }
        state = State.DISCONNECTED;
        if (!config.reconnectPolicy().enabled()) {
            failWaiting(failure);
            return;
        }
        reconnectAttempt++;
        long delay = config.reconnectPolicy().delayNanos(reconnectAttempt);
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
        String reason = rootMessage(cause);
        return new RedisConnectionException(wasUp
                ? "connection to " + config.endpoint() + " lost (" + reason + "); commands in flight failed and may or may not have run"
                : "cannot connect to " + config.endpoint() + ": " + reason, cause);
    }

    private void dropTransport() {
        generation++;
        cancel(connectTimer);
        connectTimer = null;
        cancel(idleTimer);
        idleTimer = null;
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
    }

    private void release(Command c) {
        if (c.counted) {
            c.counted = false;
            inFlight.decrementAndGet();
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

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root
                && (root instanceof java.util.concurrent.CompletionException || root.getMessage() == null)) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }
}
