package io.evloop.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Everything one run of the suite measured: written as results.json, read back by {@link Report}. */
final class Results {

    /** One measurement of one client at one N (one repetition). */
    record RedisRun(String client, int inflight, int effectiveInflight, int rep, String status, String reason,
                    double opsPerSec, double p50Us, double p99Us, double p999Us, double maxUs,
                    double cpuNsPerOp, double clientCpuPct, Double serverCpuPct, Double otherCpuPct, long ops, long errors) {
    }

    /**
     * One client at one N over all repetitions: throughput min/median/max, the medians of the
     * other figures, and the median of the per-repetition throughput ratios to the C program
     * and to Lettuce at the same N, and to redis-benchmark -P 1000 (each ratio taken within one
     * repetition). The C program and Lettuce references of redis-benchmark are those at N=1024.
     * The other figures' ratios (latency percentiles, CPU per op; below 1 is better) are paired
     * the same way.
     */
    record RedisPoint(String client, int inflight, int effectiveInflight, int reps, String status, String reason,
                      double opsMin, double opsMedian, double opsMax, double p50Us, double p99Us, double p999Us,
                      double cpuNsPerOp, Double serverCpuPct, Double otherCpuPct, Double vsC, Double vsLettuce, Double vsCeiling,
                      Double p50VsC, Double p50VsLettuce, Double p99VsC, Double p99VsLettuce,
                      Double p999VsC, Double p999VsLettuce, Double cpuVsC, Double cpuVsLettuce) {
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

    /** Memory per in-flight command of one client. */
    record MemoryRow(String client, String status, String reason, int commands, long maxHeapBytes, Boolean fits,
                     double heapBytesPerCommand, double nativeBytesPerCommand, long heapBefore, long heapInFlight,
                     long rssBefore, long rssInFlight) {
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
    List<MemoryRow> memory = new ArrayList<>();
    /** Whatever went wrong while running (a client that failed, a chart that could not be drawn). */
    List<String> problems = new ArrayList<>();
}
