package io.evloop.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A counter that one thread (a loop thread) increments and any thread reads. The increment is
 * a plain load and an opaque store, no atomic read-modify-write: a single writer needs none,
 * and readers see every value sooner or later, which is what metrics need.
 */
public final class LoopCounter {

    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(LoopCounter.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through VALUE
    private long value;

    /** The owning thread only. */
    public void increment() {
        VALUE.setOpaque(this, (long) VALUE.getOpaque(this) + 1);
    }

    /** Any thread. */
    public long get() {
        return (long) VALUE.getOpaque(this);
    }
}
