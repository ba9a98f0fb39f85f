package io.evloop.uv;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.byref.PointerByReference;

/**
 * The shim's exported API ({@code native/include/evloop.h}), one method per C function.
 * The header documents which thread may call what; {@link UvEventLoop} keeps to it.
 */
public interface LibEvloop {

    int EVL_EINVAL = -20001;
    int EVL_ESTATE = -20002;
    int EVL_ENOMEM = -20003;

    int EVL_EVENT_WAKE = 1;
    int EVL_EVENT_TIMER = 2;

    /** {@code evl_event_cb}: the loop's one upcall, on the loop thread. */
    interface EventCallback {
        @Delegate
        void onEvent(int event, long arg);
    }

    int evl_libuv_version();

    int evl_hiredis_version();

    String evl_strerror(int code);

    int evl_loop_create(EventCallback onEvent, PointerByReference out);

    int evl_loop_run(Pointer loop);

    int evl_loop_wake(Pointer loop);

    int evl_loop_stop(Pointer loop);

    int evl_loop_is_running(Pointer loop);

    int evl_loop_destroy(Pointer loop);

    int evl_timer_create(Pointer loop, long token, PointerByReference out);

    int evl_timer_start(Pointer timer, long timeoutMs, long repeatMs);

    int evl_timer_stop(Pointer timer);

    int evl_timer_close(Pointer timer);
}
