package io.evloop.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * A MULTI/EXEC transaction: commands queued here are written together (WATCH, if asked,
 * MULTI, the commands, EXEC) in one loop turn on one connection, so that no command of
 * another thread can fall inside it, and their results complete together when EXEC answers.
 * Build it on one thread; {@link #exec()} once.
 *
 * <pre>{@code
 * RedisTransaction tx = redis.transaction();
 * CompletableFuture<Reply> a = tx.send("INCR", "a");
 * CompletableFuture<Reply> b = tx.send("LPUSH", "log", "a+1");
 * tx.exec().join();            // a and b are complete now too
 * }</pre>
 *
 * Outcomes, each told apart:
 * <ul>
 *   <li>EXEC ran the commands: {@link #exec()} completes with their replies in order; a command
 *       that failed while running (WRONGTYPE, say) fails its own future with
 *       {@link RedisErrorException}, and the others still ran.</li>
 *   <li>A command was refused while queueing (an unknown command, a wrong number of
 *       arguments): nothing ran; that command's future fails with the server's error, the
 *       others and {@link #exec()} with the EXECABORT error.</li>
 *   <li>A {@linkplain #watch watched} key changed: nothing ran; every future fails with
 *       {@link RedisTransactionAbortedException}.</li>
 *   <li>The connection was lost, or the timeout passed: every future fails with that error; the
 *       transaction may or may not have run (never resent).</li>
 * </ul>
 * WATCH here is written in the same batch as MULTI, so it guards only that batch: for
 * read-then-write optimistic locking, read with WATCH on a client of its own.
 */
public final class RedisTransaction {

    private static final byte[][] MULTI = {bytes("MULTI")};
    private static final byte[][] EXEC = {bytes("EXEC")};

    private final BiFunction<byte[][][], Duration, List<CompletableFuture<Reply>>> sender;
    /** Checks each command before it is queued (the cluster client: every key in one slot). */
    private final Consumer<byte[][]> admission;
    private final List<byte[][]> commands = new ArrayList<>();
    private final List<CompletableFuture<Reply>> results = new ArrayList<>();
    private byte[][] watch;
    private boolean executed;

    RedisTransaction(BiFunction<byte[][][], Duration, List<CompletableFuture<Reply>>> sender, Consumer<byte[][]> admission) {
        this.sender = sender;
        this.admission = admission;
    }

    /** WATCH {@code keys}, written first in the batch. */
    public RedisTransaction watch(String... keys) {
        Objects.requireNonNull(keys, "keys");
        if (keys.length == 0) {
            throw new IllegalArgumentException("WATCH needs at least one key");
        }
        checkOpen();
        byte[][] argv = new byte[keys.length + 1][];
        argv[0] = bytes("WATCH");
        for (int i = 0; i < keys.length; i++) {
            argv[i + 1] = bytes(Objects.requireNonNull(keys[i], "a key is null"));
        }
        RespEncoder.validate(argv); // WATCH itself is refused by send(), not here
        if (admission != null) {
            admission.accept(argv);
        }
        watch = argv;
        return this;
    }

    /** Queues a command whose arguments are encoded as UTF-8; its future completes after EXEC. */
    public CompletableFuture<Reply> send(String... argv) {
        return send(RespEncoder.utf8(argv));
    }

    /** Queues a command; its future completes after EXEC. */
    public CompletableFuture<Reply> send(byte[]... argv) {
        checkOpen();
        RespEncoder.validate(argv);
        String name = new String(argv[0], StandardCharsets.UTF_8).toUpperCase(java.util.Locale.ROOT);
        if (name.equals("MULTI") || name.equals("EXEC") || name.equals("DISCARD") || name.equals("WATCH")
                || name.equals("UNWATCH")) {
            throw new IllegalArgumentException(name + " inside a transaction: the transaction writes MULTI and EXEC"
                    + " itself; use watch(keys) before the commands, or discard() instead of DISCARD");
        }
        admit(argv);
        commands.add(argv.clone());
        CompletableFuture<Reply> result = new CompletableFuture<>();
        results.add(result);
        return result;
    }

    /** Sends the transaction with the client's default timeout; see the class comment for its outcomes. */
    public CompletableFuture<List<Reply>> exec() {
        return exec(null);
    }

    /** Sends the transaction, its reply due within {@code timeout}. */
    public CompletableFuture<List<Reply>> exec(Duration timeout) {
        checkOpen();
        if (commands.isEmpty()) {
            throw new IllegalStateException("the transaction has no command; send() some before exec()");
        }
        executed = true;
        int offset = (watch == null ? 0 : 1) + 1; // where the first command sits in the group
        byte[][][] group = new byte[offset + commands.size() + 1][][];
        if (watch != null) {
            group[0] = watch;
        }
        group[offset - 1] = MULTI;
        for (int i = 0; i < commands.size(); i++) {
            group[offset + i] = commands.get(i);
        }
        group[group.length - 1] = EXEC;
        List<CompletableFuture<Reply>> sent = sender.apply(group, timeout);
        CompletableFuture<List<Reply>> outcome = new CompletableFuture<>();
        sent.get(sent.size() - 1).whenComplete((reply, error) -> settle(sent, offset, reply, error, outcome));
        return outcome;
    }

    /** Drops the transaction before it is sent: every command's future fails, nothing reaches the server. */
    public void discard() {
        checkOpen();
        executed = true;
        RedisException dropped = new RedisException("the transaction was discarded before it was sent");
        results.forEach(f -> f.completeExceptionally(dropped));
    }

    private void settle(List<CompletableFuture<Reply>> sent, int offset, Reply reply, Throwable error,
                        CompletableFuture<List<Reply>> outcome) {
        if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof RedisErrorException abort && "EXECABORT".equals(abort.prefix())) {
                // Nothing ran: each command gets its own queueing error, or the abort.
                Throwable first = null;
                for (int i = 0; i < results.size(); i++) {
                    Throwable queued = failureOf(sent.get(offset + i));
                    results.get(i).completeExceptionally(queued != null ? queued : abort);
                    if (first == null && queued != null) {
                        first = queued;
                    }
                }
                // A redirection while queueing (a slot that moved) is what the cluster client acts on.
                outcome.completeExceptionally(isRedirection(first) ? first : abort);
            } else {
                results.forEach(f -> f.completeExceptionally(cause));
                outcome.completeExceptionally(cause);
            }
            return;
        }
        if (reply.isNil()) {
            RedisTransactionAbortedException aborted = new RedisTransactionAbortedException(
                    "a watched key changed before EXEC, so the transaction did not run; read again and retry it");
            results.forEach(f -> f.completeExceptionally(aborted));
            outcome.completeExceptionally(aborted);
            return;
        }
        List<Reply> replies = reply.asList();
        if (replies.size() != results.size()) {
            RedisProtocolException odd = new RedisProtocolException("EXEC answered " + replies.size() + " replies for "
                    + results.size() + " commands");
            results.forEach(f -> f.completeExceptionally(odd));
            outcome.completeExceptionally(odd);
            return;
        }
        for (int i = 0; i < replies.size(); i++) {
            Reply r = replies.get(i);
            if (r.withoutAttributes() instanceof Reply.ErrorReply failed) {
                results.get(i).completeExceptionally(failed.toException());
            } else {
                results.get(i).complete(r);
            }
        }
        outcome.complete(replies);
    }

    private static Throwable failureOf(CompletableFuture<Reply> f) {
        if (!f.isCompletedExceptionally()) {
            return null;
        }
        try {
            f.join();
            return null;
        } catch (CompletionException e) {
            return e.getCause() != null ? e.getCause() : e;
        } catch (java.util.concurrent.CancellationException e) {
            return e;
        }
    }

    private static boolean isRedirection(Throwable t) {
        return t instanceof RedisErrorException e && ("MOVED".equals(e.prefix()) || "ASK".equals(e.prefix()));
    }

    private void admit(byte[][] argv) {
        RespEncoder.validate(argv);
        UnsupportedCommands.refuse(argv);
        if (admission != null) {
            admission.accept(argv);
        }
    }

    private void checkOpen() {
        if (executed) {
            throw new IllegalStateException("the transaction was already executed or discarded; start a new one");
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
