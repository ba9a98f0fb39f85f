package io.evloop.redis;

import io.evloop.EventLoop;
import io.evloop.ScheduledTask;
import java.util.concurrent.TimeUnit;

/**
 * A Sentinel client's watch on its primary while connected: it asks the sentinels where the
 * primary is (every {@link RedisSentinel#pollInterval()} if set, at once when a sentinel
 * announces a switch, soon after a READONLY reply), and when they name another node the
 * connection is dropped as lost, so that the client reconnects there. Sentinels that do not
 * answer leave the connection be: the primary may well be fine. Loop thread only.
 */
final class PrimaryWatch {

    /** READONLY replies bring the next check forward, but to at most one per this gap. */
    private static final long READONLY_CHECK_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final System.Logger LOG = System.getLogger("io.evloop.redis");

    /** What the watch asks of the client it watches for. */
    interface Connection {
        /** The generation of the connection if it is up now, or -1. */
        int upGeneration();

        /** The primary the sentinels named for the connection that is up. */
        SentinelDiscovery.Primary primary();

        /** The sentinels name another primary: drop connection {@code generation} as lost. */
        void failover(RedisConnectionException cause, int generation);
    }

    private final EventLoop loop;
    private final RedisConfig config;
    private final SentinelDiscovery sentinels;
    private final Connection connection;
    private ScheduledTask due;
    private int checkingFor = -1; // the generation whose check is in flight
    private long lastCheckNanos;
    private boolean silent; // the last check got no answer: log the next ones quietly

    PrimaryWatch(EventLoop loop, RedisConfig config, SentinelDiscovery sentinels, Connection connection) {
        this.loop = loop;
        this.config = config;
        this.sentinels = sentinels;
        this.connection = connection;
    }

    /** The connection is up: polls start, if configured. */
    void connected() {
        if (!config.sentinel().pollInterval().isZero()) {
            arm(config.sentinel().pollInterval().toNanos());
        }
    }

    /** A sentinel announced a failover of this primary: check now rather than at the next poll. */
    void switchAnnounced() {
        if (idle()) {
            arm(0);
        }
    }

    /** A READONLY reply: the node was demoted to a replica, most likely by a failover; check soon. */
    void readOnlyReply() {
        if (idle()) {
            arm(Math.max(0, lastCheckNanos + READONLY_CHECK_GAP_NANOS - System.nanoTime()));
        }
    }

    /** The connection went: no check is due until the next one is up. */
    void stop() {
        if (due != null) {
            due.cancel();
            due = null;
        }
    }

    /** Connected, and no check of this connection in flight. */
    private boolean idle() {
        int up = connection.upGeneration();
        return up >= 0 && checkingFor != up;
    }

    /** Checks in {@code delayNanos}, replacing a check already due. */
    private void arm(long delayNanos) {
        stop();
        due = loop.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void check() {
        due = null;
        if (!idle()) {
            return;
        }
        int attempt = connection.upGeneration();
        checkingFor = attempt;
        lastCheckNanos = System.nanoTime();
        sentinels.ask((found, failure) -> {
            if (checkingFor == attempt) {
                checkingFor = -1;
            }
            if (connection.upGeneration() != attempt) {
                return;
            }
            SentinelDiscovery.Primary primary = connection.primary();
            if (failure != null) {
                LOG.log(silent ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING, "cannot check where "
                        + config.endpoint() + " is (" + failure.getMessage() + "); keeping the connection to " + primary.endpoint());
            }
            silent = failure != null;
            if (found != null && !found.equals(primary)) {
                connection.failover(new RedisConnectionException("a failover happened: the sentinels name " + found.endpoint()
                        + " as the primary of " + config.sentinel().masterName() + " now, no longer " + primary.endpoint()), attempt);
                return;
            }
            connected();
        });
    }
}
