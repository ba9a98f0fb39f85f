package io.evloop.redis;

import io.evloop.testkit.Backend;

class NativeRedisClusterTest extends RedisClusterContractTest {
    NativeRedisClusterTest() {
        super(Backend.NATIVE);
    }
}
