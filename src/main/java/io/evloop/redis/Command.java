package io.evloop.redis;

import io.evloop.EventLoop;
import io.evloop.LoopFuture;
import io.evloop.ScheduledTask;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One command and its own future: one object per call, so that a reply completes exactly the
 * future of the command it answers. Its fields other than {@link #claim()} are the loop
 * thread's once the command was claimed.
 */
final class Command extends LoopFuture<Reply> {
    private static final VarHandle CLAIMED;

    static {
        try {
            CLAIMED = MethodHandles.lookup().findVarHandle(Command.class, "claimed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through CLAIMED
    private volatile boolean claimed;
    /** The arguments until written; null afterwards, so a reply-waiting command holds no bytes. */
    byte[][] argv;
    private final byte[] commandName;
    final long timeoutNanos;
    /** Timed by a timer of its own (a per-call timeout), not by the client's deadline scan. */
    final boolean ownTimer;
    /** The client's own (handshake, idle PING, ASKING): not counted, not timed by the scan. */
    final boolean internal;
    long deadline;
    /** Whether it still holds a place in the client's in-flight count. */
    boolean counted;
    ScheduledTask timer;
    String shownName;
    /**
     * Answered by push messages (SUBSCRIBE and its kin on a pub/sub connection): the server
     * sends it no reply of its own unless it refuses it, with an error. The command written
     * after it, a PING, tells the two apart: a reply that is not an error belongs to that one.
     */
    boolean answeredByPush;
    /**
     * Its confirmations (pushes of the subscribe or unsubscribe kind) that came so far: an error
     * before the first one is the server refusing it, one after them is the PING's.
     */
    int confirmations;
    /** Written right before this one, in the same turn: ASKING for a redirection, or a transaction's MULTI and commands. */
    Command[] prefix;

    Command(EventLoop loop, byte[][] argv, long timeoutNanos, boolean ownTimer, boolean internal) {
        super(loop);
        this.argv = argv;
        this.commandName = argv[0];
        this.timeoutNanos = timeoutNanos;
        this.ownTimer = ownTimer;
        this.internal = internal;
        this.counted = !internal;
    }

    /** Whether this caller is the one that hands the command on (the drain, or a rejection). */
    boolean claim() {
        return CLAIMED.compareAndSet(this, false, true);
    }

    /**
     * The loop thread, while the submission queue that held this command is open: claims it
     * with a release store instead of a compare-and-set. No sender can claim it meanwhile (a
     * sender claims only once it sees the queue closed, and the loop thread closes it later),
     * and a sender that sees the close sees this store too. It spares the loop thread a locked
     * instruction per command on a line that the sending thread, often on another core, wrote last.
     */
    void claimWhileOpen() {
        CLAIMED.setRelease(this, true);
    }

    /** The command's name for messages: upper case, at most 32 bytes, never a password. */
    String name() {
        if (shownName != null) {
            return shownName;
        }
        int n = Math.min(commandName.length, 32);
        return new String(commandName, 0, n, StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "Command[" + name() + (isDone() ? ", done" : "") + "]";
    }
}
