package io.evloop.redis;

import static io.evloop.TestFutures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.EventLoops;
import io.evloop.micrometer.LoopStallMeters;
import io.evloop.micrometer.RedisClientMeters;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a client and a loop tell an operator: latency and slow commands in the metrics, the
 * JFR events, the Micrometer meters. Over a {@link FakeTransport}, so that a reply comes
 * exactly when the test says (the latencies asserted are lower bounds the test itself made).
 */
class ClientObservabilityTest {

    private final EventLoop loop = EventLoops.createJava();

    @AfterEach
    void stopLoop() {
        loop.close();
    }

    private record Connected(RedisClient client, FakeTransport transport) {
    }

    private Connected connect(RedisConfig config) throws Exception {
        FakeTransport.Factory transports = new FakeTransport.Factory(loop);
        CompletableFuture<RedisClient> connecting = RedisClient.connect(loop, config, transports::get);
        FakeTransport t = transports.nextConnect();
        t.connected();
        return new Connected(await(connecting), t);
    }

    private static RedisConfig.Builder config() {
        return RedisConfig.builder().host("127.0.0.1").port(6391);
    }

    /** Sends GETs and answers each after {@code delay}; returns when all are answered. */
    private static void answerEachAfter(Connected c, int count, Duration delay) throws Exception {
        List<CompletableFuture<Reply>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            futures.add(c.client().send(RespEncoder.utf8("GET", "k" + i)));
        }
        for (int i = 0; i < count; i++) {
            c.transport().nextCommand();
        }
        Thread.sleep(delay.toMillis());
        for (int i = 0; i < count; i++) {
            c.transport().reply(Reply.NIL);
        }
        futures.forEach(f -> await(f));
    }

    @Test
    void latencyAndSlowCommandsAreInTheMetrics() throws Exception {
        Connected c = connect(config().slowCommandThreshold(Duration.ofMillis(20)).build());
        assertEquals(CommandLatency.NONE, c.client().metrics().latency());
        answerEachAfter(c, 10, Duration.ofMillis(60));
        RedisClientMetrics m = c.client().metrics();
        assertEquals(10, m.latency().count());
        assertEquals(10, m.slowCommands());
        assertTrue(m.latency().p50().compareTo(Duration.ofMillis(55)) >= 0, m.toString()); // 2 significant digits
        assertTrue(m.latency().max().compareTo(m.latency().p50()) >= 0, m.toString());
        assertTrue(m.toString().contains("10 slow"), m.toString());
        c.client().close();
    }

    @Test
    void aZeroThresholdCountsNoCommandAsSlow() throws Exception {
        Connected c = connect(config().slowCommandThreshold(Duration.ZERO).build());
        answerEachAfter(c, 3, Duration.ofMillis(30));
        assertEquals(0, c.client().metrics().slowCommands());
        assertEquals(3, c.client().metrics().latency().count());
        c.client().close();
    }

    @Test
    void slowCommandsAndLoopStallsAreFlightRecorderEvents() throws Exception {
        Path file = Files.createTempFile("evloop-events", ".jfr");
        try (Recording recording = new Recording();
             EventLoop stalling = EventLoops.createJava(EventLoopOptions.defaults().withStallThreshold(Duration.ofMillis(50)))) {
            recording.enable("io.evloop.SlowCommand");
            recording.enable("io.evloop.LoopStall");
            recording.start();
            Connected c = connect(config().slowCommandThreshold(Duration.ofMillis(10)).build());
            answerEachAfter(c, 1, Duration.ofMillis(40));
            CountDownLatch stalled = new CountDownLatch(1);
            stalling.post(() -> {
                sleep(400); // blocks the loop past its threshold
                stalled.countDown();
            });
            assertTrue(stalled.await(10, TimeUnit.SECONDS));
            c.client().close();
            recording.stop();
            recording.dump(file);
            List<RecordedEvent> events = RecordingFile.readAllEvents(file);
            RecordedEvent slow = events.stream().filter(e -> e.getEventType().getName().equals("io.evloop.SlowCommand"))
                    .findFirst().orElseThrow(() -> new AssertionError("no SlowCommand event in " + events));
            assertEquals("GET", slow.getString("command"));
            assertEquals("127.0.0.1:6391", slow.getString("endpoint"));
            assertTrue(slow.getDuration("latency").compareTo(Duration.ofMillis(35)) >= 0, slow.toString());
            RecordedEvent stall = events.stream().filter(e -> e.getEventType().getName().equals("io.evloop.LoopStall"))
                    .findFirst().orElseThrow(() -> new AssertionError("no LoopStall event in " + events));
            assertEquals(stalling.name(), stall.getString("loop"));
            assertEquals(Duration.ofMillis(50), stall.getDuration("threshold"));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void micrometerMetersReadTheClientAndTheStalls() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Connected c = connect(config().build());
        new RedisClientMeters(c.client(), Tag.of("service", "test")).bindTo(registry);
        answerEachAfter(c, 5, Duration.ofMillis(5));
        assertEquals(5.0, registry.get("evloop.redis.commands").tag("service", "test").tag("endpoint", "127.0.0.1:6391")
                .functionCounter().count());
        assertEquals(5.0, registry.get("evloop.redis.replies").functionCounter().count());
        assertEquals(0.0, registry.get("evloop.redis.in.flight").gauge().value());
        TimeGauge max = registry.get("evloop.redis.latency").tag("quantile", "1.0").timeGauge();
        assertTrue(max.value(TimeUnit.MILLISECONDS) >= 4.5, "max latency " + max.value(TimeUnit.MILLISECONDS));
        c.client().close();

        try (EventLoop stalling = EventLoops.createJava(EventLoopOptions.defaults().withStallThreshold(Duration.ofMillis(50))
                .withStallListener(new LoopStallMeters(registry)))) {
            CountDownLatch stalled = new CountDownLatch(1);
            stalling.post(() -> {
                sleep(400);
                stalled.countDown();
            });
            assertTrue(stalled.await(10, TimeUnit.SECONDS));
            Timer stalls = registry.get("evloop.loop.stalls").tag("loop", stalling.name()).timer();
            assertEquals(1, stalls.count());
            assertTrue(stalls.totalTime(TimeUnit.MILLISECONDS) >= 50);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
