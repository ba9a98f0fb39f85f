package io.evloop.bench;

import com.google.gson.Gson;
import io.evloop.redis.RedisProtocol;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * One client's Redis throughput and latency in one {@link Pattern}, run in a JVM of its own
 * by {@link BenchSuite} (so that the process's CPU time is this client's alone): for each N,
 * keeps N GETs (or HGETALLs) in flight on one connection, warms up, measures for a fixed
 * window, and prints one JSON object per N on stdout.
 *
 * <pre>
 * RedisLoad --client evloop-java --port 6379 [--pattern in-loop|producers-1|producers-4]
 *           [--host 127.0.0.1] [--inflight 16,256,1000,4000,16000]
 *           [--warmup-ms 1000] [--duration-ms 2000] [--jvm-warmup-ms 2000] [--server-pid PID]
 *           [--key key:__rand_int__] [--value-bytes 100]
 *           [--stall-threshold-ms MS] [--tls-ca CA.pem] [--protocol resp2|resp3]
 *           [--command get|hgetall] [--fields 10]
 * </pre>
 * The key must hold a value of {@code --value-bytes} bytes (the suite SETs it first); with
 * {@code --command hgetall} it must hold a hash of {@code --fields} fields whose values have
 * {@code --value-bytes} bytes each (the suite writes it first), and every reply is checked
 * for that. The options after the key's are for evloop clients only:
 * {@code --stall-threshold-ms} sets the loop's stall threshold (0 turns stall detection off;
 * without it the default applies); {@code --tls-ca} connects over TLS to {@code --port},
 * trusting that CA; {@code --protocol} picks the protocol the connection speaks (RESP2 without
 * it). A loop that cannot speak TLS, or a build whose decoder cannot read RESP3's replies,
 * reports "unavailable".
 */
public final class RedisLoad {

    private static final Gson GSON = new Gson();

    private RedisLoad() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv);
        String client = args.require("client");
        Pattern pattern = Pattern.of(args.get("pattern", Pattern.IN_LOOP.id));
        String host = args.get("host", "127.0.0.1");
        int port = Integer.parseInt(args.require("port"));
        List<Integer> inflight = args.getInts("inflight", "16,256,1000,4000,16000");
        long warmupMs = args.getLong("warmup-ms", 1000);
        long durationMs = args.getLong("duration-ms", 2000);
        long jvmWarmupMs = args.getLong("jvm-warmup-ms", 2 * warmupMs);
        long serverPid = args.getLong("server-pid", -1);
        byte[] key = args.get("key", "key:__rand_int__").getBytes(StandardCharsets.UTF_8);
        int valueBytes = args.getInt("value-bytes", 100);
        GetClients.Workload workload = GetClients.Workload.of(args.get("command", GetClients.Workload.GET.id));
        GetClients.EvloopSetup setup = new GetClients.EvloopSetup(
                args.has("stall-threshold-ms") ? java.time.Duration.ofMillis(args.getLong("stall-threshold-ms", 0)) : null,
                args.has("tls-ca") ? java.nio.file.Path.of(args.require("tls-ca")) : null,
                args.has("protocol") ? protocol(args.require("protocol")) : null,
                workload, workload == GetClients.Workload.HGETALL ? args.getInt("fields", 10) : 0);

        GetClients.GetClient c;
        try {
            c = GetClients.open(client, host, port, key, valueBytes, setup);
        } catch (GetClients.Unavailable e) {
            for (int n : inflight) {
                emit(status(client, pattern, n, "unavailable", e.getMessage()));
            }
            return;
        } catch (Exception e) {
            for (int n : inflight) {
                emit(status(client, pattern, n, "failed", "cannot connect: " + e));
            }
            System.exit(1);
            return;
        }
        if (!c.supports(pattern)) {
            for (int n : inflight) {
                emit(status(client, pattern, n, "failed", client + " is not driven in the " + pattern.id + " pattern"));
            }
            c.close();
            System.exit(1);
            return;
        }
        boolean failed = false;
        try {
            // A first run of the JIT's favourite shape, so that the first point is not a cold one.
            runPoint(c, client, pattern, Math.min(256, c.effectiveInFlight(256)), 0, jvmWarmupMs, 1, serverPid);
            // Largest N first: the small-N points, which mostly measure wake-ups, then run long
            // after start-up, when the JIT compiler no longer keeps a second core busy.
            List<Integer> order = new java.util.ArrayList<>(inflight);
            order.sort(java.util.Comparator.reverseOrder());
            for (int n : order) {
                Map<String, Object> r = runPoint(c, client, pattern, n, warmupMs, durationMs, 0, serverPid);
                failed |= !"ok".equals(r.get("status"));
                emit(r);
            }
        } finally {
            c.close();
        }
        System.exit(failed ? 1 : 0);
    }

    private static Map<String, Object> runPoint(GetClients.GetClient c, String client, Pattern pattern, int n, long warmupMs,
                                                long durationMs, int discard, long serverPid) throws InterruptedException {
        LatencyRecorder recorder = new LatencyRecorder();
        LoadDriver driver = c.driver(recorder, pattern);
        int effective = c.effectiveInFlight(n);
        driver.start(effective);
        Thread.sleep(warmupMs);
        long cpu0 = ProcStats.processCpuNanos();
        long server0 = ProcStats.processCpuNanos(serverPid);
        long busy0 = ProcStats.machineBusyNanos();
        long t0 = System.nanoTime();
        recorder.startWindow(t0);
        Thread.sleep(durationMs);
        long t1 = System.nanoTime();
        recorder.endWindow(t1);
        long cpu1 = ProcStats.processCpuNanos();
        long server1 = ProcStats.processCpuNanos(serverPid);
        long busy1 = ProcStats.machineBusyNanos();
        boolean drained = driver.stopAndAwait(60, TimeUnit.SECONDS);
        if (discard > 0) {
            return Map.of();
        }
        LatencyRecorder.Shard m = recorder.merged();
        double seconds = (t1 - t0) / 1e9;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("client", client);
        r.put("pattern", pattern.id);
        r.put("inflight", n);
        r.put("effectiveInflight", effective);
        Throwable error = driver.firstError();
        if (m.completions == 0 || error != null || !drained) {
            r.put("status", "failed");
            r.put("reason", error != null ? String.valueOf(error)
                    : !drained ? "commands still in flight 60 s after the window" : "no command completed in the window");
        } else {
            r.put("status", "ok");
        }
        Histogram h = m.histogram;
        r.put("ops", m.completions);
        r.put("errors", m.errors);
        r.put("seconds", seconds);
        r.put("opsPerSec", m.completions / seconds);
        r.put("p50Us", h.getValueAtPercentile(50) / 1e3);
        r.put("p99Us", h.getValueAtPercentile(99) / 1e3);
        r.put("p999Us", h.getValueAtPercentile(99.9) / 1e3);
        r.put("maxUs", h.getMaxValue() / 1e3);
        // The whole process's user + system time (every thread: loop, producers, JIT, GC) per GET completed.
        r.put("cpuNsPerOp", m.completions == 0 ? 0 : (double) (cpu1 - cpu0) / m.completions);
        r.put("clientCpuPct", 100.0 * (cpu1 - cpu0) / (t1 - t0));
        if (server0 >= 0 && server1 >= 0) {
            r.put("serverCpuPct", 100.0 * (server1 - server0) / (t1 - t0));
            if (busy0 >= 0 && busy1 >= 0) {
                // What neither the client nor the server used: other processes on the shared machine.
                r.put("otherCpuPct", Math.max(0, 100.0 * ((busy1 - busy0) - (cpu1 - cpu0) - (server1 - server0)) / (t1 - t0)));
            }
        }
        return r;
    }

    private static RedisProtocol protocol(String name) {
        return switch (name) {
            case "resp2" -> RedisProtocol.RESP2;
            case "resp3" -> RedisProtocol.RESP3;
            default -> throw new IllegalArgumentException("unknown protocol '" + name + "'; use resp2 or resp3");
        };
    }

    private static Map<String, Object> status(String client, Pattern pattern, int n, String status, String reason) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("client", client);
        r.put("pattern", pattern.id);
        r.put("inflight", n);
        r.put("status", status);
        r.put("reason", reason);
        return r;
    }

    private static void emit(Map<String, Object> r) {
        System.out.println(GSON.toJson(r));
        System.out.flush();
    }
}
