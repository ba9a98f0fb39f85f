package io.evloop.internal.javaloop;

import io.evloop.EventLoop;
import io.evloop.EventLoopContractTest;
import io.evloop.EventLoopOptions;

class JavaEventLoopTest extends EventLoopContractTest {
    @Override
    protected EventLoop create(EventLoopOptions options) {
        return new JavaEventLoop(options);
    }

    @Override
    protected String expectedImplementation() {
        return "java";
    }
}
