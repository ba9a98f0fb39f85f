package io.evloop.uv;

import io.evloop.EventLoop;
import io.evloop.EventLoopContractTest;
import io.evloop.EventLoopOptions;
import io.evloop.testkit.NativeRequirement;
import org.junit.jupiter.api.BeforeAll;

class UvEventLoopTest extends EventLoopContractTest {

    @BeforeAll
    static void nativeMustLoad() {
        NativeRequirement.check();
    }

    @Override
    protected EventLoop create(EventLoopOptions options) {
        return new UvEventLoop(options);
    }

    @Override
    protected String expectedImplementation() {
        return "native";
    }
}
