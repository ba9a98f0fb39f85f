package io.evloop.micrometer;

import io.evloop.redis.RedisClient;
import io.evloop.redis.RedisClientMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Publishes a {@link RedisClient}'s {@link RedisClientMetrics} to a Micrometer registry:
 * {@code new RedisClientMeters(client).bindTo(registry)}. Every meter is tagged with the
 * client's endpoint and the tags given; the registry reads the client when it publishes, so
 * binding costs the client nothing per command.
 *
 * <ul>
 *   <li>counters {@code evloop.redis.commands}, {@code .replies}, {@code .errors},
 *       {@code .timeouts}, {@code .connections.lost}, {@code .reconnects}, {@code .slow};</li>
 *   <li>gauge {@code evloop.redis.in.flight};</li>
 *   <li>time gauges {@code evloop.redis.latency} with tag {@code quantile} 0.5, 0.9, 0.99, 0.999
 *       and 1.0 (the maximum), over the client's life (see {@link io.evloop.redis.CommandLatency}).</li>
 * </ul>
 */
public final class RedisClientMeters implements MeterBinder {

    private final RedisClient client;
    private final Tags tags;

    public RedisClientMeters(RedisClient client, Tag... tags) {
        this(client, Tags.of(tags));
    }

    public RedisClientMeters(RedisClient client, Iterable<Tag> tags) {
        this.client = Objects.requireNonNull(client, "client");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags")).and("endpoint", client.config().endpoint());
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        counter(registry, "evloop.redis.commands", "commands written to the connection", RedisClientMetrics::commandsWritten);
        counter(registry, "evloop.redis.replies", "replies received, error replies included", RedisClientMetrics::replies);
        counter(registry, "evloop.redis.errors", "error replies", RedisClientMetrics::errorReplies);
        counter(registry, "evloop.redis.timeouts", "commands that timed out", RedisClientMetrics::timeouts);
        counter(registry, "evloop.redis.connections.lost", "connections that ended under the client", RedisClientMetrics::connectionsLost);
        counter(registry, "evloop.redis.reconnects", "reconnections that succeeded", RedisClientMetrics::reconnects);
        counter(registry, "evloop.redis.slow", "replies slower than the slow-command threshold", RedisClientMetrics::slowCommands);
        counter(registry, "evloop.redis.pushes", "push messages received", RedisClientMetrics::pushes);
        Gauge.builder("evloop.redis.in.flight", client, RedisClient::inFlight)
                .description("commands accepted and not yet answered or failed").tags(tags).register(registry);
        latency(registry, "0.5", l -> l.p50());
        latency(registry, "0.9", l -> l.p90());
        latency(registry, "0.99", l -> l.p99());
        latency(registry, "0.999", l -> l.p999());
        latency(registry, "1.0", l -> l.max());
    }

    private void counter(MeterRegistry registry, String name, String description, ToDoubleFunction<RedisClientMetrics> count) {
        FunctionCounter.builder(name, client, c -> count.applyAsDouble(c.metrics()))
                .description(description).tags(tags).register(registry);
    }

    private void latency(MeterRegistry registry, String quantile, Function<io.evloop.redis.CommandLatency, Duration> value) {
        TimeGauge.builder("evloop.redis.latency", client, TimeUnit.NANOSECONDS,
                        c -> value.apply(c.metrics().latency()).toNanos())
                .description("command latency over the client's life, by quantile").tags(tags).tag("quantile", quantile)
                .register(registry);
    }
}
