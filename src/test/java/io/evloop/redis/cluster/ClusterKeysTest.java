package io.evloop.redis.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClusterKeysTest {

    /** Key and slot as a real redis-server in cluster mode answers CLUSTER KEYSLOT. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "foo|12182", "bar|5061", "hello|866", "user1000|3443",
        "{user1000}.following|3443", "foo{user1000}{bar}|3443", // the first {...} with content is the hash tag
        "foo{}{bar}|8363", "{bar|4015", "a{}|6082", "{}b|6680", // an empty or unclosed tag hashes the whole key
        "{{x}}|11068", "''|0"})
    void slotsAreTheServersSlots(String key, int slot) {
        assertEquals(slot, ClusterKeys.slot(key));
        assertEquals(slot, ClusterKeys.slot(key.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void crc16IsTheXmodemVariantTheSpecificationNames() {
        assertEquals(0x31C3, ClusterKeys.crc16("123456789".getBytes(StandardCharsets.US_ASCII), 0, 9));
    }

    @Test
    void keyPositions() {
        assertArrayEquals(new int[] {1}, ClusterKeys.keyIndexes("GET", ArgvOf.utf8("GET", "k")));
        assertArrayEquals(new int[] {}, ClusterKeys.keyIndexes("PING", ArgvOf.utf8("PING")));
        assertArrayEquals(new int[] {1, 3}, ClusterKeys.keyIndexes("MSET", ArgvOf.utf8("MSET", "a", "1", "b", "2")));
        assertArrayEquals(new int[] {1, 2, 3}, ClusterKeys.keyIndexes("MGET", ArgvOf.utf8("MGET", "a", "b", "c")));
        assertArrayEquals(new int[] {1, 2}, ClusterKeys.keyIndexes("BLPOP", ArgvOf.utf8("BLPOP", "a", "b", "0")));
        assertArrayEquals(new int[] {3, 4}, ClusterKeys.keyIndexes("EVAL", ArgvOf.utf8("EVAL", "s", "2", "a", "b", "x")));
        assertThrows(IllegalArgumentException.class,
                () -> ClusterKeys.keyIndexes("EVAL", ArgvOf.utf8("EVAL", "s", "5", "a")));
    }
}
