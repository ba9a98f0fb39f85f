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
 * The constants of the jnr-ffi bindings are those of their headers: every numeric or character
 * {@code #define EVL_...} of {@code native/include/evloop.h} has a field of the same name and
 * value in {@link LibEvloop}, those of {@code evloop-tls.h} in {@link LibEvloopTls}, and the
 * bindings have no constant their header lacks. A value
 * changed on one side only would make the Java side misread events, errors or records.
 */
class LibEvloopConstantsTest {

    private static final Pattern DEFINE = Pattern.compile(
            "^#define\\s+(EVL_[A-Z0-9_]+)\\s+(?:\\((-?\\d+)\\)|0x([0-9a-fA-F]+)\\b|(-?\\d+)\\b|'(.)')", Pattern.MULTILINE);

    @Test
    void theBindingsConstantsAreTheHeaders() throws Exception {
        Map<String, Long> binding = constants(LibEvloop.class);
        assertEquals(defines("evloop.h"), binding, "LibEvloop's constants against evloop.h's");
        assertTrue(binding.containsKey("EVL_REPLY_ARRAY") && binding.containsKey("EVL_SEND_ENCODED"));
    }

    /** The same for the TLS layer: a flag or a protocol number that differs would be refused or misread. */
    @Test
    void theTlsBindingsConstantsAreItsHeaders() throws Exception {
        Map<String, Long> binding = constants(LibEvloopTls.class);
        assertEquals(defines("evloop-tls.h"), binding, "LibEvloopTls's constants against evloop-tls.h's");
        assertTrue(binding.containsKey("EVL_TLS_ABI") && binding.containsKey("EVL_TLS_V1_3"));
    }

    private static Map<String, Long> defines(String header) throws Exception {
        Map<String, Long> defines = new TreeMap<>();
        Matcher m = DEFINE.matcher(Files.readString(Path.of("native", "include", header)));
        while (m.find()) {
            long value = m.group(2) != null ? Long.parseLong(m.group(2))
                    : m.group(3) != null ? Long.parseLong(m.group(3), 16)
                    : m.group(4) != null ? Long.parseLong(m.group(4))
                    : m.group(5).charAt(0);
            defines.put(m.group(1), value);
        }
        assertFalse(defines.isEmpty(), "no constants found in " + header);
        return defines;
    }

    private static Map<String, Long> constants(Class<?> binding) throws Exception {
        Map<String, Long> constants = new TreeMap<>();
        for (Field f : binding.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getName().startsWith("EVL_")) {
                constants.put(f.getName(), ((Number) f.get(null)).longValue());
            }
        }
        return constants;
    }
}
