package io.evloop.redis;

import io.evloop.EventLoop;
import io.evloop.internal.javaloop.JavaEventLoop;
import io.evloop.internal.nativeloop.NativeEventLoop;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One connection to a Redis server that takes encoded commands and hands back parsed
 * replies: the part that differs between the two backends, {@link JavaRedisTransport} (a
 * SocketChannel on the Java loop, replies parsed by {@link RespDecoder}) and
 * {@link NativeRedisTransport} (hiredis's async context on the libuv loop, replies parsed by
 * hiredis into records the shim checked with the same limits). Everything above it (the
 * FIFO of pending commands, timeouts, reconnects, the handshake) is shared, in
 * {@link RedisClient}, so both backends behave the same by construction. All methods are
 * called on the loop thread, and the listener is called there.
 */
interface RedisTransport {

    /**
     * New transports for connections on {@code loop}: the one place that knows which
     * transport goes with which loop.
     *
     * @throws IllegalArgumentException if the loop is not one of {@link io.evloop.EventLoops}', or
     *     TLS is asked for and the loop cannot provide it (the native loop without OpenSSL: the
     *     message says what to install), or the TLS material is refused
     */
    static Supplier<RedisTransport> factory(EventLoop loop, RedisConfig config) {
        // Resolved here, at the connect call: files are read once per client rather than per
        // reconnect, never on the loop thread, and bad TLS input fails the call itself.
        return factory(loop, config, config.tls() == null ? null : TlsMaterial.resolve(config.tls()));
    }

    /**
     * As {@link #factory(EventLoop, RedisConfig)}, with the config's TLS already resolved (null
     * for plain TCP): a cluster client resolves it once for all its node connections.
     */
    static Supplier<RedisTransport> factory(EventLoop loop, RedisConfig config, TlsMaterial tls) {
        // What a plain connection that meets a TLS server suggests: the setting that gives it TLS.
        return factory(loop, config, tls, config.sentinel() != null ? "is it a TLS port? set RedisConfig.Builder.tls"
                : "is it a TLS port? use rediss://");
    }

    private static Supplier<RedisTransport> factory(EventLoop loop, RedisConfig config, TlsMaterial tls, String tlsPortHint) {
        int keepAliveSeconds = (int) config.tcpKeepAlive().getSeconds();
        Function<SocketAddress, String> endpoints = address -> endpointAt(config, address);
        if (loop instanceof JavaEventLoop java) {
            TlsSession.Factory sessions = tls == null ? null : new TlsSession.Factory(tls);
            return () -> new JavaRedisTransport(java, config.maxReplyBytes(), keepAliveSeconds, endpoints, tlsPortHint,
                    sessions);
        }
        if (loop instanceof NativeEventLoop nativeLoop) {
            // The native TLS context is made once per resolved TLS (at the connect call, on the
            // caller's thread: parsing the trusted certificates never stalls the loop). Without
            // OpenSSL this throws, naming what to install.
            NativeRedisTransport.Tls nativeTls = NativeRedisTransport.tlsFor(tls);
            return () -> new NativeRedisTransport(nativeLoop, config.maxReplyBytes(), keepAliveSeconds, endpoints,
                    tlsPortHint, nativeTls);
        }
        throw new IllegalArgumentException("a Redis client runs on a loop from io.evloop.EventLoops, not on "
                + loop.getClass().getName());
    }

    /**
     * New transports for the sentinel connections of {@code config}, by their config (one per
     * sentinel): the sentinels' TLS, {@link RedisSentinel#tls()}, is resolved here, once per
     * client on the caller's thread, since those connections are made on the loop thread, where
     * no file may be read. Plain TCP without it (and for a config without Sentinel).
     *
     * @throws IllegalArgumentException as {@link #factory(EventLoop, RedisConfig)}, for the sentinels' TLS
     */
    static Function<RedisConfig, Supplier<RedisTransport>> sentinelFactory(EventLoop loop, RedisConfig config) {
        RedisSentinel sentinel = config.sentinel();
        String hint = "is it a TLS port? set RedisSentinel.Builder.tls";
        if (sentinel == null || sentinel.tls() == null) {
            return c -> factory(loop, c, null, hint);
        }
        TlsMaterial tls = TlsMaterial.resolve(sentinel.tls());
        // The first use builds the SSLContext (Java loop) or the native context, which later
        // ones share; made now, it also refuses a loop that cannot speak TLS at the call.
        InetSocketAddress first = sentinel.sentinels().get(0);
        factory(loop, RedisConfig.builder().host(first.getHostString()).port(first.getPort()).tls(sentinel.tls()).build(),
                tls, hint);
        return c -> factory(loop, c, tls, hint);
    }

    /**
     * How a connection's messages name the server at {@code address}: the config's endpoint,
     * and through Sentinel the address the sentinels gave, since the config names only the
     * service ({@code 10.0.0.5:6379 (primary mymaster)}).
     */
    static String endpointAt(RedisConfig config, SocketAddress address) {
        if (config.sentinel() == null || !(address instanceof InetSocketAddress inet)) {
            return config.endpoint();
        }
        String host = inet.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort() + " (" + config.endpoint() + ")";
    }

    /**
     * Starts connecting to an already resolved address ({@link java.net.InetSocketAddress}
     * with a literal address, or {@link java.net.UnixDomainSocketAddress}). Exactly one of
     * {@link Listener#onConnected()} or {@link Listener#onClosed} follows, never from inside
     * this call.
     */
    void connect(SocketAddress address, Listener listener);

    /**
     * Sends the pending bytes of {@code out}: {@code commandCount} complete commands whose end
     * offsets, relative to {@code out.offset()}, are {@code commandEnds[0..commandCount)}.
     * Takes what it sends with {@link RespEncoder#consume}; a transport that cannot send all
     * now (a full socket buffer) leaves the rest in {@code out} and sends it when it can.
     */
    void write(RespEncoder out, int[] commandEnds, int commandCount);

    /**
     * What the connection still waits for, appended to the message of a connect that timed
     * out (such as ": the server at host:port did not answer the TLS handshake: is it a TLS
     * port?"); empty when there is nothing to add.
     */
    default String timeoutHint() {
        return "";
    }

    /** Closes the connection at once. No listener call follows. Idempotent. */
    void close();

    /** Events of one connection, on the loop thread. */
    interface Listener {
        void onConnected();

        /**
         * The next reply, in order. A reply the stream cannot carry (malformed, over the
         * limits) ends the connection with {@link #onClosed} and a
         * {@link RedisProtocolException} instead, after the replies before it.
         */
        void onReply(Reply reply);

        /** The connection failed or ended; the transport is already closed. */
        void onClosed(Throwable cause);
    }
}
