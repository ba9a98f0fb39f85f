package io.evloop.redis;

import io.evloop.testkit.Backend;

class NativeRedisCommandsTest extends RedisCommandsContractTest {
    NativeRedisCommandsTest() {
        super(Backend.NATIVE);
    }
}
