package io.evloop.redis.cluster;

import io.evloop.testkit.Backend;

class NativeRedisClusterTest extends RedisClusterContractTest {
    NativeRedisClusterTest() {
        super(Backend.NATIVE);
    }
}
