package io.evloop.redis;

import io.evloop.testkit.Backend;

class NativeTlsTest extends TlsContractTest {
    NativeTlsTest() {
        super(Backend.NATIVE);
    }
}
