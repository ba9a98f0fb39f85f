package io.evloop.redis.cluster;

import io.evloop.internal.Durations;
import io.evloop.redis.RedisConfig;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link RedisClusterClient} finds and uses a cluster. Immutable.
 *
 * @param seeds            where to ask for the slot map first ({@code host:port} of any nodes)
 * @param node             settings for every node connection (password, timeouts, max in-flight,
 *                         reconnect policy...); its host and port are ignored
 * @param maxRedirects     MOVED/ASK/TRYAGAIN redirections one command may follow before failing
 * @param refreshInterval  how often the slot map is refreshed even when nothing goes wrong
 * @param minRefreshGap    the shortest gap between two refreshes: many MOVEDs at once cause one
 * @param readFromReplicas route read-only commands to replicas (with READONLY): more read
 *                         capacity, but replies may lag the master; off by default
 */
public record RedisClusterConfig(List<String> seeds, RedisConfig node, int maxRedirects,
                                 Duration refreshInterval, Duration minRefreshGap, boolean readFromReplicas) {

    public RedisClusterConfig {
        Objects.requireNonNull(seeds, "seeds");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(refreshInterval, "refreshInterval");
        Objects.requireNonNull(minRefreshGap, "minRefreshGap");
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("a cluster client needs at least one seed node (host:port)");
        }
        seeds = List.copyOf(seeds);
        for (String seed : seeds) {
            int colon = seed.lastIndexOf(':');
            if (colon <= 0 || colon == seed.length() - 1) {
                throw new IllegalArgumentException("seed '" + seed + "' is not host:port");
            }
        }
        if (maxRedirects < 1) {
            throw new IllegalArgumentException("maxRedirects must be >= 1, got " + maxRedirects);
        }
        if (refreshInterval.isNegative() || refreshInterval.isZero() || minRefreshGap.isNegative()) {
            throw new IllegalArgumentException("refreshInterval must be positive and minRefreshGap >= 0");
        }
        // Longer than about 146 years means never; clamped so that deadline arithmetic cannot overflow.
        refreshInterval = Durations.clamp(refreshInterval);
        minRefreshGap = Durations.clamp(minRefreshGap);
    }

    /**
     * Seeds from {@code redis://} or {@code rediss://} URIs (all of one scheme); the first URI's
     * password, user and TLS settings apply to all nodes: with {@code rediss://} every node
     * connection speaks TLS, and node addresses from the slot map are verified like host names
     * (an address against the certificate's IP address entries).
     */
    public static RedisClusterConfig fromUris(String... seedUris) {
        if (seedUris == null || seedUris.length == 0) {
            throw new IllegalArgumentException("pass at least one seed URI, such as redis://127.0.0.1:7000");
        }
        List<String> seeds = new java.util.ArrayList<>();
        RedisConfig first = null;
        for (String uri : seedUris) {
            RedisConfig c = RedisConfig.fromUri(uri);
            if (c.socketPath() != null) {
                throw new IllegalArgumentException("cluster seeds must be redis:// or rediss://host:port URIs, not unix sockets");
            }
            if (c.database() != 0) {
                throw new IllegalArgumentException("Redis Cluster has only database 0; drop /" + c.database() + " from the seed URI");
            }
            if (first != null && (first.tls() == null) != (c.tls() == null)) {
                throw new IllegalArgumentException("cluster seeds mix redis:// and rediss:// (" + uri
                        + "); the nodes of one cluster either all speak TLS or none do");
            }
            first = first == null ? c : first;
            seeds.add(c.endpoint());
        }
        return new RedisClusterConfig(seeds, first, 5, Duration.ofSeconds(10), Duration.ofMillis(100), false);
    }

    public RedisClusterConfig withReadFromReplicas(boolean enabled) {
        return new RedisClusterConfig(seeds, node, maxRedirects, refreshInterval, minRefreshGap, enabled);
    }

    public RedisClusterConfig withNode(RedisConfig settings) {
        return new RedisClusterConfig(seeds, settings, maxRedirects, refreshInterval, minRefreshGap, readFromReplicas);
    }

    public RedisClusterConfig withRefresh(Duration interval, Duration minGap) {
        return new RedisClusterConfig(seeds, node, maxRedirects, interval, minGap, readFromReplicas);
    }
}
