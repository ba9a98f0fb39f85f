package io.evloop.redis;

import io.evloop.internal.javaloop.JavaEventLoop;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import jdk.net.ExtendedSocketOptions;

/**
 * The Java backend's connection: a non-blocking {@link SocketChannel} on the
 * {@link JavaEventLoop}'s selector. Writes go straight from the client's {@link RespEncoder}
 * (all commands of a loop turn in one {@code write}); reads fill one direct buffer that the
 * client's decoder parses in bulk.
 */
final class JavaRedisTransport implements RedisTransport, JavaEventLoop.IoHandler {

    private static final int READ_BUFFER_SIZE = 64 * 1024;
    /** Reads per readiness event before giving other connections and tasks a turn. */
    private static final int MAX_READS_PER_EVENT = 16;

    private static final System.Logger LOG = System.getLogger(JavaRedisTransport.class.getName());

    private final JavaEventLoop loop;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
    private final RespDecoder decoder;
    private final int keepAliveSeconds; // 0: none
    private SocketAddress address;
    private SocketChannel channel;
    private SelectionKey key;
    private Listener listener;
    private RespEncoder unwritten; // non-null while the socket is full
    private boolean closed;

    JavaRedisTransport(JavaEventLoop loop, long maxReplyBytes, int keepAliveSeconds) {
        this.loop = loop;
        this.keepAliveSeconds = keepAliveSeconds;
        this.decoder = new RespDecoder(RespDecoder.DEFAULT_MAX_ARRAY_LENGTH, RespDecoder.DEFAULT_MAX_DEPTH,
                RespDecoder.DEFAULT_MAX_LINE_LENGTH, maxReplyBytes);
    }

    @Override
    public void connect(SocketAddress address, Listener listener) {
        this.listener = listener;
        this.address = address;
        try {
            channel = address instanceof UnixDomainSocketAddress
                    ? SocketChannel.open(StandardProtocolFamily.UNIX)
                    : SocketChannel.open();
            channel.configureBlocking(false);
            if (!(address instanceof UnixDomainSocketAddress)) {
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (keepAliveSeconds > 0) {
                    enableKeepAlive(channel, keepAliveSeconds);
                }
            }
            boolean done = channel.connect(address);
            key = loop.register(channel, done ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, this);
            if (done) {
                loop.post(() -> {
                    if (!closed) {
                        listener.onConnected();
                    }
                });
            }
        } catch (IOException | RuntimeException e) {
            loop.post(() -> fail(e));
        }
    }

    /** As hiredis does for the native backend: the idle time, probes every third of it, 3 of them. */
    private static void enableKeepAlive(SocketChannel channel, int idleSeconds) throws IOException {
        channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        if (channel.supportedOptions().contains(ExtendedSocketOptions.TCP_KEEPIDLE)) {
            channel.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, idleSeconds);
            channel.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, Math.max(1, idleSeconds / 3));
            channel.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 3);
        }
    }

    @Override
    public void onReady(SelectionKey k) {
        try {
            if (k.isConnectable()) {
                channel.finishConnect();
                k.interestOps(SelectionKey.OP_READ);
                listener.onConnected();
                return;
            }
            if (k.isReadable()) {
                read();
            }
            if (!closed && k.isValid() && k.isWritable()) {
                writeUnwritten();
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    private void read() throws IOException {
        for (int i = 0; i < MAX_READS_PER_EVENT && !closed; i++) {
            int n = channel.read(readBuffer);
            if (n < 0) {
                fail(new EOFException("the server closed the connection"));
                return;
            }
            if (n == 0) {
                return;
            }
            readBuffer.flip();
            try {
                decoder.feed(readBuffer, listener::onReply);
            } catch (RedisProtocolException e) {
                fail(e);
                return;
            } catch (Throwable e) {
                // An Error (OutOfMemoryError, say) or a bug, in the middle of a reply: the
                // stream cannot be followed any more, so the connection goes with the cause.
                LOG.log(System.Logger.Level.ERROR, "decoding the replies of " + address
                        + " failed; closing the connection", e);
                fail(new RedisConnectionException("decoding a reply from " + address + " failed (" + e
                        + "); the connection was closed", e));
                return;
            } finally {
                readBuffer.clear();
            }
            if (n < READ_BUFFER_SIZE) {
                return; // the socket is drained; do not pay for one more read that finds nothing
            }
        }
    }

    @Override
    public void write(RespEncoder out, int[] commandEnds, int commandCount) {
        if (closed || unwritten != null) {
            return; // waiting for OP_WRITE: the new bytes are behind the old ones in the same buffer
        }
        try {
            out.writeTo(channel);
            if (!out.isEmpty()) {
                unwritten = out;
                key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            }
        } catch (IOException | RuntimeException e) {
            loop.post(() -> fail(e)); // not from inside the client's flush
        }
    }

    private void writeUnwritten() throws IOException {
        if (unwritten == null) {
            key.interestOps(SelectionKey.OP_READ);
            return;
        }
        unwritten.writeTo(channel);
        if (unwritten.isEmpty()) {
            unwritten = null;
            key.interestOps(SelectionKey.OP_READ);
        }
    }


    private void fail(Throwable cause) {
        if (!closed) {
            close();
            listener.onClosed(cause);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        unwritten = null;
        if (key != null) {
            key.cancel();
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Nothing useful to do: the connection is gone either way.
            }
        }
    }
}
