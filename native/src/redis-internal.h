/*
 * redis-internal.h: the Redis connection (evl_redis_t), shared by the redis-*.c files, and
 * the few functions one of them calls in another. Only those files include it. Like all of
 * native/src it is compiled with hidden visibility: nothing declared here is exported.
 *
 * A connection runs over hiredis's async API (1.x)
 *   hiredis connects, keeps the output buffer and writes it, and parses the replies.
 *   hiredis's own libuv adapter (adapters/libuv.h) attaches it to the loop: a uv_poll_t that
 *   calls redisAsyncHandleRead() and redisAsyncHandleWrite(). The shim changes two things:
 *   - The read half of the context's function table (redisContextFuncs, the hook hiredis's
 *     TLS support uses) reads the socket itself, so that every byte passes the RESP checker
 *     of resp.c before hiredis's reader sees it, feeds the reader in small slices (its
 *     buffer compaction then stays cheap however many replies are in flight) and takes the
 *     replies out of the reader itself.
 *   - The reader builds no redisReply trees: its object functions append each value as a
 *     compact record to the connection's reply buffer, which the caller reads in place
 *     during one EVL_EVENT_REDIS_DATA per batch (the format is in evloop.h). Each reply is
 *     parsed once, by hiredis, and copied once, into that buffer.
 *   - Over TLS (evl_redis_connect_tls()) the write half of the byte level (redisContextFuncs's
 *     write) encrypts the output buffer through the TLS layer and sends the records, and the
 *     read half reads records and decrypts them before the checker sees the bytes; the
 *     handshake runs in both halves before hiredis's write half may run at all.
 *   Commands bypass hiredis's callback queue: evl_redis_send() checks each command's framing
 *   and appends the whole batch to the output buffer in one copy (the caller keeps its own
 *   FIFO of commands; the shim counts them, and a reply nobody waits for is a protocol
 *   error), so nothing is allocated per command and hiredis looks at no command.
 *
 * The files, one job each
 *   redis-conn.c      life cycle, and the glue to hiredis and its libuv adapter
 *   redis-read.c      reading the socket through the checker into hiredis's reader
 *   redis-records.c   the reader's object functions and the reply buffer they fill
 *   redis-commands.c  checking commands and appending them to the output buffer
 *   redis-upcalls.c   the upcalls, made only once hiredis is off the stack
 *   redis-tls.c       the TLS layer of a connection: handshake, records in and out
 */
#ifndef EVLOOP_REDIS_INTERNAL_H
#define EVLOOP_REDIS_INTERNAL_H

#include "evloop-internal.h"

#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "evloop-tls.h"

struct evl_redis_s {
  evl_loop_t *loop;
  int64_t token;
  redisAsyncContext *ac; /* NULL once hiredis is freeing or has freed it, or it never was */
  evl_redis_t *prev;     /* links in loop->redis until closed */
  evl_redis_t *next;
  redisContextFuncs funcs; /* hiredis's function table with the read half replaced (and,
                              over TLS, the byte-level write) */
  void (*hiredis_write)(redisAsyncContext *ac); /* hiredis's own write half */
  uv_timer_t defer;      /* upcalls for what happened outside the read and write halves */
  int in_hiredis;        /* calls of the shim into hiredis on the stack */
  int in_api;            /* inside evl_redis_connect_*() or evl_redis_send(): no upcalls */
  int closing;           /* evl_redis_close() was called: no more upcalls */
  int released;          /* unlinked, context freed, handles closing */
  int connected;         /* the connection is up: hiredis said so, and over TLS the
                            handshake is done too */
  int report_connected;  /* EVL_EVENT_REDIS_CONNECTED is due */
  int told_connected;    /* EVL_EVENT_REDIS_CONNECTED was delivered */
  int reported_closed;   /* EVL_EVENT_REDIS_CLOSED was delivered */
  int doomed;            /* an error was recorded: free the context once hiredis returns */
  uint64_t replies;      /* complete replies taken from hiredis's reader */
  int error_kind;        /* EVL_REDIS_ERR_*; the first error recorded wins */
  char error[448];       /* room for the TLS layer's messages (up to 400 bytes) */
  char *out;             /* records for the caller: whole replies in out[0 .. out_complete), */
  size_t out_complete;   /* then the records of the reply being parsed, up to out_len */
  size_t out_len;
  size_t out_cap;
  char *attr;            /* the bytes of the RESP3 attribute being read (it may span reads) */
  size_t attr_len;
  size_t attr_cap;
  redisReader *attr_reader; /* parses complete attributes into records; made on first use */
  evl__resp_scanner_t scan;
  /* TLS (redis-tls.c); all zero for a plain connection. */
  const evl_tls_ops_t *tls_ops;
  evl_tls_session_t *tls;
  char *tls_backlog;     /* records taken from the TLS layer that the socket did not take */
  size_t tls_backlog_len;
  size_t tls_backlog_off;
  int tls_reads;         /* socket reads in the current read event */
  int tls_last_full;     /* the last socket read filled its buffer: more may wait */
  int tls_end;           /* an end found after bytes handed on first: EVL__RECV_* */
  int tcp_up;            /* hiredis said the TCP connection is up (over TLS, before the handshake) */
  int32_t tls_reason;    /* EVL_TLS_R_* when the recorded error is the TLS layer's */
  int recv_errno;        /* the socket error of an EVL__RECV_ERRNO */
};

/* What a read of the reply stream found besides bytes (evl__redis_recv, evl__tls_recv). */
#define EVL__RECV_EOF    (-1) /* the server closed the connection */
#define EVL__RECV_ERRNO  (-2) /* a socket error: errno */
#define EVL__RECV_FAILED (-3) /* an error recorded with evl__redis_fail() */

/* Socket reads per readiness event before other handles get a turn. */
#define EVL__REDIS_READS_PER_EVENT 4

/* ---- redis-conn.c ---- */

/* Records an error (the first one wins) and has the connection dropped as soon as hiredis is
 * off the stack: evl__redis_settle() drops it. */
void evl__redis_fail(evl_redis_t *c, int kind, const char *message);

/* Drops a connection on which an error was recorded. Never with hiredis on the stack. */
void evl__redis_settle(evl_redis_t *c);

/* Records the socket error err (an errno value) as EVL_REDIS_ERR_IO. */
void evl__redis_fail_errno(evl_redis_t *c, int err);

/* Frees the context and closes the handles, or has that done on the next turn if a call
 * into hiredis is on the stack; no upcall follows. The last close callback frees c. */
void evl__redis_release(evl_redis_t *c);

/* ---- redis-read.c ---- */

/* Reads what the socket has (a few reads at most), checks it and has the valid bytes parsed.
 * A socket error, the end of the stream, a refused byte or a failed reader is recorded with
 * evl__redis_fail(), after the replies that came before it. Needs c->ac. */
void evl__redis_read(evl_redis_t *c);

/* ---- redis-records.c ---- */

/* Has hiredis's reader build the connection's records; before it has read anything. */
void evl__redis_records_attach(evl_redis_t *c, redisReader *reader);

/* Frees the connection's records, and what reading attributes took. */
void evl__redis_records_free(evl_redis_t *c);

/* Feeds the reader the n bytes the checker accepted in its last call (c->scan), the
 * attributes among them parsed apart (into EVL_REPLY_ATTRIBUTE records where they stood), and
 * makes readable every reply it completes. -1 when the reader
 * failed (for want of memory): the connection must end. */
int evl__redis_parse(evl_redis_t *c, redisReader *reader, const char *bytes, size_t n);

/* Forgets the records the caller has read in place, once its DATA upcall has returned. */
void evl__redis_drop_delivered(evl_redis_t *c);

/* ---- redis-upcalls.c ---- */

/* Has what is due reported on the next turn of the loop, for what happened where no upcall
 * may be made. */
void evl__redis_defer(evl_redis_t *c);

/* Called as a half of the function table returns: drops a doomed connection, then reports
 * what is due, now or (inside an API call of the caller) on the next turn. */
void evl__redis_after_half(evl_redis_t *c);

/* ---- redis-tls.c ---- */

/* Makes the connection's TLS session, before hiredis connects. 0, EVL_EINVAL or EVL_ENOMEM. */
int evl__tls_attach(evl_redis_t *c, const evl_tls_ops_t *ops, evl_tls_context_t *context,
                    const char *server_name, int32_t flags);

/* Frees the session and what waits to be sent; with the connection's memory. */
void evl__tls_detach(evl_redis_t *c);

/* Advances the handshake with what was read and sends what it produced; once it is done the
 * connection is up. A failure is recorded. Needs c->ac. */
void evl__tls_advance(evl_redis_t *c);

/* Sends the records that wait: 0 when all went, 1 when the socket is full, -1 on a failure
 * (recorded). Needs c->ac. */
int evl__tls_flush(evl_redis_t *c);

/* Has libuv watch for writability exactly while something waits to be sent. Needs c->ac. */
void evl__tls_watch(evl_redis_t *c);

/* The byte-level write of hiredis's function table over TLS: encrypts the output buffer and
 * sends it; returns the bytes of the buffer consumed, 0, or -1 (hiredis then drops the
 * context; the failure is recorded). */
ssize_t evl__tls_write(redisContext *ctx);

/* Decrypted bytes of the reply stream, up to cap, for evl__redis_read(): > 0, 0 (nothing
 * now) or EVL__RECV_*; *more says whether another call may find more in this event. Runs
 * the handshake while it is not done. Needs c->ac. */
ssize_t evl__tls_recv(evl_redis_t *c, char *buf, size_t cap, int *more);

#endif /* EVLOOP_REDIS_INTERNAL_H */
