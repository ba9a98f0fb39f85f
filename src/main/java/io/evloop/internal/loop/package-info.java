/**
 * Internal, not API: the loop core both loops share ({@link io.evloop.internal.loop.AbstractEventLoop}:
 * the MPSC task queue, timers, the turn's clock, the end-of-turn and exit hooks, stall
 * detection). Layer 2: uses {@code io.evloop} and {@code io.evloop.internal}. Public only for
 * the loops and the Redis client; applications must not use it.
 */
package io.evloop.internal.loop;
