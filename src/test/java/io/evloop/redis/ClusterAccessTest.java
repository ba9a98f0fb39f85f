package io.evloop.redis;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The cluster's node hooks are not API: any caller outside the cluster package is refused. */
class ClusterAccessTest {

    @Test
    void aCallerOutsideTheClusterPackageIsRefusedWithTheWayOut() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> ClusterAccess.get());
        assertTrue(e.getMessage().contains(ClusterAccessTest.class.getName()), e.getMessage());
        assertTrue(e.getMessage().contains("RedisClusterClient"), e.getMessage());
    }
}
