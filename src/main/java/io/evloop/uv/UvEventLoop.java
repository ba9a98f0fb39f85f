package io.evloop.uv;

import io.evloop.AbstractEventLoop;
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
 */
public final class UvEventLoop extends AbstractEventLoop {

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

    public UvEventLoop(EventLoopOptions options) {
        super(options);
        this.lib = NativeLibraryLoader.library();
        this.callback = this::onEvent;
        PointerByReference out = new PointerByReference();
        check(lib.evl_loop_create(callback, out), "evl_loop_create");
        this.loop = out.getValue();
        start();
    }

    @Override
    public String implementation() {
        return "native";
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

    /** Native library versions, for diagnostics: e.g. {@code libuv 1.44.2, hiredis 0.14.1}. */
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

    private void onEvent(int event, long arg) {
        // An upcall must never let a Throwable reach jffi, which would clear it silently.
        try {
            if (event == LibEvloop.EVL_EVENT_TIMER) {
                runTimerExpired();
            } else {
                runPendingTasks();
            }
        } catch (Throwable t) {
            reportTaskException(t);
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
