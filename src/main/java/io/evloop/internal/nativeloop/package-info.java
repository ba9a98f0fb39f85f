/**
 * Internal, not API: the native loop (libuv's {@code uv_run} on the loop thread, driven
 * through the C shim), the jnr-ffi binding {@link io.evloop.internal.nativeloop.LibEvloop}
 * (checked against {@code native/include/evloop.h} by a test) and the loader that extracts
 * the bundled library. Layer 3: uses the loop core and {@code io.evloop}; never the Java
 * loop. Applications get it from {@link io.evloop.EventLoops#createNative()}.
 */
package io.evloop.internal.nativeloop;
