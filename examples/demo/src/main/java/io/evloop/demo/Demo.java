package io.evloop.demo;

import io.evloop.EventLoop;
import io.evloop.EventLoops;
import io.evloop.dag.Dag;
import io.evloop.dag.DagResult;
import io.evloop.dag.DagScheduler;
import io.evloop.redis.RedisClient;
import io.evloop.redis.RedisConfig;
import io.evloop.redis.cluster.RedisClusterClient;
import io.evloop.redis.cluster.RedisClusterConfig;
import io.evloop.testkit.BlockingRedisClient;
import io.evloop.testkit.BlockingView;
import io.evloop.testkit.LatencyProxy;
import io.evloop.testkit.RecommendationWorkload;
import io.evloop.testkit.RedisClusterProcess;
import io.evloop.testkit.RedisServerProcess;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo: the recommendation DAG of {@link RecommendationWorkload} run in each IO mode
 * against one redis-server, ending with a table. See {@link #usage()}. Two modes show the DAG
 * scheduler's options on the event loop: {@code coroutine} writes the viewer node as a
 * coroutine IO node (sequential code awaiting each reply on a virtual thread; Java 21+), and
 * {@code coalesced} lets identical reads in flight share one Redis call (the table's
 * "coalesced" column counts the calls saved).
 */
public final class Demo {

    /** One mode's figures; {@code ioCalls} and {@code coalesced} count the measured requests' Redis calls sent and saved. */
    record Outcome(String mode, int requests, double seconds, long p50Nanos, long p99Nanos,
                   int peakIoInFlight, double cpuSeconds, long checksum, long ioCalls, long coalesced) {
        double requestsPerSecond() {
            return requests / seconds;
        }
    }

    /**
     * A mode: where IO nodes run ({@code loop} "native" or "java", null for the thread pool),
     * whether the viewer is a coroutine IO node and whether reads are coalesced.
     */
    record Mode(String label, String loop, boolean coroutine, boolean coalesce) {

        static final String ALL = "threadpool,native,java,coroutine,coalesced";

        static Mode of(String name) {
            // The two option modes use the native loop, the target architecture, when it loads.
            String preferred = EventLoops.nativeAvailable() ? "native" : "java";
            return switch (name) {
                case "threadpool" -> new Mode("threadpool (8 IO threads)", null, false, false);
                case "native", "java" -> new Mode("eventloop, " + name + " loop", name, false, false);
                case "coroutine" -> new Mode("eventloop, " + preferred + " loop, coroutine viewer", preferred, true, false);
                case "coalesced" -> new Mode("eventloop, " + preferred + " loop, coalesced reads", preferred, false, true);
                default -> throw new IllegalArgumentException("unknown mode '" + name + "'; use " + ALL);
            };
        }

        /** Why this JVM cannot run the mode, or null. */
        String unavailable() {
            if ("native".equals(loop) && !EventLoops.nativeAvailable()) {
                return EventLoops.nativeUnavailabilityCause().getMessage();
            }
            if (coroutine && !Dag.coroutineIoAvailable()) {
                return "coroutine IO nodes need Java 21 or later; this JVM is Java " + Runtime.version();
            }
            return null;
        }

        Dag dag(RecommendationWorkload workload) {
            return coroutine ? workload.coroutineDag() : workload.dag();
        }

        DagScheduler eventLoopScheduler(ExecutorService cpu, EventLoop eventLoop, io.evloop.redis.RedisCommands redis) {
            DagScheduler.Builder b = DagScheduler.builder(cpu).eventLoop(eventLoop, redis);
            return (coalesce ? b.coalesceReads() : b).build();
        }
    }

    private final Map<String, String> options;

    private Demo(Map<String, String> options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args));
    }

    /** Runs the demo; returns the process exit code (0 when every mode ran and results agree). */
    public static int run(String... args) throws Exception {
        Map<String, String> options = parse(args);
        if (options.containsKey("help")) {
            System.out.println(usage());
            return 0;
        }
        return new Demo(options).run();
    }

    static String usage() {
        return String.join("\n",
                "Usage: ./demo.sh [--requests N] [--concurrency C] [--io-calls K] [--rtt 1ms] [--redis URI]",
                "                 [--modes threadpool,native,java,coroutine,coalesced] [--users U] [--cluster]",
                "  --requests N     requests per mode (default 2000)",
                "  --concurrency C  DAG executions in flight at once (default 64)",
                "  --io-calls K     Redis calls per request by the viewer node (default 100)",
                "  --rtt D          simulated network round trip through a latency proxy (e.g. 1ms; default 0)",
                "  --redis URI      use this server instead of starting redis-server on a free port",
                "  --modes LIST     which modes to run (default all): threadpool, native, java, and on the event loop",
                "                   coroutine (the viewer node as a coroutine IO node, Java 21+) and coalesced",
                "                   (identical reads in flight share one Redis call)",
                "  --users U        users in the data set (default 1000)",
                "  --cluster        run against a local Redis Cluster (3 masters, 3 replicas) started for the demo,",
                "                   or, with --redis, against the cluster that URI is a node of");
    }

    private int run() throws Exception {
        int requests = intOption("requests", 2000);
        int concurrency = intOption("concurrency", 64);
        int ioCalls = intOption("io-calls", 100);
        int users = intOption("users", 1000);
        Duration rtt = duration(options.getOrDefault("rtt", "0ms"));
        List<String> modes = Arrays.asList(options.getOrDefault("modes", Mode.ALL).split(","));
        RecommendationWorkload workload = new RecommendationWorkload(users, ioCalls);

        boolean cluster = options.containsKey("cluster");
        if (cluster && !rtt.isZero()) {
            throw new IllegalArgumentException("--rtt is not supported with --cluster (the proxy fronts one server)");
        }
        RedisServerProcess server = null;
        RedisClusterProcess clusterProcess = null;
        LatencyProxy proxy = null;
        ExecutorService cpu = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "cpu-" + System.nanoTime() % 1000);
            t.setDaemon(true);
            return t;
        });
        try {
            RedisConfig direct;
            if (cluster) {
                String[] seeds;
                if (options.containsKey("redis")) {
                    seeds = new String[] {options.get("redis")};
                } else {
                    System.out.println("starting a local Redis Cluster (3 masters, 3 replicas)...");
                    clusterProcess = RedisClusterProcess.start(3, 1);
                    seeds = clusterProcess.seedUris();
                }
                return runOnCluster(seeds, workload, cpu, modes, requests, concurrency);
            }
            if (options.containsKey("redis")) {
                direct = RedisConfig.fromUri(options.get("redis"));
            } else {
                server = RedisServerProcess.start();
                direct = RedisConfig.fromUri(server.uri());
                System.out.println("started redis-server on port " + server.port());
            }
            System.out.printf(Locale.ROOT, "loading the data set: %d users, %d Redis calls per request...%n", users, ioCalls);
            try (EventLoop loader = EventLoops.createJava()) {
                RedisClient redis = RedisClient.connect(loader, direct).get(10, TimeUnit.SECONDS);
                workload.load(redis);
                redis.close();
            }
            RedisConfig config = direct;
            if (!rtt.isZero()) {
                proxy = new LatencyProxy(new java.net.InetSocketAddress(direct.host(), direct.port()), rtt.toNanos());
                config = direct.toBuilder().host("127.0.0.1").port(proxy.port()).build();
                System.out.println("simulating a " + rtt.toNanos() / 1e6 + " ms round trip through a latency proxy on port " + proxy.port());
            }
            System.out.printf(Locale.ROOT, "running %d requests per mode, %d in flight, modes %s%n", requests, concurrency, modes);

            List<Outcome> outcomes = new ArrayList<>();
            for (String mode : modes) {
                Outcome outcome = runMode(mode.trim(), workload, config, cpu, requests, concurrency);
                if (outcome != null) {
                    outcomes.add(outcome);
                }
            }
            return report(outcomes, rtt);
        } finally {
            cpu.shutdownNow();
            if (proxy != null) {
                proxy.close();
            }
            if (server != null) {
                server.close();
            }
            if (clusterProcess != null) {
                clusterProcess.close();
            }
        }
    }

    private int runOnCluster(String[] seeds, RecommendationWorkload workload, ExecutorService cpu, List<String> modes,
                             int requests, int concurrency) throws Exception {
        RedisClusterConfig config = RedisClusterConfig.fromUris(seeds);
        System.out.println("loading the data set into the cluster...");
        try (EventLoop shared = EventLoops.createJava()) {
            RedisClusterClient sharedClient = RedisClusterClient.connect(shared, config).get(30, TimeUnit.SECONDS);
            workload.load(sharedClient);
            List<Outcome> outcomes = new ArrayList<>();
            for (String name : modes) {
                Mode mode = Mode.of(name.trim());
                String why = mode.unavailable();
                if (why != null) {
                    System.out.println("skipping " + name.trim() + ": " + why);
                    continue;
                }
                if (mode.loop() == null) {
                    // Eight IO threads, each blocking on its own calls through the shared cluster client.
                    try (DagScheduler scheduler = DagScheduler.onThreadPool(cpu, 8, () -> BlockingView.of(sharedClient))) {
                        outcomes.add(measure(mode.label(), scheduler, mode.dag(workload), workload, requests, concurrency));
                    }
                    continue;
                }
                try (EventLoop loop = mode.loop().equals("native") ? EventLoops.createNative() : EventLoops.createJava()) {
                    RedisClusterClient client = RedisClusterClient.connect(loop, config).get(30, TimeUnit.SECONDS);
                    try (DagScheduler scheduler = mode.eventLoopScheduler(cpu, loop, client)) {
                        outcomes.add(measure(mode.label(), scheduler, mode.dag(workload), workload, requests, concurrency));
                    } finally {
                        client.close();
                    }
                }
            }
            sharedClient.close();
            return report(outcomes, Duration.ZERO);
        }
    }

    private Outcome runMode(String name, RecommendationWorkload workload, RedisConfig config, ExecutorService cpu,
                            int requests, int concurrency) throws Exception {
        Mode mode = Mode.of(name);
        String why = mode.unavailable();
        if (why != null) {
            System.out.println("skipping " + name + ": " + why);
            return null;
        }
        EventLoop loop = null;
        RedisClient client = null;
        DagScheduler scheduler;
        if (mode.loop() == null) {
            scheduler = DagScheduler.onThreadPool(cpu, 8, () -> BlockingRedisClient.connect(config));
        } else {
            loop = mode.loop().equals("native") ? EventLoops.createNative() : EventLoops.createJava();
            client = RedisClient.connect(loop, config).get(10, TimeUnit.SECONDS);
            scheduler = mode.eventLoopScheduler(cpu, loop, client);
        }
        try {
            return measure(mode.label(), scheduler, mode.dag(workload), workload, requests, concurrency);
        } finally {
            scheduler.close();
            if (client != null) {
                client.close();
            }
            if (loop != null) {
                loop.close();
            }
        }
    }

    private static Outcome measure(String label, DagScheduler scheduler, Dag dag, RecommendationWorkload workload,
                                   int requests, int concurrency) throws InterruptedException {
        drive(scheduler, dag, workload, Math.min(200, requests), concurrency, null, null); // warm-up
        scheduler.metrics().resetPeak();
        long calls0 = scheduler.metrics().ioCalls();
        long coalesced0 = scheduler.metrics().coalescedCalls();
        long[] latencies = new long[requests];
        AtomicLong checksum = new AtomicLong();
        long cpuBefore = processCpuNanos();
        long start = System.nanoTime();
        drive(scheduler, dag, workload, requests, concurrency, latencies, checksum, label);
        long elapsed = System.nanoTime() - start;
        double cpuSeconds = (processCpuNanos() - cpuBefore) / 1e9;
        Arrays.sort(latencies);
        return new Outcome(label, requests, elapsed / 1e9, percentile(latencies, 0.50), percentile(latencies, 0.99),
                scheduler.metrics().peakIoCallsInFlight(), cpuSeconds, checksum.get(),
                scheduler.metrics().ioCalls() - calls0, scheduler.metrics().coalescedCalls() - coalesced0);
    }

    private static void drive(DagScheduler scheduler, Dag dag, RecommendationWorkload workload, int requests,
                              int concurrency, long[] latencies, AtomicLong checksum) throws InterruptedException {
        drive(scheduler, dag, workload, requests, concurrency, latencies, checksum, null);
    }

    private static void drive(DagScheduler scheduler, Dag dag, RecommendationWorkload workload, int requests,
                              int concurrency, long[] latencies, AtomicLong checksum, String progressLabel)
            throws InterruptedException {
        Semaphore slots = new Semaphore(concurrency);
        AtomicInteger done = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        long start = System.nanoTime();
        long nextProgress = start + TimeUnit.SECONDS.toNanos(1);
        for (int i = 0; i < requests; i++) {
            while (!slots.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                nextProgress = progress(progressLabel, done.get(), requests, start, nextProgress);
            }
            int request = i;
            long t0 = System.nanoTime();
            CompletableFuture<DagResult> f = scheduler.execute(dag, workload.userFor(request), Duration.ofSeconds(60));
            f.whenComplete((result, error) -> {
                if (error != null) {
                    failed.incrementAndGet();
                    System.err.println("request " + request + " failed: " + error);
                } else {
                    if (latencies != null) {
                        latencies[request] = System.nanoTime() - t0;
                    }
                    if (checksum != null) {
                        List<String> top = result.get("sort");
                        checksum.addAndGet((long) top.hashCode() * (request % 7919 + 1));
                    }
                }
                done.incrementAndGet();
                slots.release();
            });
            nextProgress = progress(progressLabel, done.get(), requests, start, nextProgress);
        }
        if (!slots.tryAcquire(concurrency, 120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("requests did not finish within 120 s");
        }
        progress(progressLabel, done.get(), requests, start, 0);
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " requests failed");
        }
    }

    private static long progress(String label, int done, int total, long start, long next) {
        long now = System.nanoTime();
        if (label == null || now < next) {
            return next;
        }
        double secs = (now - start) / 1e9;
        System.out.printf(Locale.ROOT, "  %-28s %6d/%d requests  %8.0f req/s%n", label, done, total, done / Math.max(secs, 1e-9));
        return now + TimeUnit.SECONDS.toNanos(1);
    }

    private static int report(List<Outcome> outcomes, Duration rtt) {
        if (outcomes.isEmpty()) {
            System.out.println("no mode ran");
            return 1;
        }
        Outcome baseline = outcomes.stream().filter(o -> o.mode().startsWith("threadpool")).findFirst().orElse(null);
        System.out.println();
        System.out.printf(Locale.ROOT, "Results (simulated round trip %s ms):%n", rtt.toNanos() / 1e6);
        String fmt = "| %-45s | %10s | %9s | %9s | %14s | %15s | %9s | %8s | %8s |%n";
        System.out.printf(Locale.ROOT, fmt, "mode", "requests/s", "p50 ms", "p99 ms", "peak Redis i/f", "Redis calls/req",
                "coalesced", "CPU s", "speed-up");
        System.out.printf(Locale.ROOT, fmt, "-".repeat(45), "-".repeat(10), "-".repeat(9), "-".repeat(9), "-".repeat(14),
                "-".repeat(15), "-".repeat(9), "-".repeat(8), "-".repeat(8));
        for (Outcome o : outcomes) {
            System.out.printf(Locale.ROOT, fmt, o.mode(), String.format(Locale.ROOT, "%.0f", o.requestsPerSecond()),
                    String.format(Locale.ROOT, "%.2f", o.p50Nanos() / 1e6), String.format(Locale.ROOT, "%.2f", o.p99Nanos() / 1e6),
                    o.peakIoInFlight(), String.format(Locale.ROOT, "%.1f", (double) o.ioCalls() / o.requests()), o.coalesced(),
                    String.format(Locale.ROOT, "%.1f", o.cpuSeconds()),
                    baseline == null ? "n/a" : String.format(Locale.ROOT, "%.1fx", o.requestsPerSecond() / baseline.requestsPerSecond()));
        }
        System.out.println("(coalesced: reads that shared a call already in flight instead of sending their own)");
        long first = outcomes.get(0).checksum();
        boolean identical = outcomes.stream().allMatch(o -> o.checksum() == first);
        System.out.println();
        System.out.println(identical
                ? "Results identical across modes: yes (checksum " + Long.toHexString(first) + ")"
                : "Results identical across modes: NO: checksums differ, this is a bug");
        return identical ? 0 : 2;
    }

    private static long percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    }

    private static long processCpuNanos() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return 0;
    }

    private int intOption(String name, int fallback) {
        String v = options.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " needs a positive whole number, got '" + v + "'");
        }
    }

    static Duration duration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("us")) {
                return Duration.ofNanos(Math.round(Double.parseDouble(t.substring(0, t.length() - 2)) * 1e3));
            }
            if (t.endsWith("ms")) {
                return Duration.ofNanos(Math.round(Double.parseDouble(t.substring(0, t.length() - 2)) * 1e6));
            }
            if (t.endsWith("s")) {
                return Duration.ofNanos(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1e9));
            }
            return Duration.ofNanos(Math.round(Double.parseDouble(t) * 1e6)); // plain number: milliseconds
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "'; use e.g. 1ms, 500us or 0.002s");
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                options.put("help", "");
                continue;
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'\n" + usage());
            }
            String name = a.substring(2);
            int eq = name.indexOf('=');
            if (name.equals("cluster")) {
                options.put(name, "true");
            } else if (eq >= 0) {
                options.put(name.substring(0, eq), name.substring(eq + 1));
            } else if (i + 1 < args.length) {
                options.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value\n" + usage());
            }
        }
        return options;
    }
}
