package io.evloop.redis;

import io.evloop.testkit.Backend;

class NativeRedisSentinelTest extends RedisSentinelContractTest {
    NativeRedisSentinelTest() {
        super(Backend.NATIVE);
    }
}
