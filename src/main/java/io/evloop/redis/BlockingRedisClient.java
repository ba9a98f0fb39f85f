package io.evloop.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A blocking, one-command-at-a-time Redis connection: what a thread of a classic IO pool
 * does (write, then wait for the reply). It exists as the honest baseline of the DAG
 * scheduler's thread-pool mode and the demo; the futures it returns are already complete.
 * Thread-safe by a lock (one command at a time); TCP only.
 */
public final class BlockingRedisClient implements RedisCommands, AutoCloseable {

    private final RedisConfig config;
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final byte[] readBuffer = new byte[16 * 1024];
    private final RespDecoder decoder = new RespDecoder();
    private Reply lastReply;

    private BlockingRedisClient(RedisConfig config) throws IOException {
        this.config = config;
        if (config.socketPath() != null) {
            throw new IllegalArgumentException("BlockingRedisClient speaks TCP only; use a redis:// URI");
        }
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(config.host(), config.port()), (int) config.connectTimeout().toMillis());
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, config.commandTimeout().toMillis()));
        out = socket.getOutputStream();
        in = socket.getInputStream();
    }

    /** Connects and runs AUTH / SELECT / CLIENT SETNAME as configured. */
    public static BlockingRedisClient connect(RedisConfig config) {
        BlockingRedisClient client;
        try {
            client = new BlockingRedisClient(config);
        } catch (IOException e) {
            throw new RedisConnectionException("cannot connect to " + config.endpoint() + ": " + e.getMessage(), e);
        }
        try {
            if (config.password() != null) {
                client.call(config.user() == null ? RespEncoder.utf8("AUTH", config.password())
                        : RespEncoder.utf8("AUTH", config.user(), config.password()));
            }
            if (config.database() != 0) {
                client.call(RespEncoder.utf8("SELECT", Integer.toString(config.database())));
            }
            if (config.clientName() != null) {
                client.call(RespEncoder.utf8("CLIENT", "SETNAME", config.clientName()));
            }
        } catch (RuntimeException e) {
            client.close();
            throw new RedisConnectionException("handshake with " + config.endpoint() + " failed: " + e.getMessage(), e);
        }
        return client;
    }

    @Override
    public CompletableFuture<Reply> send(byte[]... argv) {
        try {
            return CompletableFuture.completedFuture(call(argv));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The per-call timeout is not supported by a blocking socket read; the configured one applies. */
    @Override
    public CompletableFuture<Reply> send(Duration timeout, byte[]... argv) {
        return send(argv);
    }

    private synchronized Reply call(byte[][] argv) {
        RespEncoder.validate(argv);
        try {
            out.write(RespEncoder.encode(argv));
            out.flush();
            lastReply = null;
            while (lastReply == null) {
                int n = in.read(readBuffer);
                if (n < 0) {
                    throw new RedisConnectionException("connection to " + config.endpoint() + " closed by the server");
                }
                decoder.feed(ByteBuffer.wrap(readBuffer, 0, n), r -> lastReply = r);
            }
        } catch (SocketTimeoutException e) {
            close();
            throw new RedisTimeoutException("no reply from " + config.endpoint() + " within " + config.commandTimeout().toMillis() + " ms");
        } catch (IOException e) {
            close();
            throw new RedisConnectionException("connection to " + config.endpoint() + " failed: " + e.getMessage(), e);
        }
        if (lastReply instanceof Reply.ErrorReply error) {
            throw error.toException();
        }
        return lastReply;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
