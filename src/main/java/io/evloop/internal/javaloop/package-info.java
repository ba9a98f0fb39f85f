/**
 * Internal, not API: the Java loop, a NIO {@link java.nio.channels.Selector} on the loop
 * thread, with the channel registration the Java Redis transport uses. Layer 3: uses the loop
 * core and {@code io.evloop}; never the native loop. Applications get it from
 * {@link io.evloop.EventLoops#createJava()}.
 */
package io.evloop.internal.javaloop;
