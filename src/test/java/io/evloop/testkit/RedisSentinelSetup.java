package io.evloop.testkit;

import io.evloop.redis.Reply;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A primary, its replicas ({@code --replicaof}) and sentinels monitoring it as
 * {@value #MASTER_NAME}, all child processes on free loopback ports; for the tests and the
 * demo. The quorum is a majority of the sentinels, so a failover needs them to agree, as in
 * production. {@link #close()} stops every process and deletes every temp folder.
 *
 * <p>{@link #startTls} makes the same over TLS: every node and sentinel has a TLS port beside
 * its plain one (kept for the admin connections and the readiness checks), replicates and
 * monitors over TLS, and is known to the others and to clients by its TLS port only.
 */
public final class RedisSentinelSetup implements AutoCloseable {

    public static final String MASTER_NAME = "mymaster";

    private final List<RedisServerProcess> nodes = new ArrayList<>();
    private final List<RedisSentinelProcess> sentinels = new ArrayList<>();
    private final boolean tls;

    private RedisSentinelSetup(boolean tls) {
        this.tls = tls;
    }

    /**
     * Starts the primary, {@code replicas} replicas in sync with it and {@code sentinelCount}
     * sentinels, and returns once every sentinel sees the replicas and the other sentinels (at
     * most 60 s): only then can they agree on a failover.
     */
    public static RedisSentinelSetup start(int replicas, int sentinelCount) throws IOException {
        RedisSentinelSetup setup = new RedisSentinelSetup(false);
        try {
            // Replicas start syncing at once rather than after the default 5 s delay.
            RedisServerProcess primary = RedisServerProcess.start("--repl-diskless-sync-delay", "0");
            setup.nodes.add(primary);
            for (int i = 0; i < replicas; i++) {
                setup.nodes.add(RedisServerProcess.start("--replicaof", "127.0.0.1", Integer.toString(primary.port()),
                        "--repl-diskless-sync-delay", "0", "--replica-announce-ip", "127.0.0.1"));
            }
            setup.awaitReplicasInSync(Duration.ofSeconds(30));
            for (int i = 0; i < sentinelCount; i++) {
                setup.sentinels.add(RedisSentinelProcess.start(MASTER_NAME, primary.port(), sentinelCount / 2 + 1));
            }
            setup.awaitSentinelsAgree(Duration.ofSeconds(60));
            return setup;
        } catch (IOException | RuntimeException e) {
            setup.close();
            throw e;
        }
    }

    /**
     * As {@link #start}, over TLS: every node and sentinel presents {@code certificate} with
     * {@code key} on its TLS port, and trusts the CAs of {@code caCertificates} when it connects
     * to another. No client certificate is asked for. The sentinels name the nodes by their TLS
     * ports ({@link #primaryPort()}, {@link #clientPort}); {@link #uri()} lists the sentinels'
     * TLS ports.
     */
    public static RedisSentinelSetup startTls(Path certificate, Path key, Path caCertificates, int replicas,
                                              int sentinelCount) throws IOException {
        RedisSentinelSetup setup = new RedisSentinelSetup(true);
        try {
            RedisServerProcess primary = RedisServerProcess.startTls(certificate, key, caCertificates, false,
                    "--tls-replication", "yes", "--repl-diskless-sync-delay", "0");
            setup.nodes.add(primary);
            for (int i = 0; i < replicas; i++) {
                // With tls-replication a replica tells its primary its TLS port, so that is the
                // port the sentinels learn, and name once it is promoted.
                setup.nodes.add(RedisServerProcess.startTls(certificate, key, caCertificates, false,
                        "--tls-replication", "yes", "--replicaof", "127.0.0.1", Integer.toString(primary.tlsPort()),
                        "--repl-diskless-sync-delay", "0", "--replica-announce-ip", "127.0.0.1"));
            }
            setup.awaitReplicasInSync(Duration.ofSeconds(30));
            for (int i = 0; i < sentinelCount; i++) {
                setup.sentinels.add(RedisSentinelProcess.startTls(MASTER_NAME, primary.tlsPort(), sentinelCount / 2 + 1,
                        certificate, key, caCertificates));
            }
            setup.awaitSentinelsAgree(Duration.ofSeconds(60));
            return setup;
        } catch (IOException | RuntimeException e) {
            setup.close();
            throw e;
        }
    }

    /** The first primary, then the replicas, in start order. */
    public List<RedisServerProcess> nodes() {
        return nodes;
    }

    public List<RedisSentinelProcess> sentinels() {
        return sentinels;
    }

    /**
     * {@code redis-sentinel://127.0.0.1:p1,.../mymaster}: every sentinel, in start order, at the
     * port clients use (the TLS port in a setup from {@link #startTls}: such a URI is plain, so
     * add the TLS to the parsed config).
     */
    public String uri() {
        return "redis-sentinel://" + sentinels.stream().map(s -> "127.0.0.1:" + clientPort(s)).collect(Collectors.joining(","))
                + "/" + MASTER_NAME;
    }

    /** The port clients reach {@code node} at, and the sentinels name it by: its TLS port under TLS. */
    public int clientPort(RedisServerProcess node) {
        return tls ? node.tlsPort() : node.port();
    }

    private int clientPort(RedisSentinelProcess sentinel) {
        return tls ? sentinel.tlsPort() : sentinel.port();
    }

    /** The port of the primary as the first sentinel that answers names it (its TLS port under TLS). */
    public int primaryPort() {
        for (RedisSentinelProcess s : sentinels) {
            try {
                List<Reply> address = s.admin("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME).asList();
                return Integer.parseInt(address.get(1).asString());
            } catch (RuntimeException down) {
                // ask the next one
            }
        }
        throw new IllegalStateException("no sentinel answered");
    }

    /** Runs one command on the node listening on {@code port}, over a fresh blocking connection. */
    public Reply admin(int port, String... argv) {
        try (BlockingRedisClient c = BlockingRedisClient.open("127.0.0.1", port, Duration.ofSeconds(2), Duration.ofSeconds(5))) {
            return c.call(BlockingRedisClient.utf8(argv));
        }
    }

    private void awaitReplicasInSync(Duration bound) throws IOException {
        await(bound, () -> {
            for (RedisServerProcess replica : nodes.subList(1, nodes.size())) {
                String info = admin(replica.port(), "INFO", "replication").asString();
                if (!info.contains("master_link_status:up")) {
                    return "replica " + replica.port() + " not in sync yet";
                }
            }
            return null;
        });
    }

    private void awaitSentinelsAgree(Duration bound) throws IOException {
        int replicas = nodes.size() - 1;
        await(bound, () -> {
            for (RedisSentinelProcess s : sentinels) {
                Map<String, String> master = fields(s.admin("SENTINEL", "MASTER", MASTER_NAME));
                if (!"master".equals(master.get("flags"))
                        || !Integer.toString(replicas).equals(master.get("num-slaves"))
                        || !Integer.toString(sentinels.size() - 1).equals(master.get("num-other-sentinels"))) {
                    return "sentinel " + s.port() + " sees " + master.get("flags") + " with " + master.get("num-slaves")
                            + " replica(s) and " + master.get("num-other-sentinels") + " other sentinel(s)";
                }
            }
            return null;
        });
    }

    private static Map<String, String> fields(Reply flat) {
        List<Reply> list = flat.asList();
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i + 1 < list.size(); i += 2) {
            out.put(list.get(i).asString(), list.get(i + 1).asString());
        }
        return out;
    }

    /** A check that returns null when satisfied, or what it is still waiting for. */
    private interface Check {
        String waitingFor();
    }

    private static void await(Duration bound, Check check) throws IOException {
        long deadline = System.nanoTime() + bound.toNanos();
        String last = "nothing checked yet";
        while (System.nanoTime() - deadline < 0) {
            try {
                last = check.waitingFor();
                if (last == null) {
                    return;
                }
            } catch (RuntimeException notYet) {
                last = notYet.toString();
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        throw new IOException("the sentinel setup was not ready within " + bound + ": " + last);
    }

    @Override
    public void close() {
        sentinels.forEach(RedisSentinelProcess::close);
        nodes.forEach(RedisServerProcess::close);
    }
}
