package io.evloop.redis;

import io.evloop.testkit.Backend;

class JavaRedisClientTest extends RedisClientContractTest {
    JavaRedisClientTest() {
        super(Backend.JAVA);
    }
}
