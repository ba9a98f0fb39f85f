package io.evloop.redis;

import io.evloop.internal.Durations;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When to try again after a connection is lost: capped exponential backoff with full jitter
 * (each delay is uniform in [0, min(maxDelay, initialDelay * 2^attempt)]), so that many
 * clients losing the same server do not reconnect in lockstep.
 */
public record ReconnectPolicy(boolean enabled, Duration initialDelay, Duration maxDelay) {

    /** Reconnects, starting around 50 ms and backing off to at most 5 s between attempts. */
    public static final ReconnectPolicy DEFAULT =
            new ReconnectPolicy(true, Duration.ofMillis(50), Duration.ofSeconds(5));

    /** Never reconnects: a lost connection leaves the client failing every command until closed. */
    public static final ReconnectPolicy NEVER = new ReconnectPolicy(false, Duration.ZERO, Duration.ZERO);

    public ReconnectPolicy {
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        if (initialDelay.isNegative() || maxDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("reconnect delays must satisfy 0 <= initialDelay <= maxDelay, got "
                    + initialDelay + " and " + maxDelay);
        }
        // Longer than about 146 years means never again; clamped so that delayNanos cannot overflow.
        initialDelay = Durations.clamp(initialDelay);
        maxDelay = Durations.clamp(maxDelay);
    }

    /** The delay before reconnect attempt {@code attempt} (1 for the first). */
    public long delayNanos(int attempt) {
        long cap = maxDelay.toNanos();
        long base = initialDelay.toNanos();
        int shift = Math.min(Math.max(attempt - 1, 0), 30);
        long ceiling = base > (cap >> shift) ? cap : Math.min(cap, base << shift);
        return ceiling <= 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling + 1);
    }
}
