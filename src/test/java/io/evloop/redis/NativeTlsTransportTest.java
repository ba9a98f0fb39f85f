package io.evloop.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.EventLoop;
import io.evloop.EventLoops;
import io.evloop.testkit.NativeRequirement;
import io.evloop.testkit.RedisServerProcess;
import io.evloop.testkit.TlsCertificates;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What only the native loop's TLS path has, beyond the contract both loops share
 * ({@link NativeTlsTest}): OpenSSL's own refusal of the material, OpenSSL's text kept as the
 * cause, and one native context for all the connections of one client's TLS settings.
 */
class NativeTlsTransportTest {

    private static TlsCertificates certificates;
    private static RedisServerProcess server;
    private EventLoop loop;

    @BeforeAll
    static void start() throws IOException {
        NativeRequirement.check();
        certificates = TlsCertificates.generate();
        server = RedisServerProcess.startTls(certificates.serverCertificate(), certificates.serverKey(),
                certificates.caCertificate(), false);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (certificates != null) {
            certificates.close();
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

    private static RedisConfig config(RedisTls tls) {
        return RedisConfig.builder().host("localhost").port(server.tlsPort()).tls(tls)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefusedAtTheCallInOpenSslsWords() {
        // Both files are fine for the JVM; only OpenSSL, pairing them, finds the mismatch.
        RedisConfig config = config(RedisTls.builder().trustCertificates(certificates.caCertificate())
                .clientCertificate(certificates.clientCertificate(), certificates.serverKey()).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisClient.connect(loop, config));
        assertTrue(e.getMessage().contains("the client private key does not match the client certificate"), e.getMessage());
    }

    @Test
    void aRefusedHandshakeKeepsOpenSslsTextAsTheCause() {
        RedisConfig config = config(RedisTls.builder().trustCertificates(certificates.otherCaCertificate()).build());
        CompletionException e = assertThrows(CompletionException.class,
                () -> RedisClient.connect(loop, config).orTimeout(20, TimeUnit.SECONDS).join());
        RedisConnectionException connect = assertInstanceOf(RedisConnectionException.class, e.getCause());
        SSLHandshakeException openssl = assertInstanceOf(SSLHandshakeException.class, connect.getCause());
        assertTrue(openssl.getMessage().startsWith("TLS handshake with localhost failed: the server's certificate is not trusted"),
                openssl.getMessage());
        assertTrue(connect.getMessage().contains(openssl.getMessage()), connect.getMessage());
    }

    @Test
    void oneNativeContextServesEveryConnectionOfTheSameSettings() {
        TlsMaterial material = TlsMaterial.resolve(RedisTls.builder().trustCertificates(certificates.caCertificate()).build());
        RedisConfig config = config(material.tls());
        NativeRedisTransport.Tls first = NativeRedisTransport.tlsFor(material);
        NativeRedisTransport.Tls second = NativeRedisTransport.tlsFor(material);
        assertSame(first.context(), second.context(), "parsed once, shared");
        // The name to check is each connection's own, from the address it connects to.
        assertEquals("localhost", first.peerName(InetSocketAddress.createUnresolved("localhost", config.port())));
        assertEquals("10.0.0.5", first.peerName(InetSocketAddress.createUnresolved("10.0.0.5", 6379)));
        try (RedisClient redis = RedisClient.connect(loop, config, RedisTransport.factory(loop, config, material))
                .orTimeout(20, TimeUnit.SECONDS).join()) {
            assertEquals("PONG", redis.ping().join());
        }
    }
}
