package io.evloop.redis;

import io.evloop.internal.Durations;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Where and how a {@link RedisClient} connects. Immutable; build it with {@link #builder()} or
 * parse a URI with {@link #fromUri(String)}:
 * <ul>
 *   <li>{@code redis://[[user]:password@]host[:port][/db]} (port 6379 and db 0 by default)</li>
 *   <li>{@code rediss://...} the same over TLS ({@link RedisTls#defaults()})</li>
 *   <li>{@code redis-socket:///path/to/redis.sock} (a unix socket)</li>
 *   <li>{@code redis-sentinel://[[user]:password@]host[:port][,host[:port]...]/service[/db]}
 *       (the primary that these sentinels monitor as {@code service}; port 26379 by default;
 *       the user and password are the primary's, see {@link RedisSentinel}; plain TCP: for
 *       TLS set {@link Builder#tls(RedisTls)} (to the primary) and
 *       {@link RedisSentinel.Builder#tls(RedisTls)} (to the sentinels) on the parsed config)</li>
 * </ul>
 * The password never appears in {@link #toString()}, in exceptions or in logs.
 */
public final class RedisConfig {

    public static final int DEFAULT_PORT = 6379;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_IN_FLIGHT = 100_000;

    /**
     * Default cap on the size of one reply, 128 MiB, counted in bytes as the server sends
     * them (type bytes, lengths and CR LFs included). Redis lets a single value reach 512 MiB
     * and an array hold millions of them; a client that takes any reply whole can be made to
     * hold more than its heap. Raise it with {@link Builder#maxReplyBytes} if you read larger
     * values or ranges on purpose.
     */
    public static final long DEFAULT_MAX_REPLY_BYTES = 128L * 1024 * 1024;

    private static final String SENTINEL_SCHEME = "redis-sentinel://";

    /** The largest {@link #tcpKeepAlive()} kernels accept, in seconds (Linux's TCP_KEEPIDLE limit). */
    static final int MAX_TCP_KEEPALIVE_SECONDS = 32767;

    /** The default {@link #slowCommandThreshold()}. */
    public static final Duration DEFAULT_SLOW_COMMAND_THRESHOLD = Duration.ofMillis(100);

    /** The default {@link #tcpKeepAlive()}: 60 s idle before the first probe. */
    public static final Duration DEFAULT_TCP_KEEPALIVE = Duration.ofSeconds(60);

    private final String host;
    private final int port;
    private final String socketPath;
    private final String user;
    private final String password;
    private final int database;
    private final String clientName;
    private final Duration connectTimeout;
    private final Duration commandTimeout;
    private final int maxInFlight;
    private final long maxReplyBytes;
    private final ReconnectPolicy reconnectPolicy;
    private final boolean waitForReconnect;
    private final boolean readOnly;
    private final Duration tcpKeepAlive;
    private final Duration idlePingInterval;
    private final Duration idlePingTimeout;
    private final Duration slowCommandThreshold;
    private final RedisCredentialsProvider credentials;
    private final RedisTls tls;
    private final RedisSentinel sentinel;
    private final RedisProtocol protocol;
    private final Consumer<Reply.PushReply> pushListener;

    private RedisConfig(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.socketPath = b.socketPath;
        this.user = b.user;
        this.password = b.password;
        this.database = b.database;
        this.clientName = b.clientName;
        this.connectTimeout = b.connectTimeout;
        this.commandTimeout = b.commandTimeout;
        this.maxInFlight = b.maxInFlight;
        this.maxReplyBytes = b.maxReplyBytes;
        this.reconnectPolicy = b.reconnectPolicy;
        this.waitForReconnect = b.waitForReconnect;
        this.readOnly = b.readOnly;
        this.tcpKeepAlive = b.tcpKeepAlive;
        this.idlePingInterval = b.idlePingInterval;
        this.idlePingTimeout = b.idlePingTimeout;
        this.slowCommandThreshold = b.slowCommandThreshold;
        this.credentials = b.credentials;
        this.tls = b.tls;
        this.sentinel = b.sentinel;
        this.protocol = b.protocol;
        this.pushListener = b.pushListener;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.socketPath = socketPath;
        b.user = user;
        b.password = password;
        b.database = database;
        b.clientName = clientName;
        b.connectTimeout = connectTimeout;
        b.commandTimeout = commandTimeout;
        b.maxInFlight = maxInFlight;
        b.maxReplyBytes = maxReplyBytes;
        b.reconnectPolicy = reconnectPolicy;
        b.waitForReconnect = waitForReconnect;
        b.readOnly = readOnly;
        b.tcpKeepAlive = tcpKeepAlive;
        b.idlePingInterval = idlePingInterval;
        b.idlePingTimeout = idlePingTimeout;
        b.slowCommandThreshold = slowCommandThreshold;
        b.credentials = credentials;
        b.tls = tls;
        b.sentinel = sentinel;
        b.protocol = protocol;
        b.pushListener = pushListener;
        return b;
    }

    /**
     * Parses {@code redis://[[user]:password@]host[:port][/db][?protocol=resp3]},
     * {@code rediss://...}, {@code redis-socket:///path[?protocol=resp3]} or
     * {@code redis-sentinel://[[user]:password@]host[:port][,host[:port]...]/service[/db]}.
     *
     * @throws IllegalArgumentException naming what is wrong (the password is never echoed)
     */
    public static RedisConfig fromUri(String uri) {
        Objects.requireNonNull(uri, "uri: pass a Redis URI such as redis://localhost:6379/0");
        if (uri.trim().regionMatches(true, 0, SENTINEL_SCHEME, 0, SENTINEL_SCHEME.length())) {
            // java.net.URI takes one host per authority; a sentinel URI lists several.
            return SentinelUri.parse(uri.trim().substring(SENTINEL_SCHEME.length()));
        }
        URI parsed;
        try {
            parsed = new URI(uri.trim());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a valid Redis URI (" + e.getReason()
                    + "); expected redis://[[user]:password@]host[:port][/db], redis-socket:///path or "
                    + SentinelUri.FORM);
        }
        String scheme = parsed.getScheme();
        Builder b = builder();
        if ("redis-socket".equalsIgnoreCase(scheme)) {
            String path = parsed.getPath();
            if (path == null || path.isEmpty()) {
                throw new IllegalArgumentException("redis-socket URI has no path; expected redis-socket:///path/to/redis.sock");
            }
            b.socketPath(path);
        } else if ("redis".equalsIgnoreCase(scheme) || "rediss".equalsIgnoreCase(scheme)) {
            if ("rediss".equalsIgnoreCase(scheme)) {
                b.tls(RedisTls.defaults());
            }
            String host = parsed.getHost();
            if (host == null || host.isEmpty()) {
                throw new IllegalArgumentException("Redis URI has no host; expected redis://host:port[/db]");
            }
            b.host(host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host);
            b.port(parsed.getPort() == -1 ? DEFAULT_PORT : parsed.getPort());
            String path = parsed.getPath();
            if (path != null && path.length() > 1) {
                try {
                    b.database(Integer.parseInt(path.substring(1)));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("Redis URI database must be a number, got '" + path.substring(1) + "'");
                }
            }
        } else {
            throw new IllegalArgumentException("unknown Redis URI scheme '" + scheme
                    + "'; use redis://host:port[/db], rediss://host:port[/db] (TLS), redis-socket:///path or "
                    + "redis-sentinel://host:port[,host:port...]/service[/db]");
        }
        String userInfo = parsed.getRawUserInfo();
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                b.password(decode(userInfo)); // redis://secret@host, as redis-cli reads it
            } else {
                String user = decode(userInfo.substring(0, colon));
                b.user(user.isEmpty() ? null : user);
                b.password(decode(userInfo.substring(colon + 1)));
            }
        }
        String query = parsed.getRawQuery();
        if (query != null && !query.isEmpty()) {
            applyQuery(b, query);
        }
        return b.build();
    }

    /** The URI's parameters: {@code protocol=resp2|resp3} is the one there is. */
    private static void applyQuery(Builder b, String query) {
        for (String parameter : query.split("&")) {
            int eq = parameter.indexOf('=');
            String name = decode(eq < 0 ? parameter : parameter.substring(0, eq));
            String value = eq < 0 ? "" : decode(parameter.substring(eq + 1));
            if (!name.equals("protocol")) {
                throw new IllegalArgumentException("unknown Redis URI parameter '" + name
                        + "'; the one there is: protocol=resp2 or protocol=resp3");
            }
            b.protocol(switch (value.toLowerCase(java.util.Locale.ROOT)) {
                case "resp2", "2" -> RedisProtocol.RESP2;
                case "resp3", "3" -> RedisProtocol.RESP3;
                default -> throw new IllegalArgumentException("unknown protocol '" + value
                        + "' in the Redis URI; use protocol=resp2 or protocol=resp3");
            });
        }
    }

    static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /**
     * Host name or address; null for a unix socket, and with {@link #sentinel()}, where the
     * primary's address is asked for on every connection.
     */
    public String host() {
        return sentinel != null ? null : host;
    }

    /** The TCP port; 0 with {@link #sentinel()}. */
    public int port() {
        return sentinel != null ? 0 : port;
    }

    /**
     * The sentinels that name the primary to connect to, asked before every connection and
     * then polled; null when the client connects to {@link #host()} or {@link #socketPath()}.
     */
    public RedisSentinel sentinel() {
        return sentinel;
    }

    /** Unix socket path; null for TCP. */
    public String socketPath() {
        return socketPath;
    }

    /** ACL user (Redis 6+); null means the default user. */
    public String user() {
        return user;
    }

    /** Null when no AUTH is sent, or when the credentials come from {@link #credentialsProvider()}. Never logged. */
    public String password() {
        return password;
    }

    /**
     * How the connection speaks TLS; null for plain TCP (and always for a unix socket). With
     * {@link #sentinel()} it is the TLS of the connections to the primary, whose certificate
     * must then name the host the sentinels give for it (an address or a host name, as
     * {@code SENTINEL GET-MASTER-ADDR-BY-NAME} returns it), unless {@link RedisTls#serverName()}
     * names the one name every primary's certificate carries. The sentinels' own TLS is
     * {@link RedisSentinel#tls()}.
     */
    public RedisTls tls() {
        return tls;
    }

    /**
     * Where the credentials come from when they may change (asked before every handshake);
     * null when they are the fixed {@link #user()} and {@link #password()}, or none.
     */
    public RedisCredentialsProvider credentialsProvider() {
        return credentials;
    }

    public int database() {
        return database;
    }

    /** Sent with CLIENT SETNAME on every connection when not null. */
    public String clientName() {
        return clientName;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Default per-command timeout; {@link RedisClient#send(Duration, byte[]...)} overrides it per call. */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /**
     * TCP keepalive on every TCP connection (both backends): the idle time before the kernel
     * sends the first probe; probes then follow every third of it, and after 3 unanswered the
     * connection fails, its pending commands with it, and the client reconnects. A server that
     * vanishes without closing the connection (a power loss, a cut network) is so found in
     * about twice this time instead of the kernel's default of over two hours.
     * {@link Duration#ZERO} means no keepalive. Unix domain sockets have none. Default 60 s.
     */
    public Duration tcpKeepAlive() {
        return tcpKeepAlive;
    }

    /**
     * How long a connection may go without a reply, while no command waits for one, before
     * the client sends a PING of its own to check that the server still answers;
     * {@link Duration#ZERO} (the default) sends none. A PING unanswered within
     * {@link #idlePingTimeout()} closes the connection as lost: the client reconnects, and
     * commands sent meanwhile fail or wait as after any connection loss. While commands wait
     * for replies their own timeouts apply, so a stopped server is found at most about one
     * command timeout plus this interval plus the PING timeout after the last reply.
     */
    public Duration idlePingInterval() {
        return idlePingInterval;
    }

    /** How long an idle PING may wait for its reply; see {@link #idlePingInterval()}. */
    public Duration idlePingTimeout() {
        return idlePingTimeout;
    }

    /**
     * A command whose reply takes at least this long is slow: counted in
     * {@link RedisClientMetrics#slowCommands()} and recorded as a JFR event
     * ({@code io.evloop.SlowCommand}, when a recording enables it). 100 ms by default; zero
     * turns it off. Measured like {@link RedisClientMetrics#latency()}.
     */
    public Duration slowCommandThreshold() {
        return slowCommandThreshold;
    }

    /**
     * Commands accepted but not yet answered, beyond which send fails with
     * {@link RedisBackpressureException}; a transaction counts each command it writes.
     */
    public int maxInFlight() {
        return maxInFlight;
    }

    /**
     * The largest reply accepted, in bytes as sent by the server. A reply that grows past it
     * closes the connection with {@link RedisProtocolException}: every command pending on it
     * fails and the client reconnects.
     */
    public long maxReplyBytes() {
        return maxReplyBytes;
    }

    public ReconnectPolicy reconnectPolicy() {
        return reconnectPolicy;
    }

    /**
     * While disconnected: false (default) fails new commands at once with
     * {@link RedisConnectionException}; true keeps them until the connection is back or their
     * timeout passes.
     */
    public boolean waitForReconnect() {
        return waitForReconnect;
    }

    /** The protocol the connection speaks, {@link RedisProtocol#RESP2} by default. */
    public RedisProtocol protocol() {
        return protocol;
    }

    /** What receives the server's push messages on the command connection; null when none does. */
    public Consumer<Reply.PushReply> pushListener() {
        return pushListener;
    }

    /** Whether READONLY is sent on every connection (reads from a Redis Cluster replica). */
    public boolean readOnly() {
        return readOnly;
    }

    /**
     * {@code host:port}, the socket path, or {@code primary <service>} with Sentinel: how
     * errors name the server.
     */
    public String endpoint() {
        if (socketPath != null) {
            return socketPath;
        }
        if (sentinel != null) {
            return "primary " + sentinel.masterName();
        }
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return "RedisConfig[" + endpoint() + "/" + database
                + (user != null ? ", user=" + user : "")
                + (password != null ? ", password=****" : "")
                + (credentials != null ? ", credentials from a provider" : "")
                + (tls != null ? ", " + tls : "")
                + (sentinel != null ? ", " + sentinel : "")
                + (clientName != null ? ", clientName=" + clientName : "")
                + ", connectTimeout=" + connectTimeout + ", commandTimeout=" + commandTimeout
                + ", maxInFlight=" + maxInFlight + ", maxReplyBytes=" + maxReplyBytes + ", reconnect=" + reconnectPolicy
                + ", waitForReconnect=" + waitForReconnect + ", tcpKeepAlive=" + tcpKeepAlive
                + (idlePingInterval.isZero() ? "" : ", idlePing=" + idlePingInterval + "/" + idlePingTimeout)
                + ", slowCommandThreshold=" + slowCommandThreshold
                + (protocol != RedisProtocol.RESP2 ? ", " + protocol : "")
                + (pushListener != null ? ", pushListener" : "")
                + (readOnly ? ", readOnly" : "") + "]";
    }

    /** Builds a {@link RedisConfig}; every setter checks its argument at once. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = DEFAULT_PORT;
        private String socketPath;
        private String user;
        private String password;
        private int database;
        private String clientName;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private long maxReplyBytes = DEFAULT_MAX_REPLY_BYTES;
        private ReconnectPolicy reconnectPolicy = ReconnectPolicy.DEFAULT;
        private boolean waitForReconnect;
        private boolean readOnly;
        private Duration tcpKeepAlive = DEFAULT_TCP_KEEPALIVE;
        private Duration idlePingInterval = Duration.ZERO;
        private Duration idlePingTimeout = Duration.ofSeconds(2);
        private Duration slowCommandThreshold = DEFAULT_SLOW_COMMAND_THRESHOLD;
        private RedisCredentialsProvider credentials;
        private RedisTls tls;
        private RedisSentinel sentinel;
        private RedisProtocol protocol = RedisProtocol.RESP2;
        private Consumer<Reply.PushReply> pushListener;

        private Builder() {
        }

        public Builder host(String host) {
            Objects.requireNonNull(host, "host");
            if (host.isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
            }
            this.host = host;
            this.socketPath = null;
            this.sentinel = null;
            return this;
        }

        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be in 1..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        public Builder socketPath(String path) {
            Objects.requireNonNull(path, "path");
            this.socketPath = path;
            this.sentinel = null;
            return this;
        }

        /**
         * Connect to the primary these sentinels name instead of a fixed address (replaces a
         * {@link #host(String)} or {@link #socketPath(String)} set before; a later one
         * replaces it); null removes it. The user, password, database, client name and
         * {@link #tls(RedisTls) TLS} set here are the primary's; the sentinels' own are in
         * {@link RedisSentinel}.
         */
        public Builder sentinel(RedisSentinel sentinel) {
            this.sentinel = sentinel;
            if (sentinel != null) {
                this.socketPath = null;
            }
            return this;
        }

        /** The ACL user for AUTH (with {@link #password(String)}); replaces a credentials provider. */
        public Builder user(String user) {
            this.user = user;
            this.credentials = null;
            return this;
        }

        /** The password for AUTH; replaces a credentials provider. */
        public Builder password(String password) {
            this.password = password;
            this.credentials = null;
            return this;
        }

        /**
         * Credentials asked for before every handshake (rotating passwords, ACL users); see
         * {@link RedisCredentialsProvider}. Replaces a {@link #password(String)} and
         * {@link #user(String)} set before; null removes the provider.
         */
        public Builder credentials(RedisCredentialsProvider provider) {
            this.credentials = provider;
            if (provider != null) {
                this.user = null;
                this.password = null;
            }
            return this;
        }

        /**
         * TLS for the connection ({@link RedisTls#defaults()} is what {@code rediss://} means);
         * null for plain TCP. Through {@link #sentinel(RedisSentinel) Sentinel}, for the
         * connections to the primary; see {@link RedisConfig#tls()} for the name checked.
         */
        public Builder tls(RedisTls tls) {
            this.tls = tls;
            return this;
        }

        public Builder database(int database) {
            if (database < 0) {
                throw new IllegalArgumentException("database must be >= 0, got " + database);
            }
            this.database = database;
            return this;
        }

        public Builder clientName(String name) {
            if (name != null && (name.isEmpty() || name.chars().anyMatch(c -> c <= ' '))) {
                throw new IllegalArgumentException("client name must be non-empty without spaces or control characters");
            }
            this.clientName = name;
            return this;
        }

        /**
         * How long a connect (with its handshake) may take, 5 s by default. Positive; longer
         * than about 146 years ({@code ChronoUnit.FOREVER} included) means no limit.
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Durations.positiveTimeout(timeout, "connectTimeout");
            return this;
        }

        /**
         * See {@link RedisConfig#tcpKeepAlive()}: zero for none, else whole seconds from 1 s
         * to 32767 s (what kernels accept for the idle time).
         */
        public Builder tcpKeepAlive(Duration idle) {
            Objects.requireNonNull(idle, "idle: pass a Duration such as Duration.ofSeconds(60), or Duration.ZERO for no keepalive");
            if (!idle.isZero() && (idle.isNegative() || idle.getNano() != 0 || idle.getSeconds() < 1
                    || idle.getSeconds() > MAX_TCP_KEEPALIVE_SECONDS)) {
                throw new IllegalArgumentException("tcpKeepAlive must be zero (no keepalive) or whole seconds from 1 to "
                        + MAX_TCP_KEEPALIVE_SECONDS + ", got " + idle);
            }
            this.tcpKeepAlive = idle;
            return this;
        }

        /** See {@link RedisConfig#slowCommandThreshold()}: zero for off, else positive. */
        public Builder slowCommandThreshold(Duration threshold) {
            Objects.requireNonNull(threshold, "threshold: pass a Duration such as Duration.ofMillis(100), or Duration.ZERO for off");
            if (threshold.isNegative()) {
                throw new IllegalArgumentException("slowCommandThreshold must be zero (off) or positive, got " + threshold);
            }
            this.slowCommandThreshold = Durations.clamp(threshold);
            return this;
        }

        /**
         * See {@link RedisConfig#idlePingInterval()}: an interval of zero sends no idle PING;
         * otherwise at least 10 ms, and a positive timeout for the PING's reply.
         */
        public Builder idlePing(Duration interval, Duration timeout) {
            Objects.requireNonNull(interval, "interval: pass a Duration such as Duration.ofSeconds(30), or Duration.ZERO for no idle PING");
            if (!interval.isZero() && (interval.isNegative() || interval.compareTo(Duration.ofMillis(10)) < 0)) {
                throw new IllegalArgumentException("the idle PING interval must be zero (none) or at least 10 ms, got " + interval);
            }
            this.idlePingTimeout = Durations.positiveTimeout(timeout, "idle PING timeout");
            this.idlePingInterval = Durations.clamp(interval);
            return this;
        }

        /**
         * The default per-command timeout, 10 s by default. Positive; longer than about 146
         * years ({@code ChronoUnit.FOREVER} included) means no timeout.
         */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = Durations.positiveTimeout(timeout, "commandTimeout");
            return this;
        }

        public Builder maxInFlight(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxInFlight must be >= 1, got " + max);
            }
            this.maxInFlight = max;
            return this;
        }

        /** See {@link RedisConfig#maxReplyBytes()}; at least 16 bytes. */
        public Builder maxReplyBytes(long max) {
            if (max < 16) {
                throw new IllegalArgumentException("maxReplyBytes must be at least 16, got " + max
                        + " (the default is " + DEFAULT_MAX_REPLY_BYTES + ")");
            }
            this.maxReplyBytes = max;
            return this;
        }

        public Builder reconnectPolicy(ReconnectPolicy policy) {
            this.reconnectPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        public Builder waitForReconnect(boolean wait) {
            this.waitForReconnect = wait;
            return this;
        }

        /**
         * The protocol to speak, {@link RedisProtocol#RESP2} by default; {@link RedisProtocol#RESP3}
         * needs Redis 6 or later (the connect fails, saying so, on an older server).
         */
        public Builder protocol(RedisProtocol protocol) {
            this.protocol = Objects.requireNonNull(protocol, "protocol: RedisProtocol.RESP2 or RedisProtocol.RESP3");
            return this;
        }

        /**
         * What receives the push messages the server sends on the command connection (RESP3 only:
         * client tracking invalidations, for instance), in order, on the loop thread: it must not
         * block. A push never completes a command. What the listener throws is logged and the
         * connection carries on. Null (the default) drops pushes, counting them in the metrics.
         */
        public Builder pushListener(Consumer<Reply.PushReply> listener) {
            this.pushListener = listener;
            return this;
        }

        /** Send READONLY on every connection, so that a cluster replica serves reads. */
        public Builder readOnly(boolean readOnly) {
            this.readOnly = readOnly;
            return this;
        }

        public RedisConfig build() {
            if (user != null && password == null) {
                throw new IllegalArgumentException("a user (" + user + ") needs a password too");
            }
            if (tls != null && socketPath != null) {
                throw new IllegalArgumentException("TLS over a unix socket (" + socketPath + ") is not supported;"
                        + " use TLS with host and port, or the socket without TLS");
            }
            if (sentinel != null && readOnly) {
                throw new IllegalArgumentException("readOnly (READONLY) is for Redis Cluster replicas; a client through"
                        + " Sentinel (" + sentinel.masterName() + ") connects to the primary");
            }
            return new RedisConfig(this);
        }
    }
}
