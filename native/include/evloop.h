/*
 * evloop.h: the only exported API of libevloop, a thin shim that runs a libuv loop
 * on a thread its caller owns (in evloop, a Java thread) and wakes it from any thread.
 *
 * Conventions
 *   - Every function returns 0 or a negative error code: a libuv code (UV_E*, which
 *     are negated errno values on Unix) or one of the EVL_E* codes below. Nothing here
 *     prints, aborts or calls exit().
 *   - "Loop thread" means the thread that is inside evl_loop_run() for that loop.
 *     Functions marked "loop thread only" must be called from there (normally from
 *     inside an event callback); the others are safe from any thread.
 *   - evl_loop_destroy() ends the handle's life, as free() does: no other call with the
 *     same handle may overlap it or follow it. A caller that wakes or stops the loop
 *     from other threads must make sure those calls have returned before it destroys.
 *   - The shim never calls back into its caller except through the evl_event_cb given
 *     to evl_loop_create(), and only on the loop thread, from inside evl_loop_run().
 */
#ifndef EVLOOP_H
#define EVLOOP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define EVL_EXPORT __attribute__((visibility("default")))
#else
#define EVL_EXPORT
#endif

/* Error codes of the shim itself. They sit far below libuv's range. */
#define EVL_EINVAL   (-20001) /* a NULL handle or an argument out of range */
#define EVL_ESTATE   (-20002) /* the loop is not in a state that allows this call */
#define EVL_ENOMEM   (-20003) /* an allocation failed */

/* Events delivered to evl_event_cb. */
#define EVL_EVENT_WAKE  1 /* evl_loop_wake() or evl_loop_stop() was called; arg is 0 */
#define EVL_EVENT_TIMER 2 /* a timer fired; arg is the token given to evl_timer_create() */
/* Redis connections; arg is the token given to evl_redis_connect_tcp/unix(). */
#define EVL_EVENT_REDIS_CONNECTED 10 /* the connection is up: evl_redis_send() may start */
#define EVL_EVENT_REDIS_DATA      11 /* replies are waiting: read them with evl_redis_replies() */
#define EVL_EVENT_REDIS_CLOSED    12 /* the connection failed or ended: evl_redis_error() says
                                        why; the receiver then calls evl_redis_close() */

/* What ended a Redis connection (evl_redis_error_kind()). The values are hiredis's
 * REDIS_ERR_* codes, which the shim passes through; EVL_REDIS_ERR_PROTOCOL is also what
 * the shim's own checks of the reply stream report. */
#define EVL_REDIS_ERR_NONE     0 /* nothing went wrong (yet) */
#define EVL_REDIS_ERR_IO       1 /* a socket error, connect errors included: "Connection refused" */
#define EVL_REDIS_ERR_OTHER    2 /* anything else, e.g. a command the shim does not support */
#define EVL_REDIS_ERR_EOF      3 /* the server closed the connection */
#define EVL_REDIS_ERR_PROTOCOL 4 /* the server sent bytes that are not a valid reply (or
                                    a reply no command waits for) */
#define EVL_REDIS_ERR_OOM      5 /* an allocation failed */
#define EVL_REDIS_ERR_TIMEOUT  6 /* hiredis's own timeouts; the shim sets none */
#define EVL_REDIS_ERR_TLS      7 /* TLS failed (evl_redis_connect_tls()): the handshake (a
                                    certificate not trusted, expired or for another host, a
                                    server without TLS, a client certificate refused...) or
                                    the TLS layer later; the message says which */

/* How far a TLS connection's handshake got (evl_redis_tls_progress()). */
#define EVL_REDIS_TLS_NONE    0 /* not TLS, or the TCP connect has not completed */
#define EVL_REDIS_TLS_SILENT  1 /* handshaking; the server has not answered in TLS (yet) */
#define EVL_REDIS_TLS_TALKING 2 /* handshaking; the server answers in TLS */
#define EVL_REDIS_TLS_UP      3 /* the handshake is done */

/* Flags of evl_redis_send(). */
#define EVL_SEND_ENCODED 1 /* the caller's encoder guarantees the framing; see evl_redis_send() */

/* Type bytes of the reply records (see "Reply records" below). */
#define EVL_REPLY_BULK     '$'
#define EVL_REPLY_STATUS   '+'
#define EVL_REPLY_ERROR    '-'
#define EVL_REPLY_INTEGER  ':'
#define EVL_REPLY_NIL      '_'
#define EVL_REPLY_ARRAY    '*'
#define EVL_REPLY_MAP      '%'
#define EVL_REPLY_SET      '~'
#define EVL_REPLY_PUSH     '>'
#define EVL_REPLY_DOUBLE   ','
#define EVL_REPLY_BOOL     '#'
#define EVL_REPLY_BIGNUM   '('
#define EVL_REPLY_VERBATIM '='
#define EVL_REPLY_ATTRIBUTE '|'

typedef struct evl_loop_s evl_loop_t;
typedef struct evl_timer_s evl_timer_t;
typedef struct evl_redis_s evl_redis_t;
/* The TLS layer's operations and contexts: include/evloop-tls.h, libevloop-tls. */
struct evl_tls_ops_s;
struct evl_tls_context_s;

/*
 * The one upcall of a loop. Called on the loop thread only. It must not unwind
 * (no C++ exceptions, no longjmp); a Java binding catches every Throwable before
 * returning. Wake-ups coalesce: one EVL_EVENT_WAKE may stand for many evl_loop_wake()
 * calls, so the receiver drains all its pending work on each one.
 */
typedef void (*evl_event_cb)(int32_t event, int64_t arg);

/* Runtime versions, for diagnostics: libuv as uv_version(), hiredis as
 * major * 10000 + minor * 100 + patch of the headers the shim was built with. */
EVL_EXPORT uint32_t evl_libuv_version(void);
EVL_EXPORT uint32_t evl_hiredis_version(void);

/* A human-readable name for any code this API returns. Never NULL, static storage. */
EVL_EXPORT const char *evl_strerror(int code);

/*
 * Creates a loop. Any thread. On success *out owns the loop until evl_loop_destroy().
 * on_event must stay callable until evl_loop_run() has returned.
 */
EVL_EXPORT int evl_loop_create(evl_event_cb on_event, evl_loop_t **out);

/*
 * Runs the loop on the calling thread until evl_loop_stop() or evl_loop_destroy() is
 * called. A loop runs at most once: a second call, or a call after evl_loop_stop(),
 * returns EVL_ESTATE at once. Before returning after a stop it delivers one last
 * EVL_EVENT_WAKE, so that the caller can drain work posted before the stop: that final
 * wake-up starts after the stop was requested (a stop requested during a wake-up causes
 * one more). Once a stop is requested no EVL_EVENT_TIMER is delivered any more.
 * Returns 0 once the loop has stopped (or was destroyed).
 *
 * If the loop was destroyed while this function ran (from a callback, or from another
 * thread), the uv_loop cannot be closed under uv_run: it is deliberately leaked, and
 * this function touches no memory of the loop after uv_run() has returned.
 */
EVL_EXPORT int evl_loop_run(evl_loop_t *loop);

/* Wakes the loop: an EVL_EVENT_WAKE follows on the loop thread. Any thread. Cheap when a
 * wake-up is already pending. A wake before evl_loop_run() is delivered once it runs.
 * Returns EVL_ESTATE after the loop has stopped, that is once evl_loop_run() has
 * returned or when a stop came before it ran; while a stop is in progress it returns 0
 * (the final EVL_EVENT_WAKE covers it). */
EVL_EXPORT int evl_loop_wake(evl_loop_t *loop);

/* Asks the loop to stop. Any thread, idempotent. Returns at once: evl_loop_run()
 * returns on the loop thread after the final EVL_EVENT_WAKE. A loop stopped before it
 * ran never runs. */
EVL_EXPORT int evl_loop_stop(evl_loop_t *loop);

/* Nonzero while a thread is inside evl_loop_run() for this loop. Any thread. */
EVL_EXPORT int evl_loop_is_running(const evl_loop_t *loop);

/*
 * Stops the loop and releases it. Any thread, at most once per loop; the handle is
 * invalid afterwards (a later call with it is undefined, as for free()).
 *   - Not running (never ran, or evl_loop_run() has returned): every handle is closed,
 *     uv_loop_close() runs and all memory is freed.
 *   - Running (called from one of the loop's own callbacks, or from another thread
 *     while evl_loop_run() is active): the uv_loop is leaked on purpose and the loop
 *     exits after the current callback. The exit state shared with the running thread
 *     is reference counted and freed by whichever side finishes last.
 *     No upcall starts after the destroy, not even the final EVL_EVENT_WAKE of a stop:
 *     work still queued must be drained by the caller (for instance after
 *     evl_loop_run() has returned). The abandoned loop keeps its memory and its few file
 *     descriptors for the life of the process; to free everything, stop the loop and
 *     destroy it after evl_loop_run() has returned.
 * Returns 0; EVL_ESTATE for a second destroy that can still be detected (from the same
 * callback); a libuv error if uv_loop_close() fails, in which case the loop is leaked.
 * Never call it concurrently with evl_loop_run() being entered for the first time.
 */
EVL_EXPORT int evl_loop_destroy(evl_loop_t *loop);

/*
 * Timers. Loop thread only. evl_timer_create() makes a stopped timer that reports
 * EVL_EVENT_TIMER with `token` as arg. timeout_ms counts from now (the loop's cached
 * time is refreshed first); repeat_ms 0 means one-shot. Restarting a running timer
 * moves it. evl_timer_close() stops it and releases it once libuv is done with it;
 * the timer handle is invalid after it (a second close, a start or a stop from the same
 * callback returns EVL_ESTATE). Timers still open when the loop is destroyed are closed
 * with it. No EVL_EVENT_TIMER is delivered once a stop was requested.
 */
EVL_EXPORT int evl_timer_create(evl_loop_t *loop, int64_t token, evl_timer_t **out);
EVL_EXPORT int evl_timer_start(evl_timer_t *timer, uint64_t timeout_ms, uint64_t repeat_ms);
EVL_EXPORT int evl_timer_stop(evl_timer_t *timer);
EVL_EXPORT int evl_timer_close(evl_timer_t *timer);

/*
 * Redis connections, over hiredis's async API. Every function here is loop thread only.
 *
 * Life of a connection
 *   evl_redis_connect_tcp/unix() starts connecting and returns at once. Exactly one of
 *   EVL_EVENT_REDIS_CONNECTED or EVL_EVENT_REDIS_CLOSED follows, never from inside the
 *   call (a connect that fails at once, say a missing socket file, is reported on a later
 *   turn of the loop). After CONNECTED come any number of EVL_EVENT_REDIS_DATA and at most
 *   one EVL_EVENT_REDIS_CLOSED. The caller owns the handle until evl_redis_close(), which
 *   it must call exactly once, also after CLOSED (that frees it). After evl_redis_close()
 *   no event with the connection's token is delivered and the handle is invalid.
 *   evl_redis_close() may be called at any time, from inside any upcall included (for
 *   instance from the DATA or CLOSED upcall of this very connection).
 *
 * Commands and replies
 *   The caller formats commands as RESP arrays of bulk strings and hands over whole batches
 *   (evl_redis_send()); the shim never formats anything from a printf format, and checks
 *   each command's framing (evl_redis_send()). Every command gets
 *   exactly one reply, in order (RESP3's pushes come besides them, see below); the caller
 *   keeps the FIFO that matches them. Replies are
 *   parsed once, by hiredis, into reply records (below) in a per-connection buffer: one
 *   DATA event per batch of whole replies the loop read in a turn, during which the caller
 *   reads them in place through evl_redis_replies(); they are dropped when the upcall
 *   returns. Before hiredis parses anything the shim checks the reply stream with the same
 *   rules and limits as evloop's Java decoder, so that both backends accept and refuse the
 *   same streams and hiredis never buffers without end for an absurd length:
 *     - RESP2's types and RESP3's (null, boolean, double, big number, verbatim string, map,
 *       set, push, attribute); not RESP3's blob error ('!') nor streamed strings or
 *       aggregates ("$?"), which hiredis 1.2 cannot parse;
 *     - numbers (integers, lengths, counts, big numbers) without a leading zero or "-0",
 *       integers and lengths within 64 bits; CR LF after every line;
 *     - bulk and verbatim strings up to 512 MiB, a verbatim string at least 4 bytes long with
 *       ':' after its 3-byte format; no nil verbatim string, map, set, push or attribute;
 *     - arrays, sets and pushes up to 2^24 elements, maps and attributes up to 2^23 entries,
 *       a push at least 1 element; 32 levels deep at most, every kind of aggregate (an
 *       attribute too) counting as a level;
 *     - a null "_" with nothing before its CR; a boolean "#t" or "#f"; a double that is inf,
 *       -inf, nan or [-]digits[.digits][(e|E)[+|-]digits], at most 32 characters and finite
 *       (1e400 is refused, 1e-400 is 0); a big number "[-]digits" of at most 1024 characters;
 *     - simple strings and errors up to 64 KiB, one top-level reply up to
 *       evl_redis_set_max_reply() bytes (an attribute before it counted in);
 *     - a push only as a whole reply, never inside an aggregate or attribute; an attribute
 *       inside aggregates or before a reply, never inside another attribute.
 *   A reply no command waits for is a protocol error, with one exception: a top-level push
 *   is the server's own message, which no command waits for: it is delivered as a reply
 *   (EVL_REPLY_PUSH) and answers no command. An attribute is checked, then delivered as an
 *   EVL_REPLY_ATTRIBUTE record right before the record of the value it describes: together
 *   they are one element of their aggregate, or one reply, and the attribute answers no
 *   command of its own (the value after it does, unless it is a push). A stream that breaks
 *   a rule ends the connection with EVL_REDIS_ERR_PROTOCOL after the replies before the bad
 *   bytes have been delivered. The shim needs hiredis 1.x (the jar's library carries 1.2.0).
 *   Which reply answers which command stays the caller's business. A command that switches
 *   the server to another reply model (SUBSCRIBE, MONITOR, CLIENT REPLY OFF...) makes it send
 *   replies no command waits for, or none: over RESP2, and for MONITOR's lines over RESP3,
 *   such a reply ends the connection with EVL_REDIS_ERR_PROTOCOL; over RESP3 a SUBSCRIBE's
 *   confirmations and messages are pushes, which the shim delivers without matching them to
 *   any command (the SUBSCRIBE itself then never gets a reply of its own). evloop's Java
 *   client refuses those commands before they get here.
 *
 * Reply records
 *   A reply is one record; an aggregate's elements follow its record, each a record (nested
 *   aggregates likewise, depth first). A record is a type byte, then:
 *     EVL_REPLY_BULK '$', EVL_REPLY_STATUS '+', EVL_REPLY_ERROR '-':
 *                              a 4-byte length n, then n bytes (a bulk string's content,
 *                              a simple string's or an error's text)
 *     EVL_REPLY_INTEGER ':'    an 8-byte signed integer
 *     EVL_REPLY_NIL '_'        nothing (a nil bulk string, a nil array or RESP3's null:
 *                              hiredis does not tell them apart)
 *     EVL_REPLY_ARRAY '*'      a 4-byte element count n, then n records
 *   and for RESP3's types:
 *     EVL_REPLY_MAP '%'        a 4-byte entry count n, then 2n records: key, value, key...
 *     EVL_REPLY_SET '~'        a 4-byte element count n, then n records
 *     EVL_REPLY_PUSH '>'       a 4-byte element count n (at least 1), then n records; only
 *                              ever a whole reply, never an element
 *     EVL_REPLY_DOUBLE ','     an 8-byte IEEE 754 double (finite, or infinite or NaN when
 *                              the server said inf, -inf or nan)
 *     EVL_REPLY_BOOL '#'       1 byte: 1 for true, 0 for false
 *     EVL_REPLY_BIGNUM '('     a 4-byte length n, then the n characters of the number in
 *                              decimal ("-" and digits, as the server sent them)
 *     EVL_REPLY_VERBATIM '='   a 4-byte length n (at least 4), then the n bytes of the
 *                              content: the 3-byte format, ':', then the text
 *     EVL_REPLY_ATTRIBUTE '|'  a 4-byte entry count n, then 2n records (key, value, key...),
 *                              then the record of the value the attribute describes, which
 *                              may be another attribute's first (attributes in a row) or,
 *                              at top level, a push's
 *   Numbers are in the machine's byte order, with no alignment.
 *
 * When the loop stops or is destroyed
 *   Once a stop was requested no Redis event is delivered any more (as for timers).
 *   Connections still open when a loop that is not running is destroyed are closed and
 *   freed with it. A loop destroyed while it runs (from inside one of its callbacks) closes
 *   and frees them as soon as uv_run() has returned, before evl_loop_run() returns: their
 *   sockets are closed, only the loop itself is leaked.
 *
 * Signals: the shim does not change signal dispositions. hiredis writes with write(2), so a
 * process that embeds the shim must ignore SIGPIPE (the JVM does), or a write to a
 * connection the server has closed raises it. (TLS connections, which the shim writes itself,
 * send with MSG_NOSIGNAL where the system has it.)
 */

/*
 * Connects to ip:port. ip must be a literal IPv4 or IPv6 address (an IPv6 zone such as
 * "fe80::1%eth0" is allowed): the shim never resolves host names, which would block the
 * loop. Returns 0 with *out set, or EVL_EINVAL (NULL argument, port outside 1..65535, ip
 * not a literal address), EVL_ESTATE (the loop was destroyed) or EVL_ENOMEM, in which case
 * *out is NULL and no event follows.
 */
EVL_EXPORT int evl_redis_connect_tcp(evl_loop_t *loop, int64_t token, const char *ip, int port,
                                     evl_redis_t **out);

/* Connects to the Unix domain socket at path. As evl_redis_connect_tcp(); a path too long
 * for a socket address returns UV_ENAMETOOLONG. */
EVL_EXPORT int evl_redis_connect_unix(evl_loop_t *loop, int64_t token, const char *path,
                                      evl_redis_t **out);

/*
 * Connects to ip:port over TLS, as evl_redis_connect_tcp() does over plain TCP (same
 * arguments, results and events), through the TLS layer of libevloop-tls (evloop-tls.h),
 * which this library does not link: `ops` is what that library's evl_tls_ops() returned
 * and `context` one of its contexts (what the server is checked against, the client's
 * certificate), which the connection holds a reference on, so the caller may free it at
 * once. server_name is the name the certificate must carry (with EVL_TLS_VERIFY_NAME in
 * flags) and, unless it is an IP literal, the SNI name.
 *   libevloop still reads and writes the socket itself; the TLS layer only encrypts and
 *   decrypts. The handshake runs on the loop after the TCP connect: EVL_EVENT_REDIS_CONNECTED
 *   comes once it has completed, and a failed handshake is EVL_EVENT_REDIS_CLOSED with
 *   EVL_REDIS_ERR_TLS and what went wrong ("TLS handshake with redis.example failed: the
 *   server's certificate has expired"). Commands sent before CONNECTED wait in the output
 *   buffer until the handshake is done; they are never sent in clear.
 *   EVL_EINVAL also for a NULL ops or context, an ops table of another version
 *   (EVL_TLS_ABI), a server name the TLS layer refuses, or unknown flags.
 */
EVL_EXPORT int evl_redis_connect_tls(evl_loop_t *loop, int64_t token, const char *ip, int port,
                                     const struct evl_tls_ops_s *ops,
                                     struct evl_tls_context_s *context, const char *server_name,
                                     int32_t flags, evl_redis_t **out);

/*
 * Sends count commands: command i is buf[ends[i - 1] .. ends[i]) with ends[-1] taken as 0,
 * each one complete RESP array of bulk strings ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n").
 * The bytes are copied (into hiredis's output buffer, one copy for the batch): the caller
 * may reuse buf and ends at once. Writing starts before the call returns when the socket
 * takes it.
 *   Every command is checked before any is queued (all or nothing), because a command the
 *   server would not answer exactly once (an empty array, bytes after the array) would
 *   shift every later reply onto the wrong command. With flags 0 each command is parsed:
 *   it must be exactly one RESP array of one or more bulk strings. With EVL_SEND_ENCODED the
 *   caller vouches for that (evloop's Java encoder validates every argument and writes the
 *   framing itself), and the shim checks only what catches ends that do not match the
 *   bytes: 4 bytes at least, '*' first, CR LF last. Either way nothing in the shim reads
 *   outside buf[0 .. ends[count - 1]), and whatever the bytes are, the worst outcome is the
 *   server's error reply or a closed connection. Pub/sub and the other commands that change
 *   the reply model are not refused here (see above). Other flag bits: EVL_EINVAL.
 *   0           accepted, every command (it may still fail with the connection: then
 *               CLOSED follows, on a later turn)
 *   EVL_EINVAL  NULL handle or buffers, count < 0, ends not increasing, unknown flags, or
 *               a command that fails its check: nothing was sent
 *   EVL_ESTATE  the connection has ended (CLOSED follows or came) or was closed: nothing
 *               was sent
 */
EVL_EXPORT int evl_redis_send(evl_redis_t *c, const uint8_t *buf, const int32_t *ends,
                              int32_t count, int32_t flags);

/* Sets the largest top-level reply accepted, in bytes of the stream from its type byte to
 * its last LF (128 MiB until set; at least 1). A reply that grows past it ends the
 * connection with EVL_REDIS_ERR_PROTOCOL, before hiredis buffers the bytes beyond. Call it
 * right after connecting. Returns 0, or EVL_EINVAL (NULL handle, max < 1). */
EVL_EXPORT int evl_redis_set_max_reply(evl_redis_t *c, int64_t max);

/* Turns on TCP keepalive for a TCP connection, right after connecting: the kernel sends the
 * first probe after idle_seconds without traffic, then one every third of that (at least
 * 1 s), and ends the connection after 3 unanswered (CLOSED with EVL_REDIS_ERR_IO). A Unix
 * domain socket connection is left as it is. Returns 0, EVL_EINVAL (NULL handle,
 * idle_seconds outside 1..32767), EVL_ESTATE (the connection has ended or was closed), or a
 * negative errno-style code if the socket refused the options. */
EVL_EXPORT int evl_redis_set_keepalive(evl_redis_t *c, int32_t idle_seconds);

/* The reply records waiting, for the caller to read in place during EVL_EVENT_REDIS_DATA:
 * sets *data to the first and returns how many bytes they take (whole replies only; 0
 * when none waits), or EVL_EINVAL. The records belong to the connection and are dropped
 * when the DATA upcall returns: read them all during it, and never after. */
EVL_EXPORT int32_t evl_redis_replies(evl_redis_t *c, const uint8_t **data);

/* Why the connection ended: an EVL_REDIS_ERR_* kind, and a message such as
 * "Connection refused" (never NULL; "" while nothing went wrong). The message belongs to
 * the connection and stays valid until evl_redis_close(). */
EVL_EXPORT int evl_redis_error_kind(const evl_redis_t *c);
EVL_EXPORT const char *evl_redis_error(const evl_redis_t *c);

/* Why TLS failed on a connection that ended with EVL_REDIS_ERR_TLS: an EVL_TLS_R_* code of
 * evloop-tls.h (EVL_TLS_R_UNTRUSTED, EVL_TLS_R_ALERT + 116...), for a caller that words its own
 * message; 0 for any other end, or while it has not ended. */
EVL_EXPORT int32_t evl_redis_tls_reason(const evl_redis_t *c);

/* How far the handshake of a TLS connection got: EVL_REDIS_TLS_*; for instance, when a connect
 * times out, whether the server answered in TLS at all. */
EVL_EXPORT int32_t evl_redis_tls_progress(const evl_redis_t *c);

/* Closes the connection at once (commands not yet answered are dropped) and releases the
 * handle; its memory is freed once libuv is done with it. No event for it follows. Returns
 * 0, EVL_EINVAL for NULL, or EVL_ESTATE for a second close detected from the same callback. */
EVL_EXPORT int evl_redis_close(evl_redis_t *c);

#ifdef __cplusplus
}
#endif
#endif /* EVLOOP_H */
