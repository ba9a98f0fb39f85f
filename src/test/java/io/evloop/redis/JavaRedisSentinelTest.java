package io.evloop.redis;

import io.evloop.testkit.Backend;

class JavaRedisSentinelTest extends RedisSentinelContractTest {
    JavaRedisSentinelTest() {
        super(Backend.JAVA);
    }
}
