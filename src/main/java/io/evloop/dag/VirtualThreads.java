package io.evloop.dag;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ThreadFactory;

/**
 * Virtual threads, found at run time: the library is compiled for Java 17, where
 * {@code Thread.ofVirtual()} does not exist, so it is looked up once through a method handle.
 * On Java 19 and 20 the method exists but is a preview feature; only Java 21 and later count.
 */
final class VirtualThreads {

    /** The first Java release with virtual threads as a final feature. */
    static final int MIN_FEATURE = 21;

    private static final ThreadFactory FACTORY;
    private static final String UNAVAILABLE;

    static {
        ThreadFactory factory = null;
        String why = null;
        int feature = Runtime.version().feature();
        if (feature < MIN_FEATURE) {
            why = "this JVM is Java " + Runtime.version() + " (" + System.getProperty("java.home") + ")";
        } else {
            try {
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                Class<?> builder = Class.forName("java.lang.Thread$Builder");
                Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
                MethodHandle create = lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(ofVirtual));
                MethodHandle toFactory = lookup.findVirtual(builder, "factory", MethodType.methodType(ThreadFactory.class));
                factory = (ThreadFactory) toFactory.invoke(create.invoke());
            } catch (Throwable e) {
                why = "Java " + Runtime.version() + " did not provide Thread.ofVirtual(): " + e;
            }
        }
        FACTORY = factory;
        UNAVAILABLE = why;
    }

    private VirtualThreads() {
    }

    static boolean available() {
        return FACTORY != null;
    }

    /**
     * @throws UnsupportedOperationException on a JVM without virtual threads, naming Java 21 as the fix
     */
    static void require(String node) {
        if (FACTORY == null) {
            throw new UnsupportedOperationException("coroutine IO node '" + node + "' needs virtual threads, which"
                    + " need Java " + MIN_FEATURE + " or later, but " + UNAVAILABLE + ". Run on Java " + MIN_FEATURE
                    + "+, or write the node with io(...) and a future, which works on every Java release");
        }
    }

    /** A new, unstarted virtual thread named after the node it runs, so that thread dumps show it. */
    static Thread newThread(Runnable body, String node) {
        Thread t = FACTORY.newThread(body);
        t.setName("dag-node:" + node);
        return t;
    }
}
