package io.evloop.testkit;

import io.evloop.EventLoops;

import org.junit.jupiter.api.Assumptions;

/**
 * Native tests need the library. In CI ({@code -Devloop.requireNative=true}, the pom's default)
 * a library that cannot load is a failure, never a skip; elsewhere it skips with the reason.
 */
public final class NativeRequirement {

    private NativeRequirement() {
    }

    public static void check() {
        Throwable cause = EventLoops.nativeUnavailabilityCause();
        if (cause == null) {
            return;
        }
        if (Boolean.parseBoolean(System.getProperty("evloop.requireNative", "true"))) {
            throw new AssertionError("the native library must load for these tests: " + cause.getMessage(), cause);
        }
        Assumptions.assumeTrue(false, "native library unavailable: " + cause.getMessage());
    }
}
