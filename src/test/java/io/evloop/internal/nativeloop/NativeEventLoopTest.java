package io.evloop.internal.nativeloop;

import io.evloop.EventLoop;
import io.evloop.EventLoopContractTest;
import io.evloop.EventLoopOptions;
import io.evloop.testkit.NativeRequirement;
import org.junit.jupiter.api.BeforeAll;

class NativeEventLoopTest extends EventLoopContractTest {

    @BeforeAll
    static void nativeMustLoad() {
        NativeRequirement.check();
    }

    @Override
    protected EventLoop create(EventLoopOptions options) {
        return new NativeEventLoop(options);
    }

    @Override
    protected String expectedImplementation() {
        return "native";
    }
}
