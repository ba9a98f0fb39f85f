package io.evloop.redis.cluster;

import io.evloop.testkit.Backend;

class JavaRedisClusterTest extends RedisClusterContractTest {
    JavaRedisClusterTest() {
        super(Backend.JAVA);
    }
}
