package io.evloop.redis;

import static io.evloop.TestFutures.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.TestFutures;
import io.evloop.redis.cluster.RedisClusterClient;
import io.evloop.redis.cluster.RedisClusterConfig;
import io.evloop.testkit.Backend;
import io.evloop.testkit.BlockingRedisClient;
import io.evloop.testkit.RedisClusterProcess;
import io.evloop.testkit.RedisServerProcess;
import io.evloop.testkit.TlsCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TLS, against redis-server's own TLS ports with certificates made for the suite
 * ({@link TlsCertificates}); one thin subclass per loop. What the native loop does without
 * OpenSSL is {@code NativeTlsTransportTest}'s.
 */
public abstract class TlsContractTest {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    private static TlsCertificates certificates;
    private static RedisServerProcess server; // TLS, no client certificate asked for
    protected EventLoop loop;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    private final Backend backend;

    protected TlsContractTest(Backend backend) {
        this.backend = backend;
    }

    protected EventLoop createLoop(EventLoopOptions options) {
        return backend.create(options);
    }

    @BeforeAll
    static void makeCertificatesAndServer() throws IOException {
        certificates = TlsCertificates.generate();
        server = RedisServerProcess.startTls(certificates.serverCertificate(), certificates.serverKey(),
                certificates.caCertificate(), false);
    }

    @AfterAll
    static void removeThem() {
        if (server != null) {
            server.close();
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
    void closeEverything() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        loop.close();
        await(loop.terminationFuture());
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        toClose.add(resource);
        return resource;
    }

    /** Trusts the suite's CA. */
    private static RedisTls.Builder trustingTheCa() {
        return RedisTls.builder().trustCertificates(certificates.caCertificate());
    }

    private static RedisConfig.Builder config(String host, int port, RedisTls tls) {
        return RedisConfig.builder().host(host).port(port).tls(tls).connectTimeout(CONNECT_TIMEOUT);
    }

    private RedisClient connect(RedisConfig config) {
        return closeLater(await(RedisClient.connect(loop, config)));
    }

    /** The connect fails: the exception, which must name the endpoint. */
    private RedisConnectionException connectFails(RedisConfig config) {
        CompletableFuture<RedisClient> f = RedisClient.connect(loop, config);
        try {
            RedisClient unexpected = f.get(CONNECT_TIMEOUT.toMillis() + 10_000, TimeUnit.MILLISECONDS);
            unexpected.close();
            throw new AssertionError("the connect to " + config.endpoint() + " succeeded");
        } catch (ExecutionException e) {
            RedisConnectionException c = assertInstanceOf(RedisConnectionException.class, e.getCause());
            assertTrue(c.getMessage().contains(config.endpoint()), c.getMessage());
            return c;
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("the connect to " + config.endpoint() + " did not end within the connect timeout", e);
        }
    }

    private static void assertContains(String expected, String message) {
        assertTrue(message.contains(expected), "expected '" + expected + "' in: " + message);
    }

    private static String key(String name) {
        return "tls:" + name + ":" + System.nanoTime();
    }

    // ---- what works ---------------------------------------------------------------------

    @Test
    void roundTripsAndAThousandPipelinedCommandsOverTls() {
        RedisClient redis = connect(config("localhost", server.tlsPort(), trustingTheCa().build()).build());
        String k = key("rt");
        await(redis.set(k, "v1"));
        assertEquals("v1", await(redis.get(k)));
        String counter = key("counter");
        List<CompletableFuture<Long>> incrs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            incrs.add(redis.incr(counter));
        }
        for (int i = 0; i < 1000; i++) {
            assertEquals(i + 1, await(incrs.get(i)), "reply " + i);
        }
        // Larger than many TLS records both ways, and than the socket buffers: partial writes,
        // records cut by reads, plaintext that does not fit the buffer at once.
        byte[] big = new byte[5 * 1024 * 1024 + 13];
        new Random(7).nextBytes(big);
        byte[] bigKey = key("big").getBytes(StandardCharsets.UTF_8);
        List<CompletableFuture<byte[]>> gets = new ArrayList<>();
        await(redis.set(bigKey, big));
        for (int i = 0; i < 4; i++) {
            gets.add(redis.get(bigKey));
        }
        for (CompletableFuture<byte[]> g : gets) {
            assertArrayEquals(big, await(g));
        }
        assertEquals("PONG", await(redis.ping()));
    }

    @Test
    void rediss_uriWithTheCaInATrustStoreGiven() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("ca", readCertificate(certificates.caCertificate()));
        RedisConfig uri = RedisConfig.fromUri("rediss://localhost:" + server.tlsPort());
        RedisClient redis = connect(uri.toBuilder().tls(RedisTls.builder().trustStore(store).build()).build());
        assertEquals("PONG", await(redis.ping()));
    }

    @Test
    void theJvmsDefaultTrustStoreIsUsedByDefault() throws Exception {
        // This JVM's default store (the JDK's cacerts) does not hold the suite's CA: refused.
        RedisConnectionException untrusted = connectFails(RedisConfig.fromUri("rediss://localhost:" + server.tlsPort())
                .toBuilder().connectTimeout(CONNECT_TIMEOUT).build());
        assertContains("is not trusted", untrusted.getMessage());
        assertContains("JVM's default trust store", untrusted.getMessage());
        // A JVM whose default store is one holding the CA (javax.net.ssl.trustStore, read on
        // first use, so in a JVM of its own) connects with a bare rediss:// URI.
        Path store = certificates.dir().resolve("default-trust.p12");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", readCertificate(certificates.caCertificate()));
        try (OutputStream out = Files.newOutputStream(store)) {
            ks.store(out, "changeit".toCharArray());
        }
        String output = runJava(List.of("-Djavax.net.ssl.trustStore=" + store,
                "-Djavax.net.ssl.trustStorePassword=changeit", "-Djavax.net.ssl.trustStoreType=PKCS12"),
                TlsTrustProbe.class.getName(), loop.implementation(), "rediss://localhost:" + server.tlsPort());
        assertContains("PONG", output);
    }

    @Test
    void hostNamesAndAddressesAreCheckedAgainstTheCertificate() throws IOException {
        // DNS:localhost and IP:127.0.0.1 are both in the certificate.
        assertEquals("PONG", await(connect(config("localhost", server.tlsPort(), trustingTheCa().build()).build()).ping()));
        assertEquals("PONG", await(connect(config("127.0.0.1", server.tlsPort(), trustingTheCa().build()).build()).ping()));
        try (RedisServerProcess wrongHost = RedisServerProcess.startTls(certificates.wrongHostServerCertificate(),
                certificates.serverKey(), certificates.caCertificate(), false)) {
            RedisConnectionException byName = connectFails(config("localhost", wrongHost.tlsPort(), trustingTheCa().build()).build());
            assertContains("is not for localhost", byName.getMessage());
            assertContains("serverName", byName.getMessage());
            RedisConnectionException byAddress = connectFails(config("127.0.0.1", wrongHost.tlsPort(), trustingTheCa().build()).build());
            assertContains("is not for 127.0.0.1", byAddress.getMessage());
            // The name the certificate holds, given as serverName (SNI and the check), or no check.
            assertEquals("PONG", await(connect(config("127.0.0.1", wrongHost.tlsPort(),
                    trustingTheCa().serverName("wrong.example").build()).build()).ping()));
            assertEquals("PONG", await(connect(config("localhost", wrongHost.tlsPort(),
                    trustingTheCa().verifyHostName(false).build()).build()).ping()));
            // serverName replaces the host in the check: the certificate for localhost is
            // refused when the name asked for is another.
            RedisConnectionException other = connectFails(config("localhost", server.tlsPort(),
                    trustingTheCa().serverName("wrong.example").build()).build());
            assertContains("is not for wrong.example", other.getMessage());
        }
    }

    @Test
    void bothProtocolVersionsWork() {
        for (String version : RedisTls.DEFAULT_PROTOCOLS) {
            RedisClient redis = connect(config("localhost", server.tlsPort(), trustingTheCa().protocols(version).build()).build());
            assertEquals("PONG", await(redis.ping()), version);
        }
    }

    @Test
    void mutualTlsWithAPemKeyOrAKeyStoreAndWithout() throws Exception {
        try (RedisServerProcess mtls = RedisServerProcess.startTls(certificates.serverCertificate(),
                certificates.serverKey(), certificates.caCertificate(), true)) {
            RedisClient pem = connect(config("localhost", mtls.tlsPort(), trustingTheCa()
                    .clientCertificate(certificates.clientCertificate(), certificates.clientKey()).build()).build());
            assertEquals("PONG", await(pem.ping()));
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(certificates.clientKeyStore())) {
                keys.load(in, TlsCertificates.KEY_STORE_PASSWORD.toCharArray());
            }
            RedisClient fromStore = connect(config("localhost", mtls.tlsPort(), trustingTheCa()
                    .keyStore(keys, TlsCertificates.KEY_STORE_PASSWORD.toCharArray()).build()).build());
            assertEquals("PONG", await(fromStore.ping()));
            for (String version : RedisTls.DEFAULT_PROTOCOLS) {
                RedisConnectionException without = connectFails(config("localhost", mtls.tlsPort(),
                        trustingTheCa().protocols(version).build()).build());
                assertContains("client certificate", without.getMessage());
                assertContains("RedisTls.Builder.clientCertificate", without.getMessage());
            }
        }
    }

    @Test
    void reconnectsOverTlsAfterClientKillWithoutReadingTheFilesAgain() throws Exception {
        // A copy of the CA that is gone before the reconnect: the TLS material is resolved once.
        Path ca = certificates.dir().resolve("ca-for-reconnect.pem");
        Files.copy(certificates.caCertificate(), ca);
        RedisClient redis = connect(config("localhost", server.tlsPort(), RedisTls.builder().trustCertificates(ca).build())
                .clientName("tls-victim")
                .reconnectPolicy(new ReconnectPolicy(true, Duration.ofMillis(20), Duration.ofMillis(200))).build());
        String k = key("reconnect");
        await(redis.set(k, "before"));
        Files.delete(ca);
        long killed = admin(server, "CLIENT", "KILL", "USER", "default", "SKIPME", "yes").asLong();
        assertTrue(killed >= 1, "killed " + killed);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (redis.metrics().reconnects() == 0) {
            if (System.nanoTime() > deadline) {
                fail("no reconnect within 20 s: " + redis.metrics());
            }
            redis.ping(); // notices the loss at once, whatever it fails with
            Thread.sleep(20);
        }
        assertEquals("before", await(redis.get(k)));
        assertEquals("tls-victim", await(redis.send("CLIENT", "GETNAME")).asString());
    }

    // ---- what fails, and how ------------------------------------------------------------

    @Test
    void anUntrustedCertificateFailsTheConnect() {
        RedisConnectionException e = connectFails(config("localhost", server.tlsPort(),
                RedisTls.builder().trustCertificates(certificates.otherCaCertificate()).build()).build());
        assertContains("is not trusted", e.getMessage());
        assertContains(certificates.otherCaCertificate().toString(), e.getMessage());
    }

    @Test
    void anExpiredCertificateFailsTheConnect() throws IOException {
        try (RedisServerProcess expired = RedisServerProcess.startTls(certificates.expiredServerCertificate(),
                certificates.serverKey(), certificates.caCertificate(), false)) {
            RedisConnectionException e = connectFails(config("localhost", expired.tlsPort(), trustingTheCa().build()).build());
            assertContains("has expired", e.getMessage());
        }
    }

    @Test
    void aTlsClientOnAPlainPortIsToldItIsNotATlsPort() throws IOException {
        // The plain port of the suite's server: it takes the ClientHello for an inline command
        // and answers with an error, closes, or waits for the rest of a line that never comes.
        RedisConnectionException e = connectFails(config("localhost", server.port(), trustingTheCa().build()).build());
        assertContains("did not answer the TLS handshake: is it a TLS port?", e.getMessage());
        // Each of those for sure: a plain server that answers with a RESP error, one that
        // closes, one that never answers.
        for (String answer : new String[] {"-ERR unknown command\r\n", "", null}) {
            try (ServerSocket plain = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
                Thread peer = new Thread(() -> {
                    try (Socket s = plain.accept()) {
                        s.getInputStream().read(new byte[16 * 1024]); // the ClientHello
                        if (answer == null) {
                            s.getInputStream().read(); // until the client gives up
                            return;
                        }
                        s.getOutputStream().write(answer.getBytes(StandardCharsets.US_ASCII));
                        s.getOutputStream().flush();
                    } catch (IOException ignored) {
                        // the client went first
                    }
                }, "plain-peer");
                peer.setDaemon(true);
                peer.start();
                RedisConnectionException fromPeer = connectFails(config("127.0.0.1", plain.getLocalPort(),
                        trustingTheCa().build()).connectTimeout(Duration.ofMillis(500)).build());
                assertContains("did not answer the TLS handshake: is it a TLS port?", fromPeer.getMessage());
                TestFutures.join(peer);
            }
        }
    }

    @Test
    void aPlainClientOnATlsPortIsToldToUseRediss() {
        // With a handshake (CLIENT SETNAME) the connect fails; without one it succeeds (TCP
        // connects) and the first command fails.
        RedisConnectionException withHandshake = connectFails(RedisConfig.builder().host("localhost")
                .port(server.tlsPort()).clientName("plain").connectTimeout(CONNECT_TIMEOUT).build());
        assertContains("is it a TLS port? use rediss://", withHandshake.getMessage());
        CompletableFuture<RedisClient> bare = RedisClient.connect(loop, RedisConfig.builder().host("localhost")
                .port(server.tlsPort()).connectTimeout(CONNECT_TIMEOUT).build());
        try {
            RedisClient client = closeLater(bare.get(CONNECT_TIMEOUT.toMillis() + 10_000, TimeUnit.MILLISECONDS));
            ExecutionException first = assertThrows(ExecutionException.class,
                    () -> client.ping().get(CONNECT_TIMEOUT.toMillis() + 10_000, TimeUnit.MILLISECONDS));
            assertContains("is it a TLS port? use rediss://", first.getCause().getMessage());
        } catch (ExecutionException connectFailed) {
            assertContains("is it a TLS port? use rediss://", connectFailed.getCause().getMessage());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void badTlsInputFailsAtTheCallWithTheMessageNamingTheFile() throws IOException {
        Path garbage = certificates.dir().resolve("not-a-certificate.pem");
        Files.writeString(garbage, "this is not PEM\n");
        RedisConfig badCa = config("localhost", server.tlsPort(), RedisTls.builder().trustCertificates(garbage).build()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisClient.connect(loop, badCa));
        assertContains(garbage.toString(), e.getMessage());
        Path traditionalKey = certificates.dir().resolve("traditional.key");
        Files.writeString(traditionalKey, "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        RedisConfig badKey = config("localhost", server.tlsPort(), trustingTheCa()
                .clientCertificate(certificates.clientCertificate(), traditionalKey).build()).build();
        IllegalArgumentException key = assertThrows(IllegalArgumentException.class, () -> RedisClient.connect(loop, badKey));
        assertContains("PKCS#8", key.getMessage());
        assertContains(traditionalKey.toString(), key.getMessage());
        RedisClusterConfig cluster = RedisClusterConfig.fromUris("rediss://127.0.0.1:" + server.tlsPort()).withNode(badKey);
        assertThrows(IllegalArgumentException.class, () -> RedisClusterClient.connect(loop, cluster));
    }

    // ---- the cluster client ---------------------------------------------------------------

    @Test
    void theClusterClientSpeaksTlsToEveryNodeAndChecksTheirAddresses() throws Exception {
        try (RedisClusterProcess cluster = RedisClusterProcess.startTls(3, 0, certificates)) {
            RedisClusterConfig base = RedisClusterConfig.fromUris(cluster.tlsSeedUris());
            RedisClusterConfig config = base.withNode(base.node().toBuilder().tls(trustingTheCa().build())
                    .connectTimeout(CONNECT_TIMEOUT).build());
            RedisClusterClient redis = closeLater(await(RedisClusterClient.connect(loop, config)));
            assertEquals(3, redis.masters().size(), redis.masters().toString());
            for (String master : redis.masters()) {
                int port = Integer.parseInt(master.substring(master.lastIndexOf(':') + 1));
                assertEquals(port, cluster.node(port).tlsPort(), "the slot map names the TLS ports: " + master);
            }
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                writes.add(redis.set("tls-spread:" + i, "v" + i));
            }
            writes.forEach(w -> await(w));
            for (int i = 0; i < 300; i++) {
                assertEquals("v" + i, await(redis.get("tls-spread:" + i)));
            }
            // Trusting another CA, the seeds' certificates are refused.
            RedisClusterConfig untrusted = base.withNode(base.node().toBuilder()
                    .tls(RedisTls.builder().trustCertificates(certificates.otherCaCertificate()).build())
                    .connectTimeout(CONNECT_TIMEOUT).build());
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> RedisClusterClient.connect(loop, untrusted).get(30, TimeUnit.SECONDS));
            assertNotNull(e.getCause());
            assertContains("is not trusted", String.valueOf(e.getCause().getMessage()) + causes(e.getCause()));
        }
    }

    @Test
    void clusterSeedsOfMixedSchemesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RedisClusterConfig.fromUris("rediss://127.0.0.1:7000", "redis://127.0.0.1:7001"));
        assertContains("rediss://", e.getMessage());
    }

    // ---- helpers ------------------------------------------------------------------------

    private static String causes(Throwable t) {
        StringBuilder out = new StringBuilder();
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            out.append(" / ").append(c.getMessage());
        }
        return out.toString();
    }

    private static Reply admin(RedisServerProcess server, String... argv) {
        try (BlockingRedisClient admin = BlockingRedisClient.open("127.0.0.1", server.port(),
                Duration.ofSeconds(5), Duration.ofSeconds(10))) {
            return admin.call(BlockingRedisClient.utf8(argv));
        }
    }

    private static Certificate readCertificate(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** Runs {@code mainClass} in a JVM of its own with this test's class path; its output, after exit 0. */
    private static String runJava(List<String> jvmOptions, String mainClass, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            p.getOutputStream().close();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "(output unreadable: " + e + ")";
                }
            });
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError(mainClass + " did not exit within 60 s");
            }
            String text = output.get(10, TimeUnit.SECONDS);
            assertEquals(0, p.exitValue(), mainClass + " failed: " + text);
            return text;
        } finally {
            p.destroyForcibly();
        }
    }
}
