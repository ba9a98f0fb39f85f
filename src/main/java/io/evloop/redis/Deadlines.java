package io.evloop.redis;

import java.util.ArrayDeque;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * The client's default-timeout bookkeeping without a timer per command: commands are written
 * in order and share one timeout, so their deadlines grow with their position, and one timer
 * for the earliest deadline watches them all. {@code cursor} remembers how far the scan got,
 * so each command is looked at about once. Commands with a timer of their own, the client's
 * internal ones and those already done are passed over. Loop thread only.
 */
final class Deadlines {
    private long cursor; // a sequence of PendingCommands: before it, nothing is left to watch

    /** The earliest deadline to watch, if any; the scan moves past what needs no watching. */
    OptionalLong next(PendingCommands pending, ArrayDeque<Command> waiting) {
        cursor = Math.max(cursor, pending.head());
        for (; cursor < pending.tail(); cursor++) {
            Command c = pending.get(cursor);
            if (watched(c)) {
                long next = c.deadline;
                return OptionalLong.of(waiting.isEmpty() || waiting.peek().deadline - next >= 0 ? next : waiting.peek().deadline);
            }
        }
        return waiting.isEmpty() ? OptionalLong.empty() : OptionalLong.of(waiting.peek().deadline);
    }

    /**
     * Hands every watched command whose deadline is not after {@code now} to {@code expire}:
     * written ones stay queued (their replies are still to be absorbed), waiting ones leave
     * the queue.
     */
    void expire(long now, PendingCommands pending, ArrayDeque<Command> waiting, Consumer<Command> expire,
            Consumer<Command> expireWaiting) {
        cursor = Math.max(cursor, pending.head());
        for (; cursor < pending.tail(); cursor++) {
            Command c = pending.get(cursor);
            if (!watched(c)) {
                continue;
            }
            if (c.deadline - now > 0) {
                break;
            }
            expire.accept(c);
        }
        while (!waiting.isEmpty() && waiting.peek().deadline - now <= 0) {
            expireWaiting.accept(waiting.poll());
        }
    }

    /** After the pending commands were all failed: the scan starts again at the new head. */
    void reset(PendingCommands pending) {
        cursor = pending.head();
    }

    private static boolean watched(Command c) {
        return !c.ownTimer && !c.internal && !c.isDone();
    }
}
