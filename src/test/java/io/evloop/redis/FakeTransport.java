package io.evloop.redis;

import io.evloop.EventLoop;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A transport with no server behind it, for the client's unit tests: it records the commands
 * the client writes (decoded back into their arguments) and lets the test play the server
 * (connect, reply, close) on the loop thread. One instance per connection attempt;
 * {@link Factory} hands them out and keeps them all.
 */
final class FakeTransport implements RedisTransport {

    /** Hands a new FakeTransport to each connection attempt. */
    static final class Factory {
        final List<FakeTransport> made = new CopyOnWriteArrayList<>();
        private final EventLoop loop;
        private final LinkedBlockingQueue<FakeTransport> connecting = new LinkedBlockingQueue<>();

        Factory(EventLoop loop) {
            this.loop = loop;
        }

        RedisTransport get() {
            FakeTransport t = new FakeTransport(loop, connecting);
            made.add(t);
            return t;
        }

        /** The next transport the client asked to connect, waiting at most 10 s for it. */
        FakeTransport nextConnect() throws InterruptedException {
            FakeTransport t = connecting.poll(10, TimeUnit.SECONDS);
            if (t == null) {
                throw new AssertionError("the client did not connect within 10 s");
            }
            return t;
        }
    }

    private final EventLoop loop;
    private final LinkedBlockingQueue<FakeTransport> connecting;
    private final LinkedBlockingQueue<List<String>> written = new LinkedBlockingQueue<>();
    private final RespDecoder commandDecoder = new RespDecoder();
    private volatile Listener listener;
    volatile SocketAddress address;
    volatile boolean closed;

    private FakeTransport(EventLoop loop, LinkedBlockingQueue<FakeTransport> connecting) {
        this.loop = loop;
        this.connecting = connecting;
    }

    @Override
    public void connect(SocketAddress address, Listener listener) {
        this.address = address;
        this.listener = listener;
        connecting.add(this);
    }

    @Override
    public void write(RespEncoder out, int[] commandEnds, int commandCount) {
        int n = commandEnds[commandCount - 1];
        // A command is a RESP array of bulk strings, so the reply decoder reads it back.
        commandDecoder.feed(ByteBuffer.wrap(out.array(), out.offset(), n), command -> {
            List<String> argv = new ArrayList<>();
            for (Reply arg : ((Reply.ArrayReply) command).elements()) {
                argv.add(((Reply.BulkString) arg).utf8());
            }
            written.add(argv);
        });
        out.consume(n);
    }

    @Override
    public void close() {
        closed = true;
    }

    /** The next command written, as its arguments, waiting at most 10 s. */
    List<String> nextCommand() throws InterruptedException {
        List<String> argv = written.poll(10, TimeUnit.SECONDS);
        if (argv == null) {
            throw new AssertionError("no command written within 10 s");
        }
        return argv;
    }

    /** Whether no command was written (and none arrives within 100 ms). */
    boolean nothingWritten() throws InterruptedException {
        return written.poll(100, TimeUnit.MILLISECONDS) == null;
    }

    void connected() {
        onLoop(() -> listener.onConnected());
    }

    void reply(Reply reply) {
        onLoop(() -> listener.onReply(reply));
    }

    void lost(Throwable cause) {
        onLoop(() -> {
            closed = true;
            listener.onClosed(cause);
        });
    }

    private void onLoop(Runnable event) {
        if (!loop.post(event)) {
            throw new AssertionError("the loop is stopped");
        }
    }
}
