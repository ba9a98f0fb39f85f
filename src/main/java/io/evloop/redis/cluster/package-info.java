/**
 * The Redis Cluster client: {@link io.evloop.redis.cluster.RedisClusterClient} routes every
 * command by key slot to a {@link io.evloop.redis.RedisClient} per node, with its
 * configuration {@link io.evloop.redis.cluster.RedisClusterConfig}. Package-private under them:
 * the slot map and key hashing, the per-slot split of multi-key commands, the node connection
 * pool and the shard pub/sub that follows a slot between nodes.
 *
 * <p>Layer 5: uses {@code io.evloop.redis} (its public API, and through
 * {@link io.evloop.redis.ClusterAccess} the few node hooks a cluster needs), {@code io.evloop}
 * and the shared internals.
 */
package io.evloop.redis.cluster;
