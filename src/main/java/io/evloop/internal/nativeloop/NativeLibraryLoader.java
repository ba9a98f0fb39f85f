package io.evloop.internal.nativeloop;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Pointer;

/**
 * Finds and loads {@code libevloop}, eagerly: a missing symbol fails here, not at the first
 * call. Tried in order, every failure kept as a suppressed exception of the final error:
 * <ol>
 *   <li>the file named by the system property {@value #PATH_PROPERTY};</li>
 *   <li>{@code java.library.path};</li>
 *   <li>the copy bundled in the jar under {@code META-INF/native/<os>-<arch>/}, extracted to a
 *       fresh folder under {@value #TMPDIR_PROPERTY} (default {@code java.io.tmpdir}) and deleted
 *       again once loaded. It is one self-contained file: libuv and hiredis are linked into it,
 *       and it needs nothing but the C library.</li>
 * </ol>
 *
 * <p>The TLS layer, {@code libevloop-tls3} (OpenSSL 3) or {@code libevloop-tls11} (OpenSSL
 * 1.1), is loaded apart and only on the first TLS connection ({@link #tls()}), since it needs
 * the system's OpenSSL: a machine without OpenSSL runs the native loop all the same, and only
 * its TLS connections are refused, with the fix. It is looked for in the same places: the file
 * named by {@value #TLS_PATH_PROPERTY}, next to the file named by {@value #PATH_PROPERTY},
 * {@code java.library.path}, then the jar; the newest OpenSSL first.
 */
public final class NativeLibraryLoader {

    public static final String PATH_PROPERTY = "evloop.native.path";
    public static final String TLS_PATH_PROPERTY = "evloop.native.tls.path";
    public static final String TMPDIR_PROPERTY = "evloop.native.tmpdir";
    static final String LIBRARY = "evloop";
    /** The oldest glibc the released Linux libraries load on (scripts/build-release-native.sh). */
    static final String GLIBC_FLOOR = "2.31";
    private static final Pattern GLIBC_MISSING = Pattern.compile("version [`']GLIBC_([\\d.]+)' not found");
    private static final Pattern LIBRARY_MISSING = Pattern.compile(
            "(lib[\\w.+-]+?\\.(?:so[.\\d]*|dylib)): (?:cannot open shared object file|file too short)"
                    + "|Library not loaded: (\\S+)");

    private NativeLibraryLoader() {
    }

    /** The loaded library, or throws {@link UnsatisfiedLinkError} naming every attempt. */
    public static LibEvloop library() {
        if (Holder.LIBRARY != null) {
            return Holder.LIBRARY;
        }
        UnsatisfiedLinkError e = new UnsatisfiedLinkError(Holder.CAUSE.getMessage());
        e.initCause(Holder.CAUSE);
        throw e;
    }

    /** Null when the library loaded, else why not. */
    public static Throwable unavailabilityCause() {
        return Holder.CAUSE;
    }

    /**
     * The TLS layer, loaded on the first call (once per JVM), or throws
     * {@link UnsatisfiedLinkError} saying what is missing and how to install it.
     */
    public static NativeTls tls() {
        if (TlsHolder.TLS != null) {
            return TlsHolder.TLS;
        }
        UnsatisfiedLinkError e = new UnsatisfiedLinkError(TlsHolder.CAUSE.getMessage());
        e.initCause(TlsHolder.CAUSE);
        throw e;
    }

    /** The file names of the TLS layer on this platform, newest OpenSSL first. */
    static List<String> tlsFileNames() {
        return platform().startsWith("darwin")
                ? List.of(System.mapLibraryName("evloop-tls3"))
                : List.of(System.mapLibraryName("evloop-tls3"), System.mapLibraryName("evloop-tls11"));
    }

    /** The TLS layer as loaded: its binding, its operations table, and where it came from. */
    public record NativeTls(LibEvloopTls lib, Pointer ops, String openSslVersion, String loadedFrom) {
    }

    private static final class TlsHolder {
        static final NativeTls TLS;
        static final Throwable CAUSE;

        static {
            NativeTls tls = null;
            Throwable cause = null;
            try {
                tls = loadTls();
            } catch (Throwable t) {
                cause = t;
            }
            TLS = tls;
            CAUSE = cause;
        }
    }

    /** {@code linux-x86_64}, {@code darwin-aarch64}, ...: the folder name inside META-INF/native. */
    public static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osId = os.startsWith("linux") ? "linux"
                : os.startsWith("mac") || os.startsWith("darwin") ? "darwin"
                : os.replaceAll("[^a-z0-9]+", "");
        String archId = switch (arch) {
            case "amd64", "x86_64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch.replaceAll("[^a-z0-9_]+", "");
        };
        return osId + "-" + archId;
    }

    private static final class Holder {
        static final LibEvloop LIBRARY;
        static final Throwable CAUSE;

        static {
            LibEvloop lib = null;
            Throwable cause = null;
            try {
                lib = load();
            } catch (Throwable t) {
                cause = t;
            }
            LIBRARY = lib;
            CAUSE = cause;
        }
    }

    private static LibEvloop load() {
        List<Throwable> attempts = new ArrayList<>();
        String explicit = System.getProperty(PATH_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            try {
                return loadFile(Paths.get(explicit), "-D" + PATH_PROPERTY);
            } catch (Throwable t) {
                attempts.add(t);
            }
        }
        String fileName = System.mapLibraryName(LIBRARY);
        for (String dir : System.getProperty("java.library.path", "").split(File.pathSeparator)) {
            Path candidate = dir.isEmpty() ? null : Paths.get(dir, fileName);
            if (candidate != null && Files.isRegularFile(candidate)) {
                try {
                    return warnIfFellBack(loadFile(candidate, "java.library.path"), attempts, candidate.toString());
                } catch (Throwable t) {
                    attempts.add(t);
                }
            }
        }
        try {
            return warnIfFellBack(loadBundled(fileName), attempts, "the copy bundled in the jar");
        } catch (Throwable t) {
            attempts.add(t);
        }
        UnsatisfiedLinkError error = new UnsatisfiedLinkError(
                "cannot load the native evloop library for " + platform() + ": "
                        + attempts.get(attempts.size() - 1).getMessage()
                        + " (tried " + attempts.size() + " place(s), see the suppressed exceptions;"
                        + " set -D" + PATH_PROPERTY + "=/path/to/" + fileName
                        + " to name the file, or -Devloop.native=false to use the Java loop)");
        attempts.forEach(error::addSuppressed);
        throw error;
    }

    /** A library named explicitly that failed must not go unnoticed when another copy loads. */
    private static LibEvloop warnIfFellBack(LibEvloop lib, List<Throwable> failed, String loaded) {
        if (!failed.isEmpty()) {
            System.getLogger("io.evloop").log(System.Logger.Level.WARNING, "the native evloop library named by -D"
                    + PATH_PROPERTY + " did not load (" + failed.get(0).getMessage() + "); loaded " + loaded + " instead");
        }
        return lib;
    }

    private static NativeTls loadTls() {
        List<Path> candidates = new ArrayList<>();
        String explicit = System.getProperty(TLS_PATH_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            candidates.add(Paths.get(explicit));
        }
        String main = System.getProperty(PATH_PROPERTY);
        List<String> names = tlsFileNames();
        if (main != null && !main.isBlank() && Paths.get(main).getParent() != null) {
            for (String name : names) {
                candidates.add(Paths.get(main).resolveSibling(name));
            }
        }
        for (String dir : System.getProperty("java.library.path", "").split(File.pathSeparator)) {
            for (String name : names) {
                if (!dir.isEmpty()) {
                    candidates.add(Paths.get(dir, name));
                }
            }
        }
        List<Throwable> attempts = new ArrayList<>();
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate) || candidate.toString().equals(explicit)) {
                try {
                    return tlsFrom(loadFile(LibEvloopTls.class, candidate, "evloop native TLS"), candidate.toString());
                } catch (Throwable t) {
                    attempts.add(t);
                }
            }
        }
        boolean bundled = false;
        for (String name : names) {
            if (NativeLibraryLoader.class.getResource(resourceOf(name)) == null) {
                continue;
            }
            bundled = true;
            try {
                return tlsFrom(loadBundled(LibEvloopTls.class, name), "the copy of " + name + " bundled in the jar");
            } catch (Throwable t) {
                attempts.add(t);
            }
        }
        UnsatisfiedLinkError error = new UnsatisfiedLinkError(explainTls(attempts, bundled));
        attempts.forEach(error::addSuppressed);
        throw error;
    }

    private static NativeTls tlsFrom(LibEvloopTls lib, String from) {
        Pointer ops = lib.evl_tls_ops();
        if (ops == null || ops.getInt(0) != LibEvloopTls.EVL_TLS_ABI) {
            throw new UnsatisfiedLinkError(from + " is a TLS layer of another evloop version (its table is not version "
                    + LibEvloopTls.EVL_TLS_ABI + "): use the one built with this libevloop");
        }
        return new NativeTls(lib, ops, lib.evl_tls_version(), from);
    }

    /** Why no TLS layer loaded, and the fix, from what each attempt said. */
    static String explainTls(List<Throwable> attempts, boolean bundled) {
        // Each thing said once: both generations of the layer usually miss their own libssl.
        java.util.Set<String> parts = new java.util.LinkedHashSet<>();
        boolean missingOpenSsl = false;
        for (Throwable t : attempts) {
            String message = String.valueOf(t.getMessage());
            Matcher missing = LIBRARY_MISSING.matcher(message);
            if (missing.find()) {
                String lib = missing.group(1) != null ? missing.group(1) : missing.group(2);
                missingOpenSsl |= lib.contains("libssl") || lib.contains("libcrypto");
                parts.add(lib + " is missing");
            } else {
                parts.add(message);
            }
        }
        String said = String.join("; ", parts);
        String java = "or connect on the Java loop (EventLoops.createJava(), or -Devloop.native=false)";
        if (missingOpenSsl) {
            return "TLS on the native loop needs the system's OpenSSL, and this system has none that evloop can use ("
                    + said + "): install OpenSSL's libssl (Debian 12 and later, Ubuntu 22.04 and later: apt-get install"
                    + " libssl3; Debian 13: libssl3t64; Debian 11, Ubuntu 20.04: libssl1.1; RHEL, Fedora: dnf install"
                    + " openssl-libs; macOS: brew install openssl@3), " + java;
        }
        if (attempts.isEmpty()) {
            return "TLS on the native loop needs the library " + String.join(" or ", tlsFileNames())
                    + ", and this evloop jar carries none for " + platform() + (bundled ? "" : " (no resource "
                    + resourceOf(tlsFileNames().get(0)) + ")") + ": build it on this platform with ./build-native.sh"
                    + " (with OpenSSL's development files installed: libssl-dev), " + java;
        }
        return "TLS on the native loop is unavailable: the TLS layer did not load (" + said + "); name the right file with -D"
                + TLS_PATH_PROPERTY + ", " + java;
    }

    private static String resourceOf(String fileName) {
        return "/META-INF/native/" + platform() + "/" + fileName;
    }

    private static LibEvloop loadBundled(String fileName) throws IOException {
        return loadBundled(LibEvloop.class, fileName);
    }

    private static <T> T loadBundled(Class<T> binding, String fileName) throws IOException {
        String resource = resourceOf(fileName);
        URL library = NativeLibraryLoader.class.getResource(resource);
        if (library == null) {
            throw new UnsatisfiedLinkError("this evloop jar carries no native library for "
                    + platform() + " (no resource " + resource + "); build it on this platform with"
                    + " ./build-native.sh, or use the Java loop");
        }
        String tmpSource = System.getProperty(TMPDIR_PROPERTY) != null ? "-D" + TMPDIR_PROPERTY : "java.io.tmpdir";
        Path base = Paths.get(System.getProperty(TMPDIR_PROPERTY, System.getProperty("java.io.tmpdir")));
        Path dir;
        try {
            dir = Files.createTempDirectory(base, "evloop-");
        } catch (IOException e) {
            String why = !Files.exists(base) ? "the folder does not exist"
                    : !Files.isWritable(base) ? "the folder is not writable" : e.toString();
            throw new UnsatisfiedLinkError("cannot extract the bundled library to " + base + " (from " + tmpSource
                    + "): " + why + "; point -D" + TMPDIR_PROPERTY + " at a writable folder");
        }
        Path file = dir.resolve(fileName);
        try {
            try (InputStream in = open(library)) {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            return loadFile(binding, file, "bundled copy extracted to " + dir);
        } catch (UnsatisfiedLinkError e) {
            // The TLS layer's own failures are explained by explainTls, from every attempt.
            throw binding == LibEvloop.class ? explain(e, base) : e;
        } finally {
            // Once mapped, the file is no longer needed (Linux and macOS keep the mapping).
            deleteQuietly(file);
            deleteQuietly(dir);
        }
    }

    /** Reads a resource without leaving its jar open in the JVM-wide cache of jar files. */
    private static InputStream open(URL url) throws IOException {
        URLConnection connection = url.openConnection();
        connection.setUseCaches(false);
        return connection.getInputStream();
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            path.toFile().deleteOnExit();
        }
    }

    /** Turns a dlopen failure of the extracted copy into a message with its cause and its fix. */
    static UnsatisfiedLinkError explain(UnsatisfiedLinkError e, Path extractedTo) {
        if (e.getCause() instanceof NoClassDefFoundError) {
            return e; // jnr-ffi could not run: loadFile said why, and the file is not to blame
        }
        String message = String.valueOf(e.getMessage());
        String hint;
        Matcher glibc = GLIBC_MISSING.matcher(message);
        Matcher missing = LIBRARY_MISSING.matcher(message);
        if (glibc.find()) {
            hint = "this system's C library is older than glibc " + glibc.group(1) + ", which this build of"
                    + " libevloop needs; the released jar needs glibc " + GLIBC_FLOOR + " or later"
                    + " (build one here with ./build-native.sh), or run with -Devloop.native=false to use the Java loop";
        } else if (missing.find()) {
            String lib = missing.group(1) != null ? missing.group(1) : missing.group(2);
            // The jar's own library needs only the C library: this one was built against shared
            // libraries (EVL_SYSTEM_DEPS=ON), or is damaged.
            hint = "a library it needs is missing: " + lib + "; a libevloop built with -DEVL_SYSTEM_DEPS=ON needs the"
                    + " system's libuv (>= 1.44) and hiredis (>= 1.0): install them (Debian/Ubuntu: apt-get install"
                    + " libuv1-dev libhiredis-dev; macOS: brew install libuv hiredis), or use the jar's self-contained"
                    + " library, or run with -Devloop.native=false to use the Java loop";
        } else if (message.contains("failed to map segment") || message.contains("Operation not permitted")
                || message.contains("mmap")) {
            hint = extractedTo + " is probably mounted noexec: point -D" + TMPDIR_PROPERTY
                    + " at a folder that allows executables";
        } else {
            hint = "if " + extractedTo + " is mounted noexec, point -D" + TMPDIR_PROPERTY
                    + " at a folder that allows executables";
        }
        UnsatisfiedLinkError explained = new UnsatisfiedLinkError(message + " (" + hint + ")");
        explained.initCause(e);
        return explained;
    }

    private static LibEvloop loadFile(Path file, String source) {
        return loadFile(LibEvloop.class, file, source);
    }

    private static <T> T loadFile(Class<T> binding, Path file, String source) {
        if (!Files.isRegularFile(file)) {
            throw new UnsatisfiedLinkError("no file " + file + " (from " + source + ")");
        }
        try {
            return LibraryLoader.create(binding)
                    .option(LibraryOption.LoadNow, Boolean.TRUE)
                    .option(LibraryOption.IgnoreError, Boolean.TRUE)
                    .failImmediately()
                    .load(file.toAbsolutePath().toString());
        } catch (NoClassDefFoundError t) {
            // Not the library: jnr-ffi itself cannot run. On the module path that is an explicit
            // module (ASM) that nothing made the JVM resolve.
            UnsatisfiedLinkError e = new UnsatisfiedLinkError("loading " + file + " (from " + source + ") failed: jnr-ffi"
                    + " cannot find its dependency's class " + t.getMessage() + "; with evloop on the module path, add"
                    + " --add-modules ALL-MODULE-PATH (jnr-ffi's ASM and evloop's JCTools are explicit modules,"
                    + " which the automatic modules of jnr-ffi and evloop do not make the JVM resolve)");
            e.initCause(t);
            throw e;
        } catch (Throwable t) {
            UnsatisfiedLinkError e = new UnsatisfiedLinkError(
                    "loading " + file + " (from " + source + ") failed: " + t.getMessage());
            e.initCause(t);
            throw e;
        }
    }
}
