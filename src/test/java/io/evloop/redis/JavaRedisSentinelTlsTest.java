package io.evloop.redis;

import io.evloop.testkit.Backend;

class JavaRedisSentinelTlsTest extends RedisSentinelTlsContractTest {
    JavaRedisSentinelTlsTest() {
        super(Backend.JAVA);
    }
}
