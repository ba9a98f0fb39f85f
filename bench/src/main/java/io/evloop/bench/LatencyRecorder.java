package io.evloop.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Latencies and completions of one measurement window, recorded from any number of
 * threads without contention: each thread writes its own shard (a plain {@link Histogram}
 * and a counter). Shards are only read after the writers have stopped.
 *
 * <p>A completion counts toward throughput when it happens inside the window; its latency
 * is recorded when the command was also sent inside the window, so the warm-up never
 * leaks into the percentiles.
 */
final class LatencyRecorder {

    private static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(120);

    /** One thread's figures. */
    static final class Shard {
        final Histogram histogram = new Histogram(1, HIGHEST_NANOS, 3);
        long completions;
        long errors;
    }

    private final List<Shard> shards = new ArrayList<>();
    private final ThreadLocal<Shard> local = ThreadLocal.withInitial(this::newShard);
    private volatile long windowStart = Long.MAX_VALUE;
    private volatile long windowEnd = Long.MAX_VALUE;

    private synchronized Shard newShard() {
        Shard s = new Shard();
        shards.add(s);
        return s;
    }

    void startWindow(long now) {
        windowStart = now;
    }

    void endWindow(long now) {
        windowEnd = now;
    }

    /** Called by whichever thread saw the command complete. */
    void completed(long sentAt, long now, boolean ok) {
        long start = windowStart;
        if (now < start || now > windowEnd) {
            if (!ok) {
                local.get().errors++;
            }
            return;
        }
        Shard s = local.get();
        if (!ok) {
            s.errors++;
            return;
        }
        s.completions++;
        if (sentAt >= start) {
            s.histogram.recordValue(Math.min(now - sentAt, HIGHEST_NANOS));
        }
    }

    /** The merged figures; call only once every writer has stopped. */
    synchronized Shard merged() {
        Shard all = new Shard();
        for (Shard s : shards) {
            all.histogram.add(s.histogram);
            all.completions += s.completions;
            all.errors += s.errors;
        }
        return all;
    }
}
