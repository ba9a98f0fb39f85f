/**
 * The Redis API: {@link io.evloop.redis.RedisClient} (one connection, every command
 * pipelined on it), {@link io.evloop.redis.RedisPubSub}, {@link io.evloop.redis.RedisSentinel},
 * their configuration, the {@link io.evloop.redis.Reply} model and the exceptions a future
 * fails with. Its package-private parts are the engine under them: the RESP codec, one
 * transport per loop, the reply records the native transport reads in place, host resolution
 * off the loop. {@link io.evloop.redis.ClusterAccess} is not API: it serves the cluster
 * package above this one, and only it.
 *
 * <p>Layer 4: uses the loops' internals (the loop core, each loop's IO registration) and
 * {@code io.evloop}.
 */
package io.evloop.redis;
