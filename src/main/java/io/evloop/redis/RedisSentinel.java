package io.evloop.redis;

import io.evloop.internal.Durations;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Where a {@link RedisClient} finds its primary through Redis Sentinel: the name the sentinels
 * monitor it under ({@code sentinel monitor <name> ...}) and the sentinels to ask. Immutable;
 * set it with {@link RedisConfig.Builder#sentinel(RedisSentinel)} or parse a
 * {@code redis-sentinel://} URI with {@link RedisConfig#fromUri(String)}.
 *
 * <p>Before every connection (the first one and each reconnect) the client asks the sentinels
 * in order, each bounded by {@link #queryTimeout()}, for the primary's address
 * ({@code SENTINEL GET-MASTER-ADDR-BY-NAME}); the first answer wins, and the sentinel that gave
 * it is asked first from then on. Once connected, the client checks with {@code ROLE} that the
 * node is a primary (a sentinel's view may lag a failover), and it keeps following the primary
 * by asking again whenever the sentinel that answered last announces a failover of it
 * ({@code +switch-master}, to which the client subscribes there), every {@link #pollInterval()}
 * (which also covers a sentinel that cannot push, one older than Redis 6) and whenever a
 * command fails with {@code READONLY}.
 *
 * <p>The sentinels have their own {@link #credentials()} (often none, or another password than
 * the data nodes') and their own {@link #tls()}; the primary's user, password, database, client
 * name and TLS are the {@link RedisConfig}'s usual settings. Sentinel connections are plain TCP
 * unless {@link Builder#tls(RedisTls)} is set (a {@code redis-sentinel://} URI sets neither):
 *
 * <pre>{@code
 * RedisTls tls = RedisTls.builder().trustCertificates(Path.of("ca.pem")).build();
 * RedisConfig config = RedisConfig.builder()
 *         .sentinel(RedisSentinel.builder("mymaster")
 *                 .sentinel("sentinel-1", 26379).sentinel("sentinel-2", 26379).sentinel("sentinel-3", 26379)
 *                 .tls(tls)                // to the sentinels, checked against sentinel-1, -2, -3
 *                 .build())
 *         .tls(tls)                        // to the primary, checked against the host the sentinels name
 *         .build();
 * }</pre>
 */
public final class RedisSentinel {

    /** The port a sentinel listens on unless told otherwise. */
    public static final int DEFAULT_PORT = 26379;

    /** The default {@link #pollInterval()}. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

    /** The default {@link #queryTimeout()}. */
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(1);

    /** The longest {@link #queryTimeout()}: a sentinel that takes longer is as good as down. */
    public static final Duration MAX_QUERY_TIMEOUT = Duration.ofMinutes(1);

    /** The shortest non-zero {@link #pollInterval()}. */
    public static final Duration MIN_POLL_INTERVAL = Duration.ofMillis(10);

    private final String masterName;
    private final List<InetSocketAddress> sentinels;
    private final RedisCredentials credentials;
    private final Duration pollInterval;
    private final Duration queryTimeout;
    private final RedisTls tls;

    private RedisSentinel(Builder b) {
        this.masterName = b.masterName;
        this.sentinels = List.copyOf(b.sentinels);
        this.credentials = b.credentials;
        this.pollInterval = b.pollInterval;
        this.queryTimeout = b.queryTimeout;
        this.tls = b.tls;
    }

    /**
     * The sentinels at {@code sentinels} (host and port; unresolved addresses are resolved
     * off the loop on each connection) watching the primary named {@code masterName}, with
     * the default poll interval and query timeout and no AUTH to the sentinels.
     */
    public static RedisSentinel of(String masterName, List<InetSocketAddress> sentinels) {
        return builder(masterName).sentinels(sentinels).build();
    }

    /** A builder for the primary named {@code masterName}; add at least one sentinel. */
    public static Builder builder(String masterName) {
        return new Builder(masterName);
    }

    /** A builder that starts from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder(masterName);
        b.sentinels.addAll(sentinels);
        b.credentials = credentials;
        b.pollInterval = pollInterval;
        b.queryTimeout = queryTimeout;
        b.tls = tls;
        return b;
    }

    /** The name the sentinels monitor the primary under. */
    public String masterName() {
        return masterName;
    }

    /** The sentinels, in the order they are asked first; unresolved host names and ports. */
    public List<InetSocketAddress> sentinels() {
        return sentinels;
    }

    /** What AUTH sends to each sentinel; null sends none. Never logged. */
    public RedisCredentials credentials() {
        return credentials;
    }

    /**
     * How often a connected client asks the sentinels whether the primary moved, besides
     * asking at once when a sentinel announces a failover ({@code +switch-master}), when the
     * old primary's connection drops or when it answers {@code READONLY}. It is also the longest wait between reconnect
     * attempts, whatever the {@link ReconnectPolicy}, since each attempt asks the sentinels
     * again: while they still name a primary that is gone, the client keeps polling them.
     * {@link Duration#ZERO} turns the polling off (and leaves the reconnect delays to the
     * policy).
     */
    public Duration pollInterval() {
        return pollInterval;
    }

    /**
     * How long one sentinel may take to answer (connecting, AUTH and the query together)
     * before the next one is asked.
     */
    public Duration queryTimeout() {
        return queryTimeout;
    }

    /**
     * How the connections to the sentinels speak TLS (the queries and the watch for failovers
     * alike); null, the default, for plain TCP. Each sentinel's certificate is checked against
     * its host as given here (a name, or an address), unless {@link RedisTls#serverName()} is
     * set. Independent of the primary's TLS, {@link RedisConfig#tls()}: a deployment may
     * encrypt one and not the other.
     */
    public RedisTls tls() {
        return tls;
    }

    /** {@code host:port} of a sentinel, with brackets around an IPv6 address: how messages name it. */
    static String endpoint(InetSocketAddress sentinel) {
        String host = sentinel.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + sentinel.getPort();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RedisSentinel s && masterName.equals(s.masterName) && sentinels.equals(s.sentinels)
                && Objects.equals(credentials, s.credentials) && pollInterval.equals(s.pollInterval)
                && queryTimeout.equals(s.queryTimeout) && Objects.equals(tls, s.tls);
    }

    @Override
    public int hashCode() {
        return Objects.hash(masterName, sentinels, credentials, pollInterval, queryTimeout, tls);
    }

    @Override
    public String toString() {
        return "RedisSentinel[" + masterName + " via " + sentinels.stream().map(RedisSentinel::endpoint).toList()
                + (credentials != null ? ", " + credentials : "")
                + ", pollInterval=" + pollInterval + ", queryTimeout=" + queryTimeout
                + (tls != null ? ", " + tls : "") + "]";
    }

    /** Builds a {@link RedisSentinel}; every setter checks its argument at once. */
    public static final class Builder {
        private final String masterName;
        private final List<InetSocketAddress> sentinels = new ArrayList<>();
        private RedisCredentials credentials;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private Duration queryTimeout = DEFAULT_QUERY_TIMEOUT;
        private RedisTls tls;

        private Builder(String masterName) {
            Objects.requireNonNull(masterName, "masterName: pass the name the sentinels monitor the primary under, such as \"mymaster\"");
            if (masterName.isEmpty() || masterName.chars().anyMatch(c -> c <= ' ')) {
                throw new IllegalArgumentException("the master name must be non-empty without spaces or control characters"
                        + " (the name in 'sentinel monitor <name> ...'), got '" + masterName + "'");
            }
            this.masterName = masterName;
        }

        /** Adds a sentinel, asked after those added before it. */
        public Builder sentinel(String host, int port) {
            Objects.requireNonNull(host, "host: pass a sentinel's host name or address");
            if (host.isBlank()) {
                throw new IllegalArgumentException("a sentinel's host must not be blank");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("the port of sentinel " + host + " must be in 1..65535, got " + port
                        + " (sentinels listen on " + DEFAULT_PORT + " by default)");
            }
            InetSocketAddress address = InetSocketAddress.createUnresolved(host, port);
            if (sentinels.contains(address)) {
                throw new IllegalArgumentException("sentinel " + endpoint(address) + " is listed twice");
            }
            sentinels.add(address);
            return this;
        }

        /** Adds these sentinels in order; only their host names (or addresses) and ports are kept. */
        public Builder sentinels(List<InetSocketAddress> addresses) {
            Objects.requireNonNull(addresses, "addresses: pass the sentinels' host and port, such as"
                    + " List.of(InetSocketAddress.createUnresolved(\"sentinel-1\", 26379))");
            for (InetSocketAddress a : addresses) {
                Objects.requireNonNull(a, "a sentinel address is null");
                sentinel(a.getHostString(), a.getPort());
            }
            return this;
        }

        /** AUTH for the sentinels ({@code requirepass} or an ACL user in sentinel.conf); null for none. */
        public Builder credentials(RedisCredentials credentials) {
            this.credentials = credentials;
            return this;
        }

        /** A password for the sentinels' default user; null for none. */
        public Builder password(String password) {
            this.credentials = password == null ? null : new RedisCredentials(null, password);
            return this;
        }

        /**
         * TLS to the sentinels (see {@link RedisSentinel#tls()}); null, the default, for plain
         * TCP. Its files are read once per client, when it connects.
         */
        public Builder tls(RedisTls tls) {
            this.tls = tls;
            return this;
        }

        /** See {@link RedisSentinel#pollInterval()}: zero for no polling, else at least 10 ms. */
        public Builder pollInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval: pass a Duration such as Duration.ofSeconds(1), or Duration.ZERO for no polling");
            if (!interval.isZero() && (interval.isNegative() || interval.compareTo(MIN_POLL_INTERVAL) < 0)) {
                throw new IllegalArgumentException("the sentinel poll interval must be zero (no polling) or at least "
                        + MIN_POLL_INTERVAL.toMillis() + " ms, got " + interval);
            }
            this.pollInterval = Durations.clamp(interval);
            return this;
        }

        /** See {@link RedisSentinel#queryTimeout()}: positive and at most a minute. */
        public Builder queryTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout: pass a Duration such as Duration.ofSeconds(1)");
            if (timeout.isZero() || timeout.isNegative() || timeout.compareTo(MAX_QUERY_TIMEOUT) > 0) {
                throw new IllegalArgumentException("the sentinel query timeout must be positive and at most "
                        + MAX_QUERY_TIMEOUT.toSeconds() + " s (the next sentinel is asked after it), got " + timeout);
            }
            this.queryTimeout = timeout;
            return this;
        }

        public RedisSentinel build() {
            if (sentinels.isEmpty()) {
                throw new IllegalArgumentException("no sentinel for " + masterName + ": add at least one with sentinel(host, port)");
            }
            return new RedisSentinel(this);
        }
    }
}
