package io.evloop.internal.nativeloop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Small helpers shared by the loader tests: run a command with a bound, list what a folder holds. */
final class ProcessTools {

    /** A finished command: its exit code (-1 if it could not start or timed out) and its output. */
    record Exec(int exitCode, String output) {
    }

    private ProcessTools() {
    }

    /** Runs {@code command} with stderr merged into stdout, for at most 60 s. */
    static Exec exec(List<String> command) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Exec(-1, e.toString());
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Exec(-1, "timed out: " + command);
        }
        return new Exec(p.exitValue(), output);
    }

    /** Every file and folder below {@code dir}, sorted. */
    static List<String> listRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> !p.equals(dir)).map(Path::toString).sorted().toList();
        }
    }
}
