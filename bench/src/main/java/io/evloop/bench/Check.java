package io.evloop.bench;

import io.evloop.bench.jmh.Loops;
import java.util.ArrayList;
import java.util.List;

/**
 * The CI smoke check: every client ran and produced figures (throughput, latency and CPU per
 * GET) in every pattern it is measured in, at every N of the run. It never judges speed. The one
 * exception it allows: while the native Redis backend is a placeholder, the native-loop
 * Redis clients report "not built yet" instead of figures (every other native figure, the
 * loop's own JMH results, must be there). The overhead and tls sections need figures for both
 * setups they compare and the paired ratios; in tls a loop other than the Java loop may
 * report that it refuses TLS instead. The resp3 section needs RESP3 and RESP2 figures with
 * their ratios on both loops, for both workloads, at every pattern and N it measures.
 */
final class Check {

    private Check() {
    }

    static List<String> verify(Results r, List<String> sections, List<String> clients, List<Pattern> patterns,
                               List<Integer> inflight) {
        List<String> failures = new ArrayList<>();
        if (sections.contains("redis")) {
            for (Pattern pattern : patterns) {
                for (String client : BenchSuite.REDIS_CLIENTS) {
                    if (!clients.contains(client) || (pattern != Pattern.IN_LOOP && BenchSuite.IN_LOOP_ONLY.contains(client))) {
                        continue;
                    }
                    String what = "redis: " + client + " (" + pattern.id + ")";
                    List<Results.RedisPoint> points = r.redis.stream()
                            .filter(p -> p.client().equals(client) && p.pattern().equals(pattern.id)).toList();
                    for (Results.RedisPoint p : points) {
                        // redis-benchmark's CPU time is read from /proc, which macOS lacks.
                        boolean figures = p.opsMedian() > 0 && p.p50Us() > 0
                                && (p.cpuNsPerOp() > 0 || client.equals(BenchSuite.CEILING));
                        if (!acceptable(p.status(), p.reason()) || ("ok".equals(p.status()) && !figures)) {
                            failures.add(what + " at N=" + p.inflight() + ": " + p.status() + " " + p.reason());
                        }
                    }
                    for (int n : inflight) {
                        if (points.stream().noneMatch(p -> p.inflight() == n)) {
                            failures.add(what + " has no point at N=" + n);
                        }
                    }
                }
            }
        }
        if (sections.contains("handoff")) {
            for (String loop : Loops.NAMES) {
                for (String bench : List.of("producers1", "producers4", "wakeup")) {
                    boolean ok = r.handoff.stream().anyMatch(h -> h.variant().equals(loop) && h.benchmark().equals(bench)
                            && "ok".equals(h.status()) && h.median() > 0);
                    if (!ok) {
                        failures.add("handoff: " + bench + " on " + loop + " has no figure");
                    }
                }
            }
        }
        if (sections.contains("micro")) {
            for (String bench : List.of("encodeGet", "decodeBulk100", "libuvVersion")) {
                if (r.micro.stream().noneMatch(m -> m.benchmark().equals(bench) && "ok".equals(m.status()) && m.median() > 0)) {
                    failures.add("micro: " + bench + " has no figure");
                }
            }
        }
        if (sections.contains("dag")) {
            if (r.dag.isEmpty()) {
                failures.add("dag: no result at all");
            }
            // A child that died part way leaves some modes without a row: each must have one.
            for (String mode : List.of("threadpool", "evloop-native", "evloop-java")) {
                if (r.dag.stream().noneMatch(d -> d.mode().equals(mode))) {
                    failures.add("dag: no result for " + mode + " (did the DAG benchmark stop early? see bench.log)");
                }
            }
            for (Results.DagRow d : r.dag) {
                if (!acceptable(d.status(), d.reason()) || ("ok".equals(d.status()) && !(d.requestsPerSec() > 0))) {
                    failures.add("dag: " + d.mode() + " at " + d.ioCalls() + " IO calls, " + d.rttMs() + " ms: " + d.status() + " " + d.reason());
                }
            }
            if (r.dagDependent.isEmpty() || r.dagSuspended.isEmpty() || r.dagHotKeys.isEmpty()) {
                failures.add("dag: a part has no result (dependent " + r.dagDependent.size() + ", suspended "
                        + r.dagSuspended.size() + ", hot keys " + r.dagHotKeys.size() + " rows)");
            }
            for (Results.DagDependentRow d : r.dagDependent) {
                if (!dagAcceptable(d.mode(), d.status(), d.reason()) || ("ok".equals(d.status()) && !(d.requestsPerSec() > 0))) {
                    failures.add("dag: dependent calls, " + d.mode() + ": " + d.status() + " " + d.reason());
                }
            }
            for (Results.DagSuspendedRow d : r.dagSuspended) {
                if (!dagAcceptable(d.mode(), d.status(), d.reason()) || ("ok".equals(d.status()) && !(d.heapSuspended() > 0))) {
                    failures.add("dag: suspended executions, " + d.mode() + ": " + d.status() + " " + d.reason());
                }
            }
            for (Results.DagHotKeyRow d : r.dagHotKeys) {
                if (!acceptable(d.status(), d.reason()) || ("ok".equals(d.status()) && !(d.requestsPerSec() > 0 && d.ioCallsPerRequest() > 0))) {
                    failures.add("dag: hot keys, " + d.mode() + ": " + d.status() + " " + d.reason());
                }
            }
        }
        if (sections.contains("memory")) {
            for (String client : List.of("evloop-native", "evloop-java", BenchSuite.LETTUCE)) {
                List<Results.MemoryRow> rows = r.memory.stream().filter(m -> m.client().equals(client)).toList();
                if (rows.isEmpty()) {
                    failures.add("memory: no result for " + client);
                }
                for (Results.MemoryRow m : rows) {
                    if (!acceptable(m.status(), m.reason()) || ("ok".equals(m.status()) && m.heapInFlight() <= 0)) {
                        failures.add("memory: " + client + ": " + m.status() + " " + m.reason());
                    }
                }
            }
        }
        failures.addAll(verifyOverhead(r, sections));
        failures.addAll(verifyTls(r, sections));
        failures.addAll(verifyResp3(r, sections));
        return failures;
    }

    /** A coroutine cell on a JVM before Java 21 reports that it was skipped, and why: not a failure. */
    private static boolean dagAcceptable(String mode, String status, String reason) {
        return acceptable(status, reason) || (mode.startsWith("coroutine") && "skipped".equals(status)
                && reason != null && reason.contains("needs Java 21"));
    }

    /** overhead: both loops, both patterns, stall detection on and off, with the on/off ratios. */
    private static List<String> verifyOverhead(Results r, List<String> sections) {
        List<String> failures = new ArrayList<>();
        if (!sections.contains("overhead")) {
            return failures;
        }
        for (Pattern pattern : BenchSuite.OVERHEAD_PATTERNS) {
            for (String loop : BenchSuite.OVERHEAD_LOOPS) {
                for (String variant : List.of(BenchSuite.STALL_ON, BenchSuite.STALL_OFF)) {
                    String what = "overhead: " + loop + " (" + pattern.id + ", stall detection " + variant + ")";
                    Results.VariantPoint p = variantPoint(r.overhead, loop, pattern, BenchSuite.OVERHEAD_N, variant);
                    if (p == null) {
                        failures.add(what + " has no result");
                    } else if (!acceptable(p.status(), p.reason())) {
                        failures.add(what + ": " + p.status() + " " + p.reason());
                    } else if ("ok".equals(p.status()) && !hasFigures(p)) {
                        failures.add(what + " has no GETs/s, latency or CPU per GET");
                    }
                }
            }
        }
        return failures;
    }

    /**
     * tls: the Java loop's TLS and plain figures, with the TLS/plain ratios, at every N. A loop
     * that refuses TLS at connect may report so instead (the native loop today); one that
     * accepts it must produce figures like the Java loop.
     */
    private static List<String> verifyTls(Results r, List<String> sections) {
        List<String> failures = new ArrayList<>();
        if (!sections.contains("tls")) {
            return failures;
        }
        for (String loop : BenchSuite.TLS_LOOPS) {
            for (int n : BenchSuite.TLS_INFLIGHT) {
                Results.VariantPoint tls = variantPoint(r.tls, loop, BenchSuite.TLS_PATTERN, n, BenchSuite.TLS);
                String what = "tls: " + loop + " at N=" + n;
                boolean refused = tls != null && "unavailable".equals(tls.status()) && tls.reason() != null
                        && tls.reason().contains(GetClients.TLS_NOT_AVAILABLE);
                if (refused && !loop.equals(BenchSuite.JAVA_LOOP)) {
                    continue;
                }
                for (String variant : List.of(BenchSuite.TLS, BenchSuite.PLAIN)) {
                    Results.VariantPoint p = variantPoint(r.tls, loop, BenchSuite.TLS_PATTERN, n, variant);
                    if (p == null) {
                        failures.add(what + " (" + variant + ") has no result");
                    } else if (!"ok".equals(p.status()) || !hasFigures(p)) {
                        failures.add(what + " (" + variant + "): " + p.status() + " " + p.reason());
                    }
                }
            }
        }
        return failures;
    }

    /**
     * resp3: both loops over RESP3 and RESP2, GET and HGETALL, at every pattern and N of the
     * section, with the RESP3/RESP2 ratios. A build that cannot decode RESP3 fails here: the
     * report says so, and the check does not take it for figures.
     */
    private static List<String> verifyResp3(Results r, List<String> sections) {
        List<String> failures = new ArrayList<>();
        if (!sections.contains("resp3")) {
            return failures;
        }
        for (BenchSuite.Resp3Workload w : BenchSuite.RESP3_WORKLOADS) {
            List<Results.VariantPoint> points = r.resp3.getOrDefault(w.command().id, List.of());
            for (BenchSuite.Resp3Cell cell : BenchSuite.RESP3_CELLS) {
                for (String loop : BenchSuite.RESP3_LOOPS) {
                    for (int n : cell.inflight()) {
                        for (String variant : List.of(BenchSuite.RESP3, BenchSuite.RESP2)) {
                            String what = "resp3: " + w.command().id + " on " + loop + " (" + cell.pattern().id + ", N=" + n
                                    + ", " + variant + ")";
                            Results.VariantPoint p = variantPoint(points, loop, cell.pattern(), n, variant);
                            if (p == null) {
                                failures.add(what + " has no result");
                            } else if (!acceptable(p.status(), p.reason())) {
                                failures.add(what + ": " + p.status() + " " + p.reason());
                            } else if ("ok".equals(p.status()) && !hasFigures(p)) {
                                failures.add(what + " has no ops/s, latency, CPU per op or paired ratios");
                            }
                        }
                    }
                }
            }
        }
        return failures;
    }

    /** Throughput, latency and CPU per GET, and on a compared setup both paired ratios. */
    private static boolean hasFigures(Results.VariantPoint p) {
        return p.opsMedian() > 0 && p.p50Us() > 0 && p.cpuNsPerOp() > 0
                && (p.baseline() == null || (p.opsVsBaseline() != null && p.cpuVsBaseline() != null));
    }

    private static Results.VariantPoint variantPoint(List<Results.VariantPoint> points, String client, Pattern pattern, int n,
                                                     String variant) {
        return points.stream().filter(p -> p.client().equals(client) && p.pattern().equals(pattern.id) && p.inflight() == n
                && p.variant().equals(variant)).findFirst().orElse(null);
    }

    private static boolean acceptable(String status, String reason) {
        return "ok".equals(status)
                || ("unavailable".equals(status) && reason != null && reason.contains(BenchSuite.NOT_BUILT));
    }
}
