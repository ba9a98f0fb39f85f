package io.evloop.dag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Coroutine IO nodes exist from Java 21; before, asking for one fails at the builder and says so. */
class DagCoroutineAvailabilityTest {

    private static final int FEATURE = Runtime.version().feature();

    @Test
    void beforeJava21TheBuilderRefusesACoroutineNodeNamingJava21() {
        Assumptions.assumeTrue(FEATURE < 21, "this JVM (Java " + FEATURE + ") has virtual threads; the refusal needs Java 17-20");
        assertFalse(Dag.coroutineIoAvailable());
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> Dag.builder().coroutineIo("profile", List.of(), (in, redis, co) -> co.await(redis.get("k"))));
        assertTrue(e.getMessage().contains("Java 21") && e.getMessage().contains("'profile'"), e.getMessage());
        assertTrue(e.getMessage().contains("io(...)"), "names the way that works everywhere: " + e.getMessage());
        // Future-returning IO nodes are unaffected.
        Dag dag = Dag.builder().io("profile", List.of(), (in, redis) -> CompletableFuture.completedFuture(1)).build();
        assertEquals(List.of("profile"), dag.nodeNames());
    }

    @Test
    void fromJava21CoroutineNodesAreAvailable() {
        Assumptions.assumeTrue(FEATURE >= 21, "virtual threads need Java 21; on Java " + FEATURE
                + " the builder's refusal is what is tested");
        assertTrue(Dag.coroutineIoAvailable());
        Dag dag = Dag.builder().coroutineIo("profile", List.of(), (in, redis, co) -> co.await(redis.get("k"))).build();
        assertEquals(List.of("profile"), dag.nodeNames());
    }

    @Test
    void aFanOutNodeNeedsABoundOfAtLeastOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Dag.builder().fanOutIo("f", List.of(), 0, in -> List.of("a"), (in, item, redis) -> redis.get("k")));
        assertTrue(e.getMessage().contains("'f'") && e.getMessage().contains("maxInFlight"), e.getMessage());
    }
}
