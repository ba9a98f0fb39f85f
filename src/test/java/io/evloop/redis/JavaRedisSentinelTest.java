package io.evloop.redis;

import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.EventLoops;

class JavaRedisSentinelTest extends RedisSentinelContractTest {
    @Override
    protected EventLoop createLoop(EventLoopOptions options) {
        return EventLoops.createJava(options);
    }
}
