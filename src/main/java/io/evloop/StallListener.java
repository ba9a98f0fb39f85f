package io.evloop;

/**
 * Hears about {@linkplain LoopStall stalls} of an event loop, for metrics or alerts, besides the
 * warning evloop logs for each. Called on evloop's watchdog thread, never on the loop thread;
 * must return quickly and must not throw (what it throws is logged and dropped).
 */
@FunctionalInterface
public interface StallListener {
    void onStall(LoopStall stall);
}
