package io.evloop.dag;

import io.evloop.EventLoop;
import io.evloop.LoopFuture;
import io.evloop.internal.Durations;
import io.evloop.redis.RedisCommands;
import io.evloop.redis.Reply;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Single-flight reads over one connection: a read command (by name, from an allow-list)
 * identical to one already in flight on this instance, same name and same argument bytes,
 * does not go to Redis; it waits for the call in flight and gets the same reply, or the same
 * failure. Everything else passes straight through. One instance per connection, made by
 * {@link DagScheduler.Builder#coalesceReads}; calls on different instances are never shared,
 * so different connections, databases or credentials never see each other's replies.
 *
 * <p><b>The consistency cost.</b> A read that joins a call already in flight gets the value
 * Redis read when it ran the first call, which may be before the joining read was asked for:
 * it can miss a write that completed just before it was asked for (even a write made by the
 * same caller, if it did not wait for the earlier read). A DAG that must see its own writes
 * should read them in a node of a scheduler without coalescing, or use a command that is not
 * on the allow-list.
 *
 * <p><b>Keys.</b> The command name, upper-cased (Redis's names ignore case), and every
 * argument's exact bytes, length-prefixed so that no two argument lists share a key. A call
 * with a timeout of its own ({@link #send(Duration, byte[]...)}) is shared only with calls of
 * the same timeout, and a call without one only with calls without one: each sharer then waits
 * at most its own timeout, counted from the first caller's send, so a sharer that joined late
 * may see the shared call's timeout sooner than its own would have fired, never later.
 *
 * <p><b>Futures.</b> Every caller, the first included, gets a future of its own, completed
 * from the shared one: cancelling it leaves the call and the other sharers alone. On an event
 * loop they are {@link LoopFuture}s of that loop, so a blocking wait on the loop thread is
 * still refused. The {@link Reply} object itself is shared: treat it as read-only (a bulk
 * string's bytes are not copied per caller).
 *
 * <p>Thread-safe: callers on any threads; completions come on whichever thread completes the
 * connection's future (the loop thread), which also removes the call from the table before
 * any sharer hears of the reply.
 */
final class CoalescingRedisCommands implements RedisCommands {

    /** The allow-list of {@link DagScheduler.Builder#coalesceReads()}. */
    static final Set<String> DEFAULT_COMMANDS = Set.of("GET", "HGET", "HGETALL", "MGET", "LRANGE", "ZRANGE", "SMEMBERS", "EXISTS");

    /** Longer names cannot be on an allow-list of Redis commands; they pass through without a lookup. */
    private static final int LONGEST_NAME = 32;

    private final RedisCommands delegate;
    private final Set<String> commands;
    private final EventLoop loop;
    private final DagMetrics metrics;
    private final ConcurrentHashMap<Key, CompletableFuture<Reply>> inFlight = new ConcurrentHashMap<>();

    /**
     * @param commands upper-case command names to coalesce
     * @param loop     the loop whose thread completes {@code delegate}'s futures, or null
     */
    CoalescingRedisCommands(RedisCommands delegate, Set<String> commands, EventLoop loop, DagMetrics metrics) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.commands = Set.copyOf(commands);
        this.loop = loop;
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /** Upper-cases and checks an allow-list given by a caller. */
    static Set<String> normalise(Set<String> commands) {
        Objects.requireNonNull(commands, "commands");
        if (commands.isEmpty()) {
            throw new IllegalArgumentException("the allow-list of coalesced commands is empty; leave coalescing off instead");
        }
        return commands.stream().map(c -> {
            if (c == null || c.isBlank() || c.length() > LONGEST_NAME || c.chars().anyMatch(ch -> ch <= ' ' || ch > '~')) {
                throw new IllegalArgumentException("not a Redis command name: '" + c + "'");
            }
            return c.toUpperCase(Locale.ROOT);
        }).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    @Override
    public CompletableFuture<Reply> send(byte[]... argv) {
        return coalesce(null, argv);
    }

    @Override
    public CompletableFuture<Reply> send(Duration timeout, byte[]... argv) {
        return coalesce(Objects.requireNonNull(timeout, "timeout"), argv);
    }

    /** Calls in flight that later identical reads can join: for tests. */
    int inFlight() {
        return inFlight.size();
    }

    private CompletableFuture<Reply> coalesce(Duration timeout, byte[][] argv) {
        if (argv == null || argv.length == 0 || argv[0] == null || !coalesced(argv[0])) {
            return call(timeout, argv); // the connection validates what it is given
        }
        Key key = Key.of(argv, timeout);
        CompletableFuture<Reply> shared = inFlight.get(key);
        if (shared == null) {
            CompletableFuture<Reply> mine = loop == null ? new CompletableFuture<>() : new LoopFuture<>(loop);
            shared = inFlight.putIfAbsent(key, mine);
            if (shared == null) {
                return lead(key, mine, timeout, argv);
            }
        }
        metrics.callCoalesced();
        return copyOf(shared);
    }

    /** The first of identical reads: sends the call; the table entry goes before anyone hears the reply. */
    private CompletableFuture<Reply> lead(Key key, CompletableFuture<Reply> shared, Duration timeout, byte[][] argv) {
        CompletableFuture<Reply> call;
        try {
            call = call(timeout, argv);
        } catch (RuntimeException | Error refused) {
            inFlight.remove(key, shared);
            shared.completeExceptionally(refused); // whoever joined meanwhile hears it too
            throw refused;
        }
        CompletableFuture<Reply> copy = copyOf(shared);
        call.whenComplete((reply, error) -> {
            inFlight.remove(key, shared);
            if (error != null) {
                shared.completeExceptionally(error);
            } else {
                shared.complete(reply);
            }
        });
        return copy;
    }

    private CompletableFuture<Reply> call(Duration timeout, byte[][] argv) {
        return timeout == null ? delegate.send(argv) : delegate.send(timeout, argv);
    }

    /** A future of the caller's own with the shared outcome, the exception unwrapped as the connection gave it. */
    private static CompletableFuture<Reply> copyOf(CompletableFuture<Reply> shared) {
        CompletableFuture<Reply> copy = shared.newIncompleteFuture();
        shared.whenComplete((reply, error) -> {
            if (error != null) {
                copy.completeExceptionally(error);
            } else {
                copy.complete(reply);
            }
        });
        return copy;
    }

    private boolean coalesced(byte[] name) {
        if (name.length == 0 || name.length > LONGEST_NAME) {
            return false;
        }
        return commands.contains(new String(name, StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT));
    }

    /** The exact bytes of a call and its timeout; hash computed once. */
    static final class Key {
        private final byte[] bytes;
        private final long timeoutNanos;
        private final int hash;

        private Key(byte[] bytes, long timeoutNanos) {
            this.bytes = bytes;
            this.timeoutNanos = timeoutNanos;
            this.hash = 31 * Arrays.hashCode(bytes) + Long.hashCode(timeoutNanos);
        }

        /** A copy, not the caller's arrays: the key outlives the call, and a caller may reuse its buffers. */
        static Key of(byte[][] argv, Duration timeout) {
            int size = 0;
            for (byte[] arg : argv) {
                size += 4 + Objects.requireNonNull(arg, "a command argument is null").length;
            }
            byte[] bytes = new byte[size];
            int at = 0;
            for (int i = 0; i < argv.length; i++) {
                byte[] arg = argv[i];
                bytes[at++] = (byte) (arg.length >>> 24);
                bytes[at++] = (byte) (arg.length >>> 16);
                bytes[at++] = (byte) (arg.length >>> 8);
                bytes[at++] = (byte) arg.length;
                for (byte b : arg) {
                    // The name is matched without regard to case, as Redis does; arguments exactly.
                    bytes[at++] = i == 0 && b >= 'a' && b <= 'z' ? (byte) (b - 32) : b;
                }
            }
            return new Key(bytes, timeout == null ? -1 : Durations.toNanosSaturated(timeout));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && k.timeoutNanos == timeoutNanos && Arrays.equals(k.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
