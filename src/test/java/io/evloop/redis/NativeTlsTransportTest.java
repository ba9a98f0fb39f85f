package io.evloop.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.EventLoop;
import io.evloop.EventLoops;
import io.evloop.testkit.NativeRequirement;
import io.evloop.testkit.RedisServerProcess;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native loop's TLS transport against a redis-server with a TLS port, certificates made
 * with the openssl command for the test: what the TLS layer does from Java (the trust material
 * of {@link TlsMaterial} handed over as PEM, the name check, mTLS) and the refusals it turns
 * into connect failures. The contract both loops share lives in the TLS contract suite; this
 * covers the native path on its own.
 */
class NativeTlsTransportTest {

    @TempDir
    static Path certs;

    private static RedisServerProcess server;
    private static RedisServerProcess mtlsServer;
    private static int tlsPort;
    private static int mtlsPort;
    private EventLoop loop;

    @BeforeAll
    static void start() throws Exception {
        NativeRequirement.check();
        makeCertificates(certs);
        tlsPort = RedisServerProcess.freePort();
        server = RedisServerProcess.start(tlsArgs(tlsPort, "no"));
        mtlsPort = RedisServerProcess.freePort();
        mtlsServer = RedisServerProcess.start(tlsArgs(mtlsPort, "yes"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (mtlsServer != null) {
            mtlsServer.close();
        }
    }

    @BeforeEach
    void createLoop() {
        loop = EventLoops.createNative();
    }

    @AfterEach
    void closeLoop() throws Exception {
        loop.close();
        loop.terminationFuture().get(10, TimeUnit.SECONDS);
    }

    private static String[] tlsArgs(int port, String authClients) {
        return new String[] {"--tls-port", String.valueOf(port), "--tls-cert-file", certs.resolve("server.pem").toString(),
            "--tls-key-file", certs.resolve("server.key").toString(), "--tls-ca-cert-file", certs.resolve("ca.pem").toString(),
            "--tls-auth-clients", authClients};
    }

    /** A CA, a server certificate for localhost and 127.0.0.1, a client certificate, and a CA nobody trusts. */
    private static void makeCertificates(Path dir) throws IOException, InterruptedException {
        String ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
        String script = String.join("\n",
                "set -e",
                "openssl req -x509 " + ec + " -keyout ca.key -out ca.pem -days 2 -subj /CN=evloop-java-test-ca",
                "openssl req -x509 " + ec + " -keyout other.key -out other-ca.pem -days 2 -subj /CN=evloop-other-ca",
                "openssl req " + ec + " -keyout server.key -out server.csr -subj /CN=localhost",
                "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > server.ext",
                "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 2 -extfile server.ext -out server.pem",
                "openssl req " + ec + " -keyout client.key -out client.csr -subj /CN=evloop-java-test-client",
                "printf 'extendedKeyUsage=clientAuth\\n' > client.ext",
                "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -set_serial 3 -days 2 -extfile client.ext -out client.pem",
                "");
        Process p = new ProcessBuilder("sh", "-c", script).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("making the test certificates with openssl failed:\n" + out);
        }
    }

    private RedisClient connect(String host, int port, RedisTls tls) {
        RedisConfig config = RedisConfig.builder().host(host).port(port).tls(tls)
                .connectTimeout(Duration.ofSeconds(5)).build();
        return RedisClient.connect(loop, config).orTimeout(20, TimeUnit.SECONDS).join();
    }

    private Throwable refusal(String host, int port, RedisTls tls) {
        CompletionException e = assertThrows(CompletionException.class, () -> connect(host, port, tls).close());
        assertInstanceOf(RedisConnectionException.class, e.getCause(), "a connect failure: " + e);
        return e.getCause();
    }

    private static RedisTls.Builder trustingTheCa() {
        return RedisTls.builder().trustCertificates(certs.resolve("ca.pem"));
    }

    @Test
    void aRoundTripOfAMegabyteOverTls() {
        try (RedisClient redis = connect("localhost", tlsPort, trustingTheCa().build())) {
            assertEquals("PONG", redis.ping().join());
            byte[] value = new byte[1 << 20];
            for (int i = 0; i < value.length; i++) {
                value[i] = (byte) (i * 31 + (i >> 9));
            }
            byte[] key = "tls:java:big".getBytes(StandardCharsets.UTF_8);
            redis.send("SET".getBytes(StandardCharsets.UTF_8), key, value).join();
            assertArrayEquals(value, redis.send("GET".getBytes(StandardCharsets.UTF_8), key).join().asBytes());
            redis.del("tls:java:big").join();
        }
    }

    @Test
    void byAddressTheCertificatesIpIsChecked() {
        try (RedisClient redis = connect("127.0.0.1", tlsPort, trustingTheCa().build())) {
            assertEquals("PONG", redis.ping().join());
        }
    }

    @Test
    void aStoreOfTrustedCertificatesIsHandedOverAsIs() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (InputStream in = Files.newInputStream(certs.resolve("ca.pem"))) {
            store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        try (RedisClient redis = connect("localhost", tlsPort, RedisTls.builder().trustStore(store).build())) {
            assertEquals("PONG", redis.ping().join());
        }
    }

    @Test
    void theJvmsTrustStoreDoesNotKnowATestCa() {
        Throwable e = refusal("localhost", tlsPort, RedisTls.defaults());
        assertInstanceOf(SSLHandshakeException.class, e.getCause());
        assertTrue(e.getMessage().contains("the server's certificate is not trusted"), e.getMessage());
    }

    @Test
    void anUntrustedCertificateIsRefused() {
        Throwable e = refusal("localhost", tlsPort, RedisTls.builder().trustCertificates(certs.resolve("other-ca.pem")).build());
        assertTrue(e.getMessage().contains("TLS handshake with localhost failed: the server's certificate is not trusted"),
                e.getMessage());
    }

    @Test
    void aCertificateForAnotherNameIsRefusedUnlessTheCheckIsOff() {
        Throwable e = refusal("127.0.0.1", tlsPort, trustingTheCa().serverName("elsewhere.example").build());
        assertTrue(e.getMessage().contains("does not name elsewhere.example"), e.getMessage());

        try (RedisClient redis = connect("127.0.0.1", tlsPort,
                trustingTheCa().serverName("elsewhere.example").verifyHostName(false).build())) {
            assertEquals("PONG", redis.ping().join());
        }
    }

    @Test
    void aServerThatRequiresAClientCertificateGetsOne() {
        try (RedisClient redis = connect("localhost", mtlsPort, trustingTheCa()
                .clientCertificate(certs.resolve("client.pem"), certs.resolve("client.key")).build())) {
            assertEquals("PONG", redis.ping().join());
        }
        // TLS 1.2: the refusal comes within the handshake.
        Throwable e = refusal("localhost", mtlsPort, trustingTheCa().protocols("TLSv1.2").build());
        assertTrue(e.getMessage().contains("the server refused the handshake"), e.getMessage());
    }

    @Test
    void tlsAgainstAPlainPortSaysSo() {
        Throwable e = refusal("localhost", server.port(), trustingTheCa().build());
        // A plain Redis either answers the ClientHello with an error or waits for more of it.
        assertTrue(e.getMessage().contains("does not speak TLS") || e.getMessage().contains("timed out")
                || e.getMessage().contains("closed the connection"), e.getMessage());
    }

    @Test
    void theProtocolVersionsAreThoseConfigured() {
        for (List<String> versions : List.of(List.of("TLSv1.2"), List.of("TLSv1.3"), List.of("TLSv1.3", "TLSv1.2"))) {
            try (RedisClient redis = connect("localhost", tlsPort,
                    trustingTheCa().protocols(versions.toArray(new String[0])).build())) {
                assertEquals("PONG", redis.ping().join());
            }
        }
    }

    @Test
    void materialOpenSslRefusesIsAnIllegalArgumentNamingIt() {
        RedisConfig config = RedisConfig.builder().host("localhost").port(tlsPort).tls(trustingTheCa()
                .clientCertificate(certs.resolve("client.pem"), certs.resolve("server.key")).build()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisClient.connect(loop, config));
        assertTrue(e.getMessage().contains("the client private key does not match the client certificate"), e.getMessage());
    }
}
