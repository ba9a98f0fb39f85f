package io.evloop.redis;

import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.EventLoops;
import io.evloop.testkit.NativeRequirement;
import org.junit.jupiter.api.BeforeAll;

class NativeTlsTest extends TlsContractTest {

    @BeforeAll
    static void nativeMustLoad() {
        NativeRequirement.check();
    }

    @Override
    protected EventLoop createLoop(EventLoopOptions options) {
        return EventLoops.createNative(options);
    }

    @Override
    protected boolean speaksTls() {
        return true;
    }
}
