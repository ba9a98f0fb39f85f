package io.evloop.redis;

import io.evloop.testkit.Backend;

class JavaResp3CommandsTest extends RedisCommandsContractTest {
    JavaResp3CommandsTest() {
        super(Backend.JAVA, RedisProtocol.RESP3);
    }
}
