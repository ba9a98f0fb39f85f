package io.evloop.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starting and stopping the redis-server processes (data nodes and sentinels) the fixtures run. */
final class ServerProcesses {

    private ServerProcesses() {
    }

    /**
     * Runs {@code command} with its output in {@code logFile} and waits, at most 20 s, until it
     * listens on {@code address}; a process that exits or never listens is destroyed and named,
     * with its log, in the exception.
     */
    static Process startListening(List<String> command, Path logFile, InetSocketAddress address, String what)
            throws IOException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
        } catch (IOException e) {
            throw new IOException("cannot run " + what + " (install redis-server, e.g. ./build-native.sh does): "
                    + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(what + " exited with " + process.exitValue() + ": " + log(logFile));
            }
            try (Socket s = new Socket()) {
                s.connect(address, 200);
                return process;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    destroy(process);
                    throw new IOException("interrupted while waiting for " + what, e);
                }
            }
        }
        destroy(process);
        throw new IOException(what + " did not listen on port " + address.getPort() + " within 20 s: " + log(logFile));
    }

    static String log(Path logFile) {
        try {
            return Files.readString(logFile);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Kills the process and waits for it, at most 10 s. */
    static void destroy(Process p) {
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
