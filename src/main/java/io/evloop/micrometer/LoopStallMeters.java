package io.evloop.micrometer;

import io.evloop.LoopStall;
import io.evloop.StallListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Objects;

/**
 * A {@link StallListener} that records each stall of an event loop in a Micrometer timer,
 * {@code evloop.loop.stalls}, tagged with the loop's name: pass it to
 * {@code EventLoopOptions.defaults().withStallListener(new LoopStallMeters(registry))}. The count is
 * the number of stalls, the time how long each had kept the loop when it was reported.
 */
public final class LoopStallMeters implements StallListener {

    private final MeterRegistry registry;
    private final Tags tags;

    public LoopStallMeters(MeterRegistry registry, Tag... tags) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tags = Tags.of(tags);
    }

    @Override
    public void onStall(LoopStall stall) {
        Timer.builder("evloop.loop.stalls")
                .description("turns of an event loop that ran past its stall threshold")
                .tags(tags).tag("loop", stall.loopName())
                .register(registry)
                .record(stall.blockedFor());
    }
}
