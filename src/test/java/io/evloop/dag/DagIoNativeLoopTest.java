package io.evloop.dag;

import io.evloop.EventLoop;
import io.evloop.EventLoops;
import io.evloop.testkit.NativeRequirement;
import org.junit.jupiter.api.BeforeAll;

class DagIoNativeLoopTest extends DagIoContractTest {

    @BeforeAll
    static void nativeMustLoad() {
        NativeRequirement.check();
    }

    @Override
    protected EventLoop createLoop() {
        return EventLoops.createNative();
    }
}
