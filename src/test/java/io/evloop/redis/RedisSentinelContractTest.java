package io.evloop.redis;

import static io.evloop.TestFutures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.TestFutures;
import io.evloop.testkit.Backend;
import io.evloop.testkit.RedisSentinelSetup;
import io.evloop.testkit.RedisServerProcess;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The client through Sentinel against real processes: a primary, a replica and three
 * sentinels on loopback, started once per suite; one thin subclass per loop. The failover
 * test runs last: it kills the primary.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public abstract class RedisSentinelContractTest {

    private static RedisSentinelSetup setup;
    private EventLoop loop;
    private RedisClient redis;

    private final Backend backend;

    protected RedisSentinelContractTest(Backend backend) {
        this.backend = backend;
    }

    protected EventLoop createLoop(EventLoopOptions options) {
        return backend.create(options);
    }

    @BeforeAll
    static void startProcesses() throws Exception {
        setup = RedisSentinelSetup.start(1, 3);
    }

    @AfterAll
    static void stopProcesses() {
        if (setup != null) {
            setup.close();
        }
    }

    @BeforeEach
    void createTheLoop() {
        loop = createLoop(EventLoopOptions.defaults());
    }

    @AfterEach
    void closeEverything() {
        if (redis != null) {
            redis.close();
        }
        loop.close();
        await(loop.terminationFuture());
    }

    private static int portOf(RedisClient client) {
        String info = await(client.send("INFO", "server")).asString();
        return Integer.parseInt(info.lines().filter(l -> l.startsWith("tcp_port:")).findFirst()
                .orElseThrow().substring("tcp_port:".length()).trim());
    }

    @Test
    @Order(1)
    void connectsToThePrimaryTheSentinelsName() {
        redis = await(RedisClient.connect(loop, setup.uri() + "/0"));
        assertEquals(setup.nodes().get(0).port(), portOf(redis));
        assertEquals("master", await(redis.send("ROLE")).asList().get(0).asString());
        await(redis.set("sentinel:k", "v"));
        assertEquals("v", await(redis.get("sentinel:k")));
    }

    @Test
    @Order(2)
    void aNameTheSentinelsDoNotMonitorFailsTheConnectNamingEachSentinel() {
        RedisConfig config = RedisConfig.fromUri(setup.uri().replace("/" + RedisSentinelSetup.MASTER_NAME, "/nosuch"));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> RedisClient.connect(loop, config).get(30, TimeUnit.SECONDS));
        RedisConnectionException cause = assertInstanceOf(RedisConnectionException.class, e.getCause());
        for (var sentinel : setup.sentinels()) {
            assertTrue(cause.getMessage().contains("127.0.0.1:" + sentinel.port() + ": it does not know a primary named nosuch"),
                    cause.getMessage());
        }
    }

    @Test
    @Order(3)
    void aFailoverThatLeavesTheOldPrimaryUpIsFollowedByPollingTheSentinels() throws Exception {
        followAFailover(RedisSentinel.DEFAULT_POLL_INTERVAL, "polling and +switch-master");
    }

    @Test
    @Order(3)
    void withoutPollsTheSentinelsSwitchMessageAloneIsFollowed() throws Exception {
        followAFailover(Duration.ZERO, "+switch-master only");
    }

    private void followAFailover(Duration pollInterval, String how) throws Exception {
        // Its own processes: the suite's primary is killed in the last test, and a sentinel
        // does not fail the same primary over again within twice the failover timeout.
        try (RedisSentinelSetup own = RedisSentinelSetup.start(1, 3)) {
            int before = own.nodes().get(0).port();
            int after = own.nodes().get(1).port();
            // What closed the connection: the client's own finding that the primary moved, not
            // the old primary dropping its clients (which it does many seconds later).
            List<String> warnings;
            try (LogCapture log = LogCapture.of("io.evloop.redis")) {
                RedisConfig base = RedisConfig.fromUri(own.uri());
                redis = await(RedisClient.connect(loop, base.toBuilder()
                        .sentinel(base.sentinel().toBuilder().pollInterval(pollInterval).build())
                        .commandTimeout(Duration.ofSeconds(2)).build()));
                assertEquals(before, portOf(redis));

                long start = System.nanoTime();
                assertEquals("OK", own.sentinels().get(0).admin("SENTINEL", "FAILOVER", RedisSentinelSetup.MASTER_NAME).asString());
                // The old primary stays up and, until a sentinel turns it into a replica, even takes
                // writes: only asking the sentinels tells the client that the primary moved.
                long moved = firstWriteOn(redis, after, start);
                assertNotEquals(0, moved, "the client did not follow the failover within " + TestFutures.BOUND);
                System.out.printf("sentinel manual failover on the %s loop, %s: first write on the new primary %d ms after"
                                + " SENTINEL FAILOVER (connections lost %d, reconnects %d)%n", loop.implementation(), how,
                        TimeUnit.NANOSECONDS.toMillis(moved - start), redis.metrics().connectionsLost(),
                        redis.metrics().reconnects());
                warnings = log.messages();
            }
            assertTrue(warnings.stream().anyMatch(w -> w.contains("(a failover happened: the sentinels name")), warnings.toString());
            assertEquals(after, own.primaryPort());
            assertTrue(redis.metrics().connectionsLost() >= 1, redis.metrics().toString());
            assertTrue(redis.metrics().reconnects() >= 1, redis.metrics().toString());
            redis.close();
            redis = null;
        }
    }

    @Test
    @Order(4)
    void writesResumeOnThePromotedReplicaAfterThePrimaryIsKilled() throws Exception {
        RedisServerProcess primary = setup.nodes().get(0);
        RedisServerProcess replica = setup.nodes().get(1);
        redis = await(RedisClient.connect(loop, RedisConfig.fromUri(setup.uri()).toBuilder()
                .commandTimeout(Duration.ofSeconds(2)).build()));
        assertEquals(primary.port(), portOf(redis));
        await(redis.set("failover:before", "1"));

        long killed = System.nanoTime();
        primary.kill();
        long deadline = killed + TestFutures.BOUND.toNanos();
        long firstWrite = 0;
        String lastError = "none";
        while (System.nanoTime() - deadline < 0) {
            CompletableFuture<Reply> write = redis.send(Duration.ofSeconds(1), "SET", "failover:after", "1");
            try {
                write.get(5, TimeUnit.SECONDS);
                firstWrite = System.nanoTime();
                break;
            } catch (ExecutionException notYet) {
                lastError = notYet.getCause().toString();
                Thread.sleep(10);
            }
        }
        assertNotEquals(0, firstWrite, "no write succeeded within " + TestFutures.BOUND + " of the kill; last error: "
                + lastError + "\n" + setup.sentinels().get(0).log());
        System.out.printf("sentinel failover on the %s loop: first write %d ms after the primary was killed"
                        + " (connections lost %d, reconnects %d)%n", loop.implementation(),
                TimeUnit.NANOSECONDS.toMillis(firstWrite - killed), redis.metrics().connectionsLost(),
                redis.metrics().reconnects());
        assertEquals(replica.port(), portOf(redis), "the promoted replica");
        assertEquals(replica.port(), setup.primaryPort());
        assertEquals("1", await(redis.get("failover:before")), "replicated before the kill");
        assertTrue(redis.metrics().connectionsLost() >= 1, redis.metrics().toString());
        assertTrue(redis.metrics().reconnects() >= 1, redis.metrics().toString());
    }

    /**
     * When the client's first write reached the node listening on {@code port} (a primary's
     * client port, as its INFO names it), asking from {@code start} for at most
     * {@link TestFutures#BOUND}; 0 if it never did.
     */
    static long firstWriteOn(RedisClient redis, int port, long start) throws InterruptedException, TimeoutException {
        long deadline = start + TestFutures.BOUND.toNanos();
        while (System.nanoTime() - deadline < 0) {
            try {
                String info = redis.send(Duration.ofSeconds(1), "INFO", "server").get(5, TimeUnit.SECONDS).asString();
                if (info.contains("tcp_port:" + port + "\r\n")) {
                    redis.send(Duration.ofSeconds(1), "SET", "moved", "1").get(5, TimeUnit.SECONDS);
                    return System.nanoTime();
                }
            } catch (ExecutionException notYet) {
                // the connection was closed as lost, or the node is a replica by now
            }
            Thread.sleep(10);
        }
        return 0;
    }
}
