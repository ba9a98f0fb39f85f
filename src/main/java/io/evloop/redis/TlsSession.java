package io.evloop.redis;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * TLS for one connection of the Java loop: an {@link SSLEngine} in client mode between the
 * socket's ciphertext and the RESP bytes. It does no IO: {@link JavaRedisTransport} reads the
 * socket into {@link #inbound()}, calls {@link #unwrap}, and writes {@link #outbound()} to the
 * socket, so connecting, interest ops and closing stay in one place for plain and TLS
 * connections. Loop thread only.
 *
 * <p>The engine's delegated tasks (checking the server's certificate chain, key agreement) run
 * inline on the loop thread: each takes well under a millisecond to a few milliseconds, once
 * per connection, and handing them to another thread would add a thread hop to every
 * handshake for no gain.
 */
final class TlsSession {

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** Ciphertext read per socket read, and plaintext gathered before it goes to the decoder. */
    private static final int BUFFER_SIZE = 64 * 1024;

    /**
     * What every connection of one client shares: the SSLContext (built once per client, so a
     * reconnect reads no file and may resume the TLS session) and the settings. The name to
     * check comes from each connection's address, since through Sentinel every connection may
     * go to another primary.
     */
    static final class Factory {
        private final SSLContext context;
        private final RedisTls tls;
        private final boolean clientCertificate;

        Factory(TlsMaterial material) {
            this.context = material.sslContext();
            this.tls = material.tls();
            this.clientCertificate = material.hasClientCertificate();
        }

        /**
         * A session for a connection to {@code address}, whose certificate must name
         * {@link RedisTls#serverName()} if set, else the host connected to: the name as given
         * (to the config, or by the sentinels), or the address when that is what was given.
         * {@code endpoint} is how its messages name the server.
         */
        TlsSession newSession(InetSocketAddress address, String endpoint) {
            String peerName = tls.serverName() != null ? tls.serverName() : address.getHostString();
            // The engine's peer host is the name to verify, so that with a serverName the
            // certificate is checked against that name alone, not also against the host.
            SSLEngine engine = context.createSSLEngine(peerName, address.getPort());
            engine.setUseClientMode(true);
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setProtocols(tls.protocols().toArray(new String[0]));
            parameters.setServerNames(sniFor(peerName));
            if (tls.verifyHostName()) {
                // "HTTPS" is RFC 2818's check: DNS names (wildcards included) for a name, IP
                // address entries for an address, as Redis clients in other languages check.
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
            }
            engine.setSSLParameters(parameters);
            return new TlsSession(engine, endpoint, peerName, clientCertificate, tls);
        }

        /** SNI carries host names only (RFC 6066): none for an address, or for a name SNI cannot spell. */
        private static List<SNIServerName> sniFor(String name) {
            try {
                if (HostAddresses.literal(name) != null) {
                    return List.of();
                }
            } catch (UnknownHostException notAnAddress) {
                return List.of();
            }
            try {
                return List.of(new SNIHostName(name));
            } catch (IllegalArgumentException notForSni) {
                // A name such as my_redis (container names have underscores) is valid to
                // connect to but not in SNI; the certificate is still checked against it.
                return List.of();
            }
        }
    }

    private final SSLEngine engine;
    private final TlsFailureWords words;
    private ByteBuffer netIn; // ciphertext from the socket; write mode (the transport reads into it)
    private ByteBuffer netOut; // ciphertext for the socket; read mode between calls
    private ByteBuffer appIn; // plaintext for the decoder; write mode, empty between calls
    private boolean handshakeDone;
    private boolean peerSpokeTls; // a TLS record came back: the server is a TLS server
    private boolean inboundClosed; // the server sent close_notify
    private boolean stalled; // the last unwrap left whole records behind until the outbound is written

    private TlsSession(SSLEngine engine, String endpoint, String peerName, boolean clientCertificate, RedisTls tls) {
        this.engine = engine;
        this.words = new TlsFailureWords(endpoint, peerName, tls, clientCertificate);
        int packet = engine.getSession().getPacketBufferSize();
        this.netIn = ByteBuffer.allocate(Math.max(BUFFER_SIZE, packet));
        this.netOut = ByteBuffer.allocate(Math.max(BUFFER_SIZE, packet)).flip();
        this.appIn = ByteBuffer.allocate(Math.max(BUFFER_SIZE, engine.getSession().getApplicationBufferSize()));
    }

    /** Receives plaintext; returns false when the connection went meanwhile (stop unwrapping). */
    @FunctionalInterface
    interface Plaintext {
        boolean accept(ByteBuffer bytes);
    }

    /** Where the transport reads ciphertext into (write mode). */
    ByteBuffer inbound() {
        return netIn;
    }

    /** Ciphertext to write to the socket (read mode); write what the socket takes and leave the rest. */
    ByteBuffer outbound() {
        return netOut;
    }

    boolean handshakeDone() {
        return handshakeDone;
    }

    /** Whether the server sent close_notify. */
    boolean inboundClosed() {
        return inboundClosed;
    }

    /**
     * Whether the last {@link #unwrap} stopped with ciphertext left because the engine had to
     * send first and {@link #outbound()} was full: write it, then unwrap again.
     */
    boolean stalled() {
        return stalled;
    }

    /** Starts the handshake: the ClientHello lands in {@link #outbound()}. */
    void beginHandshake() throws SSLException {
        engine.beginHandshake();
        advance();
    }

    /**
     * Does what the handshake needs that needs no bytes from the server: runs the delegated
     * tasks and wraps handshake messages into {@link #outbound()}, until it waits for the server
     * or the outbound buffer is full (write it and call again).
     */
    void advance() throws SSLException {
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_TASK -> runTasks();
                case NEED_WRAP -> {
                    if (!wrapOnce(EMPTY)) {
                        return;
                    }
                }
                default -> {
                    return; // waiting for the server, or not handshaking
                }
            }
        }
    }

    /**
     * Encrypts plaintext from {@code src} into {@link #outbound()} until {@code src} is empty or
     * the outbound buffer is full.
     *
     * @return the bytes taken from {@code src}
     */
    int wrap(ByteBuffer src) throws SSLException {
        int start = src.position();
        while (src.hasRemaining() && wrapOnce(src)) {
            // each round is one record of up to 16 KiB
        }
        return src.position() - start;
    }

    /**
     * Decrypts the ciphertext in {@link #inbound()}, handing the plaintext to {@code sink} in
     * batches and advancing the handshake (write {@link #outbound()} afterwards). A record cut
     * by the end of the read stays for the next one.
     *
     * @return false when {@code sink} stopped or the server closed TLS ({@link #inboundClosed()})
     */
    boolean unwrap(Plaintext sink) throws SSLException {
        stalled = false;
        netIn.flip();
        try {
            while (netIn.hasRemaining()) {
                SSLEngineResult r = engine.unwrap(netIn, appIn);
                switch (r.getStatus()) {
                    case OK -> {
                        if (r.bytesConsumed() > 0) {
                            peerSpokeTls = true;
                        }
                        noteHandshake(r);
                        advance();
                        if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                            stalled = true; // it must wrap before it reads on, and the outbound is full
                            return deliver(sink);
                        }
                    }
                    case BUFFER_UNDERFLOW -> {
                        // Half a record: keep it and read more, in a larger buffer if it cannot fit.
                        int packet = engine.getSession().getPacketBufferSize();
                        if (netIn.capacity() < packet) {
                            netIn = ByteBuffer.allocate(packet).put(netIn).flip();
                        }
                        return deliver(sink);
                    }
                    case BUFFER_OVERFLOW -> {
                        // No room for the next record's plaintext: hand over what is there, or grow.
                        if (appIn.position() > 0) {
                            if (!deliver(sink)) {
                                return false;
                            }
                        } else {
                            appIn = ByteBuffer.allocate(Math.max(appIn.capacity() * 2,
                                    engine.getSession().getApplicationBufferSize()));
                        }
                    }
                    case CLOSED -> {
                        inboundClosed = true;
                        deliver(sink);
                        return false;
                    }
                }
            }
            return deliver(sink);
        } finally {
            netIn.compact();
        }
    }

    /**
     * Ends TLS from this side: close_notify, or the alert the engine prepared after a failed
     * handshake, lands in {@link #outbound()} for one last write. Never throws.
     */
    void closeOutbound() {
        try {
            engine.closeOutbound();
            while (!engine.isOutboundDone() && wrapOnce(EMPTY)) {
                // the alert is one small record
            }
        } catch (SSLException | RuntimeException alreadyBroken) {
            // nothing to tell the server: the connection is going anyway
        }
    }

    /**
     * The message for a connection that failed with {@code e}: a handshake failure says what
     * went wrong and what to change; after the handshake, a plain IO error stays as it is,
     * unless it came before any reply ({@code replied} false).
     */
    Throwable failure(IOException e, boolean replied) {
        if (!(e instanceof SSLException) && handshakeDone) {
            if (!replied && !words.clientCertificate()) {
                // In TLS 1.3 a server checks the client's certificate after the client's
                // handshake is over; one that refuses it may just drop the connection.
                return new RedisConnectionException(words.droppedBeforeFirstReply(e.getMessage()), e);
            }
            return e;
        }
        return new RedisConnectionException(explain(e), e);
    }

    /** A connect that timed out: what the handshake was waiting for, for the message; empty when it is done. */
    String timeoutHint() {
        if (handshakeDone) {
            return "";
        }
        return ": " + (peerSpokeTls ? words.unfinished() : words.notTls());
    }

    private String explain(IOException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (!(e instanceof SSLException)) {
            return peerSpokeTls ? words.closedDuringHandshake(message) : words.notTls() + " (" + message + ")";
        }
        if (find(e, CertificateExpiredException.class) != null) {
            return words.expired(find(e, CertificateExpiredException.class).getMessage());
        }
        if (find(e, CertificateNotYetValidException.class) != null) {
            return words.notYetValid(find(e, CertificateNotYetValidException.class).getMessage());
        }
        if (find(e, CertPathBuilderException.class) != null) {
            return words.untrusted(null);
        }
        String hostMismatch = hostMismatch(e);
        if (hostMismatch != null) {
            return words.nameMismatch(hostMismatch);
        }
        String alert = alert(message);
        if (alert != null) {
            return words.alert(alert);
        }
        if (!peerSpokeTls) {
            return words.notTls() + " (" + message + ")";
        }
        return words.failed(message);
    }

    /** The alert name in the JDK's "Received fatal alert: NAME", or null. */
    private static String alert(String message) {
        String marker = "Received fatal alert: ";
        int at = message.indexOf(marker);
        if (at < 0) {
            return null;
        }
        String rest = message.substring(at + marker.length()).trim();
        int end = 0;
        while (end < rest.length() && (Character.isLetterOrDigit(rest.charAt(end)) || rest.charAt(end) == '_')) {
            end++;
        }
        return rest.substring(0, end);
    }

    /** The JDK's host name check failure ("No subject alternative DNS name matching..."), or null. */
    private static String hostMismatch(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (t instanceof java.security.cert.CertificateException && m != null
                    && (m.startsWith("No subject alternative") || m.startsWith("No name matching"))) {
                return m;
            }
        }
        return null;
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** One wrap into the outbound buffer; false when it is full (write it first) or the engine is closed. */
    private boolean wrapOnce(ByteBuffer src) throws SSLException {
        netOut.compact();
        SSLEngineResult r;
        try {
            r = engine.wrap(src, netOut);
        } finally {
            netOut.flip();
        }
        switch (r.getStatus()) {
            case OK -> {
                noteHandshake(r);
                if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                    runTasks();
                }
                return r.bytesProduced() > 0 || r.bytesConsumed() > 0;
            }
            case BUFFER_OVERFLOW -> {
                if (!netOut.hasRemaining()) {
                    // Empty and still too small: the session wants larger records.
                    netOut = ByteBuffer.allocate(Math.max(netOut.capacity() * 2,
                            engine.getSession().getPacketBufferSize())).flip();
                    return true;
                }
                return false;
            }
            default -> {
                return false; // CLOSED: nothing more goes out
            }
        }
    }

    private void noteHandshake(SSLEngineResult r) {
        if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED) {
            handshakeDone = true;
        }
    }

    private void runTasks() {
        for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
            task.run();
        }
    }

    private boolean deliver(Plaintext sink) {
        if (appIn.position() == 0) {
            return true;
        }
        appIn.flip();
        try {
            return sink.accept(appIn);
        } finally {
            appIn.clear();
        }
    }
}
