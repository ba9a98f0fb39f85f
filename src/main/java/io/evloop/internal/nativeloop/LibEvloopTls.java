package io.evloop.internal.nativeloop;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Out;
import jnr.ffi.byref.PointerByReference;

/**
 * The exported API of {@code libevloop-tls<N>}, the native loop's TLS layer
 * ({@code native/include/evloop-tls.h}), one method per C function. It is a library of its own,
 * linked against the system's OpenSSL, so that {@code libevloop} keeps needing only the C
 * library: {@link NativeLibraryLoader#tls()} loads it on the first TLS connection, and
 * {@code libevloop} reaches it only through the table {@link #evl_tls_ops()} returns, which
 * the caller passes to {@link LibEvloop#evl_redis_connect_tls}.
 */
public interface LibEvloopTls {

    int EVL_TLS_ABI = 1;

    int EVL_TLS_V1_2 = 0x0303;
    int EVL_TLS_V1_3 = 0x0304;

    int EVL_TLS_VERIFY_NAME = 1;

    int EVL_TLS_DONE = 1;
    int EVL_TLS_AGAIN = 0;
    int EVL_TLS_FAILED = -1;
    int EVL_TLS_CLOSED = -2;

    int EVL_TLS_R_NONE = 0;
    int EVL_TLS_R_OTHER = 1;
    int EVL_TLS_R_UNTRUSTED = 2;
    int EVL_TLS_R_EXPIRED = 3;
    int EVL_TLS_R_NOT_YET_VALID = 4;
    int EVL_TLS_R_NAME_MISMATCH = 5;
    int EVL_TLS_R_NOT_TLS = 6;
    int EVL_TLS_R_CLOSED = 7;
    int EVL_TLS_R_ALERT = 256;

    int EVL_TLS_EINVAL = -1;
    int EVL_TLS_ENOMEM = -2;

    /** The operations table, static storage in the library: passed on as it is. */
    Pointer evl_tls_ops();

    /** The OpenSSL the library runs on, e.g. "OpenSSL 3.0.19 27 Jan 2026". */
    String evl_tls_version();

    /**
     * A context from PEM in native memory the caller owns (so that it can clear the key): the
     * trusted certificates, and the client's chain and key (null with length 0 for none).
     * {@code error} receives the reason of a failure, NUL-terminated.
     */
    int evl_tls_context_new(Pointer ca, int caLength, Pointer chain, int chainLength, Pointer key,
            int keyLength, int minVersion, int maxVersion, @Out byte[] error, int errorSize,
            PointerByReference out);

    /** Drops the caller's reference; connections keep theirs. Any thread. */
    void evl_tls_context_free(Pointer context);
}
