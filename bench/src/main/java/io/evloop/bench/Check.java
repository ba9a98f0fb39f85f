package io.evloop.bench;

import io.evloop.bench.jmh.Loops;
import java.util.ArrayList;
import java.util.List;

/**
 * The CI smoke check: every client ran and produced figures (throughput, latency and CPU per
 * GET) in every pattern it is measured in, at every N of the run. It never judges speed. The one
 * exception it allows: while the native Redis backend is a placeholder, the native-loop
 * Redis clients report "not built yet" instead of figures (every other native figure, the
 * loop's own JMH results, must be there).
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
        return failures;
    }

    /** A coroutine cell on a JVM before Java 21 reports that it was skipped, and why: not a failure. */
    private static boolean dagAcceptable(String mode, String status, String reason) {
        return acceptable(status, reason) || (mode.startsWith("coroutine") && "skipped".equals(status)
                && reason != null && reason.contains("needs Java 21"));
    }

    private static boolean acceptable(String status, String reason) {
        return "ok".equals(status)
                || ("unavailable".equals(status) && reason != null && reason.contains(BenchSuite.NOT_BUILT));
    }
}
