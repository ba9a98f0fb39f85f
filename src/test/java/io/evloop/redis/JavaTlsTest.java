package io.evloop.redis;

import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.EventLoops;

class JavaTlsTest extends TlsContractTest {
    @Override
    protected EventLoop createLoop(EventLoopOptions options) {
        return EventLoops.createJava(options);
    }

    @Override
    protected boolean speaksTls() {
        return true;
    }
}
