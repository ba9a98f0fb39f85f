package io.evloop.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.evloop.EventLoopOptions;
import io.evloop.bench.jmh.Loops;
import io.evloop.redis.RedisConfig;
import io.evloop.redis.Reply;
import io.evloop.testkit.BlockingRedisClient;
import io.evloop.testkit.RedisServerProcess;
import io.evloop.testkit.TlsCertificates;
import io.evloop.internal.nativeloop.NativeEventLoop;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The whole benchmark run behind {@code ./bench.sh}: against a redis-server that bench.sh
 * started, it runs every comparison of the benchmark targets (each Java client in a JVM of its own, the C
 * reference, redis-benchmark, JMH, the DAG and the memory probes), what stall detection costs,
 * GETs over TLS against plain TCP (on a redis-server with a TLS port that it starts
 * itself), and RESP3 against RESP2 (GET and HGETALL), writes results.json and CSV files into
 * {@code --out}, then charts and the markdown report ({@link Report}).
 *
 * <pre>
 * BenchSuite --port P --server-pid PID --out DIR --c-bench PATH [--quick] [--check]
 *            [--markdown FILE] [--charts DIR] [--command TEXT] [--git-rev REV]
 *            [--sections redis,handoff,micro,dag,memory,overhead,tls,resp3] [--clients c-hiredis-libuv,...]
 *            [--patterns in-loop,producers-1,producers-4] [--reps N]
 * </pre>
 * {@code --check} exits non-zero unless every client ran and produced figures (never
 * judging speed): the CI smoke test.
 */
public final class BenchSuite {

    static final String C_CLIENT = "c-hiredis-libuv";
    static final String CEILING = "redis-benchmark";
    static final String LETTUCE = "lettuce";
    static final String NATIVE_LOOP = "evloop-native";
    static final String JAVA_LOOP = "evloop-java";
    static final String JEDIS = "jedis";
    /** Report order. */
    static final List<String> REDIS_CLIENTS = List.of(NATIVE_LOOP, JAVA_LOOP, LETTUCE, JEDIS, C_CLIENT, CEILING);
    /** Clients measured in the in-loop pattern only: the C program's own closed loop, the server's ceiling, a blocking pool. */
    static final List<String> IN_LOOP_ONLY = List.of(C_CLIENT, CEILING, JEDIS);
    static final String KEY = "key:__rand_int__"; // the key redis-benchmark's GET test reads
    static final int VALUE_BYTES = 100;
    /** The reason text every harness part gives while the native Redis backend is a placeholder. */
    static final String NOT_BUILT = "native Redis backend is not built yet";

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    /** How long and how often each part runs. */
    record Settings(String mode, int reps, List<Integer> inflight, long warmupMs, long durationMs, long jvmWarmupMs,
                    int ceilingRequests, int jmhWarmupIterations, long jmhWarmupMs, int jmhIterations, long jmhIterationMs,
                    long dagWarmupMs, long dagDurationMs, int dagMinRequests, List<Integer> dagIoCalls, List<Integer> dagRttUs,
                    int memoryCommands, long memoryPauseMs) {

        static Settings quick() {
            return new Settings("quick", 2, List.of(1000), 200, 400, 600, 500_000,
                    1, 200, 1, 400, 300, 800, 8, List.of(10, 100, 1000), List.of(0, 1000), 100_000, 4000);
        }

        static Settings full() {
            return new Settings("full", 3, List.of(16, 256, 1000, 4000, 16000), 1000, 2000, 3000, 4_000_000,
                    2, 1000, 5, 1000, 1000, 4000, 24, List.of(10, 100, 1000), List.of(0, 1000), 100_000, 6000);
        }
    }

    private final Settings s;
    private final int port;
    private final long serverPid;
    private final Path out;
    private final Path log;
    private final Path cBench;
    private final String classPath = System.getProperty("java.class.path");
    private final Results results = new Results();

    private BenchSuite(Settings s, int port, long serverPid, Path out, Path cBench) {
        this.s = s;
        this.port = port;
        this.serverPid = serverPid;
        this.out = out;
        this.log = out.resolve("bench.log");
        this.cBench = cBench;
    }

    public static void main(String[] argv) throws Exception {
        Args a = Args.parse(argv, "quick", "check");
        Settings settings = a.has("quick") ? Settings.quick() : Settings.full();
        if (a.has("reps")) {
            settings = withReps(settings, a.getInt("reps", settings.reps()));
        }
        Path out = Path.of(a.require("out")).toAbsolutePath();
        Files.createDirectories(out);
        BenchSuite suite = new BenchSuite(settings, Integer.parseInt(a.require("port")), a.getLong("server-pid", -1), out,
                Path.of(a.require("c-bench")).toAbsolutePath());
        Path markdown = Path.of(a.get("markdown", out.resolve("BENCHMARKS.md").toString())).toAbsolutePath();
        Path charts = Path.of(a.get("charts", out.resolve("charts").toString())).toAbsolutePath();
        List<String> sections = a.getList("sections", "redis,handoff,micro,dag,memory,overhead,tls,resp3");
        List<String> clients = a.getList("clients", String.join(",", REDIS_CLIENTS));
        List<Pattern> patterns = a.getList("patterns", String.join(",", Pattern.ALL.stream().map(p -> p.id).toList()))
                .stream().map(Pattern::of).toList();
        suite.results.command = a.get("command", "./bench.sh" + (a.has("quick") ? " --quick" : ""));
        suite.results.machine.put("evloop commit", a.get("git-rev", "unknown"));
        suite.run(sections, clients, patterns);
        Report.write(suite.results, out, markdown, charts);
        System.out.println("results: " + out.resolve("results.json"));
        System.out.println("report:  " + markdown);
        if (a.has("check")) {
            List<String> failures = Check.verify(suite.results, sections, clients, patterns, settings.inflight());
            if (!failures.isEmpty()) {
                System.out.println("CHECK FAILED: not every client produced figures:");
                failures.forEach(f -> System.out.println("  - " + f));
                System.exit(1);
            }
            System.out.println("check: every client ran and produced figures");
        }
    }

    private static Settings withReps(Settings s, int reps) {
        return new Settings(s.mode(), reps, s.inflight(), s.warmupMs(), s.durationMs(), s.jvmWarmupMs(), s.ceilingRequests(),
                s.jmhWarmupIterations(), s.jmhWarmupMs(), s.jmhIterations(), s.jmhIterationMs(), s.dagWarmupMs(),
                s.dagDurationMs(), s.dagMinRequests(), s.dagIoCalls(), s.dagRttUs(), s.memoryCommands(), s.memoryPauseMs());
    }

    private void run(List<String> sections, List<String> clients, List<Pattern> patterns) throws Exception {
        long start = System.nanoTime();
        results.mode = s.mode();
        results.startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        results.settings.put("settings", s);
        describeMachine();
        results.machine.put("load average before the run (1, 5, 15 min)", loadAverage());
        say("bench: " + s.mode() + " run, results in " + out);
        prepareKey();
        for (String section : sections) {
            long t0 = System.nanoTime();
            try {
                switch (section) {
                    case "redis" -> redisSection(clients, patterns);
                    case "handoff" -> handoffSection();
                    case "micro" -> microSection();
                    case "dag" -> dagSection();
                    case "memory" -> memorySection();
                    case "overhead" -> overheadSection();
                    case "tls" -> tlsSection();
                    case "resp3" -> resp3Section();
                    default -> throw new IllegalArgumentException("unknown section '" + section + "'");
                }
            } catch (Exception e) {
                problem("section " + section + " failed: " + e);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            results.sectionSeconds.put(section, secs);
            say(String.format(Locale.ROOT, "bench: section %s took %.0f s", section, secs));
        }
        results.durationSeconds = (System.nanoTime() - start) / 1e9;
        results.machine.put("load average after the run (1, 5, 15 min)", loadAverage());
        Files.writeString(out.resolve("results.json"), GSON.toJson(results));
        Csv.writeAll(results, out);
    }

    // ---- Redis throughput and latency ------------------------------------------------------

    private void prepareKey() {
        prepareKey(port);
    }

    /** The GET key, and the resp3 section's hash: {@link #HASH_FIELDS} fields of {@link #HASH_VALUE_BYTES}-byte values. */
    private static void prepareKey(int serverPort) {
        RedisConfig config = RedisConfig.fromUri("redis://127.0.0.1:" + serverPort);
        try (BlockingRedisClient c = BlockingRedisClient.connect(config)) {
            c.set(KEY.getBytes(StandardCharsets.UTF_8), GetClients.value(VALUE_BYTES)).join();
            List<byte[]> hset = new ArrayList<>();
            hset.add("HSET".getBytes(StandardCharsets.UTF_8));
            hset.add(HASH_KEY.getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < HASH_FIELDS; i++) {
                hset.add(("field:" + i).getBytes(StandardCharsets.UTF_8));
                hset.add(GetClients.value(HASH_VALUE_BYTES));
            }
            c.send(BlockingRedisClient.utf8("DEL", HASH_KEY)).join();
            c.send(hset.toArray(new byte[0][])).join();
        }
    }

    private void redisSection(List<String> clients, List<Pattern> patterns) throws Exception {
        results.settings.put("patterns", patterns.stream().map(p -> p.id).toList());
        List<String> others = new ArrayList<>();
        for (String c : List.of(LETTUCE, C_CLIENT, CEILING, JEDIS)) {
            if (clients.contains(c)) {
                others.add(c);
            }
        }
        for (int rep = 1; rep <= s.reps(); rep++) {
            // Each repetition runs every pattern once, starting one further along the list, so
            // that a slow spell of the shared machine does not always hit the same pattern.
            List<Pattern> patternTurn = new ArrayList<>(patterns);
            Collections.rotate(patternTurn, -(rep - 1));
            for (Pattern pattern : patternTurn) {
                // The two loops run back to back, alternating which goes first, so that their
                // ratio pairs figures taken a few seconds apart; the other clients rotate after them.
                List<String> turn = new ArrayList<>();
                for (String loop : rep % 2 == 1 ? List.of(NATIVE_LOOP, JAVA_LOOP) : List.of(JAVA_LOOP, NATIVE_LOOP)) {
                    if (clients.contains(loop)) {
                        turn.add(loop);
                    }
                }
                List<String> rest = new ArrayList<>(others.stream()
                        .filter(c -> pattern == Pattern.IN_LOOP || !IN_LOOP_ONLY.contains(c)).toList());
                Collections.rotate(rest, -(rep - 1));
                turn.addAll(rest);
                for (String client : turn) {
                    say("bench: redis rep " + rep + "/" + s.reps() + ", " + pattern.id + ": " + client);
                    switch (client) {
                        case C_CLIENT -> runC(rep);
                        case CEILING -> runCeiling(rep);
                        default -> runJavaClient(client, pattern, rep);
                    }
                }
            }
        }
        aggregateRedis();
    }

    private void runJavaClient(String client, Pattern pattern, int rep) throws Exception {
        ChildProcess.Outcome o = runRedisLoad(client, pattern, port, serverPid, s.inflight(), List.of());
        List<JsonObject> rows = jsonLines(o.stdout());
        for (int n : s.inflight()) {
            JsonObject row = rows.stream().filter(r -> r.get("inflight").getAsInt() == n).findFirst().orElse(null);
            if (row == null) {
                addRun(failedRun(client, pattern, n, rep, o.timedOut() ? "timed out" : "no result (exit " + o.exitCode() + ", see bench.log)"));
            } else {
                addRun(runFrom(row, client, pattern, rep));
            }
        }
    }

    /**
     * One JVM of {@link RedisLoad}: the client in the pattern at every N, with the suite's
     * windows, GETs of {@link #KEY}; {@code extraArgs} come last, so that a {@code --key} or
     * {@code --value-bytes} there replaces the GET's.
     */
    private ChildProcess.Outcome runRedisLoad(String client, Pattern pattern, int serverPort, long pid, List<Integer> inflight,
                                              List<String> extraArgs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ChildProcess.javaBinary(), "-Xms1g", "-Xmx1g", "-cp", classPath,
                "io.evloop.bench.RedisLoad", "--client", client, "--pattern", pattern.id, "--port", Integer.toString(serverPort),
                "--inflight", join(inflight), "--warmup-ms", Long.toString(s.warmupMs()),
                "--duration-ms", Long.toString(s.durationMs()), "--jvm-warmup-ms", Long.toString(s.jvmWarmupMs()),
                "--server-pid", Long.toString(pid), "--key", KEY, "--value-bytes", Integer.toString(VALUE_BYTES)));
        cmd.addAll(extraArgs);
        long budget = 60 + inflight.size() * (s.warmupMs() + s.durationMs() + 60_000) / 1000;
        return ChildProcess.run(cmd, log, budget);
    }

    private void runC(int rep) throws Exception {
        for (int n : s.inflight()) {
            List<String> cmd = List.of(cBench.toString(), "--port", Integer.toString(port), "--inflight", Integer.toString(n),
                    "--warmup-ms", Long.toString(s.warmupMs()), "--duration-ms", Long.toString(s.durationMs()),
                    "--key", KEY, "--server-pid", Long.toString(serverPid));
            ChildProcess.Outcome o = ChildProcess.run(cmd, log, 60 + (s.warmupMs() + s.durationMs()) / 1000);
            List<JsonObject> rows = jsonLines(o.stdout());
            if (rows.isEmpty() || o.exitCode() != 0) {
                addRun(failedRun(C_CLIENT, Pattern.IN_LOOP, n, rep, o.timedOut() ? "timed out" : "exit " + o.exitCode() + ", see bench.log"));
                continue;
            }
            JsonObject row = rows.get(0);
            row.addProperty("status", "ok");
            row.addProperty("effectiveInflight", n);
            results.machine.putIfAbsent("hiredis / libuv (C reference)", row.get("versions").getAsString());
            addRun(runFrom(row, C_CLIENT, Pattern.IN_LOOP, rep));
        }
    }

    /**
     * Requests for one redis-benchmark run: the suite's count at N >= 1000, fewer at smaller
     * pipelines (which go slower), so that every N takes a few seconds at most.
     */
    private int ceilingRequests(int n) {
        return (int) Math.max(50L * n, Math.round(s.ceilingRequests() * Math.min(1.0, n / 1000.0)));
    }

    /** redis-benchmark -P N -c 1 -t get -d 100 at every N: the server's own ceiling on one connection. */
    private void runCeiling(int rep) throws Exception {
        results.settings.put("ceilingCommand", "redis-benchmark -h 127.0.0.1 -p PORT -P N -c 1 -t get -d 100 -n REQUESTS --csv"
                + " (REQUESTS = max(50 N, " + s.ceilingRequests() + " x min(1, N / 1000)))");
        for (int n : s.inflight()) {
            runCeiling(n, rep);
        }
    }

    private void runCeiling(int n, int rep) throws Exception {
        int requests = ceilingRequests(n);
        // bash reports the CPU time of its waited-for child from its own /proc stat (cutime, cstime).
        String script = "redis-benchmark \"$@\"; rc=$?; read -r -a s < /proc/$$/stat; "
                + "echo \"CHILD_CPU_TICKS $((s[15] + s[16])) $(getconf CLK_TCK)\"; exit $rc";
        List<String> cmd = List.of("bash", "-c", script, "redis-benchmark", "-h", "127.0.0.1", "-p", Integer.toString(port),
                "-P", Integer.toString(n), "-c", "1", "-t", "get", "-d", Integer.toString(VALUE_BYTES),
                "-n", Integer.toString(requests), "--csv");
        long server0 = ProcStats.processCpuNanos(serverPid);
        long busy0 = ProcStats.machineBusyNanos();
        long t0 = System.nanoTime();
        ChildProcess.Outcome o = ChildProcess.run(cmd, log, 120);
        long elapsed = System.nanoTime() - t0;
        long server1 = ProcStats.processCpuNanos(serverPid);
        long busy1 = ProcStats.machineBusyNanos();
        String[] csv = null;
        double cpuSeconds = -1;
        for (String line : o.stdout()) {
            if (line.startsWith("\"GET\"")) {
                csv = line.replace("\"", "").split(",");
            } else if (line.startsWith("CHILD_CPU_TICKS")) {
                String[] f = line.split("\\s+");
                cpuSeconds = Double.parseDouble(f[1]) / Double.parseDouble(f[2]);
            }
        }
        if (csv == null || o.exitCode() != 0) {
            addRun(failedRun(CEILING, Pattern.IN_LOOP, n, rep, "no CSV line from redis-benchmark (exit " + o.exitCode() + ")"));
            return;
        }
        // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
        double rps = Double.parseDouble(csv[1]);
        Double serverPct = server0 >= 0 && server1 >= 0 ? 100.0 * (server1 - server0) / elapsed : null;
        // This suite's JVM is idle meanwhile; what bash, redis-benchmark and the server did not use ran elsewhere.
        Double otherPct = serverPct == null || busy0 < 0 || busy1 < 0 || cpuSeconds < 0 ? null
                : Math.max(0, 100.0 * ((busy1 - busy0) - (server1 - server0) - cpuSeconds * 1e9) / elapsed);
        addRun(new Results.RedisRun(CEILING, Pattern.IN_LOOP.id, n, n, rep, "ok", null, rps,
                Double.parseDouble(csv[4]) * 1e3, Double.parseDouble(csv[6]) * 1e3, -1, Double.parseDouble(csv[7]) * 1e3,
                cpuSeconds < 0 ? -1 : cpuSeconds * 1e9 / requests, cpuSeconds < 0 ? -1 : 100.0 * cpuSeconds * 1e9 / elapsed,
                serverPct, otherPct, requests, 0));
    }

    private static Results.RedisRun runFrom(JsonObject r, String client, Pattern pattern, int rep) {
        String status = str(r, "status", "failed");
        return new Results.RedisRun(client, pattern.id, r.get("inflight").getAsInt(),
                (int) num(r, "effectiveInflight", r.get("inflight").getAsInt()),
                rep, status, str(r, "reason", null), num(r, "opsPerSec", 0), num(r, "p50Us", 0), num(r, "p99Us", 0),
                num(r, "p999Us", 0), num(r, "maxUs", 0), num(r, "cpuNsPerOp", 0), num(r, "clientCpuPct", 0),
                r.has("serverCpuPct") && num(r, "serverCpuPct", -1) >= 0 ? num(r, "serverCpuPct", 0) : null,
                r.has("otherCpuPct") && num(r, "otherCpuPct", -1) >= 0 ? num(r, "otherCpuPct", 0) : null,
                (long) num(r, "ops", 0), (long) num(r, "errors", 0));
    }

    private static Results.RedisRun failedRun(String client, Pattern pattern, int n, int rep, String reason) {
        return new Results.RedisRun(client, pattern.id, n, n, rep, "failed", reason, 0, 0, 0, 0, 0, 0, 0, null, null, 0, 0);
    }

    private void addRun(Results.RedisRun r) {
        results.redisRuns.add(r);
        if ("ok".equals(r.status())) {
            say(String.format(Locale.ROOT, "  %-16s %-12s N=%-5d %,12.0f ops/s  p50 %8.1f us  p99 %8.1f us  cpu %7.0f ns/op",
                    r.client(), r.pattern(), r.inflight(), r.opsPerSec(), r.p50Us(), r.p99Us(), r.cpuNsPerOp()));
        } else if (!"unavailable".equals(r.status()) || r.inflight() == s.inflight().get(0)) {
            say("  " + r.client() + " " + r.pattern() + " N=" + r.inflight() + ": " + r.status() + ": " + r.reason());
            if ("failed".equals(r.status())) {
                problem(r.client() + " (" + r.pattern() + ") at N=" + r.inflight() + " (rep " + r.rep() + ") failed: " + r.reason());
            }
        }
    }

    private void aggregateRedis() {
        Map<String, List<Results.RedisRun>> byPoint = new LinkedHashMap<>();
        for (Pattern pattern : Pattern.ALL) {
            for (String client : REDIS_CLIENTS) {
                for (Results.RedisRun r : results.redisRuns) {
                    if (r.client().equals(client) && r.pattern().equals(pattern.id)) {
                        byPoint.computeIfAbsent(client + "@" + pattern.id + "@" + r.inflight(), k -> new ArrayList<>()).add(r);
                    }
                }
            }
        }
        for (List<Results.RedisRun> runs : byPoint.values()) {
            Results.RedisRun first = runs.get(0);
            List<Results.RedisRun> ok = runs.stream().filter(r -> "ok".equals(r.status())).toList();
            if (ok.isEmpty()) {
                results.redis.add(new Results.RedisPoint(first.client(), first.pattern(), first.inflight(), first.effectiveInflight(),
                        0, first.status(), first.reason(), 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null, null, null, null, null,
                        null, null, null, null, null, null));
                continue;
            }
            String client = first.client();
            String pattern = first.pattern();
            int n = first.inflight();
            String inLoop = Pattern.IN_LOOP.id;
            boolean nativeLoop = client.equals(NATIVE_LOOP);
            boolean foreign = !pattern.equals(inLoop);
            List<Double> serverPcts = ok.stream().map(Results.RedisRun::serverCpuPct).filter(v -> v != null).toList();
            List<Double> otherPcts = ok.stream().map(Results.RedisRun::otherCpuPct).filter(v -> v != null).toList();
            ToDoubleFunction<Results.RedisRun> ops = Results.RedisRun::opsPerSec;
            ToDoubleFunction<Results.RedisRun> cpu = Results.RedisRun::cpuNsPerOp;
            ToDoubleFunction<Results.RedisRun> p99 = Results.RedisRun::p99Us;
            results.redis.add(new Results.RedisPoint(client, pattern, n, first.effectiveInflight(), ok.size(),
                    "ok", ok.size() < runs.size() ? (runs.size() - ok.size()) + " of " + runs.size() + " repetitions failed" : null,
                    min(ok, ops), median(ok, ops), max(ok, ops),
                    median(ok, Results.RedisRun::p50Us), median(ok, p99), median(ok, Results.RedisRun::p999Us),
                    median(ok, cpu), min(ok, cpu), max(ok, cpu),
                    serverPcts.isEmpty() ? null : medianOf(serverPcts), otherPcts.isEmpty() ? null : medianOf(otherPcts),
                    ratio(ok, C_CLIENT, inLoop, n, ops), ratio(ok, LETTUCE, pattern, n, ops), ratio(ok, CEILING, inLoop, n, ops),
                    nativeLoop ? ratio(ok, JAVA_LOOP, pattern, n, ops) : null,
                    nativeLoop ? ratio(ok, JAVA_LOOP, pattern, n, cpu) : null,
                    foreign ? ratio(ok, client, inLoop, n, ops) : null,
                    foreign ? ratio(ok, client, inLoop, n, cpu) : null,
                    ratio(ok, C_CLIENT, inLoop, n, p99), ratio(ok, LETTUCE, pattern, n, p99),
                    ratio(ok, C_CLIENT, inLoop, n, cpu), ratio(ok, LETTUCE, pattern, n, cpu)));
        }
    }

    /**
     * This point's figure over the reference's (client, pattern, N) in the same repetition, over
     * every repetition that has both; null when none has, or when the reference is this point.
     */
    private Results.Ratio ratio(List<Results.RedisRun> runs, String reference, String pattern, int n,
                                ToDoubleFunction<Results.RedisRun> figure) {
        List<Double> ratios = new ArrayList<>();
        for (Results.RedisRun r : runs) {
            for (Results.RedisRun ref : results.redisRuns) {
                if (ref != r && ref.client().equals(reference) && ref.pattern().equals(pattern) && ref.inflight() == n
                        && ref.rep() == r.rep() && "ok".equals(ref.status())
                        && figure.applyAsDouble(ref) > 0 && figure.applyAsDouble(r) > 0) {
                    ratios.add(figure.applyAsDouble(r) / figure.applyAsDouble(ref));
                }
            }
        }
        return ratios.isEmpty() ? null : new Results.Ratio(medianOf(ratios), Collections.min(ratios), Collections.max(ratios), ratios.size());
    }

    // ---- JMH: post hand-off, wake-up, codec, one native call --------------------------------

    private void handoffSection() throws RunnerException {
        List<Results.JmhRow> post = jmh("io\\.evloop\\.bench\\.jmh\\.PostHandoffBenchmark\\..*", "handoff-post", true);
        List<Results.JmhRow> wake = jmh("io\\.evloop\\.bench\\.jmh\\.WakeupLatencyBenchmark\\..*", "handoff-wakeup", false);
        for (String loop : Loops.NAMES) {
            for (String bench : List.of("producers1", "producers4")) {
                results.handoff.add(find(post, bench, loop));
            }
            results.handoff.add(find(wake, "wakeup", loop));
        }
    }

    private void microSection() throws RunnerException {
        List<Results.JmhRow> rows = jmh("io\\.evloop\\.(redis\\.RespCodecBenchmark|bench\\.jmh\\.NativeCallBenchmark)\\..*", "micro", true);
        for (String bench : List.of("encodeGet", "decodeBulk100", "libuvVersion")) {
            results.micro.add(find(rows, bench, "-"));
        }
    }

    private Results.JmhRow find(List<Results.JmhRow> rows, String benchmark, String variant) {
        for (Results.JmhRow r : rows) {
            if (r.benchmark().equals(benchmark) && r.variant().equals(variant)) {
                return r;
            }
        }
        problem("JMH " + benchmark + " [" + variant + "] produced no result (see jmh-*.log)");
        return new Results.JmhRow(benchmark, variant, "failed", "no result; see the JMH log", 0, 0, null, null, null, null, 0, 0, 0);
    }

    private List<Results.JmhRow> jmh(String include, String name, boolean gcProfiler) throws RunnerException {
        say("bench: JMH " + name);
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(include)
                .forks(1)
                .warmupIterations(s.jmhWarmupIterations())
                .warmupTime(TimeValue.milliseconds(s.jmhWarmupMs()))
                .measurementIterations(s.jmhIterations())
                .measurementTime(TimeValue.milliseconds(s.jmhIterationMs()))
                .jvmArgs("-Xms1g", "-Xmx1g")
                .shouldFailOnError(false)
                .output(out.resolve("jmh-" + name + ".log").toString())
                .resultFormat(ResultFormatType.JSON)
                .result(out.resolve("jmh-" + name + ".json").toString());
        if (gcProfiler) {
            options.addProfiler(GCProfiler.class);
        }
        Collection<RunResult> runs = new Runner(options.build()).run();
        List<Results.JmhRow> rows = new ArrayList<>();
        for (RunResult run : runs) {
            String fullName = run.getParams().getBenchmark();
            String bench = fullName.substring(fullName.lastIndexOf('.') + 1);
            String loop = run.getParams().getParam("loop");
            Result<?> primary = run.getPrimaryResult();
            Double p50 = null;
            Double p99 = null;
            if (primary.getStatistics().getN() > 0 && bench.equals("wakeup")) {
                p50 = primary.getStatistics().getPercentile(50);
                p99 = primary.getStatistics().getPercentile(99);
            }
            Double alloc = null;
            for (Map.Entry<String, Result> e : run.getSecondaryResults().entrySet()) {
                if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                    alloc = e.getValue().getScore();
                }
            }
            double error = Double.isNaN(primary.getScoreError()) ? 0 : primary.getScoreError();
            List<Double> iterations = new ArrayList<>();
            for (BenchmarkResult b : run.getBenchmarkResults()) {
                for (IterationResult it : b.getIterationResults()) {
                    iterations.add(it.getPrimaryResult().getScore());
                }
            }
            if (iterations.isEmpty()) {
                iterations.add(primary.getScore());
            }
            rows.add(new Results.JmhRow(bench, loop == null ? "-" : loop, "ok", null, primary.getScore(), error,
                    primary.getScoreUnit(), p50, p99, alloc, medianOf(iterations), Collections.min(iterations),
                    Collections.max(iterations)));
            say(String.format(Locale.ROOT, "  %-14s %-14s %,16.2f %s%s", bench, loop == null ? "" : loop, primary.getScore(),
                    primary.getScoreUnit(), p50 == null ? "" : String.format(Locale.ROOT, "  p50 %.1f p99 %.1f", p50, p99)));
        }
        return rows;
    }

    // ---- DAG end to end ----------------------------------------------------------------------

    /**
     * The JVM the DAG runs on: this one, or the one {@code EVLOOP_BENCH_DAG_JAVA} names (a
     * {@code bin/java}), so that a suite run on Java 17 can still measure coroutine IO nodes,
     * which need Java 21.
     */
    private static String dagJava() {
        String java = System.getenv("EVLOOP_BENCH_DAG_JAVA");
        return java == null || java.isBlank() ? ChildProcess.javaBinary() : java;
    }

    private void dagSection() throws Exception {
        List<String> cmd = List.of(dagJava(), "-Xms2g", "-Xmx2g", "-cp", classPath, "io.evloop.bench.DagBench",
                "--port", Integer.toString(port), "--modes", "threadpool,evloop-native,evloop-java",
                "--io-calls", join(s.dagIoCalls()), "--rtt-us", join(s.dagRttUs()),
                "--warmup-ms", Long.toString(s.dagWarmupMs()), "--duration-ms", Long.toString(s.dagDurationMs()),
                "--min-requests", Integer.toString(s.dagMinRequests()));
        say("bench: DAG end to end (" + dagJava() + ")");
        ChildProcess.Outcome o = ChildProcess.run(cmd, log, 1200);
        List<Results.DagRow> rows = new ArrayList<>();
        for (JsonObject r : jsonLines(o.stdout())) {
            switch (str(r, "part", "recommendation")) {
                case "dependent" -> {
                    results.dagDependent.add(new Results.DagDependentRow(str(r, "mode", "?"), num(r, "rttMs", 0),
                            str(r, "java", "?"), str(r, "status", "failed"), str(r, "reason", null), (int) num(r, "requests", 0),
                            num(r, "seconds", 0), num(r, "requestsPerSec", 0), num(r, "p50Ms", 0), num(r, "p99Ms", 0),
                            (int) num(r, "peakIoInFlight", 0), num(r, "cpuMsPerRequest", 0), num(r, "ioCallsPerRequest", 0), null));
                    continue;
                }
                case "suspended" -> {
                    results.dagSuspended.add(new Results.DagSuspendedRow(str(r, "mode", "?"), str(r, "loop", "?"),
                            str(r, "java", "?"), str(r, "status", "failed"), str(r, "reason", null), (int) num(r, "executions", 0),
                            (long) num(r, "heapBefore", 0), (long) num(r, "heapSuspended", 0), num(r, "heapBytesPerExecution", 0),
                            num(r, "drainSeconds", 0)));
                    continue;
                }
                case "hotkey" -> {
                    results.dagHotKeys.add(new Results.DagHotKeyRow(str(r, "mode", "?"), str(r, "loop", "?"), num(r, "rttMs", 0),
                            str(r, "java", "?"), str(r, "status", "failed"), str(r, "reason", null), (int) num(r, "keys", 0),
                            num(r, "zipf", 0), (int) num(r, "keysPerRequest", 0), (int) num(r, "requests", 0), num(r, "seconds", 0),
                            num(r, "requestsPerSec", 0), num(r, "p50Ms", 0), num(r, "p99Ms", 0), num(r, "ioCallsPerRequest", 0),
                            num(r, "coalescedPerRequest", 0)));
                    continue;
                }
                default -> {
                    // the recommendation workload, below
                }
            }
            rows.add(new Results.DagRow(str(r, "mode", "?"), (int) num(r, "ioCalls", 0), num(r, "rttMs", 0),
                    str(r, "status", "failed"), str(r, "reason", null), (int) num(r, "requests", 0), num(r, "seconds", 0),
                    num(r, "requestsPerSec", 0), num(r, "p50Ms", 0), num(r, "p99Ms", 0), (int) num(r, "peakIoInFlight", 0),
                    num(r, "cpuMsPerRequest", 0), null));
        }
        if (o.exitCode() != 0) {
            problem("DAG bench exited with " + (o.timedOut() ? "a timeout" : Integer.toString(o.exitCode())) + "; see bench.log");
        }
        for (Results.DagRow r : rows) {
            Double speedup = null;
            if ("ok".equals(r.status()) && !r.mode().equals("threadpool")) {
                for (Results.DagRow base : rows) {
                    if (base.mode().equals("threadpool") && base.ioCalls() == r.ioCalls() && base.rttMs() == r.rttMs()
                            && "ok".equals(base.status()) && base.requestsPerSec() > 0) {
                        speedup = r.requestsPerSec() / base.requestsPerSec();
                    }
                }
            }
            Results.DagRow row = new Results.DagRow(r.mode(), r.ioCalls(), r.rttMs(), r.status(), r.reason(), r.requests(),
                    r.seconds(), r.requestsPerSec(), r.p50Ms(), r.p99Ms(), r.peakIoInFlight(), r.cpuMsPerRequest(), speedup);
            results.dag.add(row);
            if ("failed".equals(row.status())) {
                problem("DAG " + row.mode() + " at " + row.ioCalls() + " IO calls, " + row.rttMs() + " ms: " + row.reason());
            }
            say(String.format(Locale.ROOT, "  %-14s io=%-5d rtt=%.1fms %-11s %10.1f req/s%s", row.mode(), row.ioCalls(), row.rttMs(),
                    row.status(), row.requestsPerSec(), speedup == null ? "" : String.format(Locale.ROOT, "  x%.1f", speedup)));
        }
        dagParts();
    }

    /** The dependent-call, suspended and hot-key parts: speed-ups over the pool, problems, one line each. */
    private void dagParts() {
        Results.DagDependentRow pool = results.dagDependent.stream()
                .filter(d -> d.mode().equals("threadpool") && "ok".equals(d.status()) && d.requestsPerSec() > 0).findFirst().orElse(null);
        for (int i = 0; i < results.dagDependent.size(); i++) {
            Results.DagDependentRow d = results.dagDependent.get(i);
            Double vs = pool == null || d == pool || !"ok".equals(d.status()) ? null : d.requestsPerSec() / pool.requestsPerSec();
            d = new Results.DagDependentRow(d.mode(), d.rttMs(), d.java(), d.status(), d.reason(), d.requests(), d.seconds(),
                    d.requestsPerSec(), d.p50Ms(), d.p99Ms(), d.peakIoInFlight(), d.cpuMsPerRequest(), d.ioCallsPerRequest(), vs);
            results.dagDependent.set(i, d);
            if ("failed".equals(d.status())) {
                problem("DAG dependent calls, " + d.mode() + ": " + d.reason());
            }
            say(!"ok".equals(d.status()) ? String.format(Locale.ROOT, "  dependent %-20s %s: %s", d.mode(), d.status(), d.reason())
                    : String.format(Locale.ROOT, "  dependent %-20s %-8s %10.1f req/s%s", d.mode(), d.status(), d.requestsPerSec(),
                    vs == null ? "" : String.format(Locale.ROOT, "  x%.1f", vs)));
        }
        for (Results.DagSuspendedRow d : results.dagSuspended) {
            if ("failed".equals(d.status())) {
                problem("DAG suspended executions, " + d.mode() + ": " + d.reason());
            }
            say(!"ok".equals(d.status()) ? String.format(Locale.ROOT, "  suspended %-12s %s: %s", d.mode(), d.status(), d.reason())
                    : String.format(Locale.ROOT, "  suspended %-12s %-8s %,d executions, %.0f B heap each", d.mode(), d.status(),
                    d.executions(), d.heapBytesPerExecution()));
        }
        for (Results.DagHotKeyRow d : results.dagHotKeys) {
            if ("failed".equals(d.status())) {
                problem("DAG hot keys, " + d.mode() + ": " + d.reason());
            }
            say(!"ok".equals(d.status()) ? String.format(Locale.ROOT, "  hot keys  %-12s %s: %s", d.mode(), d.status(), d.reason())
                    : String.format(Locale.ROOT, "  hot keys  %-12s %-8s %10.1f req/s, %.2f Redis calls per request", d.mode(),
                    d.status(), d.requestsPerSec(), d.ioCallsPerRequest()));
        }
    }

    // ---- memory per in-flight command ------------------------------------------------------------

    private void memorySection() throws Exception {
        for (String client : List.of("evloop-native", "evloop-java", LETTUCE)) {
            say("bench: memory, " + client);
            List<String> cmd = List.of(ChildProcess.javaBinary(), "-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch", "-cp", classPath,
                    "io.evloop.bench.MemoryBench", "--client", client, "--port", Integer.toString(port),
                    "--commands", Integer.toString(s.memoryCommands()), "--pause-ms", Long.toString(s.memoryPauseMs()));
            ChildProcess.Outcome o = ChildProcess.run(cmd, log, 180);
            List<JsonObject> rows = jsonLines(o.stdout());
            Results.MemoryRow row;
            if (rows.isEmpty()) {
                row = new Results.MemoryRow(client, "failed", o.timedOut() ? "timed out" : "no result (exit " + o.exitCode() + ")",
                        s.memoryCommands(), 256L << 20, null, 0, 0, 0, 0, 0, 0);
            } else {
                JsonObject r = rows.get(0);
                row = new Results.MemoryRow(client, str(r, "status", "failed"), str(r, "reason", null), (int) num(r, "commands", 0),
                        (long) num(r, "maxHeapBytes", 0), r.has("fits") ? r.get("fits").getAsBoolean() : null,
                        num(r, "heapBytesPerCommand", 0), num(r, "nativeBytesPerCommand", 0), (long) num(r, "heapBefore", 0),
                        (long) num(r, "heapInFlight", 0), (long) num(r, "rssBefore", 0), (long) num(r, "rssInFlight", 0));
            }
            results.memory.add(row);
            if ("failed".equals(row.status())) {
                problem("memory probe of " + client + " failed: " + row.reason());
            }
            say(String.format(Locale.ROOT, "  %-14s %s heap %.0f B/cmd, native %.0f B/cmd, fits in 256 MB: %s", client, row.status(),
                    row.heapBytesPerCommand(), row.nativeBytesPerCommand(), row.fits()));
        }
    }

    // ---- overhead: what stall detection costs -----------------------------------------------

    /** The overhead section's setups: stall detection at the default threshold, and off. */
    static final String STALL_ON = "on";
    static final String STALL_OFF = "off";
    static final List<String> OVERHEAD_LOOPS = List.of(NATIVE_LOOP, JAVA_LOOP);
    static final List<Pattern> OVERHEAD_PATTERNS = List.of(Pattern.IN_LOOP, Pattern.PRODUCERS_1);
    static final int OVERHEAD_N = 1000;

    /**
     * Each loop with stall detection on (the default threshold) and off, in-loop and with one
     * foreign producer, at N = 1000. The on and off runs of one loop and pattern go back to
     * back, alternating which goes first from one repetition to the next, so that each on/off
     * ratio pairs figures taken seconds apart and a slow drift of the shared machine does not
     * always favour the same setup.
     */
    private void overheadSection() throws Exception {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("loops", OVERHEAD_LOOPS);
        settings.put("patterns", OVERHEAD_PATTERNS.stream().map(p -> p.id).toList());
        settings.put("inflight", OVERHEAD_N);
        settings.put("stallThresholdOnMs", EventLoopOptions.DEFAULT_STALL_THRESHOLD.toMillis());
        settings.put("reps", s.reps());
        results.settings.put("overhead", settings);
        for (int rep = 1; rep <= s.reps(); rep++) {
            List<Pattern> patternTurn = new ArrayList<>(OVERHEAD_PATTERNS);
            Collections.rotate(patternTurn, -(rep - 1));
            for (Pattern pattern : patternTurn) {
                for (String loop : alternate(OVERHEAD_LOOPS, rep)) {
                    for (String variant : alternate(List.of(STALL_ON, STALL_OFF), rep)) {
                        say("bench: overhead rep " + rep + "/" + s.reps() + ", " + pattern.id + ": " + loop
                                + ", stall detection " + variant);
                        // Without the option the loop runs with its default threshold, as users' loops do.
                        List<String> extra = variant.equals(STALL_OFF) ? List.of("--stall-threshold-ms", "0") : List.of();
                        runVariant(results.overheadRuns, loop, pattern, List.of(OVERHEAD_N), variant, rep, port, serverPid, extra);
                    }
                }
            }
        }
        for (Pattern pattern : OVERHEAD_PATTERNS) {
            for (String loop : OVERHEAD_LOOPS) {
                results.overhead.add(variantPoint(results.overheadRuns, loop, pattern, OVERHEAD_N, STALL_ON, STALL_OFF));
                results.overhead.add(variantPoint(results.overheadRuns, loop, pattern, OVERHEAD_N, STALL_OFF, null));
            }
        }
    }

    // ---- tls: GETs over TLS against plain TCP -----------------------------------------------

    static final String TLS = "tls";
    static final String PLAIN = "plain";
    static final List<String> TLS_LOOPS = List.of(NATIVE_LOOP, JAVA_LOOP);
    static final List<Integer> TLS_INFLIGHT = List.of(1, 1000);
    static final Pattern TLS_PATTERN = Pattern.IN_LOOP;

    /**
     * Each loop's GETs over TLS and over plain TCP to one redis-server of the suite's own that
     * listens on both (a TLS port with a certificate from a throwaway CA, and its plain port),
     * so that the two differ in nothing but TLS. A loop that refuses TLS at connect is
     * reported as such and not measured further; a later build that speaks TLS there is
     * measured by the same runs. TLS goes first in the first repetition, which is where that
     * is found out; the order then alternates as in the overhead section.
     */
    private void tlsSection() throws Exception {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("loops", TLS_LOOPS);
        settings.put("pattern", TLS_PATTERN.id);
        settings.put("inflight", TLS_INFLIGHT);
        settings.put("reps", s.reps());
        results.settings.put("tls", settings);
        Map<String, String> refused = new LinkedHashMap<>();
        try (TlsCertificates certs = TlsCertificates.generate();
             RedisServerProcess server = RedisServerProcess.startTls(certs.serverCertificate(), certs.serverKey(),
                     certs.caCertificate(), false)) {
            prepareKey(server.port());
            long pid = redisServerPid(server.port());
            settings.put("server", "one redis-server with --port and --tls-port (the same process serves both), "
                    + "an EC P-256 certificate from a throwaway CA that the client trusts");
            results.machine.putIfAbsent("openssl", capture("openssl", "version").trim());
            say("bench: TLS server on ports " + server.port() + " (plain) and " + server.tlsPort() + " (TLS), pid " + pid);
            for (int rep = 1; rep <= s.reps(); rep++) {
                for (String loop : alternate(TLS_LOOPS, rep)) {
                    if (refused.containsKey(loop)) {
                        continue;
                    }
                    for (String variant : alternate(List.of(TLS, PLAIN), rep)) {
                        say("bench: tls rep " + rep + "/" + s.reps() + ": " + loop + ", " + variant);
                        List<Results.VariantRun> runs = variant.equals(TLS)
                                ? runVariant(results.tlsRuns, loop, TLS_PATTERN, TLS_INFLIGHT, variant, rep, server.tlsPort(), pid,
                                        List.of("--tls-ca", certs.caCertificate().toString()))
                                : runVariant(results.tlsRuns, loop, TLS_PATTERN, TLS_INFLIGHT, variant, rep, server.port(), pid, List.of());
                        if (variant.equals(TLS) && runs.stream().allMatch(r -> "unavailable".equals(r.status()))) {
                            refused.put(loop, runs.get(0).reason());
                            break;
                        }
                    }
                }
            }
        }
        for (String loop : TLS_LOOPS) {
            for (int n : TLS_INFLIGHT) {
                if (refused.containsKey(loop)) {
                    results.tls.add(new Results.VariantPoint(loop, TLS_PATTERN.id, n, TLS, 0, "unavailable", refused.get(loop),
                            0, 0, 0, 0, 0, 0, 0, 0, null, null, PLAIN, null, null));
                    continue;
                }
                results.tls.add(variantPoint(results.tlsRuns, loop, TLS_PATTERN, n, TLS, PLAIN));
                results.tls.add(variantPoint(results.tlsRuns, loop, TLS_PATTERN, n, PLAIN, null));
            }
        }
    }

    /** redis-server's pid from its INFO, for its CPU share (a server the suite started itself). */
    private static long redisServerPid(int serverPort) {
        try (BlockingRedisClient c = BlockingRedisClient.connect(RedisConfig.fromUri("redis://127.0.0.1:" + serverPort))) {
            Reply info = c.call(BlockingRedisClient.utf8("INFO", "server"));
            if (info instanceof Reply.BulkString text) {
                for (String line : text.utf8().split("\r\n")) {
                    if (line.startsWith("process_id:")) {
                        return Long.parseLong(line.substring("process_id:".length()).trim());
                    }
                }
            }
        }
        return -1;
    }

    // ---- resp3: RESP3 against RESP2, GET and HGETALL ----------------------------------------

    static final String RESP3 = "resp3";
    static final String RESP2 = "resp2";
    static final List<String> RESP3_LOOPS = List.of(NATIVE_LOOP, JAVA_LOOP);
    /** The hash HGETALL reads: {@link #HASH_FIELDS} fields {@code field:0..} of {@link #HASH_VALUE_BYTES} bytes each. */
    static final String HASH_KEY = "hash:resp3";
    static final int HASH_FIELDS = 10;
    static final int HASH_VALUE_BYTES = 20;

    /** A command the resp3 section measures, and the key it reads. */
    record Resp3Workload(GetClients.Workload command, String key, int valueBytes, int fields, String description) {
        List<String> args() {
            return List.of("--command", command.id, "--key", key, "--value-bytes", Integer.toString(valueBytes),
                    "--fields", Integer.toString(fields));
        }
    }

    static final List<Resp3Workload> RESP3_WORKLOADS = List.of(
            new Resp3Workload(GetClients.Workload.GET, KEY, VALUE_BYTES, 0, "GET of a " + VALUE_BYTES + "-byte value"),
            new Resp3Workload(GetClients.Workload.HGETALL, HASH_KEY, HASH_VALUE_BYTES, HASH_FIELDS,
                    "HGETALL of a " + HASH_FIELDS + "-field hash, " + HASH_VALUE_BYTES + "-byte values"));

    /** A pattern and the N it is measured at in the resp3 section (one JVM per cell and setup). */
    record Resp3Cell(Pattern pattern, List<Integer> inflight) {
    }

    static final List<Resp3Cell> RESP3_CELLS = List.of(new Resp3Cell(Pattern.IN_LOOP, List.of(1, 1000)),
            new Resp3Cell(Pattern.PRODUCERS_1, List.of(1000)));

    /**
     * Each loop's client over RESP3 (HELLO 3) and over RESP2 against the suite's server, for
     * GET and for HGETALL, in each {@link #RESP3_CELLS cell}. The RESP3 and RESP2 runs of one
     * loop, workload and cell go back to back, alternating which goes first from one
     * repetition to the next (RESP3 first in the first, where a build that cannot decode RESP3
     * is found out: that loop's RESP3 runs stop there, its RESP2 runs go on), and the
     * workloads, cells and loops also take turns, as in the overhead section.
     */
    private void resp3Section() throws Exception {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("loops", RESP3_LOOPS);
        settings.put("workloads", RESP3_WORKLOADS.stream().map(w -> w.command().id + " " + w.key()).toList());
        settings.put("cells", RESP3_CELLS.stream().map(c -> c.pattern().id + " N=" + join(c.inflight())).toList());
        settings.put("reps", s.reps());
        results.settings.put("resp3", settings);
        Map<String, String> refused = new LinkedHashMap<>();
        for (Resp3Workload w : RESP3_WORKLOADS) {
            results.resp3Runs.put(w.command().id, new ArrayList<>());
            results.resp3.put(w.command().id, new ArrayList<>());
        }
        for (int rep = 1; rep <= s.reps(); rep++) {
            List<Resp3Cell> cellTurn = new ArrayList<>(RESP3_CELLS);
            Collections.rotate(cellTurn, -(rep - 1));
            for (Resp3Workload w : alternate(RESP3_WORKLOADS, rep)) {
                for (Resp3Cell cell : cellTurn) {
                    for (String loop : alternate(RESP3_LOOPS, rep)) {
                        for (String protocol : alternate(List.of(RESP3, RESP2), rep)) {
                            if (protocol.equals(RESP3) && refused.containsKey(loop)) {
                                continue;
                            }
                            say("bench: resp3 rep " + rep + "/" + s.reps() + ", " + w.command().id + ", " + cell.pattern().id
                                    + ": " + loop + ", " + protocol);
                            List<String> extra = new ArrayList<>(w.args());
                            extra.addAll(List.of("--protocol", protocol));
                            List<Results.VariantRun> runs = runVariant(results.resp3Runs.get(w.command().id), loop, cell.pattern(),
                                    cell.inflight(), protocol, rep, port, serverPid, extra);
                            if (protocol.equals(RESP3) && runs.stream().allMatch(r -> "unavailable".equals(r.status()))) {
                                refused.put(loop, runs.get(0).reason());
                            }
                        }
                    }
                }
            }
        }
        for (Resp3Workload w : RESP3_WORKLOADS) {
            List<Results.VariantRun> runs = results.resp3Runs.get(w.command().id);
            List<Results.VariantPoint> points = results.resp3.get(w.command().id);
            for (Resp3Cell cell : RESP3_CELLS) {
                for (String loop : RESP3_LOOPS) {
                    for (int n : cell.inflight()) {
                        if (refused.containsKey(loop)) {
                            points.add(new Results.VariantPoint(loop, cell.pattern().id, n, RESP3, 0, "unavailable",
                                    refused.get(loop), 0, 0, 0, 0, 0, 0, 0, 0, null, null, RESP2, null, null));
                        } else {
                            points.add(variantPoint(runs, loop, cell.pattern(), n, RESP3, RESP2));
                        }
                        points.add(variantPoint(runs, loop, cell.pattern(), n, RESP2, null));
                    }
                }
            }
        }
    }

    // ---- two setups of one client, paired ---------------------------------------------------

    /** The list in repetition 1's order, reversed in every second repetition. */
    private static <T> List<T> alternate(List<T> items, int rep) {
        List<T> turn = new ArrayList<>(items);
        if (rep % 2 == 0) {
            Collections.reverse(turn);
        }
        return turn;
    }

    /** One JVM of {@link RedisLoad} in one setup; its runs (one per N) go to {@code sink} and are returned. */
    private List<Results.VariantRun> runVariant(List<Results.VariantRun> sink, String client, Pattern pattern,
                                                List<Integer> inflight, String variant, int rep, int serverPort, long pid,
                                                List<String> extraArgs) throws Exception {
        ChildProcess.Outcome o = runRedisLoad(client, pattern, serverPort, pid, inflight, extraArgs);
        List<JsonObject> rows = jsonLines(o.stdout());
        List<Results.VariantRun> runs = new ArrayList<>();
        for (int n : inflight) {
            JsonObject r = rows.stream().filter(x -> x.get("inflight").getAsInt() == n).findFirst().orElse(null);
            Results.VariantRun run = r == null
                    ? new Results.VariantRun(client, pattern.id, n, variant, rep, "failed",
                            o.timedOut() ? "timed out" : "no result (exit " + o.exitCode() + ", see bench.log)",
                            0, 0, 0, 0, 0, null, null, 0, 0)
                    : new Results.VariantRun(client, pattern.id, n, variant, rep, str(r, "status", "failed"), str(r, "reason", null),
                            num(r, "opsPerSec", 0), num(r, "p50Us", 0), num(r, "p99Us", 0), num(r, "cpuNsPerOp", 0),
                            num(r, "clientCpuPct", 0), r.has("serverCpuPct") ? num(r, "serverCpuPct", 0) : null,
                            r.has("otherCpuPct") ? num(r, "otherCpuPct", 0) : null, (long) num(r, "ops", 0), (long) num(r, "errors", 0));
            runs.add(run);
            sink.add(run);
            if ("ok".equals(run.status())) {
                say(String.format(Locale.ROOT, "  %-16s %-12s %-6s N=%-5d %,12.0f ops/s  p99 %8.1f us  cpu %7.0f ns/op",
                        client, pattern.id, variant, n, run.opsPerSec(), run.p99Us(), run.cpuNsPerOp()));
            } else {
                say("  " + client + " " + pattern.id + " " + variant + " N=" + n + ": " + run.status() + ": " + run.reason());
                if (!"unavailable".equals(run.status())) {
                    problem(client + " (" + pattern.id + ", " + variant + ") at N=" + n + " (rep " + rep + ") failed: " + run.reason());
                }
            }
        }
        return runs;
    }

    /**
     * One setup's runs over the repetitions; with a {@code baseline}, its GETs/s and CPU per
     * GET over the baseline's, each ratio taken within one repetition.
     */
    private static Results.VariantPoint variantPoint(List<Results.VariantRun> all, String client, Pattern pattern, int n,
                                                     String variant, String baseline) {
        List<Results.VariantRun> runs = all.stream().filter(r -> r.client().equals(client) && r.pattern().equals(pattern.id)
                && r.inflight() == n && r.variant().equals(variant)).toList();
        List<Results.VariantRun> ok = runs.stream().filter(r -> "ok".equals(r.status())).toList();
        if (ok.isEmpty()) {
            Results.VariantRun first = runs.isEmpty() ? null : runs.get(0);
            return new Results.VariantPoint(client, pattern.id, n, variant, 0, first == null ? "failed" : first.status(),
                    first == null ? "not run" : first.reason(), 0, 0, 0, 0, 0, 0, 0, 0, null, null, baseline, null, null);
        }
        List<Double> server = ok.stream().map(Results.VariantRun::serverCpuPct).filter(v -> v != null).toList();
        List<Double> other = ok.stream().map(Results.VariantRun::otherCpuPct).filter(v -> v != null).toList();
        ToDoubleFunction<Results.VariantRun> ops = Results.VariantRun::opsPerSec;
        ToDoubleFunction<Results.VariantRun> cpu = Results.VariantRun::cpuNsPerOp;
        return new Results.VariantPoint(client, pattern.id, n, variant, ok.size(), "ok",
                ok.size() < runs.size() ? (runs.size() - ok.size()) + " of " + runs.size() + " repetitions failed" : null,
                min(ok, ops), median(ok, ops), max(ok, ops), median(ok, Results.VariantRun::p50Us), median(ok, Results.VariantRun::p99Us),
                median(ok, cpu), min(ok, cpu), max(ok, cpu), server.isEmpty() ? null : medianOf(server),
                other.isEmpty() ? null : medianOf(other), baseline,
                baseline == null ? null : pairedRatio(all, ok, baseline, ops),
                baseline == null ? null : pairedRatio(all, ok, baseline, cpu));
    }

    /** Each run's figure over the baseline setup's in the same repetition (same client, pattern and N). */
    private static Results.Ratio pairedRatio(List<Results.VariantRun> all, List<Results.VariantRun> runs, String baseline,
                                             ToDoubleFunction<Results.VariantRun> figure) {
        List<Double> ratios = new ArrayList<>();
        for (Results.VariantRun r : runs) {
            for (Results.VariantRun b : all) {
                if (b.variant().equals(baseline) && b.client().equals(r.client()) && b.pattern().equals(r.pattern())
                        && b.inflight() == r.inflight() && b.rep() == r.rep() && "ok".equals(b.status())
                        && figure.applyAsDouble(b) > 0 && figure.applyAsDouble(r) > 0) {
                    ratios.add(figure.applyAsDouble(r) / figure.applyAsDouble(b));
                }
            }
        }
        return ratios.isEmpty() ? null : new Results.Ratio(medianOf(ratios), Collections.min(ratios), Collections.max(ratios), ratios.size());
    }

    // ---- machine -------------------------------------------------------------------------

    private void describeMachine() {
        Map<String, String> m = results.machine;
        String lscpu = capture("lscpu");
        for (String line : lscpu.split("\n")) {
            String[] kv = line.split(":", 2);
            if (kv.length == 2 && List.of("Model name", "CPU(s)", "Thread(s) per core", "Hypervisor vendor", "L3 cache")
                    .contains(kv[0].trim())) {
                m.put("cpu " + kv[0].trim(), kv[1].trim());
            }
        }
        m.put("nproc", capture("nproc").trim());
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    m.put("memory", String.format(Locale.ROOT, "%.1f GiB", kb / 1024.0 / 1024.0));
                }
            }
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    m.put("os", line.substring(12).replace("\"", "") + ", kernel " + capture("uname", "-r").trim());
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // described as far as it goes
        }
        m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("redis-server", capture("redis-server", "--version").trim());
        try {
            m.put("evloop native (libuv, hiredis)", NativeEventLoop.nativeVersions());
        } catch (Throwable t) {
            m.put("evloop native (libuv, hiredis)", "does not load: " + t.getMessage());
        }
        Properties versions = new Properties();
        try (InputStream in = BenchSuite.class.getResourceAsStream("/evloop-bench-versions.properties")) {
            if (in != null) {
                versions.load(in);
            }
        } catch (IOException ignored) {
            // versions unknown
        }
        m.put("peers", "lettuce-core " + versions.getProperty("lettuce", "?") + " (Netty " + versions.getProperty("netty", "?")
                + "), jedis " + versions.getProperty("jedis", "?") + ", JMH " + versions.getProperty("jmh", "?")
                + ", HdrHistogram " + versions.getProperty("hdrhistogram", "?"));
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String capture(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return text;
        } catch (IOException e) {
            return "(" + command[0] + " not available)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    private void say(String line) {
        System.out.println(line);
        System.out.flush();
        try {
            Files.writeString(log, line + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // the console has it
        }
    }

    private void problem(String text) {
        results.problems.add(text);
        say("PROBLEM: " + text);
    }

    private static List<JsonObject> jsonLines(List<String> lines) {
        List<JsonObject> rows = new ArrayList<>();
        for (String line : lines) {
            String t = line.trim();
            if (t.startsWith("{") && t.endsWith("}")) {
                try {
                    rows.add(JsonParser.parseString(t).getAsJsonObject());
                } catch (RuntimeException ignored) {
                    // not one of ours
                }
            }
        }
        return rows;
    }

    private static String str(JsonObject o, String key, String fallback) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsString() : fallback;
    }

    private static double num(JsonObject o, String key, double fallback) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsDouble() : fallback;
    }

    private static String join(List<Integer> values) {
        return String.join(",", values.stream().map(String::valueOf).toList());
    }

    private static <T> double median(List<T> items, ToDoubleFunction<T> f) {
        return medianOf(items.stream().map(f::applyAsDouble).toList());
    }

    static double medianOf(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static <T> double min(List<T> items, ToDoubleFunction<T> f) {
        return items.stream().mapToDouble(f).min().orElse(0);
    }

    private static <T> double max(List<T> items, ToDoubleFunction<T> f) {
        return items.stream().mapToDouble(f).max().orElse(0);
    }
}
