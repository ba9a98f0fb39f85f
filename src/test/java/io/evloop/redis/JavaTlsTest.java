package io.evloop.redis;

import io.evloop.testkit.Backend;

class JavaTlsTest extends TlsContractTest {
    JavaTlsTest() {
        super(Backend.JAVA);
    }
}
