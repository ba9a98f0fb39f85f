package io.evloop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.dag.Dag;
import io.evloop.testkit.NativeRequirement;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's main command, end to end with a small request count: every mode, identical results. */
class DemoSmokeTest {

    @Test
    void runsEveryModeAndPrintsTheTable() throws Exception {
        NativeRequirement.check();
        String output = capture(() -> assertEquals(0, Demo.run("--requests", "60", "--users", "20",
                "--io-calls", "20", "--concurrency", "8", "--rtt", "1ms")));
        assertTrue(output.contains("threadpool (8 IO threads)"), output);
        assertTrue(output.contains("eventloop, native loop"), output);
        assertTrue(output.contains("eventloop, java loop"), output);
        assertTrue(output.contains("eventloop, native loop, coalesced reads"), output);
        assertTrue(output.contains("| coalesced |") || output.contains(" coalesced |"), "the coalescing counter's column: " + output);
        if (Dag.coroutineIoAvailable()) {
            assertTrue(output.contains("eventloop, native loop, coroutine viewer"), output);
        } else {
            assertTrue(output.contains("skipping coroutine: coroutine IO nodes need Java 21"), output);
        }
        assertTrue(output.contains("Results identical across modes: yes"), output);
    }

    @Test
    void runsAgainstALocalCluster() throws Exception {
        NativeRequirement.check();
        String output = capture(() -> assertEquals(0, Demo.run("--cluster", "--requests", "40", "--users", "20",
                "--io-calls", "20", "--concurrency", "8")));
        assertTrue(output.contains("eventloop, native loop"), output);
        assertTrue(output.contains("Results identical across modes: yes"), output);
    }

    @Test
    void refusesBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> Demo.run("--cluster", "--rtt", "1ms"));
        assertThrows(IllegalArgumentException.class, () -> Demo.run("--requests", "zero"));
        assertThrows(IllegalArgumentException.class, () -> Demo.run("--rtt"));
        assertThrows(IllegalArgumentException.class, () -> Demo.run("stray"));
        assertThrows(IllegalArgumentException.class, () -> Demo.run("--modes", "threadpool,nosuchmode", "--requests", "1"));
        assertEquals(Duration.ofMillis(1), Demo.duration("1ms"));
        assertEquals(Duration.ofNanos(500_000), Demo.duration("500us"));
    }

    private interface Body {
        void run() throws Exception;
    }

    private static String capture(Body body) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setOut(original);
        }
        String text = buffer.toString(StandardCharsets.UTF_8);
        original.print(text);
        return text;
    }
}
