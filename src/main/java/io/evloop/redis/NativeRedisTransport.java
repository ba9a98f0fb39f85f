package io.evloop.redis;

import io.evloop.uv.UvEventLoop;
import java.net.SocketAddress;

/** Placeholder until the hiredis backend lands: fails every connect with a clear reason. */
final class NativeRedisTransport implements RedisTransport {

    private final UvEventLoop loop;

    NativeRedisTransport(UvEventLoop loop) {
        this.loop = loop;
    }

    @Override
    public void connect(SocketAddress address, Listener listener) {
        loop.post(() -> listener.onClosed(new UnsupportedOperationException(
                "the native Redis backend is not built yet; use EventLoops.createJava()")));
    }

    @Override
    public void write(RespEncoder out, int[] commandEnds, int commandCount) {
    }

    @Override
    public boolean writePending() {
        return false;
    }

    @Override
    public void close() {
    }
}
