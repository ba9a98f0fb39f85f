package io.evloop.redis;

import io.evloop.internal.nativeloop.LibEvloop;
import io.evloop.internal.nativeloop.LibEvloopTls;
import io.evloop.internal.nativeloop.NativeLibraryLoader;
import io.evloop.internal.nativeloop.NativeEventLoop;
import io.evloop.internal.nativeloop.NativeTlsContext;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Function;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import jnr.ffi.Pointer;
import jnr.ffi.byref.PointerByReference;

/**
 * The native backend's connection: hiredis's async context on the libuv loop, through the
 * shim's {@code evl_redis_*} functions ({@code native/include/evloop.h}).
 *
 * <p>Writes hand the whole pending region of the client's {@link RespEncoder} to the shim in
 * one call per loop turn, with the end offsets of its commands; the shim appends them to
 * hiredis's output buffer in one copy, and hiredis writes them. Replies are parsed once, by
 * hiredis, into the shim's reply records (checked first with the Java decoder's limits), one
 * {@code EVL_EVENT_REDIS_DATA} per batch that the loop read; {@link ReplyRecords} reads them in
 * place during that upcall. Events arrive through {@link NativeEventLoop}'s registry, keyed by
 * this transport's token.
 *
 * <p>Over TLS ({@link RedisTls}) the shim still reads and writes the socket; the TLS layer,
 * {@code libevloop-tls} with the system's OpenSSL, encrypts and decrypts. It trusts exactly
 * the certificates {@link TlsMaterial} resolves, the JVM's trust store by default, so both
 * loops accept the same servers; a refused handshake closes the connection with OpenSSL's
 * reason as an {@link SSLHandshakeException}.
 */
final class NativeRedisTransport implements RedisTransport, NativeEventLoop.NativeIoHandler {

    /**
     * What the TLS connections of one client share: the native context, and the settings that
     * say which name each server's certificate must carry and whether it is checked.
     */
    record Tls(NativeTlsContext context, RedisTls settings, boolean clientCertificate) {

        /**
         * The name the certificate of the server at {@code address} must carry, as on the Java
         * loop: the configured server name, else the host connected to (a name as given, or an
         * address, such as one the sentinels or a cluster's slot map gave).
         */
        String peerName(InetSocketAddress address) {
            return settings.serverName() != null ? settings.serverName() : address.getHostString();
        }
    }

    /**
     * The native contexts of resolved TLS settings: a cluster client resolves its settings once
     * and makes node connections on the loop thread, which must not parse the trusted
     * certificates again. Weak keys: a context goes once its settings do (and its connections,
     * which hold their own references in C).
     */
    private static final Map<TlsMaterial, NativeTlsContext> CONTEXTS = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * The native TLS setup for connections with the resolved {@code tls}; null without TLS. The
     * context is made on the first call for these settings (where {@link RedisTransport#factory}
     * is called, at the connect call).
     *
     * @throws IllegalArgumentException when the TLS layer cannot load (no OpenSSL), naming what
     *     to install, or when OpenSSL refuses the material, saying why
     */
    static Tls tlsFor(TlsMaterial tls) {
        if (tls == null) {
            return null;
        }
        NativeTlsContext context;
        try {
            context = CONTEXTS.computeIfAbsent(tls, m -> NativeTlsContext.create(m.trustedCertificatesPem(),
                    m.clientCertificateChainPem(), m.clientPrivateKeyPem(), m.tls().protocols()));
        } catch (UnsatisfiedLinkError e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return new Tls(context, tls.tls(), tls.hasClientCertificate());
    }

    private final NativeEventLoop loop;
    private final LibEvloop lib;
    private final long maxReplyBytes;
    private final int keepAliveSeconds; // 0: none
    private final ReplyRecords records = new ReplyRecords();
    private final ByteBuffer recordsAddress = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
    private final Tls tls; // null: plain TCP
    private final Function<SocketAddress, String> endpoints;
    private final String tlsPortHint; // as the Java loop says it, for a plain client that finds a TLS server
    private NativeTlsFailure failures; // with TLS: the words for this connection's failures, once connect is called
    private Listener listener;
    private SocketAddress address;
    private Pointer conn;
    private long token;
    private boolean registered;
    private boolean connected;
    private boolean replied; // a reply came on this connection
    private boolean closed;

    NativeRedisTransport(NativeEventLoop loop, long maxReplyBytes, int keepAliveSeconds) {
        this(loop, maxReplyBytes, keepAliveSeconds, String::valueOf, "is it a TLS port? use rediss://", null);
    }

    /**
     * {@code endpoints}: how messages name the server at the address connected to
     * ({@link RedisTransport#endpointAt}); {@code tlsPortHint}: what a plain connection that
     * meets a TLS server suggests ("is it a TLS port? ...").
     */
    NativeRedisTransport(NativeEventLoop loop, long maxReplyBytes, int keepAliveSeconds,
                         Function<SocketAddress, String> endpoints, String tlsPortHint, Tls tls) {
        this.loop = loop;
        this.lib = NativeLibraryLoader.library();
        this.maxReplyBytes = maxReplyBytes;
        this.keepAliveSeconds = keepAliveSeconds;
        this.endpoints = endpoints;
        this.tlsPortHint = tlsPortHint;
        this.tls = tls;
    }

    @Override
    public void connect(SocketAddress address, Listener listener) {
        this.listener = listener;
        this.address = address;
        try {
            token = loop.registerNativeIo(this);
            registered = true;
            PointerByReference out = new PointerByReference();
            int rc;
            String target;
            if (tls != null) {
                if (!(address instanceof InetSocketAddress inet) || inet.getAddress() == null) {
                    throw new IllegalArgumentException("TLS needs a resolved TCP address, not " + address);
                }
                // Named per connection: through Sentinel each one may go to another primary.
                String name = tls.peerName(inet);
                failures = new NativeTlsFailure(endpoints.apply(address), name, tls.settings(), tls.clientCertificate());
                target = "evl_redis_connect_tls";
                rc = lib.evl_redis_connect_tls(loop.nativeLoop(), token, inet.getAddress().getHostAddress(), inet.getPort(),
                        tls.context().ops(), tls.context().pointer(), name,
                        tls.settings().verifyHostName() ? LibEvloopTls.EVL_TLS_VERIFY_NAME : 0, out);
            } else if (address instanceof UnixDomainSocketAddress unix) {
                target = "evl_redis_connect_unix";
                rc = lib.evl_redis_connect_unix(loop.nativeLoop(), token, unix.getPath().toString(), out);
            } else if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
                // A literal address: the shim never resolves names (that would block the loop).
                target = "evl_redis_connect_tcp";
                rc = lib.evl_redis_connect_tcp(loop.nativeLoop(), token, inet.getAddress().getHostAddress(),
                        inet.getPort(), out);
            } else {
                throw new IllegalArgumentException("not a resolved address: " + address);
            }
            if (rc != 0) {
                throw new IOException(target + " to " + address + " failed: " + lib.evl_strerror(rc) + " (" + rc + ")");
            }
            conn = out.getValue();
            // Enforced by the shim before hiredis buffers anything, so native memory stays
            // bounded too (the client's decoder checks the same limit again).
            rc = lib.evl_redis_set_max_reply(conn, maxReplyBytes);
            if (rc != 0) {
                throw new IllegalStateException("evl_redis_set_max_reply(" + maxReplyBytes + ") failed: "
                        + lib.evl_strerror(rc) + " (" + rc + ")");
            }
            if (keepAliveSeconds > 0 && !(address instanceof UnixDomainSocketAddress)) {
                rc = lib.evl_redis_set_keepalive(conn, keepAliveSeconds);
                if (rc != 0 && rc != LibEvloop.EVL_ESTATE) { // EVL_ESTATE: the connect failed at once; CLOSED follows
                    throw new IOException("enabling TCP keepalive (" + keepAliveSeconds + " s) on the connection to "
                            + address + " failed: " + lib.evl_strerror(rc) + " (" + rc + ")");
                }
            }
        } catch (IOException | RuntimeException e) {
            // Never from inside connect(): the client is in the middle of starting this attempt.
            loop.post(() -> fail(e));
        }
    }

    @Override
    public void onNativeEvent(int event) {
        if (!usable()) {
            return;
        }
        try {
            switch (event) {
                case LibEvloop.EVL_EVENT_REDIS_CONNECTED -> {
                    connected = true;
                    listener.onConnected();
                }
                case LibEvloop.EVL_EVENT_REDIS_DATA -> readReplies();
                case LibEvloop.EVL_EVENT_REDIS_CLOSED -> {
                    // Read the reason before the close frees it.
                    Throwable cause = closedCause(lib.evl_redis_error_kind(conn), lib.evl_redis_error(conn),
                            lib.evl_redis_tls_reason(conn));
                    fail(cause);
                }
                default -> throw new IllegalStateException("unknown native Redis event " + event);
            }
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    /** Hands over every reply of the batch, until the client closes this transport. */
    private void readReplies() {
        int n = lib.evl_redis_replies(conn, recordsAddress);
        if (n < 0) {
            throw new IllegalStateException("evl_redis_replies failed: " + lib.evl_strerror(n) + " (" + n + ")");
        }
        records.start(recordsAddress.getLong(0), n);
        try {
            while (usable() && records.hasNext()) {
                replied = true;
                listener.onReply(records.next()); // may close this transport
            }
        } finally {
            records.finish();
        }
    }

    private Throwable closedCause(int kind, String message, int tlsReason) {
        if (kind == LibEvloop.EVL_REDIS_ERR_TLS && tls != null) {
            // Worded as the Java loop words it; OpenSSL's text stays in the message and the cause.
            SSLException ssl = connected ? new SSLException(message) : new SSLHandshakeException(message);
            return new RedisConnectionException(failures.explain(tlsReason, message), ssl);
        }
        Throwable cause = switch (kind) {
            case LibEvloop.EVL_REDIS_ERR_PROTOCOL -> new RedisProtocolException(message);
            case LibEvloop.EVL_REDIS_ERR_EOF -> new EOFException(message);
            case LibEvloop.EVL_REDIS_ERR_IO -> connected ? new IOException(message) : new ConnectException(message);
            default -> new IOException(message);
        };
        if (connected && !replied && cause instanceof IOException io) {
            if (tls != null && !failures.clientCertificate()) {
                // In TLS 1.3 a server checks the client's certificate after the client's handshake
                // is over; one that refuses it may just drop the connection.
                return new RedisConnectionException(failures.droppedBeforeFirstReply(message), io);
            }
            if (tls == null && !(cause instanceof EOFException)) {
                // A TLS server resets a client that speaks RESP to it as often as it closes.
                return new IOException(message + " before any reply (" + tlsPortHint + ")", io);
            }
        }
        return cause;
    }

    @Override
    public String timeoutHint() {
        if (!usable()) {
            return "";
        }
        if (tls != null) {
            return failures.timeoutHint(lib.evl_redis_tls_progress(conn));
        }
        return connected && !replied ? ": no reply from the server at all (" + tlsPortHint + ")" : "";
    }

    @Override
    public void write(RespEncoder out, int[] commandEnds, int commandCount) {
        if (commandCount == 0) {
            return;
        }
        int total = commandEnds[commandCount - 1];
        if (!usable()) {
            // Unlike a byte stream, the shim needs each command's end: bytes left in `out`
            // would lose theirs. They cannot be sent anyway; the client fails their commands.
            out.consume(total);
            return;
        }
        // One crossing for the whole turn: jnr copies exactly [offset, offset + total) of the array.
        // RespEncoder validated every argument and wrote the framing, so the shim checks only
        // that the ends fit the bytes (EVL_SEND_ENCODED) instead of parsing each command again.
        int rc = lib.evl_redis_send(conn, ByteBuffer.wrap(out.array(), out.offset(), total), commandEnds, commandCount,
                LibEvloop.EVL_SEND_ENCODED);
        out.consume(total);
        if (rc != 0 && rc != LibEvloop.EVL_ESTATE) { // EVL_ESTATE: the connection ended, CLOSED follows or came
            IOException e = new IOException("evl_redis_send to " + address + " failed: " + lib.evl_strerror(rc) + " (" + rc + ")");
            loop.post(() -> fail(e)); // not from inside the client's flush
        }
    }


    /**
     * Whether the native connection may be used: not closed, and its loop not destroyed. A
     * loop closed from inside one of its own callbacks frees its connections as soon as
     * uv_run returns, while the client may still write the commands of the turn.
     */
    private boolean usable() {
        return !closed && conn != null && !loop.isNativeLoopDestroyed();
    }

    private void fail(Throwable cause) {
        if (!closed) {
            close();
            listener.onClosed(cause);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (conn != null && !loop.isNativeLoopDestroyed()) {
            lib.evl_redis_close(conn);
        }
        conn = null;
        if (registered) {
            registered = false;
            loop.unregisterNativeIo(token);
        }
    }
}
