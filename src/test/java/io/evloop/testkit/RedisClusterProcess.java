package io.evloop.testkit;

import io.evloop.redis.RedisConfig;
import io.evloop.redis.Reply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A local Redis Cluster of redis-server child processes on free loopback ports (3 masters
 * with one replica each by default), created with {@code redis-cli --cluster create}; for
 * the demo, the benchmarks and the tests. {@code cluster-node-timeout} is short (1 s) so that
 * failovers happen quickly.
 */
public final class RedisClusterProcess implements AutoCloseable {

    private final List<RedisServerProcess> nodes = new ArrayList<>();

    private RedisClusterProcess() {
    }

    /** Starts {@code masters * (1 + replicasPerMaster)} nodes and waits until the cluster is ok (at most 60 s). */
    public static RedisClusterProcess start(int masters, int replicasPerMaster) throws IOException {
        return start(masters, replicasPerMaster, null);
    }

    /**
     * As {@link #start(int, int)}, every node also with a TLS port that presents
     * {@code certificates}' server certificate (for localhost and 127.0.0.1), and with the
     * cluster bus and replication over TLS. A client that connects over TLS is told the nodes'
     * TLS ports by CLUSTER SLOTS; the plain ports stay for admin commands.
     */
    public static RedisClusterProcess startTls(int masters, int replicasPerMaster, TlsCertificates certificates)
            throws IOException {
        return start(masters, replicasPerMaster, certificates);
    }

    private static RedisClusterProcess start(int masters, int replicasPerMaster, TlsCertificates tls) throws IOException {
        RedisClusterProcess cluster = new RedisClusterProcess();
        try {
            for (int i = 0; i < masters * (1 + replicasPerMaster); i++) {
                String[] args = {"--cluster-enabled", "yes",
                        "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000",
                        // Replicas must sync before a failover can promote them: start syncing at once.
                        "--repl-diskless-sync-delay", "0"};
                cluster.nodes.add(tls == null ? RedisServerProcess.start(args)
                        : RedisServerProcess.startTls(tls.serverCertificate(), tls.serverKey(), tls.caCertificate(), false,
                        concat(args, "--tls-cluster", "yes", "--tls-replication", "yes")));
            }
            List<String> cmd = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            for (RedisServerProcess n : cluster.nodes) {
                cmd.add("127.0.0.1:" + n.port());
            }
            cmd.addAll(List.of("--cluster-replicas", Integer.toString(replicasPerMaster), "--cluster-yes"));
            Process create = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(create.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!create.waitFor(60, TimeUnit.SECONDS) || create.exitValue() != 0) {
                throw new IOException("redis-cli --cluster create failed: " + output);
            }
            cluster.awaitHealthy(Duration.ofSeconds(60));
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cluster.close();
            throw new IOException("interrupted while creating the cluster", e);
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    public List<RedisServerProcess> nodes() {
        return nodes;
    }

    /** {@code redis://127.0.0.1:port} of every node, usable as seeds. */
    public String[] seedUris() {
        return nodes.stream().map(RedisServerProcess::uri).toArray(String[]::new);
    }

    /** {@code rediss://127.0.0.1:tlsPort} of every node of a cluster from {@link #startTls}. */
    public String[] tlsSeedUris() {
        return nodes.stream().map(RedisServerProcess::tlsUri).toArray(String[]::new);
    }

    /** The node listening on {@code port}. */
    public RedisServerProcess node(int port) {
        return nodes.stream().filter(n -> n.port() == port || n.tlsPort() == port).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node on port " + port));
    }

    /** Runs one command on a node over a fresh blocking connection. */
    public Reply admin(int port, String... argv) {
        try (BlockingRedisClient c = BlockingRedisClient.connect(RedisConfig.builder().host("127.0.0.1").port(port).build())) {
            return c.send(argv).join();
        }
    }

    /** Waits until every live node reports cluster_state:ok with all slots covered, and every replica is in sync. */
    public void awaitHealthy(Duration bound) throws IOException {
        long deadline = System.nanoTime() + bound.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            boolean ok = true;
            for (RedisServerProcess n : nodes) {
                try {
                    String info = admin(n.port(), "CLUSTER", "INFO").asString();
                    if (!info.contains("cluster_state:ok") || !info.contains("cluster_slots_ok:16384")) {
                        ok = false;
                        last = n.port() + ": " + info.lines().limit(3).toList();
                    }
                    String replication = admin(n.port(), "INFO", "replication").asString();
                    if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
                        ok = false; // a replica that has not synced cannot take over
                        last = n.port() + ": replica not in sync yet";
                    }
                } catch (RuntimeException down) {
                    // a killed node does not count
                }
            }
            if (ok) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        throw new IOException("the cluster did not become healthy within " + bound + ": " + last);
    }

    @Override
    public void close() {
        nodes.forEach(RedisServerProcess::close);
    }
}
