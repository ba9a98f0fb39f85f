package io.evloop.internal.nativeloop;

import io.evloop.internal.loop.AbstractEventLoop;
import io.evloop.EventLoopOptions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import jnr.ffi.Pointer;
import jnr.ffi.byref.PointerByReference;

/**
 * The native event loop: libuv's {@code uv_run} on a Java thread named {@code evloop-N}.
 *
 * <p>The thread is created in Java and calls into the shim, which runs the loop on it; the
 * shim's upcalls therefore arrive on a thread the JVM already knows, and cost no attach and
 * detach each (which a thread created in C would pay on every callback).
 *
 * <p>Who frees the native loop: {@link #close()} from another thread, once the loop thread
 * has exited; or, if that takes longer than the close timeout, the loop thread itself when
 * it finally exits ({@link #exitHandshake}). {@link #close()} from inside a task destroys the
 * loop while {@code uv_run} is on the stack: the shim then leaks the uv_loop on purpose.
 *
 * <p>Native IO objects (the Redis connections of {@code io.evloop.redis}) report through the
 * same single upcall as wake-ups and timers, keyed by a token: {@link #registerNativeIo} hands
 * one out and routes that object's events to its {@link NativeIoHandler}. After each such
 * event the loop runs the end-of-turn actions, so that commands queued by the completions it
 * caused are written in the same turn.
 */
public final class NativeEventLoop extends AbstractEventLoop {

    /** Receives the events of one native IO object; called on the loop thread, never concurrently. */
    public interface NativeIoHandler {
        /** {@code event} is one of the shim's {@code EVL_EVENT_*} codes for that kind of object. */
        void onNativeEvent(int event);
    }

    private static final System.Logger LOG = System.getLogger("io.evloop");
    private static final int THREAD_RUNNING = 0;
    private static final int THREAD_EXITED = 1;
    private static final int CLOSER_GAVE_UP = 2;

    private final LibEvloop lib;
    private final Pointer loop;
    /** Strongly held: the C side calls it until evl_loop_run returns. */
    private final LibEvloop.EventCallback callback;
    private final AtomicBoolean destroyed = new AtomicBoolean();
    private final AtomicInteger exitHandshake = new AtomicInteger(THREAD_RUNNING);
    private Pointer timer; // loop thread only

    // Loop thread only: the registry of native IO handlers. A token is a slot index in its low
    // 32 bits and that slot's generation in the high 32, so a stale token never reaches the
    // slot's next occupant.
    private NativeIoHandler[] ioHandlers = new NativeIoHandler[16];
    private int[] ioGenerations = new int[16];
    private int[] ioFreeSlots = new int[16];
    private int ioFreeCount;
    private int ioSlotsUsed;

    public NativeEventLoop(EventLoopOptions options) {
        super(options);
        this.lib = NativeLibraryLoader.library();
        this.callback = this::onEvent;
        PointerByReference out = new PointerByReference();
        check(lib.evl_loop_create(callback, out), "evl_loop_create");
        this.loop = out.getValue();
        start();
    }

    static final String IMPLEMENTATION = "native";

    @Override
    public String implementation() {
        return IMPLEMENTATION;
    }

    @Override
    public void close() {
        requestStop();
        if (inLoopThread()) {
            // uv_run is on this thread's stack: the shim marks the loop destroyed and leaks it.
            destroyNative();
            return;
        }
        if (awaitTerminationForClose()) {
            destroyNative();
        } else if (exitHandshake.compareAndSet(THREAD_RUNNING, CLOSER_GAVE_UP)) {
            LOG.log(System.Logger.Level.WARNING, "event loop " + name() + " still runs a task after the close timeout of "
                    + options().closeTimeout() + "; its native loop will be freed when that task returns");
        } else {
            destroyNative(); // the thread is past evl_loop_run: safe to free now
        }
    }

    /** Native library versions, for diagnostics: e.g. {@code libuv 1.50.0, hiredis 1.2.0}. */
    public static String nativeVersions() {
        LibEvloop lib = NativeLibraryLoader.library();
        return "libuv " + version(lib.evl_libuv_version(), 256) + ", hiredis " + version(lib.evl_hiredis_version(), 100);
    }

    @Override
    protected void runLoop() {
        int rc = lib.evl_loop_run(loop);
        if (rc != 0 && rc != LibEvloop.EVL_ESTATE) { // EVL_ESTATE: stopped before it ran
            throw new IllegalStateException(describe("evl_loop_run", rc));
        }
    }

    /**
     * For evloop's native IO backends: the shim's {@code evl_loop_t}, to create IO objects on.
     * Loop thread only; valid while {@link #isNativeLoopDestroyed()} is false.
     */
    public Pointer nativeLoop() {
        return loop;
    }

    /**
     * Whether the native loop has been destroyed: from then on no native call may use it or
     * anything created on it.
     */
    public boolean isNativeLoopDestroyed() {
        return destroyed.get();
    }

    /**
     * Loop thread only: registers a native IO object's handler and returns the token to create
     * the object with; its events go to {@code handler} until {@link #unregisterNativeIo}.
     */
    public long registerNativeIo(NativeIoHandler handler) {
        requireLoopThread("registerNativeIo");
        java.util.Objects.requireNonNull(handler, "handler");
        int slot;
        if (ioFreeCount > 0) {
            slot = ioFreeSlots[--ioFreeCount];
        } else {
            if (ioSlotsUsed == ioHandlers.length) {
                int grown = ioHandlers.length * 2;
                ioHandlers = java.util.Arrays.copyOf(ioHandlers, grown);
                ioGenerations = java.util.Arrays.copyOf(ioGenerations, grown);
                ioFreeSlots = java.util.Arrays.copyOf(ioFreeSlots, grown);
            }
            slot = ioSlotsUsed++;
        }
        ioHandlers[slot] = handler;
        return ((long) ioGenerations[slot] << 32) | slot;
    }

    /** Loop thread only: forgets a token from {@link #registerNativeIo}; later events with it are dropped. Idempotent. */
    public void unregisterNativeIo(long token) {
        requireLoopThread("unregisterNativeIo");
        int slot = (int) token;
        if (slot >= 0 && slot < ioSlotsUsed && ioHandlers[slot] != null && ioGenerations[slot] == (int) (token >>> 32)) {
            ioHandlers[slot] = null;
            ioGenerations[slot]++;
            ioFreeSlots[ioFreeCount++] = slot;
        }
    }

    private void requireLoopThread(String what) {
        if (!inLoopThread()) {
            throw new IllegalStateException(what + "() is for the loop thread " + name());
        }
    }

    private void onEvent(int event, long arg) {
        // An upcall must never let a Throwable reach jffi, which would clear it silently.
        try {
            beginTurn();
            if (event == LibEvloop.EVL_EVENT_TIMER) {
                runTimerExpired();
            } else if (event == LibEvloop.EVL_EVENT_WAKE) {
                runPendingTasks();
            } else {
                try {
                    dispatchNativeIo(event, arg);
                } catch (Throwable t) {
                    reportTaskException(t);
                }
                // Run what the completions of this event posted, and write what they queued, in this turn.
                runPendingTasks();
            }
        } catch (Throwable t) {
            reportTaskException(t);
        } finally {
            endTurn();
        }
    }

    private void dispatchNativeIo(int event, long token) {
        int slot = (int) token;
        if (slot >= 0 && slot < ioSlotsUsed && ioGenerations[slot] == (int) (token >>> 32)) {
            NativeIoHandler handler = ioHandlers[slot];
            if (handler != null) {
                handler.onNativeEvent(event);
            }
        }
    }

    @Override
    protected void wakeup() {
        if (!destroyed.get()) {
            lib.evl_loop_wake(loop);
        }
    }

    @Override
    protected void wakeForStop() {
        if (!destroyed.get()) {
            lib.evl_loop_stop(loop);
        }
    }

    @Override
    protected void armTimer(long delayNanos) {
        if (destroyed.get()) {
            return;
        }
        if (timer == null) {
            PointerByReference out = new PointerByReference();
            check(lib.evl_timer_create(loop, 0, out), "evl_timer_create");
            timer = out.getValue();
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(delayNanos + 999_999); // never early
        check(lib.evl_timer_start(timer, millis, 0), "evl_timer_start");
    }

    @Override
    protected void disarmTimer() {
        if (timer != null && !destroyed.get()) {
            lib.evl_timer_stop(timer);
        }
    }

    @Override
    protected void afterLoop() {
        // The timer is closed with the loop by evl_loop_destroy.
        if (!exitHandshake.compareAndSet(THREAD_RUNNING, THREAD_EXITED)) {
            destroyNative(); // close() gave up waiting for us; we are past evl_loop_run now
        }
    }

    private void destroyNative() {
        if (destroyed.compareAndSet(false, true)) {
            int rc = lib.evl_loop_destroy(loop);
            if (rc != 0) {
                LOG.log(System.Logger.Level.WARNING, describe("evl_loop_destroy of " + name(), rc));
            }
        }
    }

    private void check(int rc, String operation) {
        if (rc != 0) {
            throw new IllegalStateException(describe(operation, rc));
        }
    }

    private String describe(String operation, int rc) {
        return operation + " failed: " + lib.evl_strerror(rc) + " (" + rc + ")";
    }

    private static String version(int packed, int base) {
        return (packed / (base * base)) + "." + (packed / base % base) + "." + (packed % base);
    }
}
