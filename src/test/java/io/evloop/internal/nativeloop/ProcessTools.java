package io.evloop.internal.nativeloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

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

    /**
     * What a child process reported: its stdout as "key: value" lines, its stderr and its exit
     * code. {@link #run} bounds the wait, and a child that overruns fails the test.
     */
    static final class ChildReport {
        final List<String> lines;
        final String stderr;
        final int exitCode;

        private ChildReport(List<String> lines, String stderr, int exitCode) {
            this.lines = lines;
            this.stderr = stderr;
            this.exitCode = exitCode;
        }

        /** Runs {@code pb} with its output in {@code out} and {@code err}, for at most {@code seconds}. */
        static ChildReport run(ProcessBuilder pb, Path out, Path err, int seconds) throws Exception {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail("the child did not finish within " + seconds + " s: " + pb.command() + "\n" + Files.readString(out)
                        + "\n" + Files.readString(err));
            }
            return new ChildReport(Files.readAllLines(out), Files.readString(err), p.exitValue());
        }

        /** The lines of {@code key}, whole. */
        List<String> lines(String key) {
            String prefix = key + ": ";
            return lines.stream().filter(l -> l.startsWith(prefix)).toList();
        }

        List<String> values(String key) {
            String prefix = key + ": ";
            return lines(key).stream().map(l -> l.substring(prefix.length())).toList();
        }

        /** The one value of {@code key}; fails unless there is exactly one. */
        String value(String key) {
            List<String> values = values(key);
            assertEquals(1, values.size(), "one '" + key + "' line expected in " + this);
            return values.get(0);
        }

        List<String> stderrLinesWith(String text) {
            return stderr.lines().filter(l -> l.contains(text)).toList();
        }

        long stderrCount(String text) {
            return stderrLinesWith(text).size();
        }

        @Override
        public String toString() {
            return "\n--- child stdout ---\n" + String.join("\n", lines) + "\n--- child stderr ---\n" + stderr;
        }
    }

    /** Every file and folder below {@code dir}, sorted. */
    static List<String> listRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> !p.equals(dir)).map(Path::toString).sorted().toList();
        }
    }
}
