package io.evloop.redis;

import java.util.Objects;

/**
 * What AUTH sends: an ACL user (null for the default user) and a password. Its
 * {@link #toString()} never shows the password.
 */
public record RedisCredentials(String user, String password) {

    public RedisCredentials {
        Objects.requireNonNull(password, "password: credentials need a password (the user may be null for the default user)");
    }

    @Override
    public String toString() {
        return "RedisCredentials[user=" + (user == null ? "default" : user) + ", password=****]";
    }
}
