package io.evloop.nio;

import io.evloop.EventLoop;
import io.evloop.EventLoopContractTest;
import io.evloop.EventLoopOptions;

class NioEventLoopTest extends EventLoopContractTest {
    @Override
    protected EventLoop create(EventLoopOptions options) {
        return new NioEventLoop(options);
    }

    @Override
    protected String expectedImplementation() {
        return "java";
    }
}
