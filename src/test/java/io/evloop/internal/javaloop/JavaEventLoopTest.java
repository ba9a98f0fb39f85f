package io.evloop.internal.javaloop;

import io.evloop.EventLoopContractTest;
import io.evloop.testkit.Backend;

class JavaEventLoopTest extends EventLoopContractTest {
    JavaEventLoopTest() {
        super(Backend.JAVA);
    }
}
