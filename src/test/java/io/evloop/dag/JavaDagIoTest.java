package io.evloop.dag;

import io.evloop.testkit.Backend;

class JavaDagIoTest extends DagIoContractTest {
    JavaDagIoTest() {
        super(Backend.JAVA);
    }
}
