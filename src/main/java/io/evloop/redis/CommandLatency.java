package io.evloop.redis;

import java.time.Duration;

/**
 * The distribution of a client's command latencies since it was created: from the loop turn
 * that wrote a command to the turn that received its reply (error replies included; timed-out
 * and failed commands not), at the resolution of a loop turn, with two significant digits.
 * Time a command waited in the loop's queue before its turn, or for a reconnect, is included;
 * time in the caller's continuation is not.
 *
 * @param count replies measured
 */
public record CommandLatency(long count, Duration mean, Duration p50, Duration p90, Duration p99, Duration p999,
                             Duration max) {

    /** No command measured yet. */
    public static final CommandLatency NONE = new CommandLatency(0, Duration.ZERO, Duration.ZERO, Duration.ZERO,
            Duration.ZERO, Duration.ZERO, Duration.ZERO);

    @Override
    public String toString() {
        if (count == 0) {
            return "no replies yet";
        }
        return count + " replies: mean " + micros(mean) + ", p50 " + micros(p50) + ", p90 " + micros(p90) + ", p99 "
                + micros(p99) + ", p99.9 " + micros(p999) + ", max " + micros(max);
    }

    private static String micros(Duration d) {
        long us = d.toNanos() / 1000;
        return us >= 10_000 ? (us / 1000) + " ms" : us + " µs";
    }
}
