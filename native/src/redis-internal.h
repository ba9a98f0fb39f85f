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
 *     TLS support uses) reads the socket itself, so that every byte passes the RESP2 checker
 *     of resp.c before hiredis's reader sees it, feeds the reader in small slices (its
 *     buffer compaction then stays cheap however many replies are in flight) and takes the
 *     replies out of the reader itself.
 *   - The reader builds no redisReply trees: its object functions append each value as a
 *     compact record to the connection's reply buffer, which the caller reads in place
 *     during one EVL_EVENT_REDIS_DATA per batch (the format is in evloop.h). Each reply is
 *     parsed once, by hiredis, and copied once, into that buffer.
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
 */
#ifndef EVLOOP_REDIS_INTERNAL_H
#define EVLOOP_REDIS_INTERNAL_H

#include "evloop-internal.h"

#include <stddef.h>
#include <stdint.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

struct evl_redis_s {
  evl_loop_t *loop;
  int64_t token;
  redisAsyncContext *ac; /* NULL once hiredis is freeing or has freed it, or it never was */
  evl_redis_t *prev;     /* links in loop->redis until closed */
  evl_redis_t *next;
  redisContextFuncs funcs; /* hiredis's function table with the read half replaced */
  void (*hiredis_write)(redisAsyncContext *ac); /* hiredis's own write half */
  uv_timer_t defer;      /* upcalls for what happened outside the read and write halves */
  int in_hiredis;        /* calls of the shim into hiredis on the stack */
  int in_api;            /* inside evl_redis_connect_*() or evl_redis_send(): no upcalls */
  int closing;           /* evl_redis_close() was called: no more upcalls */
  int released;          /* unlinked, context freed, handles closing */
  int connected;         /* hiredis said the connection is up */
  int report_connected;  /* EVL_EVENT_REDIS_CONNECTED is due */
  int reported_closed;   /* EVL_EVENT_REDIS_CLOSED was delivered */
  int doomed;            /* an error was recorded: free the context once hiredis returns */
  uint64_t replies;      /* complete replies taken from hiredis's reader */
  int error_kind;        /* EVL_REDIS_ERR_*; the first error recorded wins */
  char error[192];
  char *out;             /* records for the caller: whole replies in out[0 .. out_complete), */
  size_t out_complete;   /* then the records of the reply being parsed, up to out_len */
  size_t out_len;
  size_t out_cap;
  evl__resp_scanner_t scan;
};

/* ---- redis-conn.c ---- */

/* Records an error (the first one wins) and has the connection dropped as soon as hiredis is
 * off the stack: evl__redis_settle() drops it. */
void evl__redis_fail(evl_redis_t *c, int kind, const char *message);

/* Drops a connection on which an error was recorded. Never with hiredis on the stack. */
void evl__redis_settle(evl_redis_t *c);

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

/* Feeds the reader n bytes the checker accepted and makes readable every reply it completes.
 * -1 when the reader failed (for want of memory): the connection must end. */
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

#endif /* EVLOOP_REDIS_INTERNAL_H */
