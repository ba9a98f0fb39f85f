package io.evloop.redis;

import io.evloop.testkit.Backend;

class NativePubSubTest extends PubSubContractTest {
    NativePubSubTest() {
        super(Backend.NATIVE);
    }
}
