package io.keelraft.bench.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the JSON lines of {@code raft-bench/compare.sh} (one per run, peer-bench's result line plus
 * {@code round} and {@code warmup}) into what the results page shows: per warm-up setting, a Markdown table of
 * medians over the rounds for each system and concurrency, with Keel's ratios to the better peer, and an SVG
 * plot of p50 and p99 latency against throughput, one curve per system. Each system name is its own column and
 * curve ({@code keel} through raft-client, {@code keel-resp} through RESP); the ratios are {@code keel}'s, to the
 * best of the systems that are not Keel's.
 *
 * <pre>
 *   java -cp raft-bench/target/keel-bench.jar io.keelraft.bench.e2e.ResultsReport results.jsonl [plot-prefix]
 * </pre>
 *
 * The plot goes to {@code plot-prefix-warmupW.svg} (default prefix: the input file without {@code .jsonl}).
 */
public final class ResultsReport {

    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":(\"[^\"]*\"|[-0-9.eE]+|true|false)");
    private static final String[] COLORS = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"};

    /** One run's line. */
    record Run(String system, int concurrency, int warmup, double opsPerSec, double p50, double p99, double p999,
               long errors, boolean failed) {
    }

    /** Medians of one system at one concurrency. */
    record Cell(int runs, int failed, long errors, double opsPerSec, double p50, double p99, double p999) {
    }

    private ResultsReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: ResultsReport RESULTS.jsonl [PLOT-PREFIX]");
            System.exit(2);
        }
        Path input = Path.of(args[0]);
        String prefix = args.length > 1 ? args[1] : input.toString().replaceFirst("\\.jsonl$", "");
        List<Run> runs = parse(Files.readAllLines(input, StandardCharsets.UTF_8));
        Map<Integer, Map<String, Map<Integer, Cell>>> byWarmup = summarize(runs);
        for (var w : byWarmup.entrySet()) {
            System.out.println(table(w.getKey(), w.getValue()));
            Path svg = Path.of(prefix + "-warmup" + w.getKey() + ".svg");
            Files.writeString(svg, plot(w.getKey(), w.getValue()), StandardCharsets.UTF_8);
            System.out.println("plot: " + svg);
            System.out.println();
        }
    }

    static List<Run> parse(List<String> lines) {
        List<Run> out = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, String> f = new LinkedHashMap<>();
            Matcher m = FIELD.matcher(line);
            while (m.find()) {
                f.put(m.group(1), m.group(2).replace("\"", ""));
            }
            if (!f.containsKey("system") || !f.containsKey("concurrency")) {
                throw new IllegalArgumentException("not a result line (no system/concurrency): " + line);
            }
            int warmup = Integer.parseInt(f.getOrDefault("warmup", f.getOrDefault("warmup_seconds", "5")));
            boolean failed = Boolean.parseBoolean(f.getOrDefault("failed", "false"));
            out.add(new Run(f.get("system"), Integer.parseInt(f.get("concurrency")), warmup,
                    num(f, "ops_per_sec"), num(f, "p50_ms"), num(f, "p99_ms"), num(f, "p999_ms"),
                    (long) num(f, "errors"), failed));
        }
        return out;
    }

    private static double num(Map<String, String> f, String key) {
        String v = f.get(key);
        return v == null ? Double.NaN : Double.parseDouble(v);
    }

    static Map<Integer, Map<String, Map<Integer, Cell>>> summarize(List<Run> runs) {
        Map<Integer, Map<String, Map<Integer, List<Run>>>> grouped = new TreeMap<>();
        for (Run r : runs) {
            grouped.computeIfAbsent(r.warmup(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(r.system(), k -> new TreeMap<>())
                    .computeIfAbsent(r.concurrency(), k -> new ArrayList<>()).add(r);
        }
        Map<Integer, Map<String, Map<Integer, Cell>>> out = new TreeMap<>();
        grouped.forEach((w, systems) -> systems.forEach((sys, byC) -> byC.forEach((c, list) -> {
            List<Run> ok = list.stream().filter(r -> !r.failed()).toList();
            Cell cell = new Cell(list.size(), list.size() - ok.size(), ok.stream().mapToLong(Run::errors).sum(),
                    median(ok.stream().mapToDouble(Run::opsPerSec).toArray()),
                    median(ok.stream().mapToDouble(Run::p50).toArray()),
                    median(ok.stream().mapToDouble(Run::p99).toArray()),
                    median(ok.stream().mapToDouble(Run::p999).toArray()));
            out.computeIfAbsent(w, k -> new LinkedHashMap<>()).computeIfAbsent(sys, k -> new TreeMap<>()).put(c, cell);
        })));
        return out;
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    static String table(int warmup, Map<String, Map<Integer, Cell>> systems) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Warm-up %d s: medians over the rounds (ops/s; p50 / p99 / p999 ms)%n%n",
                warmup));
        List<String> names = new ArrayList<>(systems.keySet());
        sb.append("| C |");
        for (String s : names) {
            sb.append(' ').append(s).append(" ops/s | ").append(s).append(" p50 / p99 / p999 |");
        }
        boolean ratios = names.contains("keel") && names.stream().anyMatch(n -> !n.startsWith("keel"));
        if (ratios) {
            sb.append(" keel ÷ best peer: ops/s | p99 |");
        }
        sb.append("\n|---:|");
        sb.append("---:|---|".repeat(names.size()));
        if (ratios) {
            sb.append("---:|---:|");
        }
        sb.append('\n');
        TreeSet<Integer> concurrencies = new TreeSet<>();
        systems.values().forEach(m -> concurrencies.addAll(m.keySet()));
        for (int c : concurrencies) {
            sb.append("| ").append(c).append(" |");
            for (String s : names) {
                Cell cell = systems.get(s).get(c);
                if (cell == null) {
                    sb.append(" — | — |");
                    continue;
                }
                if (Double.isNaN(cell.opsPerSec())) {
                    sb.append(" failed (").append(cell.runs()).append(" of ").append(cell.runs())
                            .append(" runs) | — |");
                    continue;
                }
                String note = (cell.failed() > 0 ? " (" + cell.failed() + " of " + cell.runs() + " runs failed)" : "")
                        + (cell.errors() > 0 ? " (" + cell.errors() + " errors)" : "");
                boolean none = cell.opsPerSec() == 0; // every request failed: there is no latency to show
                sb.append(String.format(Locale.ROOT, " %,.0f%s | %s / %s / %s |", cell.opsPerSec(), note,
                        none ? "—" : ms(cell.p50()), none ? "—" : ms(cell.p99()), none ? "—" : ms(cell.p999())));
            }
            if (ratios) {
                Cell keel = systems.get("keel").get(c);
                Cell best = null;
                for (String s : names) {
                    Cell peer = s.startsWith("keel") ? null : systems.get(s).get(c); // keel-resp is no peer
                    if (peer != null && !Double.isNaN(peer.opsPerSec()) && peer.opsPerSec() > 0
                            && (best == null || peer.opsPerSec() > best.opsPerSec())) {
                        best = peer;
                    }
                }
                if (keel == null || best == null) {
                    sb.append(" — | — |");
                } else {
                    sb.append(String.format(Locale.ROOT, " %.2f× | %.2f× |", keel.opsPerSec() / best.opsPerSec(),
                            keel.p99() / best.p99()));
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String ms(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : v >= 10 ? String.format(Locale.ROOT, "%.1f", v)
                : String.format(Locale.ROOT, "%.2f", v);
    }

    /** Log–log plot: x throughput, y latency; solid p50 and dashed p99 per system, points labelled with C. */
    static String plot(int warmup, Map<String, Map<Integer, Cell>> systems) {
        int width = 760;
        int height = 480;
        int left = 70;
        int right = 150;
        int top = 48;
        int bottom = 60;
        double minX = Double.MAX_VALUE;
        double maxX = 0;
        double minY = Double.MAX_VALUE;
        double maxY = 0;
        for (Map<Integer, Cell> m : systems.values()) {
            for (Cell c : m.values()) {
                if (Double.isNaN(c.opsPerSec()) || c.opsPerSec() <= 0) {
                    continue;
                }
                minX = Math.min(minX, c.opsPerSec());
                maxX = Math.max(maxX, c.opsPerSec());
                minY = Math.min(minY, c.p50());
                maxY = Math.max(maxY, c.p99());
            }
        }
        if (maxX == 0) {
            return "<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
        }
        double x0 = Math.floor(Math.log10(minX));
        double x1 = Math.ceil(Math.log10(maxX));
        double y0 = Math.floor(Math.log10(minY));
        double y1 = Math.ceil(Math.log10(maxY));
        int plotW = width - left - right;
        int plotH = height - top - bottom;
        java.util.function.DoubleUnaryOperator px = v -> left + (Math.log10(v) - x0) / (x1 - x0) * plotW;
        java.util.function.DoubleUnaryOperator py = v -> top + plotH - (Math.log10(v) - y0) / (y1 - y0) * plotH;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", width, height));
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"14\">Latency vs throughput: 3 servers, "
                + "fsync on, %d s warm-up</text>%n", left, warmup));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"34\" font-size=\"11\">medians of alternated runs; "
                + "solid p50, dashed p99; points labelled with C (requests in flight)</text>%n", left));
        for (double d = x0; d <= x1; d++) {
            double v = Math.pow(10, d);
            double x = px.applyAsDouble(v);
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n",
                    x, top, x, top + plotH));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x,
                    top + plotH + 18, label(v)));
        }
        for (double d = y0; d <= y1; d++) {
            double v = Math.pow(10, d);
            double y = py.applyAsDouble(v);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
                    left, y, left + plotW, y));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", left - 6,
                    y + 4, label(v)));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">throughput (ops/s)</text>%n",
                left + plotW / 2, height - 20));
        s.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" "
                + "text-anchor=\"middle\">latency (ms)</text>%n", top + plotH / 2, top + plotH / 2));
        int i = 0;
        for (var e : systems.entrySet()) {
            String color = COLORS[i % COLORS.length];
            for (boolean p99 : new boolean[] {false, true}) {
                StringBuilder points = new StringBuilder();
                for (var c : e.getValue().entrySet()) {
                    Cell cell = c.getValue();
                    if (Double.isNaN(cell.opsPerSec()) || cell.opsPerSec() <= 0) {
                        continue;
                    }
                    double x = px.applyAsDouble(cell.opsPerSec());
                    double y = py.applyAsDouble(p99 ? cell.p99() : cell.p50());
                    points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                    s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", x, y,
                            color));
                    if (!p99) {
                        s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\" font-size=\"10\">"
                                + "C=%d</text>%n", x + 5, y + 12, color, c.getKey()));
                    }
                }
                s.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" "
                        + "stroke-width=\"2\"%s/>%n", points.toString().trim(), color,
                        p99 ? " stroke-dasharray=\"6,4\"" : ""));
            }
            int ly = top + 20 + i * 20;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                    + "stroke-width=\"3\"/>%n", width - right + 15, ly, width - right + 40, ly, color));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", width - right + 46, ly + 4,
                    e.getKey()));
            i++;
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static String label(double v) {
        if (v >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return v >= 1 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%s", v);
    }
}
