package io.evloop.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.TestFutures;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The latency proxy delays each direction, keeps bytes intact and does not serialise chunks. */
class LatencyProxyTest {

    private ServerSocket echo;
    private Thread echoThread;

    @BeforeEach
    void startEchoServer() throws Exception {
        echo = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        echoThread = new Thread(() -> {
            while (!echo.isClosed()) {
                try (Socket s = echo.accept()) {
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    byte[] buf = new byte[8192];
                    for (int n; (n = in.read(buf)) > 0; ) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (Exception ignored) {
                    // next connection
                }
            }
        }, "echo");
        echoThread.setDaemon(true);
        echoThread.start();
    }

    @AfterEach
    void stopEchoServer() throws Exception {
        echo.close();
        TestFutures.join(echoThread);
    }

    @Test
    void bytesArriveIntactAfterAtLeastTheRoundTrip() throws Exception {
        long rtt = TimeUnit.MILLISECONDS.toNanos(20);
        try (LatencyProxy proxy = new LatencyProxy((InetSocketAddress) echo.getLocalSocketAddress(), rtt);
             Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            s.setSoTimeout(30_000);
            byte[] payload = new byte[300_000];
            new Random(3).nextBytes(payload);
            long start = System.nanoTime();
            OutputStream out = s.getOutputStream();
            Thread writer = new Thread(() -> {
                try {
                    out.write(payload);
                    out.flush();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            writer.start();
            byte[] back = new byte[payload.length];
            new DataInputStream(s.getInputStream()).readFully(back);
            long elapsed = System.nanoTime() - start;
            TestFutures.join(writer);
            assertArrayEquals(payload, back);
            // A correctness bound, not a speed one: nothing may come back before the delay.
            assertTrue(elapsed >= rtt, "echo came back after " + elapsed + " ns, before the " + rtt + " ns round trip");
        }
    }

    @Test
    void pipelinedChunksAreNotSerialised() throws Exception {
        long rtt = TimeUnit.MILLISECONDS.toNanos(200);
        int messages = 20;
        try (LatencyProxy proxy = new LatencyProxy((InetSocketAddress) echo.getLocalSocketAddress(), rtt);
             Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            long start = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                out.write(new byte[] {(byte) i});
                out.flush();
                Thread.sleep(5);
            }
            byte[] back = new byte[messages];
            new DataInputStream(s.getInputStream()).readFully(back);
            long elapsed = System.nanoTime() - start;
            for (int i = 0; i < messages; i++) {
                assertTrue(back[i] == (byte) i, "order kept");
            }
            // Serialised, 20 chunks would take 20 round trips (4 s); pipelined, about one.
            // The bound is 10x looser than the pipelined figure, so a slow machine passes.
            assertTrue(elapsed < messages * rtt / 2, "took " + elapsed / 1_000_000 + " ms: chunks were serialised");
        }
    }
}
