package io.evloop.redis;

import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.EventLoops;

class JavaRedisCommandsTest extends RedisCommandsContractTest {

    @Override
    protected EventLoop createLoop(EventLoopOptions options) {
        return EventLoops.createJava(options);
    }
}
