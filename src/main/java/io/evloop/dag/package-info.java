/**
 * The DAG scheduler: compute nodes on a CPU pool, IO nodes as futures on an event loop (or
 * on a thread pool, the baseline), coroutine IO nodes as sequential code on virtual threads
 * (Java 21+), fan-out IO nodes with a bound per execution, opt-in coalescing of identical
 * reads in flight, per-execution deadlines and metrics. Layer 6: uses {@code io.evloop.redis}
 * and {@code io.evloop}.
 */
package io.evloop.dag;
