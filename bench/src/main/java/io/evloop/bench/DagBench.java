package io.evloop.bench;

import com.google.gson.Gson;
import io.evloop.EventLoop;
import io.evloop.EventLoops;
import io.evloop.dag.Dag;
import io.evloop.dag.DagMetrics;
import io.evloop.dag.DagResult;
import io.evloop.dag.DagScheduler;
import io.evloop.redis.RedisClient;
import io.evloop.redis.RedisConfig;
import io.evloop.testkit.BlockingRedisClient;
import io.evloop.testkit.LatencyProxy;
import io.evloop.testkit.RecommendationWorkload;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;

/**
 * The DAG end to end, run in a JVM of its own by {@link BenchSuite}. Prints one JSON object
 * per cell, each with its {@code part}:
 * <ul>
 *   <li>{@code recommendation}: the demo's workload ({@link RecommendationWorkload}: one IO
 *       node fanning out to K Redis calls, then three CPU nodes) in each IO mode, for each
 *       simulated round trip (through {@link LatencyProxy}) and each K;</li>
 *   <li>{@code dependent}: one IO node making 3 calls in a row, each needing the reply before
 *       (GET a gives the key of b, b the key of c), written with {@code thenCompose}, as a
 *       coroutine IO node, and run by the 8-thread pool, at --part-rtt-us;</li>
 *   <li>{@code suspended}: --suspended executions (10,000) of that node in flight at once,
 *       held by a stalled proxy, and the heap each holds, futures against coroutines;</li>
 *   <li>{@code hotkey}: requests reading --keys-per-request keys drawn from a Zipf(--zipf)
 *       law over --hot-keys keys (10^5) with a fan-out node, without and with read coalescing:
 *       Redis calls per request and requests/s, at --part-rtt-us.</li>
 * </ul>
 * Like {@code io.evloop.demo.Demo}: a CPU pool of 4 threads, 64 executions in flight, and in
 * thread-pool mode 8 IO threads with a blocking connection each. Coroutine cells need Java 21
 * and report status {@code skipped}, reason {@code needs Java 21}, on Java 17 ({@link BenchSuite} runs this program
 * on the JVM named by {@code EVLOOP_BENCH_DAG_JAVA} when it is set).
 *
 * <pre>
 * DagBench --port P [--parts recommendation,dependent,suspended,hotkey]
 *          [--modes threadpool,evloop-native,evloop-java] [--io-calls 10,100,1000]
 *          [--rtt-us 0,1000] [--concurrency 64] [--users 1000] [--warmup-ms 1000] [--duration-ms 4000]
 *          [--min-requests 16] [--part-rtt-us 1000] [--part-loops native,java] [--suspended 10000]
 *          [--hot-keys 100000] [--zipf 1.1] [--keys-per-request 10]
 * </pre>
 * Throughput counts the executions that finished inside the window; latency is that of the
 * executions that finished inside it. The window lasts at least --duration-ms and until
 * --min-requests executions finished in it (at most 20 s). Executions still running at the
 * end are cancelled. Redis calls per request are the calls sent during the window over the
 * executions finished in it.
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
        List<String> parts = args.getList("parts", "recommendation,dependent,suspended,hotkey");
        Window window = new Window(concurrency, warmupMs, durationMs, minRequests);

        RedisConfig direct = RedisConfig.fromUri("redis://" + host + ":" + port);
        ExecutorService cpu = Executors.newFixedThreadPool(CPU_THREADS, r -> {
            Thread t = new Thread(r, "dag-cpu");
            t.setDaemon(true);
            return t;
        });
        boolean failed = false;
        try {
            for (int k : parts.contains("recommendation") ? ioCalls : List.<Integer>of()) {
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
                            Map<String, Object> r = runCell(mode, workload, config, cpu, k, rttUs, window);
                            failed |= print(r);
                        }
                    } finally {
                        if (proxy != null) {
                            proxy.close();
                        }
                    }
                }
            }
            int partRttUs = args.getInt("part-rtt-us", 1000);
            List<String> partLoops = args.getList("part-loops", "native,java");
            if (parts.contains("dependent")) {
                failed |= dependentPart(direct, host, port, cpu, users, partRttUs, partLoops, window);
            }
            if (parts.contains("suspended")) {
                failed |= suspendedPart(direct, host, port, cpu, users, args.getInt("suspended", 10_000), partLoops.get(0));
            }
            if (parts.contains("hotkey")) {
                ZipfKeys keys = new ZipfKeys(args.getInt("hot-keys", 100_000), Double.parseDouble(args.get("zipf", "1.1")),
                        args.getInt("keys-per-request", 10));
                failed |= hotKeyPart(direct, host, port, cpu, keys, partRttUs, partLoops.get(0), window);
            }
        } finally {
            cpu.shutdownNow();
        }
        System.exit(failed ? 1 : 0);
    }

    /** How a throughput cell is driven. */
    record Window(int concurrency, long warmupMs, long durationMs, int minRequests) {
    }

    /** Prints one cell; true when it failed. */
    private static boolean print(Map<String, Object> r) {
        r.putIfAbsent("part", "recommendation");
        r.put("java", Runtime.version().toString());
        System.out.println(GSON.toJson(r));
        System.out.flush();
        return "failed".equals(r.get("status"));
    }

    /** Marks a coroutine cell that this JVM cannot run; true when it was skipped. */
    private static boolean skippedWithoutVirtualThreads(Map<String, Object> r) {
        if (Dag.coroutineIoAvailable()) {
            return false;
        }
        r.put("status", "skipped");
        r.put("reason", "needs Java 21 (this JVM is Java " + Runtime.version() + ")"); // read as "skipped: needs Java 21"
        return true;
    }

    // ---- dependent calls: thenCompose, coroutine, thread pool ---------------------------------

    /** user u: dep:u:a holds the key dep:u:b, which holds dep:u:c, which holds end:u. */
    private static void loadChains(RedisConfig direct, int users) throws Exception {
        try (EventLoop loader = EventLoops.createJava()) {
            RedisClient redis = RedisClient.connect(loader, direct).get(10, TimeUnit.SECONDS);
            List<CompletableFuture<?>> writes = new ArrayList<>();
            for (int u = 0; u < users; u++) {
                writes.add(redis.set("dep:" + u + ":a", "dep:" + u + ":b"));
                writes.add(redis.set("dep:" + u + ":b", "dep:" + u + ":c"));
                writes.add(redis.set("dep:" + u + ":c", "end:" + u));
            }
            CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
            redis.close();
        }
    }

    /** The three dependent GETs with futures: each continuation sends the next call from the loop thread. */
    static Dag chainWithFutures() {
        return Dag.builder()
                .io("chain", List.of(), (in, redis) -> redis.get("dep:" + in.request() + ":a")
                        .thenCompose(redis::get).thenCompose(redis::get))
                .cpu("check", List.of("chain"), DagBench::checkChain)
                .build();
    }

    /** The same three GETs as sequential code on a virtual thread. */
    static Dag chainAsCoroutine() {
        return Dag.builder()
                .coroutineIo("chain", List.of(), (in, redis, co) -> {
                    String b = co.await(redis.get("dep:" + in.request() + ":a"));
                    String c = co.await(redis.get(b));
                    return co.await(redis.get(c));
                })
                .cpu("check", List.of("chain"), DagBench::checkChain)
                .build();
    }

    private static Object checkChain(io.evloop.dag.NodeInputs in) {
        Object end = in.get("chain");
        if (!("end:" + in.request()).equals(end)) {
            throw new IllegalStateException("user " + in.request() + " read '" + end + "' at the end of its chain");
        }
        return end;
    }

    private static boolean dependentPart(RedisConfig direct, String host, int port, ExecutorService cpu, int users,
                                         int rttUs, List<String> loops, Window window) throws Exception {
        loadChains(direct, users);
        boolean failed = false;
        try (LatencyProxy proxy = proxy(host, port, rttUs)) {
            RedisConfig config = through(direct, proxy);
            List<String> modes = new ArrayList<>(List.of("threadpool"));
            for (String loop : loops) {
                modes.add("thencompose-" + loop);
                modes.add("coroutine-" + loop);
            }
            for (String mode : modes) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("part", "dependent");
                r.put("mode", mode);
                r.put("rttMs", rttUs / 1000.0);
                r.put("concurrency", window.concurrency());
                boolean coroutine = mode.startsWith("coroutine");
                if (!(coroutine && skippedWithoutVirtualThreads(r))) {
                    Dag dag = coroutine ? chainAsCoroutine() : chainWithFutures();
                    String loop = mode.equals("threadpool") ? null : mode.substring(mode.indexOf('-') + 1);
                    withScheduler(r, loop, config, cpu, false,
                            s -> measure(s, dag, i -> Integer.toString(i % users), window, r));
                }
                failed |= print(r);
            }
        }
        return failed;
    }

    // ---- 10,000 executions suspended at once ---------------------------------------------------

    private static boolean suspendedPart(RedisConfig direct, String host, int port, ExecutorService cpu, int users,
                                         int executions, String loop) throws Exception {
        loadChains(direct, users);
        boolean failed = false;
        for (String mode : List.of("thencompose", "coroutine")) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("part", "suspended");
            r.put("mode", mode);
            r.put("loop", loop);
            r.put("executions", executions);
            if (!(mode.equals("coroutine") && skippedWithoutVirtualThreads(r))) {
                Dag dag = mode.equals("coroutine") ? chainAsCoroutine() : chainWithFutures();
                try (LatencyProxy proxy = proxy(host, port, 0)) {
                    withScheduler(r, loop, through(direct, proxy), cpu, false,
                            s -> holdSuspended(s, dag, proxy, executions, users, mode.equals("coroutine"), r));
                }
            }
            failed |= print(r);
        }
        return failed;
    }

    /**
     * Runs a warm-up round, then starts every execution with the proxy stalled, so that each
     * one's first call stays in flight; measures the heap after a full GC with all of them
     * waiting, against before; then lets the replies through and checks every execution.
     */
    private static void holdSuspended(DagScheduler s, Dag dag, LatencyProxy proxy, int executions, int users,
                                      boolean coroutine, Map<String, Object> r) throws Exception {
        List<CompletableFuture<DagResult>> all = new ArrayList<>(executions);
        for (int i = 0; i < Math.min(executions, 2000); i++) {
            all.add(s.execute(dag, Integer.toString(i % users), Duration.ofSeconds(60)));
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
        all.clear(); // its array stays: the caller's futures are counted, the list holding them is not
        long heapBefore = heapUsedAfterGc();
        proxy.stall(true);
        for (int i = 0; i < executions; i++) {
            all.add(s.execute(dag, Integer.toString(i % users), Duration.ofSeconds(300)));
        }
        DagMetrics m = s.metrics();
        waitFor("every execution waiting on its first call", Duration.ofSeconds(60),
                () -> m.ioCallsInFlight() == executions && (!coroutine || m.coroutineNodesSuspended() == executions));
        long heapSuspended = heapUsedAfterGc();
        long released = System.nanoTime();
        proxy.stall(false);
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(120, TimeUnit.SECONDS);
        double drain = (System.nanoTime() - released) / 1e9;
        waitFor("every coroutine thread ending", Duration.ofSeconds(30), () -> m.coroutineNodesRunning() == 0);
        r.put("status", "ok");
        r.put("heapBefore", heapBefore);
        r.put("heapSuspended", heapSuspended);
        r.put("heapBytesPerExecution", (double) (heapSuspended - heapBefore) / executions);
        r.put("drainSeconds", drain);
    }

    private static long heapUsedAfterGc() {
        var memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static void waitFor(String what, Duration bound, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + " did not happen within " + bound);
            }
            Thread.sleep(5);
        }
    }

    // ---- hot keys, with and without coalescing ---------------------------------------------------

    /** Keys {@code hot:<rank>}, rank 1 the most read, drawn from a Zipf law by a seeded generator per request. */
    static final class ZipfKeys {
        final int keys;
        final double exponent;
        final int perRequest;
        private final double[] cumulative;

        ZipfKeys(int keys, double exponent, int perRequest) {
            this.keys = keys;
            this.exponent = exponent;
            this.perRequest = perRequest;
            cumulative = new double[keys];
            double sum = 0;
            for (int rank = 1; rank <= keys; rank++) {
                sum += 1 / Math.pow(rank, exponent);
                cumulative[rank - 1] = sum;
            }
        }

        /**
         * The same keys for the same request number, on every run. The seed is the request
         * number itself: SplittableRandom steps its state by a fixed gamma per draw, so seeds
         * that are multiples of that gamma would give consecutive requests the same keys, one
         * draw apart, and flatter coalescing.
         */
        List<String> forRequest(int request) {
            SplittableRandom random = new SplittableRandom(request);
            List<String> out = new ArrayList<>(perRequest);
            for (int i = 0; i < perRequest; i++) {
                double u = random.nextDouble() * cumulative[keys - 1];
                int at = java.util.Arrays.binarySearch(cumulative, u);
                out.add("hot:" + (1 + (at >= 0 ? at : -at - 1)));
            }
            return out;
        }

        void load(RedisConfig direct) throws Exception {
            try (EventLoop loader = EventLoops.createJava()) {
                RedisClient redis = RedisClient.connect(loader, direct).get(10, TimeUnit.SECONDS);
                List<CompletableFuture<?>> writes = new ArrayList<>();
                for (int rank = 1; rank <= keys; rank++) {
                    writes.add(redis.set("hot:" + rank, "value-of-" + rank));
                    if (writes.size() == 20_000) {
                        CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
                        writes.clear();
                    }
                }
                CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
                redis.close();
            }
        }

        Dag dag() {
            return Dag.builder()
                    .fanOutIo("values", List.of(), perRequest, in -> forRequest((Integer) in.request()),
                            (in, key, redis) -> redis.get(key))
                    .cpu("check", List.of("values"), in -> {
                        // Each value against its own key: a shared reply must never reach another key's read.
                        List<String> values = in.get("values");
                        List<String> asked = forRequest((Integer) in.request());
                        for (int i = 0; i < asked.size(); i++) {
                            if (!("value-of-" + asked.get(i).substring("hot:".length())).equals(values.get(i))) {
                                throw new IllegalStateException(asked.get(i) + " read '" + values.get(i) + "'");
                            }
                        }
                        return values.size();
                    })
                    .build();
        }
    }

    private static boolean hotKeyPart(RedisConfig direct, String host, int port, ExecutorService cpu, ZipfKeys keys,
                                      int rttUs, String loop, Window window) throws Exception {
        keys.load(direct);
        boolean failed = false;
        try (LatencyProxy proxy = proxy(host, port, rttUs)) {
            for (boolean coalesce : List.of(false, true)) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("part", "hotkey");
                r.put("mode", coalesce ? "coalescing" : "plain");
                r.put("loop", loop);
                r.put("rttMs", rttUs / 1000.0);
                r.put("keys", keys.keys);
                r.put("zipf", keys.exponent);
                r.put("keysPerRequest", keys.perRequest);
                Dag dag = keys.dag();
                withScheduler(r, loop, through(direct, proxy), cpu, coalesce, s -> measure(s, dag, i -> i, window, r));
                failed |= print(r);
            }
        }
        return failed;
    }

    // ---- shared plumbing ---------------------------------------------------------------------------

    private static LatencyProxy proxy(String host, int port, int rttUs) throws java.io.IOException {
        return new LatencyProxy(new InetSocketAddress(host, port), TimeUnit.MICROSECONDS.toNanos(rttUs));
    }

    private static RedisConfig through(RedisConfig direct, LatencyProxy proxy) {
        return direct.toBuilder().host("127.0.0.1").port(proxy.port()).build();
    }

    /** What a cell does with its scheduler. */
    interface SchedulerBody {
        void run(DagScheduler scheduler) throws Exception;
    }

    /**
     * Runs {@code body} with a scheduler on {@code loop} ("native" or "java"), or on the
     * 8-thread pool when {@code loop} is null, and records a failure in {@code r}.
     */
    private static void withScheduler(Map<String, Object> r, String loop, RedisConfig config, ExecutorService cpu,
                                      boolean coalesce, SchedulerBody body) {
        EventLoop eventLoop = null;
        RedisClient client = null;
        DagScheduler scheduler = null;
        try {
            if (loop == null) {
                scheduler = DagScheduler.onThreadPool(cpu, IO_THREADS, () -> BlockingRedisClient.connect(config));
            } else {
                eventLoop = loop.equals("native") ? EventLoops.createNative() : EventLoops.createJava();
                client = RedisClient.connect(eventLoop, config).get(10, TimeUnit.SECONDS);
                DagScheduler.Builder b = DagScheduler.builder(cpu).eventLoop(eventLoop, client);
                scheduler = (coalesce ? b.coalesceReads() : b).build();
            }
            body.run(scheduler);
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
            if (eventLoop != null) {
                eventLoop.close();
            }
        }
    }

    private static Map<String, Object> runCell(String mode, RecommendationWorkload workload, RedisConfig config,
                                               ExecutorService cpu, int ioCalls, int rttUs, Window window) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("mode", mode);
        r.put("ioCalls", ioCalls);
        r.put("rttMs", rttUs / 1000.0);
        r.put("concurrency", window.concurrency());
        String loop = switch (mode) {
            case "threadpool" -> null;
            case "evloop-native" -> "native";
            case "evloop-java" -> "java";
            default -> throw new IllegalArgumentException("unknown mode '" + mode + "'");
        };
        withScheduler(r, loop, config, cpu, false, s -> measure(s, workload.dag(), workload::userFor, window, r));
        return r;
    }

    private static void measure(DagScheduler scheduler, Dag dag, IntFunction<Object> requestFor, Window window,
                                Map<String, Object> r) throws InterruptedException {
        int concurrency = window.concurrency();
        long warmupMs = window.warmupMs();
        long durationMs = window.durationMs();
        int minRequests = window.minRequests();
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
        long calls0 = 0;
        long coalesced0 = 0;
        for (int i = 0; ; i++) {
            long now = System.nanoTime();
            if (cpu0 < 0 && now >= windowStart) {
                cpu0 = ProcStats.processCpuNanos();
                calls0 = scheduler.metrics().ioCalls();
                coalesced0 = scheduler.metrics().coalescedCalls();
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
            CompletableFuture<DagResult> f = scheduler.execute(dag, requestFor.apply(i), Duration.ofSeconds(300));
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
        long calls1 = scheduler.metrics().ioCalls();
        long coalesced1 = scheduler.metrics().coalescedCalls();
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
        r.put("ioCallsPerRequest", n == 0 ? 0 : (double) (calls1 - calls0) / n);
        r.put("coalescedPerRequest", n == 0 ? 0 : (double) (coalesced1 - coalesced0) / n);
    }
}
