package io.evloop.redis;

import io.evloop.testkit.Backend;

class NativeRedisClientTest extends RedisClientContractTest {
    NativeRedisClientTest() {
        super(Backend.NATIVE);
    }
}
