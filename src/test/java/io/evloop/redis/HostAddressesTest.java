package io.evloop.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

/** Literal addresses are told from names without a lookup; names are never taken for addresses. */
class HostAddressesTest {

    @Test
    void dottedQuadsAreLiteralAndAgreeWithTheJdk() throws UnknownHostException {
        for (String v4 : new String[] {"127.0.0.1", "0.0.0.0", "255.255.255.255", "10.20.30.40", "192.0.2.1"}) {
            InetAddress ours = HostAddresses.literal(v4);
            assertNotNull(ours, v4);
            assertArrayEquals(InetAddress.getByName(v4).getAddress(), ours.getAddress(), v4);
        }
    }

    @Test
    void ipv6WithOrWithoutBracketsAndZoneIsLiteral() throws UnknownHostException {
        for (String v6 : new String[] {"::1", "[::1]", "fe80::1", "2001:db8::42", "::ffff:192.0.2.1", "[2001:db8::1]"}) {
            InetAddress ours = HostAddresses.literal(v6);
            assertNotNull(ours, v6);
            assertEquals(InetAddress.getByName(v6), ours, v6);
        }
        assertNotNull(HostAddresses.literal("fe80::1%1"));
        for (String bad : new String[] {"fe80::zz", "a:b", "1:2:3", "::1::2"}) {
            assertThrows(UnknownHostException.class, () -> HostAddresses.literal(bad), bad); // refused, not looked up
        }
        assertThrows(UnknownHostException.class, () -> HostAddresses.literal("[localhost]"));
    }

    @Test
    void namesAndAmbiguousSpellingsGoToTheResolver() throws UnknownHostException {
        for (String name : new String[] {"cafe.bad.dad.fed", "localhost", "redis.example.com", "dead.beef",
                "1.2.3", "127.1", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "1.2.3.", ".1.2.3",
                "0x7f.0.0.1", "1.2.3.4a", "abc", "g::1", ".::1", "1.2.3.1000"}) {
            assertNull(HostAddresses.literal(name), name);
        }
    }

    @Test
    void ipv4ParserIsStrict() {
        assertArrayEquals(new byte[] {10, 0, 0, 1}, HostAddresses.ipv4("10.0.0.1"));
        assertArrayEquals(new byte[] {(byte) 200, 1, 2, 3}, HostAddresses.ipv4("200.1.2.3"));
        assertNull(HostAddresses.ipv4(""));
        assertNull(HostAddresses.ipv4("1.2.3.4."));
        assertNull(HostAddresses.ipv4("00.0.0.0"));
    }
}
