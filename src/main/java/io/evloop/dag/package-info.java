/**
 * The DAG scheduler: compute nodes on a CPU pool, IO nodes as futures on an event loop (or
 * on a thread pool, the baseline), with per-execution deadlines and metrics. Layer 5: uses
 * {@code io.evloop.redis} and {@code io.evloop}.
 */
package io.evloop.dag;
