package io.evloop.bench;

import com.google.gson.Gson;
import io.evloop.EventLoop;
import io.evloop.EventLoops;
import io.evloop.redis.RedisClient;
import io.evloop.redis.RedisConfig;
import io.evloop.testkit.BlockingRedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Memory per in-flight command, run by {@link BenchSuite} in a JVM of its own with a fixed,
 * pre-touched 256 MB heap ({@code -Xms256m -Xmx256m -XX:+AlwaysPreTouch}): the heap's pages
 * are all resident from the start, so growth of the resident set is native memory.
 *
 * <p>The server is paused ({@code CLIENT PAUSE ms ALL}: it reads commands but answers none),
 * the client sends {@code --commands} GETs (distinct keys, as real traffic has), and once they
 * are all written the heap in use after a full GC and the resident set are compared with the
 * same figures before. A first round does the same unmeasured (with a pause of at most 1.5 s),
 * so that classes, compiled code and the client's buffers are already there. The server cannot
 * be unpaused early (CLIENT UNPAUSE waits behind CLIENT PAUSE ALL), so each round lasts its
 * pause. Prints one JSON object.
 *
 * <pre>
 * MemoryBench --client evloop-java|evloop-native|lettuce --port P [--commands 100000] [--pause-ms 6000]
 * </pre>
 */
public final class MemoryBench {

    private MemoryBench() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv);
        String client = args.require("client");
        String host = args.get("host", "127.0.0.1");
        int port = Integer.parseInt(args.require("port"));
        int commands = args.getInt("commands", 100_000);
        long pauseMs = args.getLong("pause-ms", 6000);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("client", client);
        r.put("commands", commands);
        r.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
        try {
            run(client, host, port, commands, pauseMs, r);
        } catch (OutOfMemoryError e) {
            r.put("status", "ok");
            r.put("fits", false);
            r.put("reason", "OutOfMemoryError: " + e.getMessage());
        } catch (Unavailable e) {
            r.put("status", "unavailable");
            r.put("reason", e.getMessage());
        } catch (Exception e) {
            r.put("status", "failed");
            r.put("reason", String.valueOf(e));
        }
        System.out.println(new Gson().toJson(r));
        System.out.flush();
        System.exit("failed".equals(r.get("status")) ? 1 : 0);
    }

    /** A client is not available here for a known reason. */
    static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message);
        }
    }

    /** Sends one GET of the given key number; the future completes with the reply. */
    private interface Sender extends AutoCloseable {
        CompletableFuture<?> get(int i);

        @Override
        void close();
    }

    private static void run(String client, String host, int port, int commands, long pauseMs, Map<String, Object> r)
            throws Exception {
        RedisConfig config = RedisConfig.fromUri("redis://" + host + ":" + port);
        try (Sender sender = open(client, host, port); BlockingRedisClient control = BlockingRedisClient.connect(config)) {
            CompletableFuture<?>[] futures = new CompletableFuture<?>[commands];
            round(sender, control, futures, Math.min(1500, pauseMs), null); // warm-up: classes, JIT, buffers
            round(sender, control, futures, pauseMs, r);
        }
    }

    private static void round(Sender sender, BlockingRedisClient control, CompletableFuture<?>[] futures,
                              long pauseMs, Map<String, Object> r) throws Exception {
        java.util.Arrays.fill(futures, null);
        long heap0 = heapUsedAfterGc();
        long rss0 = ProcStats.residentBytes();
        long pausedAt = System.nanoTime();
        control.send("CLIENT", "PAUSE", Long.toString(pauseMs), "ALL").get(10, TimeUnit.SECONDS);
        for (int i = 0; i < futures.length; i++) {
            futures[i] = sender.get(i);
        }
        Thread.sleep(300); // every command written to the socket, none answered
        long heap1 = heapUsedAfterGc();
        long rss1 = ProcStats.residentBytes();
        long measuredAt = System.nanoTime();
        int answered = 0;
        for (CompletableFuture<?> f : futures) {
            if (f.isDone()) {
                answered++;
            }
        }
        CompletableFuture.allOf(futures).get(60, TimeUnit.SECONDS);
        long drained = System.nanoTime();
        if (r == null) {
            return;
        }
        if (TimeUnit.NANOSECONDS.toMillis(measuredAt - pausedAt) >= pauseMs) {
            throw new IllegalStateException("the measurement took longer than the server's pause of " + pauseMs + " ms");
        }
        int n = futures.length;
        r.put("status", "ok");
        r.put("fits", true);
        r.put("answeredBeforeMeasure", answered);
        r.put("heapBefore", heap0);
        r.put("heapInFlight", heap1);
        r.put("rssBefore", rss0);
        r.put("rssInFlight", rss1);
        r.put("heapBytesPerCommand", (double) (heap1 - heap0) / n);
        r.put("nativeBytesPerCommand", (double) (rss1 - rss0) / n);
        r.put("drainSeconds", (drained - measuredAt) / 1e9);
    }

    private static long heapUsedAfterGc() {
        var memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static Sender open(String client, String host, int port) throws Exception {
        switch (client) {
            case "evloop-native", "evloop-java" -> {
                EventLoop loop;
                try {
                    loop = client.equals("evloop-native") ? EventLoops.createNative() : EventLoops.createJava();
                } catch (IllegalStateException e) {
                    throw new Unavailable("the native event loop does not load: " + e.getMessage());
                }
                RedisClient redis;
                try {
                    redis = RedisClient.connect(loop, "redis://" + host + ":" + port).get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    loop.close();
                    Throwable root = e;
                    while (root.getCause() != null && root.getCause() != root) {
                        root = root.getCause();
                    }
                    if (root instanceof UnsupportedOperationException) {
                        throw new Unavailable("not measured: the native Redis backend is not built yet");
                    }
                    throw e;
                }
                return sender(i -> redis.send("GET", "mem:" + i), () -> {
                    redis.close();
                    loop.close();
                });
            }
            case "lettuce" -> {
                io.lettuce.core.RedisClient lettuce = io.lettuce.core.RedisClient.create(RedisURI.Builder.redis(host, port).build());
                StatefulRedisConnection<String, String> connection = lettuce.connect();
                RedisAsyncCommands<String, String> async = connection.async();
                return sender(i -> async.get("mem:" + i).toCompletableFuture(), () -> {
                    connection.close();
                    lettuce.shutdown();
                });
            }
            default -> throw new IllegalArgumentException("unknown client '" + client + "'; use evloop-native, evloop-java or lettuce");
        }
    }

    private static Sender sender(IntFunction<CompletableFuture<?>> get, Runnable close) {
        return new Sender() {
            @Override
            public CompletableFuture<?> get(int i) {
                return get.apply(i);
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }
}
