package io.evloop.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.testkit.TlsCertificates;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link TlsSession} against a server {@link SSLEngine} in memory, no socket: what SNI it
 * sends, and ciphertext handed over in reads of any size (records cut anywhere, more
 * plaintext than fits at once), both ways, then close_notify.
 */
class TlsSessionTest {

    private static TlsCertificates certificates;
    private static SSLContext serverContext;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certificates = TlsCertificates.generate();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        Certificate[] chain;
        try (InputStream in = Files.newInputStream(certificates.serverCertificate())) {
            chain = CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(new Certificate[0]);
        }
        keys.setKeyEntry("server", readEcKey(certificates.serverKey()), new char[0], chain);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);
    }

    @AfterAll
    static void removeThem() {
        if (certificates != null) {
            certificates.close();
        }
    }

    private static PrivateKey readEcKey(Path pem) throws Exception {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        String body = text.substring(text.indexOf("-----BEGIN PRIVATE KEY-----") + 27, text.indexOf("-----END PRIVATE KEY-----"));
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(body)));
    }

    private static TlsSession client(String host, RedisTls.Builder tls) {
        RedisConfig config = RedisConfig.builder().host(host).port(6380)
                .tls(tls.trustCertificates(certificates.caCertificate()).build()).build();
        return new TlsSession.Factory(TlsMaterial.resolve(config.tls()))
                .newSession(InetSocketAddress.createUnresolved(host, 6380), config.endpoint());
    }

    /** A server engine and the bytes it has to send; the client's ciphertext goes in whole. */
    private static final class Server {
        final SSLEngine engine = serverContext.createSSLEngine();
        ByteBuffer toClient = ByteBuffer.allocate(1 << 20); // write mode
        final ByteArrayOutputStream received = new ByteArrayOutputStream();

        Server() {
            engine.setUseClientMode(false);
        }

        void take(ByteBuffer fromClient) throws SSLException {
            ByteBuffer plain = ByteBuffer.allocate(1 << 20);
            while (fromClient.hasRemaining()) {
                SSLEngineResult r = engine.unwrap(fromClient, plain);
                runTasks();
                if (r.getStatus() != SSLEngineResult.Status.OK) {
                    break;
                }
                wrapPending();
            }
            plain.flip();
            received.write(plain.array(), 0, plain.limit());
            wrapPending();
        }

        void send(byte[] data) throws SSLException {
            ByteBuffer src = ByteBuffer.wrap(data);
            while (src.hasRemaining()) {
                engine.wrap(src, toClient);
            }
        }

        private void wrapPending() throws SSLException {
            while (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                engine.wrap(ByteBuffer.allocate(0), toClient);
                runTasks();
            }
        }

        private void runTasks() {
            for (Runnable t; (t = engine.getDelegatedTask()) != null; ) {
                t.run();
            }
        }
    }

    /** Moves what each side has to say to the other, the server's in reads of {@code chunk} bytes. */
    private static void exchange(TlsSession client, Server server, int chunk, ByteArrayOutputStream plaintext) throws SSLException {
        for (int round = 0; round < 1000; round++) {
            ByteBuffer out = client.outbound();
            boolean clientSpoke = out.hasRemaining();
            server.take(out);
            ByteBuffer pending = server.toClient.flip();
            boolean serverSpoke = pending.hasRemaining();
            while (pending.hasRemaining()) {
                ByteBuffer in = client.inbound();
                int n = Math.min(Math.min(chunk, in.remaining()), pending.remaining());
                in.put(pending.array(), pending.position(), n);
                pending.position(pending.position() + n);
                client.unwrap(bytes -> {
                    plaintext.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
                    bytes.position(bytes.limit());
                    return true;
                });
                client.advance();
            }
            server.toClient.clear();
            if (!clientSpoke && !serverSpoke) {
                return;
            }
        }
        throw new AssertionError("the two engines kept talking");
    }

    private static List<SNIServerName> sniSeenBy(Server server) {
        return ((ExtendedSSLSession) server.engine.getSession()).getRequestedServerNames();
    }

    @Test
    void sniNamesAHostButNeverAnAddress() throws Exception {
        for (String[] c : new String[][] {{"localhost", "localhost"}, {"127.0.0.1", null}, {"my_redis", null}}) {
            RedisTls.Builder tls = RedisTls.builder().verifyHostName(false);
            TlsSession client = client(c[0], tls);
            Server server = new Server();
            client.beginHandshake();
            exchange(client, server, Integer.MAX_VALUE, new ByteArrayOutputStream());
            assertTrue(client.handshakeDone(), c[0]);
            assertEquals(c[1] == null ? List.of() : List.of(new SNIHostName(c[1])), sniSeenBy(server), c[0]);
        }
        TlsSession named = client("127.0.0.1", RedisTls.builder().serverName("localhost"));
        Server server = new Server();
        named.beginHandshake();
        exchange(named, server, Integer.MAX_VALUE, new ByteArrayOutputStream());
        assertTrue(named.handshakeDone());
        assertEquals(List.of(new SNIHostName("localhost")), sniSeenBy(server));
    }

    @Test
    void ciphertextInReadsOfAnySizeGivesThePlaintextBackWhole() throws Exception {
        byte[] reply = new byte[300_000];
        new Random(3).nextBytes(reply);
        byte[] command = new byte[200_000];
        new Random(4).nextBytes(command);
        for (String version : RedisTls.DEFAULT_PROTOCOLS) {
            for (int chunk : new int[] {1, 7, 5000, 16_709, 70_000}) {
                TlsSession client = client("localhost", RedisTls.builder().protocols(version));
                Server server = new Server();
                ByteArrayOutputStream plaintext = new ByteArrayOutputStream();
                client.beginHandshake();
                exchange(client, server, chunk, plaintext);
                assertTrue(client.handshakeDone(), version + " chunk " + chunk);
                // The client's bytes, taken as the outbound buffer has room.
                ByteBuffer src = ByteBuffer.wrap(command);
                while (src.hasRemaining()) {
                    int before = src.position();
                    int taken = client.wrap(src);
                    assertTrue(taken > 0 && taken == src.position() - before, "taken " + taken);
                    server.take(client.outbound());
                }
                assertArrayEquals(command, server.received.toByteArray(), version + " chunk " + chunk);
                server.send(reply);
                exchange(client, server, chunk, plaintext);
                assertArrayEquals(reply, plaintext.toByteArray(), version + " chunk " + chunk);
                assertFalse(client.inboundClosed());
                // close_notify from the server ends the inbound side; ours goes out on close.
                server.engine.closeOutbound();
                server.wrapPending();
                server.engine.wrap(ByteBuffer.allocate(0), server.toClient);
                ByteBuffer pending = server.toClient.flip();
                client.inbound().put(pending);
                assertFalse(client.unwrap(bytes -> true));
                assertTrue(client.inboundClosed());
                client.closeOutbound();
                assertTrue(client.outbound().hasRemaining(), "close_notify to send");
            }
        }
    }

    @Test
    void aServerThatIsNotTlsIsNamedAsSuch() throws IOException {
        TlsSession client = client("localhost", RedisTls.builder());
        client.beginHandshake();
        client.inbound().put("-ERR unknown command\r\n".getBytes(StandardCharsets.US_ASCII));
        try {
            client.unwrap(bytes -> true);
            throw new AssertionError("a RESP error was taken for TLS");
        } catch (SSLException e) {
            String message = client.failure(e, false).getMessage();
            assertTrue(message.contains("localhost:6380 did not answer the TLS handshake: is it a TLS port?"), message);
        }
        assertTrue(client.timeoutHint().contains("is it a TLS port?"));
    }
}
