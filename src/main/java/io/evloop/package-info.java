/**
 * The event loop API: {@link io.evloop.EventLoops} creates a loop (native, libuv, when its
 * library loads; else the pure-Java one), {@link io.evloop.EventLoop} runs tasks and timers
 * on its one thread, {@link io.evloop.LoopFuture} completes there.
 *
 * <p>Layer 1 of docs/ARCHITECTURE.md: uses only {@code io.evloop.internal}; finds the loops
 * through {@link io.evloop.EventLoopProvider} rather than importing them.
 */
package io.evloop;
