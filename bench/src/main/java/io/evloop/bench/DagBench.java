package io.evloop.bench;

import com.google.gson.Gson;
import io.evloop.EventLoop;
import io.evloop.EventLoops;
import io.evloop.dag.Dag;
import io.evloop.dag.DagResult;
import io.evloop.dag.DagScheduler;
import io.evloop.redis.RedisClient;
import io.evloop.redis.RedisConfig;
import io.evloop.testkit.BlockingRedisClient;
import io.evloop.testkit.LatencyProxy;
import io.evloop.testkit.RecommendationWorkload;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * The DAG end to end, run in a JVM of its own by {@link BenchSuite}: the demo's
 * recommendation workload ({@link RecommendationWorkload}: one IO node fanning out to K
 * Redis calls, then three CPU nodes) in each IO mode, for each simulated round trip
 * (through the demo's {@link LatencyProxy}) and each K. Like {@code io.evloop.demo.Demo}:
 * a CPU pool of 4 threads, 64 executions in flight, and in thread-pool mode 8 IO threads
 * with a blocking connection each. Prints one JSON object per cell.
 *
 * <pre>
 * DagBench --port P [--modes threadpool,evloop-native,evloop-java] [--io-calls 10,100,1000]
 *          [--rtt-us 0,1000] [--concurrency 64] [--users 1000] [--warmup-ms 1000] [--duration-ms 4000]
 *          [--min-requests 16]
 * </pre>
 * Throughput counts the executions that finished inside the window; latency is that of the
 * executions that finished inside it. The window lasts at least --duration-ms and until
 * --min-requests executions finished in it (at most 20 s). Executions still running at the
 * end are cancelled.
 */
public final class DagBench {

    private static final Gson GSON = new Gson();
    static final int CPU_THREADS = 4;
    static final int IO_THREADS = 8;
    /** The longest a window stretches to collect --min-requests executions. */
    static final long MAX_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(20);

    private DagBench() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv);
        String host = args.get("host", "127.0.0.1");
        int port = Integer.parseInt(args.require("port"));
        List<String> modes = args.getList("modes", "threadpool,evloop-native,evloop-java");
        List<Integer> ioCalls = args.getInts("io-calls", "10,100,1000");
        List<Integer> rttsUs = args.getInts("rtt-us", "0,1000");
        int concurrency = args.getInt("concurrency", 64);
        int users = args.getInt("users", 1000);
        long warmupMs = args.getLong("warmup-ms", 1000);
        long durationMs = args.getLong("duration-ms", 4000);
        int minRequests = args.getInt("min-requests", 2 * IO_THREADS);

        RedisConfig direct = RedisConfig.fromUri("redis://" + host + ":" + port);
        ExecutorService cpu = Executors.newFixedThreadPool(CPU_THREADS, r -> {
            Thread t = new Thread(r, "dag-cpu");
            t.setDaemon(true);
            return t;
        });
        boolean failed = false;
        try {
            for (int k : ioCalls) {
                RecommendationWorkload workload = new RecommendationWorkload(users, k);
                try (EventLoop loader = EventLoops.createJava()) {
                    RedisClient redis = RedisClient.connect(loader, direct).get(10, TimeUnit.SECONDS);
                    workload.load(redis);
                    redis.close();
                }
                for (int rttUs : rttsUs) {
                    LatencyProxy proxy = rttUs == 0 ? null
                            : new LatencyProxy(new InetSocketAddress(host, port), TimeUnit.MICROSECONDS.toNanos(rttUs));
                    RedisConfig config = proxy == null ? direct : direct.toBuilder().host("127.0.0.1").port(proxy.port()).build();
                    try {
                        for (String mode : modes) {
                            Map<String, Object> r = runCell(mode, workload, config, cpu, k, rttUs, concurrency, warmupMs, durationMs, minRequests);
                            failed |= "failed".equals(r.get("status"));
                            System.out.println(GSON.toJson(r));
                            System.out.flush();
                        }
                    } finally {
                        if (proxy != null) {
                            proxy.close();
                        }
                    }
                }
            }
        } finally {
            cpu.shutdownNow();
        }
        System.exit(failed ? 1 : 0);
    }

    private static Map<String, Object> runCell(String mode, RecommendationWorkload workload, RedisConfig config,
                                               ExecutorService cpu, int ioCalls, int rttUs, int concurrency,
                                               long warmupMs, long durationMs, int minRequests) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("mode", mode);
        r.put("ioCalls", ioCalls);
        r.put("rttMs", rttUs / 1000.0);
        r.put("concurrency", concurrency);
        EventLoop loop = null;
        RedisClient client = null;
        DagScheduler scheduler = null;
        try {
            switch (mode) {
                case "threadpool" -> scheduler = DagScheduler.onThreadPool(cpu, IO_THREADS, () -> BlockingRedisClient.connect(config));
                case "evloop-native", "evloop-java" -> {
                    try {
                        loop = mode.equals("evloop-native") ? EventLoops.createNative() : EventLoops.createJava();
                        client = RedisClient.connect(loop, config).get(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        Throwable root = e;
                        while (root.getCause() != null && root.getCause() != root) {
                            root = root.getCause();
                        }
                        r.put("status", root instanceof UnsupportedOperationException ? "unavailable" : "failed");
                        r.put("reason", root instanceof UnsupportedOperationException
                                ? "not measured: the native Redis backend is not built yet" : "cannot connect: " + e);
                        return r;
                    }
                    scheduler = DagScheduler.onEventLoop(cpu, loop, client);
                }
                default -> throw new IllegalArgumentException("unknown mode '" + mode + "'");
            }
            measure(scheduler, workload, concurrency, warmupMs, durationMs, minRequests, r);
        } catch (Exception e) {
            r.put("status", "failed");
            r.put("reason", String.valueOf(e));
        } finally {
            if (scheduler != null) {
                scheduler.close();
            }
            if (client != null) {
                client.close();
            }
            if (loop != null) {
                loop.close();
            }
        }
        return r;
    }

    private static void measure(DagScheduler scheduler, RecommendationWorkload workload, int concurrency,
                                long warmupMs, long durationMs, int minRequests, Map<String, Object> r)
            throws InterruptedException {
        Dag dag = workload.dag();
        Semaphore slots = new Semaphore(concurrency);
        Set<CompletableFuture<DagResult>> running = ConcurrentHashMap.newKeySet();
        Histogram latencies = new Histogram(1, TimeUnit.SECONDS.toNanos(600), 3);
        AtomicInteger completedInWindow = new AtomicInteger();
        AtomicReference<Throwable> error = new AtomicReference<>();
        long start = System.nanoTime();
        long windowStart = start + TimeUnit.MILLISECONDS.toNanos(warmupMs);
        long windowMinEnd = windowStart + TimeUnit.MILLISECONDS.toNanos(durationMs);
        long windowMaxEnd = windowStart + Math.max(TimeUnit.MILLISECONDS.toNanos(durationMs), MAX_WINDOW_NANOS);
        AtomicLong windowEnd = new AtomicLong(Long.MAX_VALUE); // set when the window closes
        long cpu0 = -1;
        for (int i = 0; ; i++) {
            long now = System.nanoTime();
            if (cpu0 < 0 && now >= windowStart) {
                cpu0 = ProcStats.processCpuNanos();
                scheduler.metrics().resetPeak();
            }
            // The window lasts at least durationMs and until minRequests executions finished in
            // it (the slowest cells finish only a few per second), but never past the cap.
            if ((now >= windowMinEnd && completedInWindow.get() >= minRequests) || now >= windowMaxEnd || error.get() != null) {
                windowEnd.set(now);
                break;
            }
            if (!slots.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                continue;
            }
            long t0 = System.nanoTime();
            CompletableFuture<DagResult> f = scheduler.execute(dag, workload.userFor(i), Duration.ofSeconds(300));
            running.add(f);
            f.whenComplete((result, e) -> {
                long t1 = System.nanoTime();
                if (t1 <= windowEnd.get()) {
                    if (e != null) {
                        error.compareAndSet(null, e);
                    } else if (t1 >= windowStart) {
                        synchronized (latencies) {
                            latencies.recordValue(t1 - t0);
                        }
                        completedInWindow.incrementAndGet();
                    }
                }
                running.remove(f);
                slots.release();
            });
        }
        long cpu1 = ProcStats.processCpuNanos();
        int peak = scheduler.metrics().peakIoCallsInFlight();
        running.forEach(f -> f.cancel(false)); // not counted; frees the IO threads sooner
        if (error.get() != null) {
            r.put("status", "failed");
            r.put("reason", String.valueOf(error.get()));
            return;
        }
        int n = completedInWindow.get();
        double seconds = (windowEnd.get() - windowStart) / 1e9;
        r.put("status", n > 0 ? "ok" : "failed");
        if (n == 0) {
            r.put("reason", "no execution finished inside the window");
        }
        r.put("requests", n);
        r.put("seconds", seconds);
        r.put("requestsPerSec", n / seconds);
        synchronized (latencies) {
            r.put("p50Ms", latencies.getValueAtPercentile(50) / 1e6);
            r.put("p99Ms", latencies.getValueAtPercentile(99) / 1e6);
        }
        r.put("peakIoInFlight", peak);
        r.put("cpuMsPerRequest", n == 0 ? 0 : (cpu1 - cpu0) / 1e6 / n);
    }
}
