package io.evloop.testkit;

import io.evloop.redis.RedisCommands;
import io.evloop.redis.RedisConfig;
import io.evloop.redis.RedisConnectionException;
import io.evloop.redis.RedisProtocolException;
import io.evloop.redis.RedisTimeoutException;
import io.evloop.redis.Reply;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A blocking, one-command-at-a-time Redis connection: what a thread of a classic IO pool
 * does (write, then wait for the reply), the way Jedis-style clients work. It is the
 * baseline of the DAG scheduler's thread-pool mode in the demo, the tests and the
 * benchmarks, and the tests' admin connection. It reads RESP2 with its own small blocking
 * reader on purpose: a baseline built on the library's codec would not be independent of it.
 * Thread-safe by a lock; TCP only; the futures it returns are already complete.
 */
public final class BlockingRedisClient implements RedisCommands, AutoCloseable {

    private static final int MAX_LINE = 64 * 1024;

    private final String endpoint;
    private final Duration readTimeout;
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    private BlockingRedisClient(String host, int port, Duration connectTimeout, Duration readTimeout) throws IOException {
        this.endpoint = host + ":" + port;
        this.readTimeout = readTimeout;
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis()));
        out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
        in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
    }

    /** Connects and runs AUTH / SELECT / CLIENT SETNAME as configured. */
    public static BlockingRedisClient connect(RedisConfig config) {
        if (config.socketPath() != null) {
            throw new IllegalArgumentException("BlockingRedisClient speaks TCP only; use a redis:// URI");
        }
        BlockingRedisClient client = open(config.host(), config.port(), config.connectTimeout(), config.commandTimeout());
        try {
            if (config.password() != null) {
                client.check(config.user() == null ? utf8("AUTH", config.password())
                        : utf8("AUTH", config.user(), config.password()));
            }
            if (config.database() != 0) {
                client.check(utf8("SELECT", Integer.toString(config.database())));
            }
            if (config.clientName() != null) {
                client.check(utf8("CLIENT", "SETNAME", config.clientName()));
            }
        } catch (RuntimeException e) {
            client.close();
            throw new RedisConnectionException("handshake with " + config.endpoint() + " failed: " + e.getMessage(), e);
        }
        return client;
    }

    /** A connection with no handshake, for admin commands from a test thread. */
    public static BlockingRedisClient open(String host, int port, Duration connectTimeout, Duration readTimeout) {
        try {
            return new BlockingRedisClient(host, port, connectTimeout, readTimeout);
        } catch (IOException e) {
            throw new RedisConnectionException("cannot connect to " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    public static byte[][] utf8(String... argv) {
        byte[][] bytes = new byte[argv.length][];
        for (int i = 0; i < argv.length; i++) {
            bytes[i] = argv[i].getBytes(StandardCharsets.UTF_8);
        }
        return bytes;
    }

    @Override
    public CompletableFuture<Reply> send(byte[]... argv) {
        try {
            return CompletableFuture.completedFuture(check(argv));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The per-call timeout is not supported by a blocking socket read; the configured one applies. */
    @Override
    public CompletableFuture<Reply> send(Duration timeout, byte[]... argv) {
        return send(argv);
    }

    /** Sends one command and returns its reply, an error reply included. */
    public synchronized Reply call(byte[]... argv) {
        if (argv.length == 0) {
            throw new IllegalArgumentException("a command needs at least its name");
        }
        try {
            write(argv);
            out.flush();
            return read();
        } catch (SocketTimeoutException e) {
            close();
            throw new RedisTimeoutException("no reply from " + endpoint + " within " + readTimeout.toMillis() + " ms");
        } catch (IOException e) {
            close();
            throw new RedisConnectionException("connection to " + endpoint + " failed: " + e.getMessage(), e);
        }
    }

    private Reply check(byte[][] argv) {
        Reply reply = call(argv);
        if (reply instanceof Reply.ErrorReply error) {
            throw error.toException();
        }
        return reply;
    }

    private void write(byte[][] argv) throws IOException {
        out.write(("*" + argv.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] arg : argv) {
            out.write(("$" + arg.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(arg);
            out.write('\r');
            out.write('\n');
        }
    }

    private Reply read() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("connection closed by the server");
        }
        String line = readLine();
        switch (type) {
            case '+':
                return new Reply.SimpleString(line);
            case '-':
                return new Reply.ErrorReply(line);
            case ':':
                return new Reply.IntegerReply(Long.parseLong(line));
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return Reply.NIL;
                }
                byte[] bytes = in.readNBytes(length);
                if (bytes.length != length || in.read() != '\r' || in.read() != '\n') {
                    throw new EOFException("bulk string cut short");
                }
                return new Reply.BulkString(bytes);
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return Reply.NIL;
                }
                List<Reply> elements = new ArrayList<>(Math.min(count, 1024));
                for (int i = 0; i < count; i++) {
                    elements.add(read());
                }
                return new Reply.ArrayReply(elements);
            }
            default:
                throw new RedisProtocolException("unexpected RESP type byte 0x" + Integer.toHexString(type) + " from " + endpoint);
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(32);
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new EOFException("connection closed inside a reply");
            }
            if (line.size() == MAX_LINE) {
                throw new RedisProtocolException("reply line longer than " + MAX_LINE + " bytes from " + endpoint);
            }
            line.write(c);
        }
        if (in.read() != '\n') {
            throw new RedisProtocolException("reply line not ended by CRLF from " + endpoint);
        }
        return line.toString(StandardCharsets.UTF_8);
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
