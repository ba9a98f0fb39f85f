package io.evloop.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ClusterKeysTest {

    @Test
    void slotsFollowTheClusterSpecification() {
        assertEquals(0x31C3, ClusterKeys.crc16("123456789".getBytes(), 0, 9));
        assertEquals(ClusterKeys.slot("user1000"), ClusterKeys.slot("{user1000}.following"));
        assertEquals(ClusterKeys.slot("user1000"), ClusterKeys.slot("foo{user1000}{bar}"));
        assertEquals(ClusterKeys.slot("foo{}{bar}"), ClusterKeys.slot("foo{}{bar}".getBytes()));
        assertEquals(ClusterKeys.crc16("foo{}{bar}".getBytes(), 0, 10) & 16383, ClusterKeys.slot("foo{}{bar}"));
        assertEquals(ClusterKeys.slot("{bar"), ClusterKeys.crc16("{bar".getBytes(), 0, 4) & 16383);
    }

    @Test
    void keyPositions() {
        assertArrayEquals(new int[] {1}, ClusterKeys.keyIndexes("GET", RespEncoder.utf8("GET", "k")));
        assertArrayEquals(new int[] {}, ClusterKeys.keyIndexes("PING", RespEncoder.utf8("PING")));
        assertArrayEquals(new int[] {1, 3}, ClusterKeys.keyIndexes("MSET", RespEncoder.utf8("MSET", "a", "1", "b", "2")));
        assertArrayEquals(new int[] {1, 2, 3}, ClusterKeys.keyIndexes("MGET", RespEncoder.utf8("MGET", "a", "b", "c")));
        assertArrayEquals(new int[] {1, 2}, ClusterKeys.keyIndexes("BLPOP", RespEncoder.utf8("BLPOP", "a", "b", "0")));
        assertArrayEquals(new int[] {3, 4}, ClusterKeys.keyIndexes("EVAL", RespEncoder.utf8("EVAL", "s", "2", "a", "b", "x")));
        assertThrows(IllegalArgumentException.class,
                () -> ClusterKeys.keyIndexes("EVAL", RespEncoder.utf8("EVAL", "s", "5", "a")));
    }
}
