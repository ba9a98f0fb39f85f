package io.evloop.internal.nativeloop;

import io.evloop.testkit.NativeRequirement;
import static io.evloop.internal.nativeloop.ProcessTools.exec;
import static io.evloop.internal.nativeloop.ProcessTools.listRecursively;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.EventLoop;
import io.evloop.EventLoops;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import io.evloop.internal.nativeloop.ProcessTools.Exec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the loader and {@link EventLoops} behave when native cannot or must not load. Each case
 * runs in a child JVM (the loader decides once per JVM) on the test classpath, with the system
 * properties a user would set, and checks that the message names the cause and the fix and that
 * {@link EventLoops#create()} falls back to the Java loop saying why once.
 */
class NativeLibraryLoaderTest {

    /** What EventLoops logs, once, when create() falls back to the Java loop. */
    private static final String FALLBACK_LOG = "Java event loop";

    @Test
    void switchedOffByPropertyGivesTheJavaLoopAndSaysSo() throws Exception {
        ProcessTools.ChildReport child = child(List.of(), "-D" + EventLoops.NATIVE_PROPERTY + "=false");

        assertAll(child.toString(),
                () -> assertEquals(List.of("java", "java"), child.values("create")),
                () -> assertTrue(child.value("cause").contains("switched off"), "cause names the switch"),
                () -> assertTrue(child.value("cause").contains("-Devloop.native=false"), "cause names the property"),
                () -> assertTrue(child.value("createNative").startsWith("failed: "), "createNative refuses"),
                () -> assertTrue(child.value("createNative").contains("switched off"), "createNative says why"),
                () -> assertEquals(1, child.stderrCount(FALLBACK_LOG), "the fallback is logged exactly once"));
    }

    @Test
    void aMissingExplicitPathDoesNotStopTheBundledCopyFromLoading() throws Exception {
        NativeRequirement.check();
        ProcessTools.ChildReport child = child(List.of(), "-D" + NativeLibraryLoader.PATH_PROPERTY + "=/nonexistent/libevloop.so");

        assertAll(child.toString(),
                () -> assertEquals("none", child.value("cause")),
                () -> assertEquals("ok native", child.value("createNative")),
                () -> assertEquals(List.of("native", "native"), child.values("create")),
                () -> assertEquals(0, child.stderrCount(FALLBACK_LOG)));
    }

    @Test
    void aMissingExplicitPathIsListedInTheFinalError() throws Exception {
        // No bundled copy for "sparc", so every attempt fails and the final error lists them.
        ProcessTools.ChildReport child = child(List.of(),
                "-D" + NativeLibraryLoader.PATH_PROPERTY + "=/nonexistent/libevloop.so", "-Dos.arch=sparc");

        assertAll(child.toString(),
                () -> assertEquals(List.of("java", "java"), child.values("create")),
                () -> assertTrue(child.values("suppressed").stream().anyMatch(
                                s -> s.contains("/nonexistent/libevloop.so") && s.contains(NativeLibraryLoader.PATH_PROPERTY)),
                        "one suppressed attempt names the file and the property"),
                () -> assertTrue(child.values("suppressed").stream().anyMatch(s -> s.contains("-sparc")),
                        "one suppressed attempt is the bundled copy for the platform"));
    }

    @Test
    void aMissingExplicitPathIsReportedWhenAnotherCopyLoads() throws Exception {
        NativeRequirement.check();
        ProcessTools.ChildReport child = child(List.of(), "-D" + NativeLibraryLoader.PATH_PROPERTY + "=/nonexistent/libevloop.so");

        assertAll(child.toString(),
                () -> assertEquals(List.of("native", "native"), child.values("create")),
                () -> assertTrue(child.stderr.contains("/nonexistent/libevloop.so"),
                        "a warning names the file that was named but not loaded"));
    }

    @Test
    void theExtractedCopyIsDeletedOnceLoaded(@TempDir Path tmp) throws Exception {
        NativeRequirement.check();
        ProcessTools.ChildReport child = child(List.of(), "-D" + NativeLibraryLoader.TMPDIR_PROPERTY + "=" + tmp);

        assertAll(child.toString(),
                () -> assertEquals("none", child.value("cause")),
                () -> assertEquals(List.of("native", "native"), child.values("create")),
                () -> assertEquals(List.of(), listRecursively(tmp), "nothing is left in " + tmp));
    }

    @Test
    void aTmpdirMountedNoexecNamesTheCauseAndTheFix(@TempDir Path tmp) throws Exception {
        NativeRequirement.check();
        Path noexec = Files.createDirectory(tmp.resolve("noexec"));
        NoexecMount mount = NoexecMount.mount(noexec);
        try {
            ProcessTools.ChildReport child = child(List.of(), "-D" + NativeLibraryLoader.TMPDIR_PROPERTY + "=" + noexec);

            String error = child.value("createNative");
            assertAll(child.toString(),
                    () -> assertTrue(error.startsWith("failed: "), "createNative throws"),
                    () -> assertTrue(error.contains("noexec"), "the message names noexec"),
                    () -> assertTrue(error.contains(NativeLibraryLoader.TMPDIR_PROPERTY), "the message names the property"),
                    () -> assertEquals(List.of("java", "java"), child.values("create")),
                    () -> assertEquals(1, child.stderrCount(FALLBACK_LOG), "the fallback is logged exactly once"),
                    () -> assertTrue(child.stderrLinesWith(FALLBACK_LOG).get(0).contains("noexec"),
                            "the fallback log says why"),
                    () -> assertEquals(List.of(), listRecursively(noexec), "the extracted copy is deleted"));
        } finally {
            mount.unmount();
        }
    }

    @Test
    void aMissingPlatformNamesThePlatform() throws Exception {
        ProcessTools.ChildReport child = child(List.of(), "-Dos.arch=sparc");

        String cause = child.value("cause");
        assertAll(child.toString(),
                () -> assertTrue(cause.contains(platformWithArch("sparc")), "the cause names the platform"),
                () -> assertTrue(cause.contains("META-INF/native/" + platformWithArch("sparc")),
                        "the cause names where the library was looked for"),
                () -> assertTrue(cause.contains("-D" + NativeLibraryLoader.PATH_PROPERTY),
                        "the cause says how to name a library built for this platform"),
                () -> assertTrue(child.value("createNative").contains(platformWithArch("sparc"))),
                () -> assertEquals(List.of("java", "java"), child.values("create")),
                () -> assertEquals(1, child.stderrCount(FALLBACK_LOG), "the fallback is logged exactly once"));
    }

    @Test
    void aCLibraryOlderThanTheBuildsNamesTheFloorAndTheFix() {
        // The message glibc's dynamic linker gives (it cannot be provoked on a newer glibc).
        UnsatisfiedLinkError raw = new UnsatisfiedLinkError("/tmp/evloop-1/libevloop.so: /lib/x86_64-linux-gnu/libc.so.6:"
                + " version `GLIBC_2.34' not found (required by /tmp/evloop-1/libevloop.so)");
        String message = NativeLibraryLoader.explain(raw, Path.of("/tmp")).getMessage();
        assertAll(message,
                () -> assertTrue(message.startsWith(raw.getMessage()), "the linker's message comes first"),
                () -> assertTrue(message.contains("older than glibc 2.34"), "names the version this build needs"),
                () -> assertTrue(message.contains("glibc " + NativeLibraryLoader.GLIBC_FLOOR + " or later"),
                        "names the released jar's floor"),
                () -> assertTrue(message.contains("-Devloop.native=false"), "names the fallback"),
                () -> assertFalse(message.contains("noexec"), "no noexec hint"));
    }

    @Test
    void jnrFfiThatCannotRunIsNotBlamedOnTheFile() {
        // What loadFile makes of jnr-ffi missing ASM (evloop on the module path without ASM resolved).
        UnsatisfiedLinkError raw = new UnsatisfiedLinkError("loading /tmp/evloop-1/libevloop.so failed: jnr-ffi cannot"
                + " find its dependency's class org/objectweb/asm/ClassVisitor; ... --add-modules ALL-MODULE-PATH");
        raw.initCause(new NoClassDefFoundError("org/objectweb/asm/ClassVisitor"));
        UnsatisfiedLinkError explained = NativeLibraryLoader.explain(raw, Path.of("/tmp"));
        assertSame(raw, explained, "its message already names the fix");
        assertFalse(explained.getMessage().contains("noexec"), explained.getMessage());
    }

    @Test
    void aMissingDependencyNamesTheLibraryAndTheFix(@TempDir Path tmp) throws Exception {
        // A jar-like folder ahead of the real classes whose META-INF/native/<platform>/ holds a
        // libevloop that needs a library which no longer exists.
        Path classes = tmp.resolve("classes");
        Path lib = classes.resolve("META-INF/native/" + NativeLibraryLoader.platform() + "/"
                + System.mapLibraryName(NativeLibraryLoader.LIBRARY));
        Files.createDirectories(lib.getParent());
        buildLibraryNeedingAMissingOne(tmp, lib);

        ProcessTools.ChildReport child = child(List.of(classes.toString()));

        String cause = child.value("cause");
        assertAll(child.toString(),
                () -> assertTrue(cause.contains("libevlgone"), "the cause names the missing library"),
                () -> assertTrue(cause.toLowerCase(Locale.ROOT).contains("install"), "the cause says what to install"),
                () -> assertFalse(cause.contains("noexec"), "no noexec hint for a missing dependency"),
                () -> assertEquals(List.of("java", "java"), child.values("create")),
                () -> assertEquals(1, child.stderrCount(FALLBACK_LOG)));
    }

    @Test
    void theBundledTlsLayerLoadsOnlyWhenAskedFor() throws Exception {
        NativeRequirement.check();
        ProcessTools.ChildReport child = child(List.of());

        assertAll(child.toString(),
                () -> assertEquals("none", child.value("cause")),
                () -> assertEquals("no", child.value("tls-loaded-before"), "the TLS layer is not loaded with libevloop"),
                () -> assertTrue(child.value("tls").startsWith("ok OpenSSL"), "the bundled TLS layer loads"),
                () -> assertTrue(child.value("tls-from").contains("bundled in the jar")));
    }

    @Test
    void withoutOpenSslTlsIsRefusedNamingWhatToInstallAndTheNativeLoopStillWorks(@TempDir Path tmp) throws Exception {
        NativeRequirement.check();
        // A jar-like folder ahead of the real classes whose TLS layers both need a libssl that is
        // not there, as on a machine without OpenSSL; libevloop comes from the real classes.
        Path classes = tmp.resolve("classes");
        Path folder = classes.resolve("META-INF/native/" + NativeLibraryLoader.platform());
        Files.createDirectories(folder);
        Path first = folder.resolve(NativeLibraryLoader.tlsFileNames().get(0));
        buildLibraryNeedingAMissingOne(tmp, first, "sslgone");
        for (String name : NativeLibraryLoader.tlsFileNames()) {
            if (!Files.exists(folder.resolve(name))) {
                Files.copy(first, folder.resolve(name));
            }
        }

        ProcessTools.ChildReport child = child(List.of(classes.toString()));

        String tls = child.value("tls");
        assertAll(child.toString(),
                () -> assertEquals("none", child.value("cause"), "libevloop loads"),
                () -> assertEquals("ok native", child.value("createNative"), "the native loop works"),
                () -> assertTrue(tls.startsWith("failed: TLS on the native loop needs the system's OpenSSL"), tls),
                () -> assertTrue(tls.contains("libsslgone"), "names what is missing: " + tls),
                () -> assertTrue(tls.contains("apt-get install libssl3"), "names the package: " + tls),
                () -> assertTrue(tls.contains("Java loop"), "names the alternative: " + tls),
                () -> assertEquals(NativeLibraryLoader.tlsFileNames().size(), child.values("tls-suppressed").size(),
                        "every TLS layer was tried"));
    }

    @Test
    void aJarWithoutATlsLayerSaysHowToBuildOne() {
        String message = NativeLibraryLoader.explainTls(List.of(), false);
        assertAll(message,
                () -> assertTrue(message.contains("carries none for " + NativeLibraryLoader.platform()), message),
                () -> assertTrue(message.contains("libssl-dev"), message),
                () -> assertTrue(message.contains("Java loop"), message));
    }

    @Test
    void aMissingTmpdirNamesTheFolderAndTheProperty(@TempDir Path tmp) throws Exception {
        Path missing = tmp.resolve("does-not-exist");
        ProcessTools.ChildReport child = child(List.of(), "-D" + NativeLibraryLoader.TMPDIR_PROPERTY + "=" + missing);

        String cause = child.value("cause");
        assertAll(child.toString(),
                () -> assertTrue(cause.contains(missing.toString()), "the cause names the folder"),
                () -> assertTrue(cause.contains(NativeLibraryLoader.TMPDIR_PROPERTY), "the cause names the property"),
                () -> assertTrue(cause.contains("does not exist") || cause.contains("no such"), "the cause says what is wrong"),
                () -> assertEquals(List.of("java", "java"), child.values("create")));
    }

    // ---------------------------------------------------------------------------------------

    /** platform() as the child computes it with a different os.arch. */
    private static String platformWithArch(String arch) {
        String platform = NativeLibraryLoader.platform();
        return platform.substring(0, platform.indexOf('-') + 1) + arch;
    }


    /** Compiles a shared library that links against libevlgone, then deletes libevlgone. */
    private static void buildLibraryNeedingAMissingOne(Path work, Path output) throws Exception {
        buildLibraryNeedingAMissingOne(work, output, "evlgone");
    }

    /** Compiles a shared library that links against lib{@code missing}, then deletes that one. */
    private static void buildLibraryNeedingAMissingOne(Path work, Path output, String missing) throws Exception {
        Path gone = work.resolve(System.mapLibraryName(missing));
        Path goneSource = Files.writeString(work.resolve("gone.c"), "int evl_gone(void) { return 1; }\n");
        Path source = Files.writeString(work.resolve("needs_gone.c"),
                "int evl_gone(void);\nint evl_needs_gone(void) { return evl_gone(); }\n");
        String cc = System.getenv().getOrDefault("CC", "cc");
        Assumptions.assumeTrue(exec(List.of(cc, "--version")).exitCode() == 0, "no C compiler (" + cc + ") to build the test library");
        Exec built = exec(List.of(cc, "-shared", "-fPIC", "-o", gone.toString(), goneSource.toString()));
        assertEquals(0, built.exitCode(), built.output());
        built = exec(List.of(cc, "-shared", "-fPIC", "-o", output.toString(), source.toString(),
                "-L" + work, "-l" + missing));
        assertEquals(0, built.exitCode(), built.output());
        Files.delete(gone);
    }



    /**
     * A tmpfs mounted noexec on a folder, for the extraction test; the test is skipped with the
     * reason where that cannot be done (not Linux, not root, no mount permission).
     */
    private static final class NoexecMount {
        private final Path dir;

        private NoexecMount(Path dir) {
            this.dir = dir;
        }

        static NoexecMount mount(Path dir) throws Exception {
            Assumptions.assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux"),
                    "a noexec tmpfs mount is made with Linux's mount(8) only");
            Exec mounted = exec(List.of("mount", "-t", "tmpfs", "-o", "noexec,nosuid,nodev,size=16m", "tmpfs", dir.toString()));
            Assumptions.assumeTrue(mounted.exitCode() == 0,
                    "cannot mount a noexec tmpfs here (needs root or CAP_SYS_ADMIN): " + mounted.output().strip());
            return new NoexecMount(dir);
        }

        void unmount() throws Exception {
            Exec unmounted = exec(List.of("umount", dir.toString()));
            assertEquals(0, unmounted.exitCode(), "umount " + dir + ": " + unmounted.output());
        }
    }

    /**
     * A child JVM running {@link Main} on this JVM's classpath (with {@code classpathFirst}
     * ahead of it) and the given JVM options, which must exit 0; its report lines are "key: value".
     */
    private static ProcessTools.ChildReport child(List<String> classpathFirst, String... jvmOptions) throws Exception {
        List<String> classpath = new ArrayList<>(classpathFirst);
        classpath.add(System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx128m");
        command.addAll(Arrays.asList(jvmOptions));
        command.add("-cp");
        command.add(String.join(File.pathSeparator, classpath));
        command.add(Main.class.getName());
        Path out = Files.createTempFile("evloop-child-", ".out");
        Path err = Files.createTempFile("evloop-child-", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().remove("CLASSPATH");
            pb.environment().remove("JAVA_TOOL_OPTIONS");
            ProcessTools.ChildReport child = ProcessTools.ChildReport.run(pb, out, err, 60);
            assertEquals(0, child.exitCode, "child JVM " + command + " failed: " + child);
            return child;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** The child JVM: reports what the loader and EventLoops did, one "key: value" per line. */
    public static final class Main {
        public static void main(String[] args) {
            Throwable cause = EventLoops.nativeUnavailabilityCause();
            System.out.println("cause: " + (cause == null ? "none" : oneLine(cause.getMessage())));
            if (cause != null) {
                for (Throwable attempt : cause.getSuppressed()) {
                    System.out.println("suppressed: " + oneLine(attempt.getMessage()));
                }
                for (Throwable c = cause.getCause(); c != null; c = c.getCause()) {
                    System.out.println("caused-by: " + c.getClass().getName() + ": " + oneLine(c.getMessage()));
                }
            }
            try (EventLoop loop = EventLoops.createNative()) {
                System.out.println("createNative: ok " + loop.implementation());
            } catch (Throwable t) {
                System.out.println("createNative: failed: " + oneLine(t.getMessage()));
            }
            for (int i = 0; i < 2; i++) {
                try (EventLoop loop = EventLoops.create()) {
                    System.out.println("create: " + loop.implementation());
                }
            }
            if (cause == null) {
                System.out.println("tls-loaded-before: " + (mapped("libevloop-tls") ? "yes" : "no"));
                try {
                    NativeLibraryLoader.NativeTls tls = NativeLibraryLoader.tls();
                    System.out.println("tls: ok " + oneLine(tls.openSslVersion()));
                    System.out.println("tls-from: " + oneLine(tls.loadedFrom()));
                } catch (Throwable t) {
                    System.out.println("tls: failed: " + oneLine(t.getMessage()));
                    for (Throwable attempt : t.getCause().getSuppressed()) {
                        System.out.println("tls-suppressed: " + oneLine(attempt.getMessage()));
                    }
                }
            }
        }

        /** Whether a file whose name contains {@code name} is mapped into this process (Linux; false elsewhere). */
        private static boolean mapped(String name) {
            try {
                return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/maps")).stream()
                        .anyMatch(l -> l.contains(name));
            } catch (java.io.IOException e) {
                return false;
            }
        }

        private static String oneLine(String s) {
            return String.valueOf(s).replace("\r", "").replace("\n", " | ");
        }
    }
}
