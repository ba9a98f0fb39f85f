package io.evloop.internal.nativeloop;

import io.evloop.EventLoopContractTest;
import io.evloop.testkit.Backend;

class NativeEventLoopTest extends EventLoopContractTest {
    NativeEventLoopTest() {
        super(Backend.NATIVE);
    }
}
