package io.evloop.internal.nativeloop;

import io.evloop.testkit.NativeRequirement;
import static io.evloop.internal.nativeloop.ProcessTools.exec;
import static io.evloop.internal.nativeloop.ProcessTools.listRecursively;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.kenai.jffi.Library;
import io.evloop.EventLoop;
import io.evloop.EventLoops;
import io.evloop.testkit.RedisServerProcess;
import io.evloop.redis.RedisClient;
import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import io.evloop.internal.nativeloop.ProcessTools.Exec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar's native library is one self-contained file that works on a Linux machine where
 * neither libuv nor hiredis is installed. Its folder in the jar holds libevloop and, for TLS
 * connections only, the TLS layer libevloop-tls (which links the system's OpenSSL). A child
 * JVM runs in a new mount namespace in which an empty file is bind-mounted over every copy of
 * libuv and hiredis that the system's dynamic linker knows ({@code ldconfig -p}); there it must
 * still get the native loop, run a task on it and talk to Redis through hiredis. So that it
 * cannot pass by accident, the same namespace shows that the system copies are unusable (the
 * child's own {@code dlopen} of every hidden name fails before it touches evloop), {@code ldd}
 * of a lone copy of libevloop resolves everything it needs, and the child reports from
 * {@code /proc/self/maps} that no libuv or hiredis file is mapped at all, and that libevloop
 * was mapped from the folder the loader extracted it to.
 */
class SelfContainedLibraryTest {

    @Test
    void theNativeLoopWorksWithTheSystemLibuvAndHiredisHidden(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux"),
                "the mount namespace that hides the system libraries is Linux's");
        NativeRequirement.check();

        String folder = "META-INF/native/" + NativeLibraryLoader.platform() + "/";
        String libName = System.mapLibraryName(NativeLibraryLoader.LIBRARY);
        // Besides libevloop, only the TLS layer, which is loaded apart (for TLS connections only).
        List<String> files = new ArrayList<>(filesOf(folder));
        files.removeIf(name -> name.startsWith("libevloop-tls"));
        assertEquals(List.of(libName), files, "the files of " + folder + " in the jar, but the TLS layer");

        Path empty = Files.createFile(tmp.resolve("empty"));
        Path lone = Files.createDirectories(tmp.resolve("lone")).resolve(libName);
        try (InputStream in = SelfContainedLibraryTest.class.getClassLoader().getResourceAsStream(folder + libName)) {
            assertTrue(in != null, "no " + folder + libName + " on the test classpath");
            Files.copy(in, lone);
        }
        Path extractTo = Files.createDirectories(tmp.resolve("extract"));
        SystemCopies system = SystemCopies.find();
        List<String> namespace = MountNamespace.command(tmp, empty);

        try (RedisServerProcess redis = RedisServerProcess.start()) {
            List<String> command = new ArrayList<>(namespace);
            command.add("sh");
            command.add("-c");
            // In the namespace: hide every system copy, show what a lone libevloop needs, then
            // become the child JVM.
            // Arguments, not environment variables, as sudo would drop those.
            command.add("set -e; empty=\"$1\"; lone=\"$2\"; hide=\"$3\"; shift 3; "
                    + "IFS=:; for f in $hide; do mount --bind \"$empty\" \"$f\"; echo \"hidden: $f\"; done; unset IFS; "
                    + "ldd \"$lone\" 2>&1 | sed 's/^/ldd-lone: /'; exec \"$@\"");
            command.add("sh");
            command.add(empty.toString());
            command.add(lone.toString());
            command.add(String.join(File.pathSeparator, system.files.stream().map(Path::toString).toList()));
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx128m");
            command.add("-D" + NativeLibraryLoader.TMPDIR_PROPERTY + "=" + extractTo);
            command.add("-Devloop.test.dlopen=" + String.join(",", system.names));
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(Main.class.getName());
            command.add(redis.uri());

            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().remove("CLASSPATH");
            pb.environment().remove("JAVA_TOOL_OPTIONS");
            pb.environment().remove("LD_LIBRARY_PATH");
            pb.environment().remove("LD_PRELOAD");
            ProcessTools.ChildReport child = ProcessTools.ChildReport.run(pb, tmp.resolve("child.out"), tmp.resolve("child.err"), 90);
            // The evidence, in target/surefire-reports/io.evloop.internal.nativeloop.SelfContainedLibraryTest-output.txt.
            System.out.println("namespace: " + String.join(" ", namespace) + "; system copies: " + system + child);

            String extracted = extractTo.toRealPath() + "/evloop-";
            assertAll(child.toString(),
                    () -> assertEquals(0, child.exitCode, "the child's exit status"),
                    () -> assertEquals(system.files.stream().map(Path::toString).toList(), child.values("hidden"),
                            "every system copy was hidden"),
                    () -> assertTrue(system.files.stream().anyMatch(f -> f.getFileName().toString().startsWith("libuv"))
                                    || system.names.isEmpty(),
                            "ldconfig -p lists a libuv, or none is installed at all: " + system),
                    () -> assertFalse(child.lines("ldd-lone").isEmpty(), "ldd ran on the lone libevloop"),
                    () -> assertTrue(child.lines("ldd-lone").stream().noneMatch(l -> l.contains("libuv")
                                    || l.contains("hiredis") || l.contains("not found") || l.contains("too short")),
                            "ldd of a lone libevloop resolves everything, and neither libuv nor hiredis"),
                    () -> assertEquals(system.names.size(), child.values("dlopen").size(), "one dlopen line a hidden name"),
                    () -> assertTrue(child.values("dlopen").stream().allMatch(v -> v.contains(": unusable: ")),
                            "dlopen of every hidden name fails in the child"),
                    () -> assertEquals("none", child.value("cause"), "the native library loaded"),
                    () -> assertEquals("native", child.value("implementation")),
                    () -> assertTrue(child.value("task").startsWith("ran on the loop thread"), "the posted task ran on the loop"),
                    () -> assertEquals("OK", child.value("SET")),
                    () -> assertEquals("value-evloop", child.value("GET")),
                    () -> assertEquals(List.of(), child.values("mapped-libuv"), "no libuv file is mapped: it is inside libevloop"),
                    () -> assertEquals(List.of(), child.values("mapped-hiredis"), "no hiredis file is mapped: it is inside libevloop"),
                    () -> assertTrue(child.value("mapped-libevloop").startsWith(extracted),
                            "libevloop is the extracted copy"),
                    () -> assertEquals(List.of(), listRecursively(extractTo), "the extracted files are deleted"));
        }
    }

    /** The names of the files in a folder of the test classpath (target/classes, the jar's content). */
    private static List<String> filesOf(String folder) throws Exception {
        java.net.URL url = SelfContainedLibraryTest.class.getClassLoader().getResource(folder);
        assertTrue(url != null && "file".equals(url.getProtocol()), "no folder " + folder + " on the test classpath: " + url);
        try (java.util.stream.Stream<Path> files = Files.list(Path.of(url.toURI()))) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * The system's copies of libuv and hiredis: every entry of {@code ldconfig -p} named
     * libuv.so* or libhiredis.so* (names), and the real files behind them (files, to hide).
     */
    private record SystemCopies(List<String> names, List<Path> files) {
        static SystemCopies find() throws Exception {
            String ldconfig = Files.isExecutable(Path.of("/sbin/ldconfig")) ? "/sbin/ldconfig" : "ldconfig";
            Exec listed = exec(List.of(ldconfig, "-p"));
            assertEquals(0, listed.exitCode(), "ldconfig -p: " + listed.output());
            Set<String> names = new LinkedHashSet<>();
            Set<Path> files = new LinkedHashSet<>();
            for (String line : listed.output().lines().toList()) {
                // "\tlibuv.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libuv.so.1"
                String entry = line.strip();
                int arrow = entry.indexOf(" => ");
                if (arrow < 0 || !(entry.startsWith("libuv.so") || entry.startsWith("libhiredis.so"))) {
                    continue;
                }
                names.add(entry.substring(0, entry.indexOf(' ')));
                Path file = Path.of(entry.substring(arrow + 4).strip());
                if (Files.exists(file)) {
                    files.add(file.toRealPath());
                }
            }
            return new SystemCopies(List.copyOf(names), List.copyOf(files));
        }
    }

    /**
     * The command prefix that runs something in a new, private mount namespace where it may
     * bind-mount: {@code unshare -m} (root), else {@code unshare -r -m} (a user namespace),
     * else {@code sudo -n unshare -m}. Each is tried with a real bind mount; the test is skipped,
     * with every attempt's answer, when none works.
     */
    private static final class MountNamespace {
        static List<String> command(Path tmp, Path empty) throws Exception {
            Path target = Files.writeString(tmp.resolve("probe-target"), "x");
            List<List<String>> candidates = List.of(
                    List.of("unshare", "-m", "--propagation", "private"),
                    List.of("unshare", "-r", "-m", "--propagation", "private"),
                    List.of("sudo", "-n", "unshare", "-m", "--propagation", "private"));
            List<String> answers = new ArrayList<>();
            for (List<String> candidate : candidates) {
                List<String> probe = new ArrayList<>(candidate);
                probe.addAll(List.of("sh", "-c", "mount --bind \"$0\" \"$1\" && test ! -s \"$1\"",
                        empty.toString(), target.toString()));
                Exec result = exec(probe);
                if (result.exitCode() == 0) {
                    return candidate;
                }
                answers.add(String.join(" ", candidate) + ": status " + result.exitCode() + " " + result.output().strip());
            }
            Assumptions.abort("cannot bind-mount in a new mount namespace here (needs root, unprivileged user"
                    + " namespaces or passwordless sudo): " + String.join("; ", answers));
            throw new AssertionError("unreachable");
        }
    }

    /** The child JVM, inside the namespace. Argument: the Redis URI. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            // Before evloop is touched: the hidden system copies must not load by their names.
            // (Done first, so that nothing evloop loads can answer for them.)
            String names = System.getProperty("evloop.test.dlopen", "");
            for (String name : names.isEmpty() ? new String[0] : names.split(",")) {
                Library lib = Library.openLibrary(name, Library.LAZY | Library.LOCAL);
                System.out.println("dlopen: " + name + (lib == null ? ": unusable: " + oneLine(Library.getLastError())
                        : ": LOADED (the system copy is usable)"));
            }

            Throwable cause = EventLoops.nativeUnavailabilityCause();
            System.out.println("cause: " + (cause == null ? "none" : oneLine(cause.getMessage())));
            try (EventLoop loop = EventLoops.createNative()) {
                System.out.println("implementation: " + loop.implementation());
                CompletableFuture<String> task = new CompletableFuture<>();
                loop.post(() -> task.complete(loop.inLoopThread() ? "ran on the loop thread " + Thread.currentThread().getName()
                        : "ran elsewhere: " + Thread.currentThread().getName()));
                System.out.println("task: " + task.get(10, TimeUnit.SECONDS));

                RedisClient redis = RedisClient.connect(loop, args[0]).get(10, TimeUnit.SECONDS);
                try {
                    String key = "evloop-bundled:" + ProcessHandle.current().pid();
                    redis.set(key, "value-evloop").get(10, TimeUnit.SECONDS);
                    System.out.println("SET: OK");
                    System.out.println("GET: " + redis.get(key).get(10, TimeUnit.SECONDS));
                    redis.del(key).get(10, TimeUnit.SECONDS);
                } finally {
                    redis.close();
                }
            }

            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash < 0) {
                    continue;
                }
                String path = line.substring(slash);
                String file = path.substring(path.lastIndexOf('/') + 1);
                if (file.startsWith("libuv")) {
                    report("mapped-libuv", path);
                } else if (file.startsWith("libhiredis")) {
                    report("mapped-hiredis", path);
                } else if (file.startsWith("libevloop")) {
                    report("mapped-libevloop", path);
                }
            }
            System.out.flush();
            System.exit(0);
        }

        private static final Set<String> REPORTED = new LinkedHashSet<>();

        private static void report(String key, String path) {
            if (REPORTED.add(key + path)) {
                System.out.println(key + ": " + path);
            }
        }

        private static String oneLine(String s) {
            return String.valueOf(s).replace("\r", "").replace("\n", " | ");
        }
    }
}
