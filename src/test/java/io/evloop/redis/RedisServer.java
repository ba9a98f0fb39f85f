package io.evloop.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server for the tests, on a free loopback port (and a unix socket), with the
 * controls the fault tests need: kill, restart on the same port, pause. Always stopped by
 * {@link #close()}; a JVM shutdown hook stops it too if a test run is cut short.
 */
public final class RedisServer implements AutoCloseable {

    private final int port;
    private final Path dir;
    private final List<String> extraArgs;
    private Process process;

    private RedisServer(int port, Path dir, List<String> extraArgs) {
        this.port = port;
        this.dir = dir;
        this.extraArgs = extraArgs;
    }

    /** Starts a server; extra arguments such as "--requirepass", "secret" are passed through. */
    public static RedisServer start(String... extraArgs) {
        try {
            RedisServer server = new RedisServer(freePort(), Files.createTempDirectory("evloop-redis-"), List.of(extraArgs));
            server.startProcess();
            Runtime.getRuntime().addShutdownHook(new Thread(server::destroyQuietly));
            return server;
        } catch (IOException e) {
            throw new AssertionError("cannot start redis-server (is it installed? ./build-native.sh installs it)", e);
        }
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public Path socketPath() {
        return dir.resolve("redis.sock");
    }

    public RedisConfig.Builder config() {
        return RedisConfig.builder().host("127.0.0.1").port(port);
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL: the server is gone at once, its connections reset. */
    public void kill() {
        process.destroyForcibly();
        waitFor(process);
    }

    /** Starts it again on the same port, after {@link #kill()}. */
    public void restart() {
        try {
            startProcess();
        } catch (IOException e) {
            throw new AssertionError("cannot restart redis-server on port " + port, e);
        }
    }

    @Override
    public void close() {
        destroyQuietly();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // Best effort: a temp folder left behind is harmless.
        }
    }

    /** Runs one command on a fresh blocking connection (for checks and admin from the test). */
    public Reply admin(String... argv) {
        return adminWithPassword(null, argv);
    }

    public Reply adminWithPassword(String password, String... argv) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            if (password != null) {
                out.write(RespEncoder.encode(RespEncoder.utf8("AUTH", password)));
            }
            out.write(RespEncoder.encode(RespEncoder.utf8(argv)));
            out.flush();
            return readReplies(socket.getInputStream(), password != null ? 2 : 1);
        } catch (IOException e) {
            throw new AssertionError("admin command " + argv[0] + " failed", e);
        }
    }

    private static Reply readReplies(InputStream in, int count) throws IOException {
        RespDecoder decoder = new RespDecoder();
        List<Reply> replies = new ArrayList<>();
        byte[] buf = new byte[8192];
        while (replies.size() < count) {
            int n = in.read(buf);
            if (n < 0) {
                throw new IOException("connection closed before the reply");
            }
            decoder.feed(ByteBuffer.wrap(buf, 0, n), replies::add);
        }
        return replies.get(count - 1);
    }

    private void startProcess() throws IOException {
        List<String> cmd = new ArrayList<>(List.of("redis-server",
                "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--unixsocket", socketPath().toString(), "--unixsocketperm", "700",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                "--daemonize", "no", "--loglevel", "warning"));
        cmd.addAll(extraArgs);
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue() + ": " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                sleep(20);
            }
        }
        process.destroyForcibly();
        throw new IOException("redis-server did not listen on port " + port + " within 20 s: " + log());
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("redis.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private void destroyQuietly() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            waitFor(process);
        }
    }

    private static void waitFor(Process p) {
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
