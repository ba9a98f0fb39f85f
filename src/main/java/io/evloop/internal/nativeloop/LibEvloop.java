package io.evloop.internal.nativeloop;

import java.nio.ByteBuffer;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.annotations.In;
import jnr.ffi.byref.PointerByReference;

/**
 * The shim's exported API ({@code native/include/evloop.h}), one method per C function.
 * The header documents which thread may call what; {@link NativeEventLoop} keeps to it.
 */
public interface LibEvloop {

    int EVL_EINVAL = -20001;
    int EVL_ESTATE = -20002;
    int EVL_ENOMEM = -20003;

    int EVL_EVENT_WAKE = 1;
    int EVL_EVENT_TIMER = 2;
    int EVL_EVENT_REDIS_CONNECTED = 10;
    int EVL_EVENT_REDIS_DATA = 11;
    int EVL_EVENT_REDIS_CLOSED = 12;

    int EVL_REDIS_ERR_NONE = 0;
    int EVL_REDIS_ERR_IO = 1;
    int EVL_REDIS_ERR_OTHER = 2;
    int EVL_REDIS_ERR_EOF = 3;
    int EVL_REDIS_ERR_PROTOCOL = 4;
    int EVL_REDIS_ERR_OOM = 5;
    int EVL_REDIS_ERR_TIMEOUT = 6;
    int EVL_REDIS_ERR_TLS = 7;

    int EVL_REDIS_TLS_NONE = 0;
    int EVL_REDIS_TLS_SILENT = 1;
    int EVL_REDIS_TLS_TALKING = 2;
    int EVL_REDIS_TLS_UP = 3;

    int EVL_SEND_ENCODED = 1;

    byte EVL_REPLY_BULK = '$';
    byte EVL_REPLY_STATUS = '+';
    byte EVL_REPLY_ERROR = '-';
    byte EVL_REPLY_INTEGER = ':';
    byte EVL_REPLY_NIL = '_';
    byte EVL_REPLY_ARRAY = '*';
    byte EVL_REPLY_MAP = '%';
    byte EVL_REPLY_SET = '~';
    byte EVL_REPLY_PUSH = '>';
    byte EVL_REPLY_DOUBLE = ',';
    byte EVL_REPLY_BOOL = '#';
    byte EVL_REPLY_BIGNUM = '(';
    byte EVL_REPLY_VERBATIM = '=';
    byte EVL_REPLY_ATTRIBUTE = '|';

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

    int evl_loop_destroy(Pointer loop);

    int evl_timer_create(Pointer loop, long token, PointerByReference out);

    int evl_timer_start(Pointer timer, long timeoutMs, long repeatMs);

    int evl_timer_stop(Pointer timer);

    int evl_redis_connect_tcp(Pointer loop, long token, String ip, int port, PointerByReference out);

    int evl_redis_connect_unix(Pointer loop, long token, String path, PointerByReference out);

    /**
     * {@code ops} and {@code context}: from the TLS layer ({@link LibEvloopTls#evl_tls_ops()},
     * {@link NativeTlsContext}), passed through: this library does not link that one.
     */
    int evl_redis_connect_tls(Pointer loop, long token, String ip, int port, Pointer ops, Pointer context,
            String serverName, int flags, PointerByReference out);

    /**
     * {@code buf}: the commands' bytes from its position to its limit. A heap buffer is copied
     * to native memory for the call (that region only, and not back: {@code @In}).
     */
    int evl_redis_send(Pointer conn, @In ByteBuffer buf, @In int[] ends, int count, int flags);

    int evl_redis_set_max_reply(Pointer conn, long max);

    int evl_redis_set_keepalive(Pointer conn, int idleSeconds);

    /**
     * {@code address}: a direct buffer of at least 8 bytes, in native order, where the shim
     * writes the address of the first reply record (evloop's platforms are 64-bit). Direct, so
     * that jnr passes it as it is. Only during EVL_EVENT_REDIS_DATA.
     */
    int evl_redis_replies(Pointer conn, ByteBuffer address);

    int evl_redis_error_kind(Pointer conn);

    String evl_redis_error(Pointer conn);

    /** {@code EVL_TLS_R_*} of {@link LibEvloopTls} once a connection ended with EVL_REDIS_ERR_TLS; 0 otherwise. */
    int evl_redis_tls_reason(Pointer conn);

    /** How far a TLS connection's handshake got: EVL_REDIS_TLS_*. */
    int evl_redis_tls_progress(Pointer conn);

    int evl_redis_close(Pointer conn);
}
