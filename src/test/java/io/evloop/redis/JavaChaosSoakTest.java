package io.evloop.redis;

import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.EventLoops;

class JavaChaosSoakTest extends ChaosSoakContractTest {

    @Override
    protected EventLoop createLoop(EventLoopOptions options) {
        return EventLoops.createJava(options);
    }
}
