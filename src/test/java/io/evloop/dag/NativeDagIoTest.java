package io.evloop.dag;

import io.evloop.testkit.Backend;

class NativeDagIoTest extends DagIoContractTest {
    NativeDagIoTest() {
        super(Backend.NATIVE);
    }
}
