package io.evloop.redis;

import io.evloop.internal.javaloop.JavaEventLoop;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.function.Function;
import javax.net.ssl.SSLException;
import jdk.net.ExtendedSocketOptions;

/**
 * The Java backend's connection: a non-blocking {@link SocketChannel} on the
 * {@link JavaEventLoop}'s selector. Writes go straight from the client's {@link RespEncoder}
 * (all commands of a loop turn in one {@code write}); reads fill one buffer that the client's
 * decoder parses in bulk. Over TLS a {@link TlsSession} sits between the socket and those
 * bytes: the same socket code reads and writes its ciphertext, and the replies it decrypts
 * reach the same decoder.
 */
final class JavaRedisTransport implements RedisTransport, JavaEventLoop.IoHandler {

    private static final int READ_BUFFER_SIZE = 64 * 1024;
    /** Reads per readiness event before giving other connections and tasks a turn. */
    private static final int MAX_READS_PER_EVENT = 16;
    /** Rounds of unwrap-then-write in one go before concluding that the engine is stuck. */
    private static final int MAX_TLS_ROUNDS = 64;

    private static final System.Logger LOG = System.getLogger(JavaRedisTransport.class.getName());

    private final JavaEventLoop loop;
    private final RespDecoder decoder;
    private final int keepAliveSeconds; // 0: none
    private final Function<SocketAddress, String> endpoints;
    private final String tlsPortHint; // what a plain connection that meets a TLS server suggests
    private final TlsSession.Factory tlsSessions; // null: plain TCP
    private String endpoint; // how messages name the server, once connect is called
    private ByteBuffer readBuffer; // plain TCP only; over TLS the session's inbound buffer
    private TlsSession tls; // this connection's, when TLS
    private SocketAddress address;
    private SocketChannel channel;
    private SelectionKey key;
    private Listener listener;
    private RespEncoder unwritten; // non-null while the socket is full
    private boolean up; // onConnected was called
    private boolean replied; // a byte of a reply arrived
    private boolean closed;

    /**
     * @param endpoints   how messages name the server at the address connected to
     *                    ({@link RedisTransport#endpointAt})
     * @param tlsPortHint what a plain connection that meets a TLS server suggests ("is it a TLS port? ...")
     * @param tlsSessions where this connection's TLS comes from; null for plain TCP
     */
    JavaRedisTransport(JavaEventLoop loop, long maxReplyBytes, int keepAliveSeconds, Function<SocketAddress, String> endpoints,
                       String tlsPortHint, TlsSession.Factory tlsSessions) {
        this.loop = loop;
        this.keepAliveSeconds = keepAliveSeconds;
        this.endpoints = endpoints;
        this.tlsPortHint = tlsPortHint;
        this.tlsSessions = tlsSessions;
        this.decoder = new RespDecoder(RespDecoder.DEFAULT_MAX_ARRAY_LENGTH, RespDecoder.DEFAULT_MAX_DEPTH,
                RespDecoder.DEFAULT_MAX_LINE_LENGTH, maxReplyBytes);
    }

    @Override
    public void connect(SocketAddress address, Listener listener) {
        this.listener = listener;
        this.address = address;
        this.endpoint = endpoints.apply(address);
        try {
            if (tlsSessions != null) {
                if (!(address instanceof InetSocketAddress inet)) {
                    throw new IllegalArgumentException("TLS needs a TCP address, not " + address);
                }
                tls = tlsSessions.newSession(inet, endpoint);
            } else {
                readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
            }
            channel = address instanceof UnixDomainSocketAddress
                    ? SocketChannel.open(StandardProtocolFamily.UNIX)
                    : SocketChannel.open();
            channel.configureBlocking(false);
            if (!(address instanceof UnixDomainSocketAddress)) {
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (keepAliveSeconds > 0) {
                    enableKeepAlive(channel, keepAliveSeconds);
                }
            }
            boolean done = channel.connect(address);
            key = loop.register(channel, done ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, this);
            if (done) {
                loop.post(() -> {
                    if (!closed) {
                        try {
                            socketConnected();
                        } catch (IOException | RuntimeException e) {
                            fail(e);
                        }
                    }
                });
            }
        } catch (IOException | RuntimeException e) {
            loop.post(() -> fail(e));
        }
    }

    /** As hiredis does for the native backend: the idle time, probes every third of it, 3 of them. */
    private static void enableKeepAlive(SocketChannel channel, int idleSeconds) throws IOException {
        channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        if (channel.supportedOptions().contains(ExtendedSocketOptions.TCP_KEEPIDLE)) {
            channel.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, idleSeconds);
            channel.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, Math.max(1, idleSeconds / 3));
            channel.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 3);
        }
    }

    /** The socket is connected: plain TCP is up now, TLS starts its handshake. */
    private void socketConnected() throws IOException {
        if (tls == null) {
            up = true;
            listener.onConnected();
            return;
        }
        tls.beginHandshake(); // the ClientHello; the server's answer arrives as reads
        flushTls();
        updateInterest();
    }

    @Override
    public void onReady(SelectionKey k) {
        try {
            if (k.isConnectable()) {
                channel.finishConnect();
                k.interestOps(SelectionKey.OP_READ);
                socketConnected();
                return;
            }
            if (k.isReadable()) {
                read();
            }
            if (!closed && k.isValid() && k.isWritable()) {
                writeUnwritten();
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    private void read() throws IOException {
        for (int i = 0; i < MAX_READS_PER_EVENT && !closed; i++) {
            ByteBuffer into = tls == null ? readBuffer : tls.inbound();
            int n = channel.read(into);
            if (n < 0) {
                fail(endOfStream());
                return;
            }
            if (n == 0) {
                return;
            }
            boolean drained = into.hasRemaining(); // the socket had less than the room: nothing more now
            if (tls == null) {
                readBuffer.flip();
                try {
                    if (!deliver(readBuffer)) {
                        return;
                    }
                } finally {
                    readBuffer.clear();
                }
            } else if (!pumpTls()) {
                return;
            }
            if (drained) {
                return; // do not pay for one more read that finds nothing
            }
        }
    }

    /**
     * Hands plaintext reply bytes to the decoder, whose replies go to the listener.
     *
     * @return false when the connection went meanwhile
     */
    private boolean deliver(ByteBuffer bytes) {
        if (!replied && bytes.hasRemaining()) {
            replied = true;
            byte first = bytes.get(bytes.position());
            if (tls == null && (first == 0x15 || first == 0x16)) {
                // A TLS alert or handshake record: no RESP reply starts with these bytes.
                fail(new RedisConnectionException("the server at " + endpoint + " answered in TLS, not RESP: "
                        + tlsPortHint));
                return false;
            }
        }
        try {
            decoder.feed(bytes, listener::onReply);
        } catch (RedisProtocolException e) {
            fail(e);
            return false;
        } catch (Throwable e) {
            // An Error (OutOfMemoryError, say) or a bug, in the middle of a reply: the
            // stream cannot be followed any more, so the connection goes with the cause.
            LOG.log(System.Logger.Level.ERROR, "decoding the replies of " + address
                    + " failed; closing the connection", e);
            fail(new RedisConnectionException("decoding a reply from " + address + " failed (" + e
                    + "); the connection was closed", e));
            return false;
        }
        return !closed;
    }

    private IOException endOfStream() {
        if (tls != null && tls.inboundClosed()) {
            return new EOFException("the server closed the connection (TLS close_notify)");
        }
        if (tls == null && !replied) {
            // A TLS server drops a client that speaks RESP to it, often without a word.
            return new EOFException("the server closed the connection before any reply (" + tlsPortHint + ")");
        }
        return new EOFException("the server closed the connection");
    }

    /**
     * Moves TLS along after a read or a write: unwraps what was read (replies to the decoder),
     * writes what the engine has to send, and reports the end of the handshake.
     *
     * @return false when the connection went meanwhile
     */
    private boolean pumpTls() throws IOException {
        for (int round = 0; ; round++) {
            if (!tls.unwrap(this::deliver)) {
                if (!closed && tls.inboundClosed()) {
                    fail(endOfStream());
                }
                return false;
            }
            tls.advance();
            boolean flushed = flushTls();
            if (!up && tls.handshakeDone()) {
                up = true;
                listener.onConnected();
                if (closed) {
                    return false;
                }
            }
            if (!flushed || !tls.stalled()) {
                updateInterest();
                return true;
            }
            if (round == MAX_TLS_ROUNDS) {
                throw new SSLException("the TLS engine made no progress with " + endpoint);
            }
        }
    }

    /** Writes the session's ciphertext; false when the socket is full (OP_WRITE carries on). */
    private boolean flushTls() throws IOException {
        ByteBuffer out = tls.outbound();
        while (out.hasRemaining()) {
            if (channel.write(out) == 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void write(RespEncoder out, int[] commandEnds, int commandCount) {
        if (closed || unwritten != null) {
            return; // waiting for OP_WRITE: the new bytes are behind the old ones in the same buffer
        }
        try {
            if (!send(out)) {
                unwritten = out;
                updateInterest();
            }
        } catch (IOException | RuntimeException e) {
            loop.post(() -> fail(e)); // not from inside the client's flush
        }
    }

    /** Sends what the socket takes now; false when bytes are left for OP_WRITE. */
    private boolean send(RespEncoder out) throws IOException {
        if (tls == null) {
            out.writeTo(channel);
            return out.isEmpty();
        }
        while (true) {
            if (!flushTls()) {
                return false;
            }
            if (out.isEmpty()) {
                return true;
            }
            int taken = tls.wrap(out.pending());
            if (taken == 0 && !tls.outbound().hasRemaining()) {
                throw new SSLException("the TLS engine took none of the bytes for " + endpoint);
            }
            out.consume(taken);
        }
    }

    private void writeUnwritten() throws IOException {
        if (tls != null && (!flushTls() || !pumpTls() || closed)) {
            return; // the rest of the ciphertext first; pumpTls resumes a stalled unwrap
        }
        if (unwritten != null && send(unwritten)) {
            unwritten = null;
        }
        updateInterest();
    }

    /** OP_WRITE while bytes wait for room in the socket, OP_READ always. */
    private void updateInterest() {
        if (closed || !key.isValid()) {
            return;
        }
        boolean waiting = unwritten != null || (tls != null && tls.outbound().hasRemaining());
        key.interestOps(waiting ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }

    @Override
    public String timeoutHint() {
        if (closed || channel == null || !channel.isConnected()) {
            return "";
        }
        if (tls != null) {
            return tls.timeoutHint();
        }
        return up && !replied ? ": no reply from the server at all (" + tlsPortHint + ")" : "";
    }

    private void fail(Throwable cause) {
        if (!closed) {
            Throwable reported = cause;
            if (tls != null && cause instanceof IOException io) {
                reported = tls.failure(io, replied);
            } else if (up && !replied && cause instanceof IOException io && !(cause instanceof EOFException)) {
                // A TLS server resets a client that speaks RESP to it as often as it closes.
                reported = new IOException(io.getMessage() + " before any reply (" + tlsPortHint + ")", io);
            }
            close();
            listener.onClosed(reported);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        unwritten = null;
        if (tls != null && channel != null && channel.isConnected()) {
            // close_notify, or the alert of a failed handshake, in one write that does not
            // wait: the server learns why, and nothing waits for its own close_notify.
            tls.closeOutbound();
            try {
                channel.write(tls.outbound());
            } catch (IOException | RuntimeException ignored) {
                // the connection is going either way
            }
        }
        if (key != null) {
            key.cancel();
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Nothing useful to do: the connection is gone either way.
            }
        }
    }
}
