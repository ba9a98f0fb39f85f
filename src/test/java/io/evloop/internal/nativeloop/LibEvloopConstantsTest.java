package io.evloop.internal.nativeloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The constants of the jnr-ffi binding are those of {@code native/include/evloop.h}: every
 * numeric or character {@code #define EVL_...} of the header has a field of the same name and
 * value in {@link LibEvloop}, and the binding has no constant the header lacks. A value
 * changed on one side only would make the Java side misread events, errors or records.
 */
class LibEvloopConstantsTest {

    private static final Pattern DEFINE = Pattern.compile(
            "^#define\\s+(EVL_[A-Z0-9_]+)\\s+(?:\\((-?\\d+)\\)|(-?\\d+)|'(.)')", Pattern.MULTILINE);

    @Test
    void theBindingsConstantsAreTheHeaders() throws Exception {
        Map<String, Long> header = new TreeMap<>();
        Matcher m = DEFINE.matcher(Files.readString(Path.of("native", "include", "evloop.h")));
        while (m.find()) {
            String number = m.group(2) != null ? m.group(2) : m.group(3);
            header.put(m.group(1), number != null ? Long.parseLong(number) : (long) m.group(4).charAt(0));
        }
        assertFalse(header.isEmpty(), "no constants found in evloop.h");

        Map<String, Long> binding = new TreeMap<>();
        for (Field f : LibEvloop.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getName().startsWith("EVL_")) {
                binding.put(f.getName(), ((Number) f.get(null)).longValue());
            }
        }
        assertEquals(header, binding, "LibEvloop's constants against evloop.h's");
        assertTrue(binding.containsKey("EVL_REPLY_ARRAY") && binding.containsKey("EVL_SEND_ENCODED"));
    }
}
