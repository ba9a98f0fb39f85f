package io.evloop.testkit;

import io.evloop.redis.Reply;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A {@code redis-server --sentinel} child process on a free loopback port, monitoring one
 * primary, with its sentinel.conf in its own temp folder (a sentinel rewrites that file, so
 * it cannot be shared). Detection is quick: the primary is down after 500 ms without an
 * answer. A JVM shutdown hook kills it if the program is cut short; {@link #close()} kills it
 * and deletes the folder. One from {@link #startTls} also has a TLS port, which it announces to
 * the other sentinels, and speaks TLS to the nodes and the other sentinels.
 */
public final class RedisSentinelProcess implements AutoCloseable {

    private final int port;
    private final int tlsPort; // 0: none
    private final Path dir;
    private final Thread shutdownHook;
    private Process process;

    private RedisSentinelProcess(int port, int tlsPort, Path dir) {
        this.port = port;
        this.tlsPort = tlsPort;
        this.dir = dir;
        this.shutdownHook = new Thread(this::destroyProcess, "redis-sentinel-cleanup");
    }

    /**
     * Starts a sentinel that monitors the primary on loopback port {@code primaryPort} as
     * {@code masterName}, agreeing it is down with {@code quorum} sentinels; returns once it
     * accepts connections (at most 20 s).
     */
    public static RedisSentinelProcess start(String masterName, int primaryPort, int quorum) throws IOException {
        return start(masterName, primaryPort, quorum, 0, List.of());
    }

    /**
     * As {@link #start}, with a TLS port ({@link #tlsPort()}) beside the plain one, which stays
     * for {@link #admin}: it presents {@code certificate} with {@code key}, asks no client for a
     * certificate, and reaches the primary (at its TLS port {@code primaryTlsPort}), the
     * replicas and the other sentinels over TLS ({@code tls-replication yes}), trusting the CAs
     * of {@code caCertificates}.
     */
    public static RedisSentinelProcess startTls(String masterName, int primaryTlsPort, int quorum, Path certificate,
                                                Path key, Path caCertificates) throws IOException {
        return start(masterName, primaryTlsPort, quorum, RedisServerProcess.freePort(), List.of(
                "tls-cert-file " + certificate.toAbsolutePath(),
                "tls-key-file " + key.toAbsolutePath(),
                "tls-ca-cert-file " + caCertificates.toAbsolutePath(),
                "tls-auth-clients no",
                "tls-replication yes"));
    }

    private static RedisSentinelProcess start(String masterName, int primaryPort, int quorum, int tlsPort,
                                              List<String> tlsLines) throws IOException {
        RedisSentinelProcess sentinel = new RedisSentinelProcess(RedisServerProcess.freePort(), tlsPort,
                Files.createTempDirectory("evloop-sentinel-"));
        try {
            List<String> lines = new ArrayList<>(List.of(
                    "port " + sentinel.port,
                    "bind 127.0.0.1",
                    "daemonize no",
                    "dir " + sentinel.dir,
                    "loglevel notice",
                    // Everything is on loopback: announce it, so that the sentinels and the
                    // clients see 127.0.0.1 and never a name to resolve.
                    "sentinel resolve-hostnames no",
                    "sentinel announce-hostnames no",
                    "sentinel announce-ip 127.0.0.1",
                    // With TLS the other sentinels must reach this one at its TLS port.
                    "sentinel announce-port " + (tlsPort != 0 ? tlsPort : sentinel.port),
                    "sentinel monitor " + masterName + " 127.0.0.1 " + primaryPort + " " + quorum,
                    "sentinel down-after-milliseconds " + masterName + " 500",
                    "sentinel failover-timeout " + masterName + " 5000",
                    "sentinel parallel-syncs " + masterName + " 1"));
            if (tlsPort != 0) {
                lines.add("tls-port " + tlsPort);
                lines.addAll(tlsLines);
            }
            Files.write(sentinel.config(), lines);
            sentinel.startProcess();
        } catch (IOException | RuntimeException e) {
            sentinel.close();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(sentinel.shutdownHook);
        return sentinel;
    }

    /** The plain port ({@link #admin} uses it). */
    public int port() {
        return port;
    }

    /** The TLS port of a sentinel from {@link #startTls}; 0 for a plain one. */
    public int tlsPort() {
        return tlsPort;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** Runs one command on this sentinel over a fresh blocking connection. */
    public Reply admin(String... argv) {
        try (BlockingRedisClient c = BlockingRedisClient.open("127.0.0.1", port, Duration.ofSeconds(2), Duration.ofSeconds(5))) {
            return c.call(BlockingRedisClient.utf8(argv));
        }
    }

    /** What this sentinel's log says so far, for a failure message. */
    public String log() {
        return ServerProcesses.log(dir.resolve("sentinel.log"));
    }

    /** SIGKILL. */
    public void kill() {
        destroyProcess();
    }

    @Override
    public void close() {
        destroyProcess();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException notAdded) {
            // shutting down (the hook runs anyway), or start failed before adding it
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }

    private Path config() {
        return dir.resolve("sentinel.conf");
    }

    private void startProcess() throws IOException {
        process = ServerProcesses.startListening(List.of("redis-server", config().toString(), "--sentinel"),
                dir.resolve("sentinel.log"), address(), "redis-server --sentinel");
    }

    private void destroyProcess() {
        ServerProcesses.destroy(process);
    }
}
