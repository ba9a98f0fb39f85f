package io.evloop.redis;

import io.evloop.testkit.Backend;

class NativeChaosSoakTest extends ChaosSoakContractTest {
    NativeChaosSoakTest() {
        super(Backend.NATIVE);
    }
}
