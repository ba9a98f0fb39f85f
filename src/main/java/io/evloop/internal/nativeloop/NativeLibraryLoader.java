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
 */
public final class NativeLibraryLoader {

    public static final String PATH_PROPERTY = "evloop.native.path";
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

    private static LibEvloop loadBundled(String fileName) throws IOException {
        String resource = "/META-INF/native/" + platform() + "/" + fileName;
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
            return loadFile(file, "bundled copy extracted to " + dir);
        } catch (UnsatisfiedLinkError e) {
            throw explain(e, base);
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
        if (!Files.isRegularFile(file)) {
            throw new UnsatisfiedLinkError("no file " + file + " (from " + source + ")");
        }
        try {
            return LibraryLoader.create(LibEvloop.class)
                    .option(LibraryOption.LoadNow, Boolean.TRUE)
                    .option(LibraryOption.IgnoreError, Boolean.TRUE)
                    .failImmediately()
                    .load(file.toAbsolutePath().toString());
        } catch (Throwable t) {
            UnsatisfiedLinkError e = new UnsatisfiedLinkError(
                    "loading " + file + " (from " + source + ") failed: " + t.getMessage());
            e.initCause(t);
            throw e;
        }
    }
}
