package io.evloop.redis;

import io.evloop.testkit.Backend;

class JavaRedisClusterTest extends RedisClusterContractTest {
    JavaRedisClusterTest() {
        super(Backend.JAVA);
    }
}
