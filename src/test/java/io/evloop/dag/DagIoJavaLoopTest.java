package io.evloop.dag;

import io.evloop.EventLoop;
import io.evloop.EventLoops;

class DagIoJavaLoopTest extends DagIoContractTest {

    @Override
    protected EventLoop createLoop() {
        return EventLoops.createJava();
    }
}
