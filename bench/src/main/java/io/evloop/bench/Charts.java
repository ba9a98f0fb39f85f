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
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
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
        if (r.redis.stream().anyMatch(p -> "ok".equals(p.status()))) {
            written.add(redisChart(r, dir.resolve("redis-throughput.png"), "GET throughput on one connection (median, bars: min-max of the repetitions)",
                    "ops/s", Results.RedisPoint::opsMedian, false, true));
            written.add(redisChart(r, dir.resolve("redis-latency-p99.png"), "GET latency p99 (median of the repetitions)",
                    "p99 latency (us, log)", Results.RedisPoint::p99Us, true, false));
            written.add(redisChart(r, dir.resolve("redis-cpu-per-op.png"), "Client CPU time per GET (whole client process)",
                    "CPU ns per op (log)", Results.RedisPoint::cpuNsPerOp, true, false));
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

    private static Path redisChart(Results r, Path file, String title, String yLabel, ToDoubleFunction<Results.RedisPoint> y,
                                   boolean logY, boolean intervals) throws IOException {
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        Double ceiling = null;
        for (String client : BenchSuite.REDIS_CLIENTS) {
            List<Results.RedisPoint> points = r.redis.stream()
                    .filter(p -> p.client().equals(client) && "ok".equals(p.status())).toList();
            if (client.equals(BenchSuite.CEILING)) {
                if (!points.isEmpty() && intervals) {
                    ceiling = points.get(0).opsMedian();
                }
                continue;
            }
            if (points.isEmpty()) {
                continue;
            }
            YIntervalSeries series = new YIntervalSeries(client.equals("jedis")
                    ? Report.label(client) + " (at most 8 in flight)" : Report.label(client));
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
        if (ceiling != null) {
            ValueMarker marker = new ValueMarker(ceiling, Color.DARK_GRAY, new BasicStroke(1.5f, BasicStroke.CAP_BUTT,
                    BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            marker.setLabel(String.format(Locale.ROOT, "redis-benchmark -P 1000 (server ceiling): %,.0f ops/s", ceiling));
            marker.setLabelAnchor(RectangleAnchor.TOP_LEFT);
            marker.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
            marker.setLabelFont(font(12));
            plot.addRangeMarker(marker);
            double top = ceiling;
            for (int s = 0; s < data.getSeriesCount(); s++) {
                for (int i = 0; i < data.getItemCount(s); i++) {
                    top = Math.max(top, data.getEndYValue(s, i));
                }
            }
            yAxis.setUpperBound(top * 1.12);
        }
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
