package io.evloop.redis;

import io.evloop.testkit.Backend;

class JavaRedisCommandsTest extends RedisCommandsContractTest {
    JavaRedisCommandsTest() {
        super(Backend.JAVA);
    }
}
