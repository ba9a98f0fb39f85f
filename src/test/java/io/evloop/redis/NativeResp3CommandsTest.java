package io.evloop.redis;

import io.evloop.testkit.Backend;

class NativeResp3CommandsTest extends RedisCommandsContractTest {
    NativeResp3CommandsTest() {
        super(Backend.NATIVE, RedisProtocol.RESP3);
    }
}
