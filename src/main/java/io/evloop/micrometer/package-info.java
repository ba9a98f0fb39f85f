/**
 * Micrometer meters for evloop: {@link io.evloop.micrometer.RedisClientMeters} for a client's
 * counters, in-flight gauge and latency, {@link io.evloop.micrometer.LoopStallMeters} for
 * loop stalls. Micrometer is an optional dependency: only an application that has
 * micrometer-core on its classpath may use this package. Layer 7: uses {@code io.evloop.redis}
 * and {@code io.evloop}.
 */
package io.evloop.micrometer;
