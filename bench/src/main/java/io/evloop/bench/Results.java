package io.evloop.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Everything one run of the suite measured: written as results.json, read back by {@link Report}. */
final class Results {

    /** One measurement of one client in one {@link Pattern} at one N (one repetition). */
    record RedisRun(String client, String pattern, int inflight, int effectiveInflight, int rep, String status, String reason,
                    double opsPerSec, double p50Us, double p99Us, double p999Us, double maxUs,
                    double cpuNsPerOp, double clientCpuPct, Double serverCpuPct, Double otherCpuPct, long ops, long errors) {
    }

    /**
     * A ratio of two figures taken in the same repetition (this run's over a reference's), over
     * every repetition that has both: the median, and the min and max so that noise shows.
     */
    record Ratio(double median, double min, double max, int pairs) {
    }

    /**
     * One client in one pattern at one N over all repetitions: throughput min/median/max, the
     * medians of the other figures (CPU per GET also with its min and max), and ratios paired
     * within each repetition (null where the reference did not run):
     * <ul>
     *   <li>{@code vsC}: throughput over the C program's (in-loop) at the same N;</li>
     *   <li>{@code vsLettuce}: over Lettuce's in the same pattern at the same N;</li>
     *   <li>{@code vsCeiling}: over {@code redis-benchmark -P N -c 1} at the same N;</li>
     *   <li>{@code vsJavaLoop}, {@code cpuVsJavaLoop} (native loop only): throughput and CPU per
     *       GET over the Java loop's in the same pattern at the same N;</li>
     *   <li>{@code vsOwnInLoop}, {@code cpuVsOwnInLoop} (foreign-producer patterns): over the same
     *       client's in-loop figures at the same N;</li>
     *   <li>{@code p99VsC}, {@code p99VsLettuce}, {@code cpuVsC}, {@code cpuVsLettuce}: latency and
     *       CPU per GET over the same references (below 1 is better).</li>
     * </ul>
     */
    record RedisPoint(String client, String pattern, int inflight, int effectiveInflight, int reps, String status, String reason,
                      double opsMin, double opsMedian, double opsMax, double p50Us, double p99Us, double p999Us,
                      double cpuNsPerOp, double cpuNsPerOpMin, double cpuNsPerOpMax, Double serverCpuPct, Double otherCpuPct,
                      Ratio vsC, Ratio vsLettuce, Ratio vsCeiling, Ratio vsJavaLoop, Ratio cpuVsJavaLoop,
                      Ratio vsOwnInLoop, Ratio cpuVsOwnInLoop, Ratio p99VsC, Ratio p99VsLettuce, Ratio cpuVsC, Ratio cpuVsLettuce) {
    }

    /**
     * A JMH result: post hand-off, wake-up latency, codec or native call. {@code score} and
     * {@code error} are JMH's (mean of the iterations, 99.9% interval); {@code median},
     * {@code min} and {@code max} are over the measurement iterations, which the report uses
     * because one stalled iteration on a shared 2-core machine swings a mean.
     */
    record JmhRow(String benchmark, String variant, String status, String reason, double score, double error,
                  String unit, Double p50, Double p99, Double allocBytesPerOp, double median, double min, double max) {
    }

    /** One DAG cell: an IO mode at one round trip and one number of IO calls per request. */
    record DagRow(String mode, int ioCalls, double rttMs, String status, String reason, int requests, double seconds,
                  double requestsPerSec, double p50Ms, double p99Ms, int peakIoInFlight, double cpuMsPerRequest,
                  Double speedup) {
    }

    /**
     * One node making 3 dependent calls (each needs the reply before): {@code mode} is
     * {@code threadpool}, {@code thencompose-<loop>} or {@code coroutine-<loop>}; {@code vsThreadPool}
     * is requests/s over the thread pool's.
     */
    record DagDependentRow(String mode, double rttMs, String java, String status, String reason, int requests, double seconds,
                           double requestsPerSec, double p50Ms, double p99Ms, int peakIoInFlight, double cpuMsPerRequest,
                           double ioCallsPerRequest, Double vsThreadPool) {
    }

    /** Many executions waiting on their first call at once, and the heap each holds: futures or coroutines. */
    record DagSuspendedRow(String mode, String loop, String java, String status, String reason, int executions,
                           long heapBefore, long heapSuspended, double heapBytesPerExecution, double drainSeconds) {
    }

    /** Zipf-distributed reads of hot keys, with read coalescing ({@code coalescing}) or without ({@code plain}). */
    record DagHotKeyRow(String mode, String loop, double rttMs, String java, String status, String reason, int keys, double zipf,
                        int keysPerRequest, int requests, double seconds, double requestsPerSec, double p50Ms, double p99Ms,
                        double ioCallsPerRequest, double coalescedPerRequest) {
    }

    /** Memory per in-flight command of one client. */
    record MemoryRow(String client, String status, String reason, int commands, long maxHeapBytes, Boolean fits,
                     double heapBytesPerCommand, double nativeBytesPerCommand, long heapBefore, long heapInFlight,
                     long rssBefore, long rssInFlight) {
    }

    /**
     * One run of an evloop client in one of two setups that a section compares (overhead:
     * stall detection "on" at the default threshold or "off"; tls: "tls" or "plain"; resp3:
     * "resp3" or "resp2", for one workload), one
     * repetition, in a JVM of its own.
     */
    record VariantRun(String client, String pattern, int inflight, String variant, int rep, String status, String reason,
                      double opsPerSec, double p50Us, double p99Us, double cpuNsPerOp, double clientCpuPct,
                      Double serverCpuPct, Double otherCpuPct, long ops, long errors) {
    }

    /**
     * One client, pattern, N and setup over all repetitions: throughput and CPU per GET with
     * their min and max, latency and CPU shares as medians, and, on the setup compared with
     * {@code baseline} (null on the baseline itself), throughput and CPU per GET over the
     * baseline's, paired within each repetition.
     */
    record VariantPoint(String client, String pattern, int inflight, String variant, int reps, String status, String reason,
                        double opsMin, double opsMedian, double opsMax, double p50Us, double p99Us,
                        double cpuNsPerOp, double cpuNsPerOpMin, double cpuNsPerOpMax, Double serverCpuPct, Double otherCpuPct,
                        String baseline, Ratio opsVsBaseline, Ratio cpuVsBaseline) {
    }

    String mode;
    String command;
    String startedAt;
    double durationSeconds;
    Map<String, String> machine = new LinkedHashMap<>();
    Map<String, Object> settings = new LinkedHashMap<>();
    Map<String, Double> sectionSeconds = new LinkedHashMap<>();
    List<RedisRun> redisRuns = new ArrayList<>();
    List<RedisPoint> redis = new ArrayList<>();
    List<JmhRow> handoff = new ArrayList<>();
    List<JmhRow> micro = new ArrayList<>();
    List<DagRow> dag = new ArrayList<>();
    List<DagDependentRow> dagDependent = new ArrayList<>();
    List<DagSuspendedRow> dagSuspended = new ArrayList<>();
    List<DagHotKeyRow> dagHotKeys = new ArrayList<>();
    List<MemoryRow> memory = new ArrayList<>();
    /** The cost of stall detection: each loop with it on and off. */
    List<VariantRun> overheadRuns = new ArrayList<>();
    List<VariantPoint> overhead = new ArrayList<>();
    /** TLS against plain TCP, on every loop that speaks TLS. */
    List<VariantRun> tlsRuns = new ArrayList<>();
    List<VariantPoint> tls = new ArrayList<>();
    /** RESP3 against RESP2 on both loops, by workload ("get", "hgetall"). */
    Map<String, List<VariantRun>> resp3Runs = new LinkedHashMap<>();
    Map<String, List<VariantPoint>> resp3 = new LinkedHashMap<>();
    /** Whatever went wrong while running (a client that failed, a chart that could not be drawn). */
    List<String> problems = new ArrayList<>();
}
