package io.evloop;

import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Creates event loops. {@link #create()} picks the native loop when the library loads and
 * the Java loop otherwise, saying once (System.Logger "io.evloop") why native was not used.
 * The system property {@value #NATIVE_PROPERTY}{@code =false} switches native off.
 * The loops are found through {@link EventLoopProvider} (see docs/ARCHITECTURE.md, "Layers").
 */
public final class EventLoops {

    /** {@code -Devloop.native=false} makes {@link #create()} use the Java loop without trying native. */
    public static final String NATIVE_PROPERTY = "evloop.native";

    private static final System.Logger LOG = System.getLogger("io.evloop");
    private static final AtomicBoolean FALLBACK_LOGGED = new AtomicBoolean();

    private EventLoops() {
    }

    /** The shipped providers, loaded once; a missing one is reported at use, not here. */
    private static final class Providers {
        static final EventLoopProvider NATIVE = find("native");
        static final EventLoopProvider JAVA = find("java");

        private static EventLoopProvider find(String implementation) {
            for (EventLoopProvider provider : ServiceLoader.load(EventLoopProvider.class, EventLoops.class.getClassLoader())) {
                if (provider.implementation().equals(implementation)) {
                    return provider;
                }
            }
            return null;
        }

        static EventLoopProvider require(EventLoopProvider provider, String implementation) {
            if (provider == null) {
                throw missing(implementation);
            }
            return provider;
        }

        static IllegalStateException missing(String implementation) {
            return new IllegalStateException("no " + implementation + " event loop: META-INF/services/"
                    + EventLoopProvider.class.getName() + " is missing from the classpath or does not list it; when"
                    + " repackaging evloop into one jar, merge service files (maven-shade-plugin: ServicesResourceTransformer)");
        }
    }

    /** The native loop if available, else the Java loop. */
    public static EventLoop create() {
        return create(EventLoopOptions.defaults());
    }

    public static EventLoop create(EventLoopOptions options) {
        if (nativeAvailable()) {
            return Providers.NATIVE.create(options);
        }
        if (FALLBACK_LOGGED.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.INFO, "evloop uses the Java event loop: " + nativeUnavailabilityCause().getMessage());
        }
        return createJava(options);
    }

    /**
     * The native (libuv) loop.
     *
     * @throws IllegalStateException if native is switched off or cannot load; the cause says why
     */
    public static EventLoop createNative() {
        return createNative(EventLoopOptions.defaults());
    }

    public static EventLoop createNative(EventLoopOptions options) {
        Throwable cause = nativeUnavailabilityCause();
        if (cause != null) {
            throw new IllegalStateException("the native event loop is unavailable: " + cause.getMessage(), cause);
        }
        return Providers.NATIVE.create(options);
    }

    /** The pure-Java loop (a NIO Selector); works everywhere. */
    public static EventLoop createJava() {
        return createJava(EventLoopOptions.defaults());
    }

    public static EventLoop createJava(EventLoopOptions options) {
        return Providers.require(Providers.JAVA, "java").create(options);
    }

    /** Whether {@link #create()} would return the native loop. */
    public static boolean nativeAvailable() {
        return nativeUnavailabilityCause() == null;
    }

    /** Null when the native loop is available, else why it is not. */
    public static Throwable nativeUnavailabilityCause() {
        if ("false".equalsIgnoreCase(System.getProperty(NATIVE_PROPERTY, "true").trim())) {
            return new UnsupportedOperationException("native switched off by -D" + NATIVE_PROPERTY + "=false");
        }
        if (Providers.NATIVE == null) {
            return Providers.missing("native");
        }
        return Providers.NATIVE.unavailabilityCause();
    }
}
