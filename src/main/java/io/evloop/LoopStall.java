package io.evloop;

import java.time.Duration;
import java.util.List;

/**
 * A turn of an event loop that kept the loop thread longer than its stall threshold: a task,
 * timer or future completion blocking it, so that no other reply, timer or task could run
 * meanwhile. Reported once per stall, while it lasts.
 *
 * @param loopName  the loop's {@link EventLoop#name()}
 * @param blockedFor how long the turn had lasted when it was seen (at least the threshold)
 * @param threshold the loop's {@link EventLoopOptions#stallThreshold()}
 * @param stack     the loop thread's stack at that moment, innermost frame first: where it is stuck
 */
public record LoopStall(String loopName, Duration blockedFor, Duration threshold, List<StackTraceElement> stack) {

    public LoopStall {
        stack = List.copyOf(stack);
    }

    @Override
    public String toString() {
        return "LoopStall[" + loopName + " busy for " + blockedFor.toMillis() + " ms (threshold " + threshold.toMillis()
                + " ms)" + (stack.isEmpty() ? "" : " at " + stack.get(0)) + "]";
    }
}
