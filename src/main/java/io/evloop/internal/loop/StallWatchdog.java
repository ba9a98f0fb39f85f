package io.evloop.internal.loop;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one thread that looks at every event loop with stall detection on, so that a loop
 * thread pays nothing but two plain stores per turn: the loop publishes when its current turn
 * began and whether it is in one, and a check scheduled here at a quarter of the loop's
 * threshold compares that with the clock. The thread is a daemon, started at the first loop
 * that needs it.
 */
public final class StallWatchdog {

    private static final ScheduledExecutorService TIMER = create();

    private StallWatchdog() {
    }

    /** Runs {@code check} every {@code periodNanos} until the returned future is cancelled. */
    public static ScheduledFuture<?> every(long periodNanos, Runnable check) {
        return TIMER.scheduleAtFixedRate(check, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }

    private static ScheduledExecutorService create() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "evloop-stall-watchdog");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }
}
