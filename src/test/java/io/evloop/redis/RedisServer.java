package io.evloop.redis;

import io.evloop.testkit.BlockingRedisClient;
import io.evloop.testkit.RedisServerProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real redis-server for the tests ({@link RedisServerProcess}), plus a blocking admin
 * connection for checks and fault injection from the test thread.
 */
public final class RedisServer implements AutoCloseable {

    private final RedisServerProcess process;

    private RedisServer(RedisServerProcess process) {
        this.process = process;
    }

    /** Starts a server; extra arguments such as "--requirepass", "secret" are passed through. */
    public static RedisServer start(String... extraArgs) {
        try {
            return new RedisServer(RedisServerProcess.start(extraArgs));
        } catch (IOException e) {
            throw new AssertionError("cannot start redis-server", e);
        }
    }

    public int port() {
        return process.port();
    }

    public String uri() {
        return process.uri();
    }

    public Path socketPath() {
        return process.socketPath();
    }

    public RedisConfig.Builder config() {
        return RedisConfig.builder().host("127.0.0.1").port(port());
    }

    public void kill() {
        process.kill();
    }

    /** SIGSTOP: the server stops answering without closing anything; {@link #resume()} undoes it. */
    public void pause() {
        suspend(true);
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() {
        suspend(false);
    }

    private void suspend(boolean stop) {
        try {
            process.suspend(stop);
        } catch (IOException e) {
            throw new AssertionError("cannot " + (stop ? "stop" : "continue") + " redis-server on port " + port(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public void restart() {
        try {
            process.restart();
        } catch (IOException e) {
            throw new AssertionError("cannot restart redis-server on port " + port(), e);
        }
    }

    @Override
    public void close() {
        process.close();
    }

    /** Runs one command on a fresh blocking connection. */
    public Reply admin(String... argv) {
        return adminWithPassword(null, argv);
    }

    public Reply adminWithPassword(String password, String... argv) {
        try (BlockingRedisClient admin = BlockingRedisClient.open("127.0.0.1", port(), Duration.ofSeconds(5), Duration.ofSeconds(10))) {
            if (password != null) {
                admin.call(BlockingRedisClient.utf8("AUTH", password));
            }
            return admin.call(BlockingRedisClient.utf8(argv));
        } catch (RuntimeException e) {
            throw new AssertionError("admin command " + argv[0] + " failed", e);
        }
    }

    static int freePort() throws IOException {
        return RedisServerProcess.freePort();
    }
}
