package io.evloop.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * How evloop turns the {@link Duration}s of its API into nanoseconds without overflow.
 * Internal: not part of evloop's API.
 *
 * <p>{@link Duration#toNanos()} throws for anything beyond about 292 years, and a deadline
 * {@code System.nanoTime() + timeout} wraps long before that. Every timeout evloop accepts is
 * therefore clamped to {@link #FOREVER_NANOS} (2<sup>62</sup> ns, about 146 years), which all
 * deadline arithmetic can add to a {@code nanoTime} reading and compare by subtraction
 * without overflow. A timeout that long never fires: it means "no timeout".
 */
public final class Durations {

    /** The longest timeout kept as such: 2^62 ns, about 146 years. Longer ones mean the same. */
    public static final long FOREVER_NANOS = 1L << 62;

    /** {@link #FOREVER_NANOS} as a Duration. */
    public static final Duration FOREVER = Duration.ofNanos(FOREVER_NANOS);

    private Durations() {
    }

    /**
     * A timeout checked at the call: not null, positive, and clamped to {@link #FOREVER}
     * ({@code ChronoUnit.FOREVER.getDuration()} is accepted and means no timeout).
     *
     * @throws NullPointerException     if {@code timeout} is null, naming {@code what}
     * @throws IllegalArgumentException if it is zero or negative, naming {@code what}
     */
    public static Duration positiveTimeout(Duration timeout, String what) {
        Objects.requireNonNull(timeout, what + ": pass a positive Duration, such as Duration.ofSeconds(5)");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException(what + " must be positive, got " + timeout);
        }
        return clamp(timeout);
    }

    /** {@code d} itself, or {@link #FOREVER} if it is longer. */
    public static Duration clamp(Duration d) {
        return d.compareTo(FOREVER) > 0 ? FOREVER : d;
    }

    /** Nanoseconds of a non-negative duration, at most {@link #FOREVER_NANOS}. */
    public static long toNanosSaturated(Duration d) {
        return d.compareTo(FOREVER) >= 0 ? FOREVER_NANOS : d.toNanos();
    }
}
