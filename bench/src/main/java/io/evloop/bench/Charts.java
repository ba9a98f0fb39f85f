package io.evloop.bench;

import io.evloop.bench.jmh.Loops;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/** The report's charts, drawn with JFreeChart into PNG files. Returns the files it wrote. */
final class Charts {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 520;
    private static final Color[] PALETTE = {
        new Color(0xD62728), new Color(0x1F77B4), new Color(0x2CA02C), new Color(0xFF7F0E),
        new Color(0x7F7F7F), new Color(0x9467BD), new Color(0x8C564B), new Color(0x17BECF)};

    private Charts() {
    }

    static List<Path> drawAll(Results r, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        for (Pattern pattern : Pattern.ALL) {
            if (r.redis.stream().noneMatch(p -> p.pattern().equals(pattern.id) && "ok".equals(p.status()))) {
                continue;
            }
            written.add(redisChart(r, pattern, dir.resolve(redisChartName("throughput", pattern)),
                    "GET throughput, " + pattern.description + " (median, bars: min-max)", "GETs/s",
                    Results.RedisPoint::opsMedian, false, true, true));
            written.add(redisChart(r, pattern, dir.resolve(redisChartName("latency-p99", pattern)),
                    "GET latency p99, " + pattern.description, "p99 latency (us, log)", Results.RedisPoint::p99Us, true, false, false));
            written.add(redisChart(r, pattern, dir.resolve(redisChartName("cpu-per-op", pattern)),
                    "Whole client process CPU time per GET, " + pattern.description, "CPU ns per GET (log)",
                    Results.RedisPoint::cpuNsPerOp, true, false, true));
        }
        if (r.handoff.stream().anyMatch(h -> "ok".equals(h.status()))) {
            written.add(handoffThroughput(r, dir.resolve("handoff-throughput.png")));
            written.add(handoffWakeup(r, dir.resolve("handoff-wakeup.png")));
        }
        if (r.dag.stream().anyMatch(d -> d.speedup() != null)) {
            written.add(dagSpeedup(r, dir.resolve("dag-speedup.png")));
        }
        if (r.memory.stream().anyMatch(m -> "ok".equals(m.status()))) {
            written.add(memory(r, dir.resolve("memory-per-command.png")));
        }
        return written;
    }

    static String redisChartName(String figure, Pattern pattern) {
        return "redis-" + figure + "-" + pattern.id + ".png";
    }

    /**
     * One figure against N for every client in one pattern; the clients measured in-loop only
     * (the C program, redis-benchmark -P N, Jedis's pool) appear on every pattern's chart as
     * references, except redis-benchmark on the latency chart (its latency is a whole pipeline's).
     */
    private static Path redisChart(Results r, Pattern pattern, Path file, String title, String yLabel,
                                   ToDoubleFunction<Results.RedisPoint> y, boolean logY, boolean intervals,
                                   boolean withCeiling) throws IOException {
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        for (String client : BenchSuite.REDIS_CLIENTS) {
            boolean reference = BenchSuite.IN_LOOP_ONLY.contains(client);
            if (!withCeiling && client.equals(BenchSuite.CEILING)) {
                continue;
            }
            String source = reference ? Pattern.IN_LOOP.id : pattern.id;
            List<Results.RedisPoint> points = r.redis.stream()
                    .filter(p -> p.client().equals(client) && p.pattern().equals(source) && "ok".equals(p.status())).toList();
            if (points.isEmpty()) {
                continue;
            }
            String name = Report.label(client) + (client.equals(BenchSuite.JEDIS) ? " (at most 8 in flight)" : "")
                    + (reference && pattern != Pattern.IN_LOOP ? ", in-loop reference" : "");
            YIntervalSeries series = new YIntervalSeries(name);
            for (Results.RedisPoint p : points) {
                double v = y.applyAsDouble(p);
                if (logY && v <= 0) {
                    continue;
                }
                series.add(p.inflight(), v, intervals ? p.opsMin() : v, intervals ? p.opsMax() : v);
            }
            data.addSeries(series);
        }
        LogAxis x = new LogAxis("commands in flight (N, log)");
        x.setBase(2);
        x.setTickUnit(new NumberTickUnit(2));
        x.setNumberFormatOverride(new java.text.DecimalFormat("0"));
        x.setSmallestValue(0.7);
        NumberAxis yAxis;
        if (logY) {
            LogAxis l = new LogAxis(yLabel);
            l.setBase(10);
            l.setTickUnit(new NumberTickUnit(1)); // one tick per power of ten
            l.setNumberFormatOverride(new java.text.DecimalFormat("#,##0.#"));
            l.setSmallestValue(0.1);
            XYPlot plot = new XYPlot(data, x, l, renderer(data.getSeriesCount()));
            return save(new JFreeChart(title, font(14), plot, true), file);
        }
        yAxis = new NumberAxis(yLabel);
        yAxis.setNumberFormatOverride(new java.text.DecimalFormat("#,##0"));
        XYPlot plot = new XYPlot(data, x, yAxis, renderer(data.getSeriesCount()));
        return save(new JFreeChart(title, font(14), plot, true), file);
    }

    private static XYErrorRenderer renderer(int series) {
        XYErrorRenderer renderer = new XYErrorRenderer();
        renderer.setDefaultLinesVisible(true);
        renderer.setDefaultShapesVisible(true);
        renderer.setErrorPaint(Color.GRAY);
        for (int i = 0; i < series; i++) {
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        return renderer;
    }

    private static Path handoffThroughput(Results r, Path file) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (String loop : Loops.NAMES) {
            for (String bench : List.of("producers1", "producers4")) {
                r.handoff.stream().filter(h -> h.variant().equals(loop) && h.benchmark().equals(bench) && "ok".equals(h.status()))
                        .findFirst().ifPresent(h -> data.addValue(h.median() / 1e6,
                                bench.equals("producers1") ? "1 producer" : "4 producers", loop));
            }
        }
        return bars(data, "Post hand-off: tasks per second into one loop thread (JMH, median of iterations)", "million tasks/s", file);
    }

    private static Path handoffWakeup(Results r, Path file) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (String loop : Loops.NAMES) {
            r.handoff.stream().filter(h -> h.variant().equals(loop) && h.benchmark().equals("wakeup") && "ok".equals(h.status())
                    && h.p50() != null).findFirst().ifPresent(h -> {
                        data.addValue(h.p50(), "p50", loop);
                        data.addValue(h.p99(), "p99", loop);
                    });
        }
        return bars(data, "Wake-up of an idle loop: post until the task has run (JMH sample, lower is better)", "microseconds", file);
    }

    private static Path dagSpeedup(Results r, Path file) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Results.DagRow d : r.dag) {
            if (d.speedup() != null) {
                data.addValue(d.speedup(), Report.label(d.mode()) + ", " + Report.ms(d.rttMs()) + " round trip", d.ioCalls() + " IO calls");
            }
        }
        return bars(data, "DAG: event loop speed-up over the 8-thread pool (requests/s ratio)", "x thread pool", file);
    }

    private static Path memory(Results r, Path file) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Results.MemoryRow m : r.memory) {
            if ("ok".equals(m.status())) {
                data.addValue(m.heapBytesPerCommand(), "heap", Report.label(m.client()));
                data.addValue(Math.max(0, m.nativeBytesPerCommand()), "native (RSS growth)", Report.label(m.client()));
            }
        }
        return bars(data, "Memory per in-flight GET (100,000 in flight, paused server)", "bytes per command", file);
    }

    private static Path bars(DefaultCategoryDataset data, String title, String yLabel, Path file) throws IOException {
        JFreeChart chart = org.jfree.chart.ChartFactory.createBarChart(title, null, yLabel, data, PlotOrientation.VERTICAL,
                true, false, false);
        chart.setTitle(new TextTitle(title, font(14)));
        CategoryPlot plot = chart.getCategoryPlot();
        BarRenderer renderer = (BarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setDefaultItemLabelGenerator(new org.jfree.chart.labels.StandardCategoryItemLabelGenerator(
                "{2}", new java.text.DecimalFormat("#,##0.#")));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(font(10));
        for (int i = 0; i < data.getRowCount(); i++) {
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        }
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return save(chart, file);
    }

    private static Path save(JFreeChart chart, Path file) throws IOException {
        chart.setBackgroundPaint(Color.WHITE);
        if (chart.getPlot() instanceof XYPlot xy) {
            xy.setBackgroundPaint(Color.WHITE);
            xy.setDomainGridlinePaint(Color.LIGHT_GRAY);
            xy.setRangeGridlinePaint(Color.LIGHT_GRAY);
        }
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
        return file;
    }

    private static Font font(int size) {
        return new Font(Font.SANS_SERIF, Font.PLAIN, size);
    }
}
