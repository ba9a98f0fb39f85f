package io.evloop.redis;

import io.evloop.testkit.Backend;

class JavaChaosSoakTest extends ChaosSoakContractTest {
    JavaChaosSoakTest() {
        super(Backend.JAVA);
    }
}
