package io.evloop.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server child process on a free loopback port (and a unix socket in its own temp
 * folder), for the demo, the benchmarks and the tests: start, kill, restart on the same port,
 * close. No persistence. A JVM shutdown hook kills it if the program is cut short.
 */
public final class RedisServerProcess implements AutoCloseable {

    private final int port;
    private final int tlsPort; // 0: none
    private final Path dir;
    private final List<String> extraArgs;
    private final Thread shutdownHook;
    private Process process;

    private RedisServerProcess(int port, int tlsPort, Path dir, List<String> extraArgs) {
        this.port = port;
        this.tlsPort = tlsPort;
        this.dir = dir;
        this.extraArgs = extraArgs;
        this.shutdownHook = new Thread(this::destroyProcess, "redis-server-cleanup");
    }

    /**
     * Starts {@code redis-server} (from the PATH) with extra arguments such as
     * {@code "--requirepass", "secret"}; returns once it accepts connections (at most 20 s).
     */
    public static RedisServerProcess start(String... extraArgs) throws IOException {
        return start(0, List.of(extraArgs));
    }

    /**
     * Starts {@code redis-server} with a TLS port ({@link #tlsPort()}) beside the plain one,
     * which stays for admin connections and readiness checks. The server presents
     * {@code certificate} with {@code key} and, when {@code requireClientCertificates}, asks
     * every client for a certificate issued by the CAs of {@code caCertificates} and refuses
     * clients without one. Debian's redis-server (7.x) is built with TLS.
     */
    public static RedisServerProcess startTls(Path certificate, Path key, Path caCertificates,
                                              boolean requireClientCertificates, String... extraArgs) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "--tls-cert-file", certificate.toAbsolutePath().toString(),
                "--tls-key-file", key.toAbsolutePath().toString(),
                "--tls-ca-cert-file", caCertificates.toAbsolutePath().toString(),
                "--tls-auth-clients", requireClientCertificates ? "yes" : "no"));
        args.addAll(List.of(extraArgs));
        return start(freePort(), args);
    }

    private static RedisServerProcess start(int tlsPort, List<String> args) throws IOException {
        RedisServerProcess server = new RedisServerProcess(freePort(), tlsPort, Files.createTempDirectory("evloop-redis-"), args);
        try {
            server.startProcess();
        } catch (IOException e) {
            server.deleteDir();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(server.shutdownHook);
        return server;
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** The TLS port of a server from {@link #startTls}; 0 for a plain one. */
    public int tlsPort() {
        return tlsPort;
    }

    /** {@code rediss://127.0.0.1:tlsPort} of a server from {@link #startTls}. */
    public String tlsUri() {
        if (tlsPort == 0) {
            throw new IllegalStateException("this redis-server has no TLS port; start it with startTls");
        }
        return "rediss://127.0.0.1:" + tlsPort;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    public Path socketPath() {
        return dir.resolve("redis.sock");
    }

    /**
     * SIGSTOP ({@code stop = true}) or SIGCONT: a stopped server keeps its connections open and
     * its port listening (the kernel still completes connects) but answers nothing, as a hung
     * or partitioned server would.
     */
    public void suspend(boolean stop) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", stop ? "-STOP" : "-CONT", Long.toString(process.pid()))
                .redirectErrorStream(true).start();
        if (!kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill " + (stop ? "-STOP" : "-CONT") + " " + process.pid() + " failed");
        }
    }

    /** SIGKILL: the server is gone at once and its connections are reset. */
    public void kill() {
        destroyProcess();
    }

    /** Starts it again on the same port after {@link #kill()}. */
    public void restart() throws IOException {
        startProcess();
    }

    @Override
    public void close() {
        destroyProcess();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        deleteDir();
    }

    private void deleteDir() {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }

    private void startProcess() throws IOException {
        List<String> cmd = new ArrayList<>(List.of("redis-server",
                "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--unixsocket", socketPath().toString(), "--unixsocketperm", "700",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                "--daemonize", "no", "--loglevel", "warning"));
        if (tlsPort != 0) {
            cmd.addAll(List.of("--tls-port", Integer.toString(tlsPort)));
        }
        cmd.addAll(extraArgs);
        process = ServerProcesses.startListening(cmd, dir.resolve("redis.log"), address(), "redis-server");
    }

    private void destroyProcess() {
        ServerProcesses.destroy(process);
    }

    /** A port that was free a moment ago on loopback. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
