package io.evloop.redis;

import io.evloop.testkit.Backend;

class JavaPubSubTest extends PubSubContractTest {
    JavaPubSubTest() {
        super(Backend.JAVA);
    }
}
