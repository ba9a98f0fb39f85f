package io.evloop.redis;

import io.evloop.testkit.Backend;

class NativeRedisSentinelTlsTest extends RedisSentinelTlsContractTest {
    NativeRedisSentinelTlsTest() {
        super(Backend.NATIVE);
    }
}
