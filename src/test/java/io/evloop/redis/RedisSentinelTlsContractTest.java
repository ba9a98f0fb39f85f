package io.evloop.redis;

import static io.evloop.TestFutures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.TestFutures;
import io.evloop.testkit.Backend;
import io.evloop.testkit.RedisSentinelSetup;
import io.evloop.testkit.TlsCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 * The client through Sentinel with TLS to the sentinels and to the primary, against real
 * processes that speak only TLS to clients and to each other; one thin subclass per loop. Two
 * setups, started once per suite: a primary, a replica and a sentinel whose certificates name
 * {@code localhost} and {@code 127.0.0.1}, the address the sentinel names the nodes by; and a
 * primary and a sentinel whose certificates name only {@code wrong.example}. The failover test
 * runs last: it moves the first setup's primary.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public abstract class RedisSentinelTlsContractTest {

    /** Generous for a first TLS handshake in a cold JVM; what is tested is not how fast. */
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    private static TlsCertificates certificates;
    private static RedisSentinelSetup setup; // certificates for 127.0.0.1
    private static RedisSentinelSetup wrongHost; // certificates for wrong.example only
    private EventLoop loop;
    private final List<RedisClient> clients = new ArrayList<>();

    private final Backend backend;

    protected RedisSentinelTlsContractTest(Backend backend) {
        this.backend = backend;
    }

    protected EventLoop createLoop(EventLoopOptions options) {
        return backend.create(options);
    }

    @BeforeAll
    static void startProcesses() throws Exception {
        certificates = TlsCertificates.generate();
        setup = RedisSentinelSetup.startTls(certificates.serverCertificate(), certificates.serverKey(),
                certificates.caCertificate(), 1, 1);
        wrongHost = RedisSentinelSetup.startTls(certificates.wrongHostServerCertificate(), certificates.serverKey(),
                certificates.caCertificate(), 0, 1);
    }

    @AfterAll
    static void stopProcesses() {
        if (wrongHost != null) {
            wrongHost.close();
        }
        if (setup != null) {
            setup.close();
        }
        if (certificates != null) {
            certificates.close();
        }
    }

    @BeforeEach
    void createTheLoop() {
        loop = createLoop(EventLoopOptions.defaults());
    }

    @AfterEach
    void closeEverything() {
        clients.forEach(RedisClient::close);
        loop.close();
        await(loop.terminationFuture());
    }

    private static RedisTls.Builder trustingTheCa() {
        return RedisTls.builder().trustCertificates(certificates.caCertificate());
    }

    /** Through the sentinels of {@code through}, with {@code sentinelTls} to them and {@code primaryTls} to the primary. */
    private static RedisConfig config(RedisSentinelSetup through, RedisTls sentinelTls, RedisTls primaryTls) {
        RedisConfig parsed = RedisConfig.fromUri(through.uri());
        return parsed.toBuilder()
                .sentinel(parsed.sentinel().toBuilder().tls(sentinelTls).queryTimeout(QUERY_TIMEOUT).build())
                .tls(primaryTls).connectTimeout(CONNECT_TIMEOUT).commandTimeout(Duration.ofSeconds(5)).build();
    }

    private RedisClient connect(RedisConfig config) {
        RedisClient client = await(RedisClient.connect(loop, config));
        clients.add(client);
        return client;
    }

    /** The connect fails within its bounds: the exception. */
    private RedisConnectionException connectFails(RedisConfig config) {
        CompletableFuture<RedisClient> f = RedisClient.connect(loop, config);
        try {
            clients.add(f.get(QUERY_TIMEOUT.plus(CONNECT_TIMEOUT).toMillis() + 10_000, TimeUnit.MILLISECONDS));
            throw new AssertionError("the connect through the sentinels succeeded: " + config);
        } catch (ExecutionException e) {
            return assertInstanceOf(RedisConnectionException.class, e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("the connect through the sentinels did not end within its bounds", e);
        }
    }

    private static void assertContains(String expected, String message) {
        assertTrue(message.contains(expected), "expected '" + expected + "' in: " + message);
    }

    private static int portOf(RedisClient client) {
        String info = await(client.send("INFO", "server")).asString();
        return Integer.parseInt(info.lines().filter(l -> l.startsWith("tcp_port:")).findFirst()
                .orElseThrow().substring("tcp_port:".length()).trim());
    }

    @Test
    @Order(1)
    void connectsThroughTlsSentinelsToATlsPrimaryAndRunsCommands() {
        RedisClient redis = connect(config(setup, trustingTheCa().build(), trustingTheCa().build()));
        // The node the sentinel names, by its TLS port: the only port a client gets from it.
        assertEquals(setup.nodes().get(0).port(), portOf(redis));
        assertEquals(setup.clientPort(setup.nodes().get(0)), setup.primaryPort());
        assertEquals("master", await(redis.send("ROLE")).asList().get(0).asString());
        List<CompletableFuture<Void>> sets = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            sets.add(redis.set("sentinel-tls:" + i, "v" + i));
        }
        sets.forEach(TestFutures::await);
        assertEquals("v99", await(redis.get("sentinel-tls:99")));
        assertEquals(Long.valueOf(100), await(redis.send("DBSIZE")).asLong());
    }

    @Test
    @Order(1)
    void aPubSubConnectionGoesThroughTheTlsSentinelsToTheTlsPrimaryToo() throws Exception {
        RedisConfig config = config(setup, trustingTheCa().build(), trustingTheCa().build());
        try (RedisPubSub pubsub = await(RedisPubSub.connect(loop, config))) {
            CompletableFuture<PubSubMessage> received = new CompletableFuture<>();
            await(pubsub.subscribe(received::complete, "sentinel-tls:news"));
            RedisClient redis = connect(config);
            assertEquals(Long.valueOf(1), await(redis.send("PUBLISH", "sentinel-tls:news", "hello")).asLong());
            assertEquals("hello", received.get(TestFutures.BOUND.toMillis(), TimeUnit.MILLISECONDS).text());
        }
    }

    @Test
    @Order(1)
    void plainClientsOfTlsSentinelsOrATlsPrimaryFailTheConnect() {
        RedisConnectionException plainToSentinels = connectFails(config(setup, null, trustingTheCa().build()));
        assertContains("no sentinel answered where the primary " + RedisSentinelSetup.MASTER_NAME + " is", plainToSentinels.getMessage());
        assertContains("127.0.0.1:" + setup.sentinels().get(0).tlsPort(), plainToSentinels.getMessage());
        assertContains("is it a TLS port? set RedisSentinel.Builder.tls", plainToSentinels.getMessage());

        RedisConnectionException plainToPrimary = connectFails(config(setup, trustingTheCa().build(), null));
        assertContains("primary " + RedisSentinelSetup.MASTER_NAME + " at 127.0.0.1:" + setup.primaryPort(),
                plainToPrimary.getMessage());
        assertContains("is it a TLS port? set RedisConfig.Builder.tls", plainToPrimary.getMessage());
    }

    @Test
    @Order(1)
    void thePrimarysCertificateMustNameTheHostTheSentinelsGiveUnlessToldOtherwise() {
        // The sentinel's certificate holds only wrong.example too: named so, it passes.
        RedisTls toSentinels = trustingTheCa().serverName("wrong.example").build();
        RedisConnectionException mismatch = connectFails(config(wrongHost, toSentinels, trustingTheCa().build()));
        String primary = "127.0.0.1:" + wrongHost.primaryPort() + " (primary " + RedisSentinelSetup.MASTER_NAME + ")";
        assertContains("the TLS certificate of the server at " + primary + " is not for 127.0.0.1", mismatch.getMessage());
        assertContains("RedisTls.Builder.serverName", mismatch.getMessage());

        RedisClient byName = connect(config(wrongHost, toSentinels, trustingTheCa().serverName("wrong.example").build()));
        assertEquals("PONG", await(byName.ping()));
        RedisClient unchecked = connect(config(wrongHost, toSentinels, trustingTheCa().verifyHostName(false).build()));
        assertEquals("PONG", await(unchecked.ping()));

        // serverName replaces the host in the check: the certificate for 127.0.0.1 is not for wrong.example.
        RedisConnectionException otherName = connectFails(config(setup, trustingTheCa().build(),
                trustingTheCa().serverName("wrong.example").build()));
        assertContains("the TLS certificate of the server at 127.0.0.1:" + setup.primaryPort() + " (primary "
                + RedisSentinelSetup.MASTER_NAME + ") is not for wrong.example", otherName.getMessage());
    }

    @Test
    @Order(1)
    void eachSentinelsCertificateMustNameItsConfiguredHostUnlessToldOtherwise() {
        RedisTls toPrimary = trustingTheCa().serverName("wrong.example").build();
        RedisConnectionException mismatch = connectFails(config(wrongHost, trustingTheCa().build(), toPrimary));
        String sentinel = "127.0.0.1:" + wrongHost.sentinels().get(0).tlsPort();
        assertContains("no sentinel answered where the primary " + RedisSentinelSetup.MASTER_NAME + " is", mismatch.getMessage());
        assertContains("the TLS certificate of the server at " + sentinel + " is not for 127.0.0.1", mismatch.getMessage());

        RedisClient unchecked = connect(config(wrongHost, trustingTheCa().verifyHostName(false).build(), toPrimary));
        assertEquals("PONG", await(unchecked.ping()));

        RedisConnectionException untrusted = connectFails(config(setup,
                RedisTls.builder().trustCertificates(certificates.otherCaCertificate()).build(), trustingTheCa().build()));
        assertContains("127.0.0.1:" + setup.sentinels().get(0).tlsPort(), untrusted.getMessage());
        assertContains("is not trusted", untrusted.getMessage());
    }

    @Test
    @Order(2)
    void aFailoverIsFollowedThroughTheSwitchMessageOverTls() throws Exception {
        int before = setup.nodes().get(0).port();
        int after = setup.nodes().get(1).port();
        // Without polls, only the +switch-master message, on its TLS connection to the
        // sentinel, makes the client ask where the primary went.
        LogCapture log = LogCapture.of("io.evloop.redis");
        // Copies of the CA that are gone before any reconnect: the TLS of both sides is resolved once.
        Path toSentinels = certificates.dir().resolve("ca-for-the-sentinels-" + backend + ".pem");
        Path toPrimary = certificates.dir().resolve("ca-for-the-primary-" + backend + ".pem");
        Files.copy(certificates.caCertificate(), toSentinels);
        Files.copy(certificates.caCertificate(), toPrimary);
        try {
            RedisConfig base = config(setup, RedisTls.builder().trustCertificates(toSentinels).build(),
                    RedisTls.builder().trustCertificates(toPrimary).build());
            RedisClient redis = connect(base.toBuilder()
                    .sentinel(base.sentinel().toBuilder().pollInterval(Duration.ZERO).build()).build());
            assertEquals(before, portOf(redis));
            Files.delete(toSentinels);
            Files.delete(toPrimary);

            // The sentinel drops the client's connections: the watch comes back over TLS (and
            // asks where the primary is, on a new query connection), without the files.
            var sentinel = setup.sentinels().get(0);
            assertEquals(Long.valueOf(1), sentinel.admin("CLIENT", "KILL", "TYPE", "pubsub").asLong(), "the watch");
            assertTrue(sentinel.admin("CLIENT", "KILL", "TYPE", "normal").asLong() >= 1, "the query connection kept");
            long resubscribeBy = System.nanoTime() + TestFutures.BOUND.toNanos();
            while (sentinel.admin("CLIENT", "LIST", "TYPE", "pubsub").asString().isEmpty()) {
                assertTrue(System.nanoTime() - resubscribeBy < 0, "the +switch-master watch did not come back within "
                        + TestFutures.BOUND);
                Thread.sleep(20);
            }

            long start = System.nanoTime();
            assertEquals("OK", setup.sentinels().get(0).admin("SENTINEL", "FAILOVER", RedisSentinelSetup.MASTER_NAME).asString());
            long moved = RedisSentinelContractTest.firstWriteOn(redis, after, start);
            assertNotEquals(0, moved, "the client did not follow the failover within " + TestFutures.BOUND
                    + "\n" + setup.sentinels().get(0).log());
            System.out.printf("sentinel failover over TLS on the %s loop: first write on the new primary %d ms after"
                            + " SENTINEL FAILOVER (connections lost %d, reconnects %d)%n", loop.implementation(),
                    TimeUnit.NANOSECONDS.toMillis(moved - start), redis.metrics().connectionsLost(),
                    redis.metrics().reconnects());
            List<String> warnings = log.messages();
            assertTrue(warnings.stream().anyMatch(w -> w.contains("(a failover happened: the sentinels name")), warnings.toString());
            assertEquals(setup.clientPort(setup.nodes().get(1)), setup.primaryPort());
            assertEquals("1", await(redis.get("moved")));
        } finally {
            log.close();
        }
    }
}
