package io.evloop.redis.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.redis.ClusterAccess;
import io.evloop.redis.RedisConnectionException;
import io.evloop.redis.RedisProtocolException;
import io.evloop.redis.Reply;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cluster client's parts that need no server: the slot map and the multi-key split. */
class ClusterPartsTest {

    private static Reply node(String host, int port) {
        return new Reply.ArrayReply(List.of(new Reply.BulkString(host.getBytes(StandardCharsets.UTF_8)),
                new Reply.IntegerReply(port), new Reply.BulkString("id".getBytes(StandardCharsets.UTF_8))));
    }

    private static Reply range(int from, int to, Reply... nodes) {
        List<Reply> r = new ArrayList<>(List.of(new Reply.IntegerReply(from), new Reply.IntegerReply(to)));
        r.addAll(List.of(nodes));
        return new Reply.ArrayReply(r);
    }

    @Test
    void theSlotMapIsWhatClusterSlotsSaysAndMovedRepointsOneSlot() {
        Reply slots = new Reply.ArrayReply(List.of(
                range(0, 5460, node("10.0.0.1", 7000), node("10.0.0.4", 7003)),
                range(5461, 10922, node("", 7001)), // a node that does not know its host
                range(10923, 16383, node("10.0.0.3", 7002))));
        ClusterSlotMap map = ClusterSlotMap.parse(slots, "10.0.0.2:7001");
        assertEquals("10.0.0.1:7000", map.master(0));
        assertEquals("10.0.0.2:7001", map.master(5461), "the host of the node that answered");
        assertEquals("10.0.0.3:7002", map.master(16383));
        assertEquals(List.of("10.0.0.1:7000", "10.0.0.2:7001", "10.0.0.3:7002"), map.masters());
        assertEquals("10.0.0.4:7003", map.addressFor(100, true), "a read may go to the slot's replica");
        assertEquals("10.0.0.1:7000", map.addressFor(100, false));
        assertEquals("10.0.0.2:7001", map.addressFor(6000, true), "no replica: the master");
        assertTrue(map.masters().contains(map.addressFor(-1, false)), "a keyless command goes to some master");

        ClusterSlotMap moved = map.repointed(100, "10.0.0.9:7009");
        assertEquals("10.0.0.9:7009", moved.master(100));
        assertEquals("10.0.0.1:7000", moved.master(101));
        assertEquals("10.0.0.1:7000", map.master(100), "the old map is unchanged");
        assertTrue(moved.masters().contains("10.0.0.9:7009"));
        assertSame(moved, moved.repointed(100, "10.0.0.9:7009"));
        assertEquals("10.0.0.2:7005", ClusterSlotMap.normalize(":7005", "10.0.0.2:7001"));
        assertEquals("10.0.0.7:7005", ClusterSlotMap.normalize("10.0.0.7:7005", "10.0.0.2:7001"));
    }

    @Test
    void aClusterSlotsReplyWithoutSlotsOrWithABadRangeIsRefused() {
        assertThrows(RedisConnectionException.class, () -> ClusterSlotMap.parse(Reply.ArrayReply.EMPTY, "h:1"));
        assertThrows(RedisProtocolException.class, () -> ClusterSlotMap.parse(
                new Reply.ArrayReply(List.of(range(10, 20000, node("h", 1)))), "h:1"));
        assertNull(ClusterSlotMap.EMPTY.master(0));
        assertNull(ClusterSlotMap.EMPTY.addressFor(-1, false));
    }

    @Test
    void anMgetAcrossSlotsIsSplitPerSlotAndMergedInKeyOrder() {
        String[] keys = {"a", "b", "{a}x", "c", "{b}y"};
        byte[][] argv = ArgvOf.utf8("MGET", keys[0], keys[1], keys[2], keys[3], keys[4]);
        KeySplit split = KeySplit.of("MGET", argv);
        List<Reply> replies = new ArrayList<>();
        for (KeySplit.Part part : split.parts()) {
            List<Reply> values = new ArrayList<>();
            for (int j = 1; j < part.argv().length; j++) {
                String key = new String(part.argv()[j], StandardCharsets.UTF_8);
                assertEquals(part.slot(), ClusterKeys.slot(key), "every key of a part is in its slot");
                values.add(new Reply.BulkString(("v-" + key).getBytes(StandardCharsets.UTF_8)));
            }
            replies.add(new Reply.ArrayReply(values));
        }
        assertEquals(3, split.parts().size(), "a and {a}x share a slot, as do b and {b}y; c has its own");
        assertEquals(List.of(1, 3), java.util.Arrays.stream(split.parts().get(0).positions()).boxed().toList());
        List<Reply> merged = split.merge(replies).asList();
        for (int i = 0; i < keys.length; i++) {
            assertEquals("v-" + keys[i], merged.get(i).asString());
        }
        KeySplit del = KeySplit.of("DEL", ArgvOf.utf8("DEL", "a", "b", "c"));
        List<Reply> counts = new ArrayList<>();
        del.parts().forEach(p -> counts.add(new Reply.IntegerReply(p.argv().length - 1)));
        assertEquals(3L, del.merge(counts).asLong());
    }

    @Test
    void theClusterPackageGetsTheNodeHooks() {
        assertSame(ClusterAccess.get(), ClusterAccess.get(), "one instance, served to this package");
    }
}
