package io.evloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The library's packages are layers (docs/ARCHITECTURE.md, "Layers"): each may use only the
 * layers below it, so there is no package cycle. Checked on the compiled classes with jdeps,
 * so a new import that breaks the rule fails here, whatever the source looks like.
 */
class PackageLayersTest {

    /** Lowest first; a package may depend only on packages of a lower layer. */
    private static final Map<String, Integer> LAYERS = Map.of(
            "io.evloop.internal", 0,
            "io.evloop", 1,
            "io.evloop.internal.loop", 2,
            "io.evloop.internal.javaloop", 3,
            "io.evloop.internal.nativeloop", 3,
            "io.evloop.redis", 4,
            "io.evloop.redis.cluster", 5,
            "io.evloop.dag", 6,
            "io.evloop.micrometer", 7);

    private static final Pattern EDGE = Pattern.compile("^\\s*(io\\.evloop[\\w.]*)\\s+->\\s+(io\\.evloop[\\w.]*)\\s");

    @Test
    void everyPackageUsesOnlyTheLayersBelowIt() throws Exception {
        Path classes = Path.of(EventLoop.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ToolProvider jdeps = ToolProvider.findFirst("jdeps")
                .orElseThrow(() -> new AssertionError("jdeps is missing: run the tests on a JDK, not a JRE"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = jdeps.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                "-verbose:package", "-filter:none", classes.toString());
        String report = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, () -> "jdeps failed: " + err.toString(StandardCharsets.UTF_8));

        TreeSet<String> packages = new TreeSet<>();
        List<String> violations = new ArrayList<>();
        int edges = 0;
        for (String line : report.split("\n")) {
            Matcher m = EDGE.matcher(line);
            if (!m.find()) {
                continue;
            }
            String from = m.group(1);
            String to = m.group(2);
            packages.add(from);
            packages.add(to);
            if (from.equals(to)) {
                continue;
            }
            edges++;
            Integer fromLayer = LAYERS.get(from);
            Integer toLayer = LAYERS.get(to);
            if (fromLayer == null || toLayer == null) {
                continue; // reported below as a package without a layer
            }
            if (toLayer >= fromLayer) {
                violations.add(from + " (layer " + fromLayer + ") -> " + to + " (layer " + toLayer + ")");
            }
        }
        assertTrue(edges > 5, () -> "jdeps reported too few dependencies to be believed:\n" + report);
        TreeSet<String> unlayered = new TreeSet<>(packages);
        unlayered.removeAll(LAYERS.keySet());
        assertTrue(unlayered.isEmpty(), () -> "packages without a layer (add them to LAYERS and to docs/ARCHITECTURE.md): " + unlayered);
        assertTrue(violations.isEmpty(), () -> "dependencies against the layering:\n  " + String.join("\n  ", violations));
    }
}
