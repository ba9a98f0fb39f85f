package io.evloop.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy on loopback that delays every chunk by a fixed time in each direction, to
 * simulate a network round trip on one host in user space, with no kernel traffic shaping needed. Chunks are not
 * serialised: a reader keeps reading while earlier chunks wait out their delay, so pipelined
 * traffic keeps flowing and the proxy adds latency, not a throughput cap. A round trip
 * through it costs about twice the one-way delay.
 */
public final class LatencyProxy implements AutoCloseable {

    private static final byte[] END = new byte[0];

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final long oneWayDelayNanos;
    private final Thread acceptor;
    private final List<Socket> sockets = new ArrayList<>();
    private volatile boolean closed;
    private volatile boolean stalled;

    /**
     * Starts a proxy on a free loopback port forwarding to {@code upstream}.
     *
     * @param roundTripNanos the added round trip; each direction gets half
     */
    public LatencyProxy(InetSocketAddress upstream, long roundTripNanos) throws IOException {
        if (roundTripNanos < 0) {
            throw new IllegalArgumentException("round trip must be >= 0, got " + roundTripNanos);
        }
        this.upstream = upstream;
        this.oneWayDelayNanos = roundTripNanos / 2;
        this.server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "latency-proxy-accept");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /**
     * Stops forwarding in both directions without closing anything ({@code true}), as a
     * network that drops every packet would, or forwards again what it held ({@code false}).
     */
    public void stall(boolean stall) {
        this.stalled = stall;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                continue; // closed (the loop ends), or one failed accept
            }
            Socket target = new Socket();
            try {
                target.connect(upstream, 5000);
                client.setTcpNoDelay(true);
                target.setTcpNoDelay(true);
                synchronized (sockets) {
                    sockets.add(client);
                    sockets.add(target);
                }
                pipe(client, target, "up");
                pipe(target, client, "down");
            } catch (IOException e) {
                // The upstream refused (a server restarting, say): the client sees its
                // connection closed, as it would without the proxy. One failed connection
                // does not stop the proxy.
                closeQuietly(target);
                closeQuietly(client);
            }
        }
    }

    private void pipe(Socket from, Socket to, String direction) throws IOException {
        LinkedBlockingQueue<Object[]> chunks = new LinkedBlockingQueue<>();
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    byte[] chunk = java.util.Arrays.copyOf(buf, n);
                    chunks.add(new Object[] {System.nanoTime() + oneWayDelayNanos, chunk});
                }
            } catch (IOException ignored) {
                // the connection ended
            }
            chunks.add(new Object[] {System.nanoTime() + oneWayDelayNanos, END});
        }, "latency-proxy-" + direction + "-read");
        Thread writer = new Thread(() -> {
            try {
                while (true) {
                    Object[] item = chunks.poll(1, TimeUnit.SECONDS);
                    if (item == null) {
                        if (closed) {
                            return;
                        }
                        continue;
                    }
                    long due = (Long) item[0];
                    for (long wait; (wait = due - System.nanoTime()) > 0; ) {
                        LockSupport.parkNanos(wait);
                    }
                    while (stalled && !closed) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                    }
                    byte[] chunk = (byte[]) item[1];
                    if (chunk == END) {
                        to.shutdownOutput();
                        return;
                    }
                    out.write(chunk);
                    out.flush();
                }
            } catch (IOException | InterruptedException ignored) {
                // the other side is gone
            } finally {
                closeQuietly(from);
            }
        }, "latency-proxy-" + direction + "-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        synchronized (sockets) {
            sockets.forEach(LatencyProxy::closeQuietly);
            sockets.clear();
        }
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing
        }
    }
}
