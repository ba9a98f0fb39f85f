package io.evloop.redis;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The client's count of commands in flight, which {@link RedisConfig#maxInFlight()} bounds,
 * split so that senders and the loop thread do not write one cache line per command each.
 * Senders add what they take to {@code taken}; the loop thread, the only one that releases,
 * adds what it releases to {@code released} with a plain add and a release store (a locked
 * read-modify-write on a line that a sender on another core writes too cost both sides a
 * cache miss per command). In flight is {@code taken - released}.
 *
 * <p>A sender does not read {@code released} per command either: {@code releasedSeen} is a
 * value {@code released} had at some point, so {@code taken - releasedSeen} is never below
 * the true count, and a sender that finds room by it has room. Only when that bound says full
 * does it read {@code released} itself (and publish what it read). A command whose release the
 * sender can see (its future's completion happened before the send, say) is therefore never
 * counted: the bound says full, the sender reads {@code released}, and that read sees it.
 *
 * <p>The fields sit on cache lines of their own (the superclass chain lays them out in order).
 */
final class InFlightCount extends InFlightReleasedField {
    private static final VarHandle TAKEN;
    private static final VarHandle RELEASED_SEEN;
    private static final VarHandle RELEASED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TAKEN = lookup.findVarHandle(InFlightTakenFields.class, "taken", long.class);
            RELEASED_SEEN = lookup.findVarHandle(InFlightTakenFields.class, "releasedSeen", long.class);
            RELEASED = lookup.findVarHandle(InFlightReleasedField.class, "released", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Any thread: takes {@code weight} places if that keeps the count at most {@code max}.
     *
     * @return false, having taken nothing, when there is no room
     */
    boolean tryTake(int weight, int max) {
        long taken = (long) TAKEN.getAndAdd(this, (long) weight) + weight;
        if (taken - (long) RELEASED_SEEN.getOpaque(this) <= max) {
            return true;
        }
        long released = (long) RELEASED.getAcquire(this);
        // Racing senders may store an older value over a newer one: each is still a value released had.
        RELEASED_SEEN.setOpaque(this, released);
        if (taken - released <= max) {
            return true;
        }
        TAKEN.getAndAdd(this, (long) -weight);
        return false;
    }

    /** Any thread: gives back places taken for a command that the loop never got (its sender failed it). */
    void giveBack(int weight) {
        TAKEN.getAndAdd(this, (long) -weight);
    }

    /** The loop thread only: {@code weight} places of commands taken earlier are free again. */
    void release(int weight) {
        RELEASED.setRelease(this, (long) RELEASED.get(this) + weight);
    }

    /** Any thread: the commands in flight now. */
    int get() {
        // released first: every command it counts was taken before, so the difference is never negative.
        long released = (long) RELEASED.getAcquire(this);
        long taken = (long) TAKEN.getVolatile(this);
        return (int) Math.max(0, taken - released);
    }
}

// Padding before, between and after the two groups of fields: senders write the first, the
// loop thread the second.

abstract class InFlightPad0 {
    long p00, p01, p02, p03, p04, p05, p06, p07;
}

abstract class InFlightTakenFields extends InFlightPad0 {
    long taken; // through InFlightCount.TAKEN
    long releasedSeen; // through InFlightCount.RELEASED_SEEN
}

abstract class InFlightPad1 extends InFlightTakenFields {
    long p10, p11, p12, p13, p14, p15, p16, p17;
}

abstract class InFlightReleasedField extends InFlightPad1 {
    long released; // through InFlightCount.RELEASED
    long p20, p21, p22, p23, p24, p25, p26, p27;
}
