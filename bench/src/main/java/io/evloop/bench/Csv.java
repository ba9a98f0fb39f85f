package io.evloop.bench;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The results as CSV files, one per table, a column per record component. */
final class Csv {

    private Csv() {
    }

    static void writeAll(Results r, Path dir) throws IOException {
        write(dir.resolve("redis_runs.csv"), Results.RedisRun.class, r.redisRuns);
        write(dir.resolve("redis.csv"), Results.RedisPoint.class, r.redis);
        write(dir.resolve("handoff.csv"), Results.JmhRow.class, r.handoff);
        write(dir.resolve("micro.csv"), Results.JmhRow.class, r.micro);
        write(dir.resolve("dag.csv"), Results.DagRow.class, r.dag);
        write(dir.resolve("dag_dependent.csv"), Results.DagDependentRow.class, r.dagDependent);
        write(dir.resolve("dag_suspended.csv"), Results.DagSuspendedRow.class, r.dagSuspended);
        write(dir.resolve("dag_hotkeys.csv"), Results.DagHotKeyRow.class, r.dagHotKeys);
        write(dir.resolve("memory.csv"), Results.MemoryRow.class, r.memory);
        write(dir.resolve("overhead_runs.csv"), Results.VariantRun.class, r.overheadRuns);
        write(dir.resolve("overhead.csv"), Results.VariantPoint.class, r.overhead);
        write(dir.resolve("tls_runs.csv"), Results.VariantRun.class, r.tlsRuns);
        write(dir.resolve("tls.csv"), Results.VariantPoint.class, r.tls);
        for (String workload : r.resp3Runs.keySet()) {
            write(dir.resolve("resp3_" + workload + "_runs.csv"), Results.VariantRun.class, r.resp3Runs.get(workload));
            write(dir.resolve("resp3_" + workload + ".csv"), Results.VariantPoint.class, r.resp3.getOrDefault(workload, List.of()));
        }
    }

    static <T extends Record> void write(Path file, Class<T> type, List<T> rows) throws IOException {
        RecordComponent[] components = type.getRecordComponents();
        List<String> lines = new ArrayList<>();
        List<String> header = new ArrayList<>();
        for (RecordComponent c : components) {
            if (c.getType() == Results.Ratio.class) {
                // A ratio is three numbers; one column each keeps the file numeric.
                header.add(c.getName());
                header.add(c.getName() + "Min");
                header.add(c.getName() + "Max");
            } else {
                header.add(c.getName());
            }
        }
        lines.add(String.join(",", header));
        for (T row : rows) {
            List<String> cells = new ArrayList<>();
            for (RecordComponent c : components) {
                try {
                    Object v = c.getAccessor().invoke(row);
                    if (c.getType() == Results.Ratio.class) {
                        Results.Ratio ratio = (Results.Ratio) v;
                        cells.add(ratio == null ? "" : cell(ratio.median()));
                        cells.add(ratio == null ? "" : cell(ratio.min()));
                        cells.add(ratio == null ? "" : cell(ratio.max()));
                    } else {
                        cells.add(cell(v));
                    }
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            lines.add(String.join(",", cells));
        }
        Files.write(file, lines);
    }

    private static String cell(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Double d) {
            return String.format(Locale.ROOT, "%.4f", d);
        }
        String s = v.toString();
        if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
            return '"' + s.replace("\"", "\"\"").replace("\n", " ") + '"';
        }
        return s;
    }
}
