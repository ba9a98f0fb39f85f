package io.evloop.redis.cluster;

import io.evloop.redis.RedisProtocolException;
import io.evloop.redis.Reply;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A multi-key command whose keys span slots (MGET, DEL, EXISTS, UNLINK, TOUCH), cut into one
 * command per slot, and the parts' replies merged back: MGET's values in the caller's key
 * order, the others' counts summed.
 */
final class KeySplit {

    /** One part: its slot, its command, and where its keys sit in the original command. */
    record Part(int slot, byte[][] argv, int[] positions) {
    }

    private final String command;
    private final int keyCount;
    private final List<Part> parts;

    private KeySplit(String command, int keyCount, List<Part> parts) {
        this.command = command;
        this.keyCount = keyCount;
        this.parts = parts;
    }

    /** {@code argv}: the command and its keys, every argument after the name a key. */
    static KeySplit of(String command, byte[][] argv) {
        Map<Integer, List<Integer>> bySlot = new LinkedHashMap<>();
        for (int i = 1; i < argv.length; i++) {
            bySlot.computeIfAbsent(ClusterKeys.slot(argv[i]), s -> new ArrayList<>()).add(i);
        }
        List<Part> parts = new ArrayList<>(bySlot.size());
        bySlot.forEach((slot, indexes) -> {
            byte[][] part = new byte[indexes.size() + 1][];
            part[0] = argv[0];
            int[] positions = new int[indexes.size()];
            for (int j = 0; j < indexes.size(); j++) {
                part[j + 1] = argv[indexes.get(j)];
                positions[j] = indexes.get(j);
            }
            parts.add(new Part(slot, part, positions));
        });
        return new KeySplit(command, argv.length - 1, List.copyOf(parts));
    }

    List<Part> parts() {
        return parts;
    }

    /** The reply the unsplit command would have had, from the parts' replies in {@link #parts()} order. */
    Reply merge(List<Reply> replies) {
        if (command.equals("MGET")) {
            Reply[] merged = new Reply[keyCount];
            for (int p = 0; p < parts.size(); p++) {
                List<Reply> values = replies.get(p).asList();
                int[] at = parts.get(p).positions();
                if (values.size() != at.length) {
                    throw new RedisProtocolException("a node answered MGET of " + at.length + " keys with " + values.size() + " values");
                }
                for (int j = 0; j < at.length; j++) {
                    merged[at[j] - 1] = values.get(j);
                }
            }
            return new Reply.ArrayReply(List.of(merged));
        }
        long sum = 0;
        for (Reply r : replies) {
            sum += r.asLong();
        }
        return new Reply.IntegerReply(sum);
    }
}
