/*
 * redis-test.h: what the Redis tests share. A real redis-server on a free loopback port
 * (started with fork/exec, killed at the end), a scripted fake server on a thread for
 * hostile replies, and a loop runner that bounds every test with a guard timer.
 *
 * A test that needs redis-server and does not find it (on the PATH, or at
 * $EVL_TEST_REDIS_SERVER) exits with EVL_TEST_SKIP, which ctest reports as skipped.
 */
#ifndef EVL_TEST_REDIS_TEST_H
#define EVL_TEST_REDIS_TEST_H

#include "evloop.h"
#include "task.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define EVL_TEST_SKIP 77

/* ---- ports ---- */

/* A loopback port that was free a moment ago (the kernel picked it). */
static inline int evl_test_free_port(void) {
  struct sockaddr_in addr;
  socklen_t len = sizeof(addr);
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  ASSERT(fd >= 0);
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ASSERT_OK(bind(fd, (struct sockaddr *) &addr, sizeof(addr)));
  ASSERT_OK(getsockname(fd, (struct sockaddr *) &addr, &len));
  close(fd);
  return ntohs(addr.sin_port);
}

/* Whether a TCP connect to 127.0.0.1:port succeeds now. */
static inline int evl_test_port_open(int port) {
  struct sockaddr_in addr;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int ok;

  ASSERT(fd >= 0);
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons((uint16_t) port);
  ok = connect(fd, (struct sockaddr *) &addr, sizeof(addr)) == 0;
  close(fd);
  return ok;
}

/* ---- a real redis-server ---- */

typedef struct {
  pid_t pid;
  int port;
  int tls_port; /* 0 unless started with evl_test_redis_start_tls() */
  char socket_path[64];
} evl_test_redis_t;

/* The servers running, killed if an ASSERT aborts the test (a server left behind would keep
 * the test's output open, and ctest waiting for it). */
#define EVL_TEST_MAX_SERVERS 4
static pid_t evl_test_redis_pids[EVL_TEST_MAX_SERVERS];

static void evl_test_redis_on_abort(int sig) {
  int i;

  for (i = 0; i < EVL_TEST_MAX_SERVERS; i++)
    if (evl_test_redis_pids[i] > 0)
      kill(evl_test_redis_pids[i], SIGKILL);
  signal(sig, SIG_DFL);
  raise(sig);
}

static void evl_test_redis_track(pid_t old_pid, pid_t new_pid) {
  int i;

  for (i = 0; i < EVL_TEST_MAX_SERVERS; i++) {
    if (evl_test_redis_pids[i] == old_pid) {
      evl_test_redis_pids[i] = new_pid;
      return;
    }
  }
  ASSERT(0 && "more redis-servers at once than EVL_TEST_MAX_SERVERS");
}

/* Finds redis-server: $EVL_TEST_REDIS_SERVER, else the PATH. */
static inline int evl_test_find_redis(char *path, size_t size) {
  const char *env = getenv("EVL_TEST_REDIS_SERVER");
  const char *dirs = getenv("PATH");
  const char *p;

  if (env != NULL && env[0] != '\0') {
    snprintf(path, size, "%s", env);
    return access(path, X_OK) == 0;
  }
  for (p = dirs; p != NULL && *p != '\0';) {
    const char *end = strchr(p, ':');
    size_t n = end != NULL ? (size_t) (end - p) : strlen(p);

    snprintf(path, size, "%.*s/redis-server", (int) n, p);
    if (n > 0 && access(path, X_OK) == 0)
      return 1;
    p = end != NULL ? end + 1 : NULL;
  }
  return 0;
}

/* Exits with EVL_TEST_SKIP, saying why, when redis-server is not installed. */
static inline void evl_test_require_redis(void) {
  char path[512];

  if (!evl_test_find_redis(path, sizeof(path))) {
    fprintf(stderr, "SKIP: redis-server is not installed (not on the PATH, and "
                    "EVL_TEST_REDIS_SERVER is not set); the Redis server tests did not run\n");
    exit(EVL_TEST_SKIP);
  }
}

/* Starts redis-server on a free loopback port and a Unix socket, with the extra arguments
 * (NULL-terminated; NULL for none) and, with tls set, a TLS port as well; waits until it
 * accepts. */
static inline void evl_test_redis_start_with(evl_test_redis_t *r, int tls, const char *const *extra) {
  char path[512];
  char port[16];
  char tls_port[16];
  const char *argv[64];
  int argc = 0;
  uint64_t deadline;
  int status;

  evl_test_require_redis();
  ASSERT(evl_test_find_redis(path, sizeof(path)));
  r->port = evl_test_free_port();
  r->tls_port = tls ? evl_test_free_port() : 0;
  snprintf(port, sizeof(port), "%d", r->port);
  snprintf(tls_port, sizeof(tls_port), "%d", r->tls_port);
  snprintf(r->socket_path, sizeof(r->socket_path), "/tmp/evl-test-redis-%d.sock", r->port);
  unlink(r->socket_path);
  {
    const char *base[] = {path, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly",
                          "no", "--unixsocket", r->socket_path, "--unixsocketperm", "700",
                          "--loglevel", "warning"};
    size_t i;

    for (i = 0; i < sizeof(base) / sizeof(base[0]); i++)
      argv[argc++] = base[i];
  }
  if (tls) {
    argv[argc++] = "--tls-port";
    argv[argc++] = tls_port;
  }
  while (extra != NULL && *extra != NULL && argc < 63)
    argv[argc++] = *extra++;
  argv[argc] = NULL;

  r->pid = fork();
  ASSERT(r->pid >= 0);
  if (r->pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0)
      dup2(devnull, STDOUT_FILENO);
    execv(path, (char *const *) argv);
    _exit(127);
  }
  evl_test_redis_track(0, r->pid);
  signal(SIGABRT, evl_test_redis_on_abort);

  deadline = uv_hrtime() + 10 * 1000000000ull;
  while (!evl_test_port_open(r->port) || access(r->socket_path, F_OK) != 0 ||
         (r->tls_port != 0 && !evl_test_port_open(r->tls_port))) {
    ASSERT_OK(waitpid(r->pid, &status, WNOHANG)); /* it must not have exited */
    ASSERT_LT(uv_hrtime(), deadline);
    uv_sleep(10);
  }
}

static inline void evl_test_redis_start(evl_test_redis_t *r) {
  evl_test_redis_start_with(r, 0, NULL);
}

/* Kills the server at once (SIGKILL: no goodbye on its connections) and reaps it. */
static inline void evl_test_redis_kill(evl_test_redis_t *r) {
  int status;

  if (r->pid <= 0)
    return;
  kill(r->pid, SIGKILL);
  ASSERT_EQ(waitpid(r->pid, &status, 0), r->pid);
  evl_test_redis_track(r->pid, 0);
  r->pid = 0;
  unlink(r->socket_path);
}

/* ---- a scripted fake server ---- */

/* Accepts one connection, reads once (the client's first command), answers with `reply`,
 * then keeps the connection open until the client closes it, or with `reset` set resets it
 * at once (SO_LINGER 0: the client gets the reply, then ECONNRESET), or with `hangup` set
 * closes it at once (the client gets the reply, then the end of the stream). Runs on its own
 * thread; `replied` is posted once the reply (and the reset) went out. Set `reset` and
 * `hangup` before evl_test_fake_start(). */
typedef struct {
  int listen_fd;
  int port;
  const char *reply;
  size_t reply_len;
  int reset;
  int hangup;
  uv_sem_t replied;
  uv_thread_t thread;
} evl_test_fake_t;

static void evl_test_fake_main(void *arg) {
  evl_test_fake_t *f = arg;
  char buf[4096];
  int fd = accept(f->listen_fd, NULL, NULL);

  if (fd < 0)
    return;
  if (read(fd, buf, sizeof(buf)) > 0 && f->reply_len > 0)
    ASSERT_EQ(write(fd, f->reply, f->reply_len), (int64_t) f->reply_len);
  if (f->reset || f->hangup) {
    struct linger linger = {1, 0};

    if (f->reset)
      ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger)));
    close(fd);
    uv_sem_post(&f->replied);
    return;
  }
  uv_sem_post(&f->replied);
  while (read(fd, buf, sizeof(buf)) > 0) {
  }
  close(fd);
}

static inline void evl_test_fake_start(evl_test_fake_t *f, const char *reply, size_t len) {
  struct sockaddr_in addr;
  socklen_t addr_len = sizeof(addr);

  f->reply = reply;
  f->reply_len = len;
  ASSERT_OK(uv_sem_init(&f->replied, 0));
  f->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT(f->listen_fd >= 0);
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_OK(bind(f->listen_fd, (struct sockaddr *) &addr, sizeof(addr)));
  ASSERT_OK(listen(f->listen_fd, 4));
  ASSERT_OK(getsockname(f->listen_fd, (struct sockaddr *) &addr, &addr_len));
  f->port = ntohs(addr.sin_port);
  ASSERT_OK(uv_thread_create(&f->thread, evl_test_fake_main, f));
}

/* Call once the client has closed its connection (the thread reads until then). */
static inline void evl_test_fake_stop(evl_test_fake_t *f) {
  ASSERT_OK(uv_thread_join(&f->thread));
  close(f->listen_fd);
  uv_sem_destroy(&f->replied);
}

/* ---- running a loop ---- */

/*
 * Runs a loop until a callback stops it: on_start runs from the first wake-up (Redis calls
 * belong to the loop thread), on_event gets every other upcall. A guard timer fails the
 * test if it takes longer than guard_ms. The loop is destroyed at the end, which asserts
 * (through uv_loop_close()) that no handle was left open.
 */
static evl_loop_t *evl_test_loop;
static evl_timer_t *evl_test_guard;
static void (*evl_test_on_start)(void);
static void (*evl_test_on_event)(int32_t event, int64_t arg);
static int evl_test_wakes;
static int evl_test_guard_ms;

#define EVL_TEST_GUARD_TOKEN (-1)

static void evl_test_dispatch(int32_t event, int64_t arg) {
  if (event == EVL_EVENT_WAKE) {
    if (evl_test_wakes++ == 0) {
      ASSERT_OK(evl_timer_create(evl_test_loop, EVL_TEST_GUARD_TOKEN, &evl_test_guard));
      ASSERT_OK(evl_timer_start(evl_test_guard, (uint64_t) evl_test_guard_ms, 0));
      evl_test_on_start();
    }
    return;
  }
  if (event == EVL_EVENT_TIMER && arg == EVL_TEST_GUARD_TOKEN) {
    fprintf(stderr, "the test did not finish within %d ms\n", evl_test_guard_ms);
    ASSERT(0 && "guard timer fired");
  }
  evl_test_on_event(event, arg);
}

/* Stops the loop the test runs; loop thread. */
static inline void evl_test_finish(void) {
  ASSERT_OK(evl_timer_close(evl_test_guard));
  evl_test_guard = NULL;
  ASSERT_OK(evl_loop_stop(evl_test_loop));
}

static inline void evl_test_run(void (*on_start)(void), void (*on_event)(int32_t, int64_t),
                                int guard_ms) {
  evl_test_on_start = on_start;
  evl_test_on_event = on_event;
  evl_test_wakes = 0;
  evl_test_guard_ms = guard_ms;
  ASSERT_OK(evl_loop_create(evl_test_dispatch, &evl_test_loop));
  ASSERT_OK(evl_loop_wake(evl_test_loop));
  ASSERT_OK(evl_loop_run(evl_test_loop));
  ASSERT_OK(evl_loop_destroy(evl_test_loop));
  evl_test_loop = NULL;
}

/* ---- commands ---- */

/* Appends one command, argv as NUL-terminated strings, to buf (RESP array of bulk
 * strings) and records where it ends. */
typedef struct {
  char buf[1 << 16];
  int32_t ends[1024];
  int32_t count;
  int32_t len;
} evl_test_batch_t;

static inline void evl_test_batch_add(evl_test_batch_t *b, int argc, const char *const *argv) {
  int i;

  ASSERT_LT(b->count, 1024);
  b->len += snprintf(b->buf + b->len, sizeof(b->buf) - (size_t) b->len, "*%d\r\n", argc);
  for (i = 0; i < argc; i++) {
    b->len += snprintf(b->buf + b->len, sizeof(b->buf) - (size_t) b->len, "$%zu\r\n%s\r\n",
                       strlen(argv[i]), argv[i]);
  }
  ASSERT_LT(b->len, (int64_t) sizeof(b->buf));
  b->ends[b->count++] = b->len;
}

#define EVL_TEST_CMD(batch, ...)                                              \
  do {                                                                        \
    const char *const evl_argv_[] = {__VA_ARGS__};                            \
    evl_test_batch_add((batch), (int) (sizeof(evl_argv_) / sizeof(evl_argv_[0])), evl_argv_); \
  } while (0)

/* Sends a batch in one evl_redis_send() and empties it. The bytes are copied into a buffer
 * of exactly their size, so that ASan sees any read past them. */
static inline void evl_test_batch_send(evl_redis_t *c, evl_test_batch_t *b) {
  uint8_t *exact = malloc((size_t) b->len);

  ASSERT_NOT_NULL(exact);
  memcpy(exact, b->buf, (size_t) b->len);
  ASSERT_OK(evl_redis_send(c, exact, b->ends, b->count, 0));
  free(exact);
  b->count = 0;
  b->len = 0;
}

/* The replies of a DATA upcall, written back as RESP text in a growing string
 * (NUL-terminated for messages), so that tests compare them with what the server sent. */
typedef struct {
  char *data;
  size_t len;
  size_t cap;
} evl_test_bytes_t;

static inline void evl_test_bytes_add(evl_test_bytes_t *into, const void *bytes, size_t n) {
  while (into->cap - into->len < n + 1) {
    into->cap = into->cap * 2 + 8192;
    into->data = realloc(into->data, into->cap);
    ASSERT_NOT_NULL(into->data);
  }
  memcpy(into->data + into->len, bytes, n);
  into->len += n;
  into->data[into->len] = '\0';
}

static inline void evl_test_bytes_printf(evl_test_bytes_t *into, const char *format, long long v) {
  char text[48];
  int n = snprintf(text, sizeof(text), format, v);

  ASSERT(n > 0 && (size_t) n < sizeof(text));
  evl_test_bytes_add(into, text, (size_t) n);
}

/* A double as the shortest text that reads back as the same value ("1.5", "0", "inf"). */
static inline void evl_test_bytes_double(evl_test_bytes_t *into, double d) {
  char text[48];
  int digits;

  if (isnan(d))
    snprintf(text, sizeof(text), "nan");
  else if (isinf(d))
    snprintf(text, sizeof(text), d > 0 ? "inf" : "-inf");
  else
    for (digits = 1; digits <= 17; digits++) {
      snprintf(text, sizeof(text), "%.*g", digits, d);
      if (strtod(text, NULL) == d)
        break;
    }
  evl_test_bytes_add(into, ",", 1);
  evl_test_bytes_add(into, text, strlen(text));
  evl_test_bytes_add(into, "\r\n", 2);
}

/* Writes one record (and, for an aggregate, its elements) as RESP: what the server sent,
 * but for a nil ("$-1", whatever its form was) and a double (evl_test_bytes_double()).
 * Returns the bytes it took. */
static inline size_t evl_test_record_to_resp(const uint8_t *p, size_t len, evl_test_bytes_t *into) {
  int32_t n32;
  int64_t n64;
  double d;
  size_t used = 1;
  int32_t i;
  int32_t values;

  ASSERT(len >= 1);
  switch (p[0]) {
  case EVL_REPLY_BULK:
  case EVL_REPLY_VERBATIM:
  case EVL_REPLY_STATUS:
  case EVL_REPLY_ERROR:
  case EVL_REPLY_BIGNUM:
    ASSERT(len >= 5);
    memcpy(&n32, p + 1, 4);
    ASSERT(n32 >= 0 && (size_t) n32 <= len - 5);
    if (p[0] == EVL_REPLY_BULK || p[0] == EVL_REPLY_VERBATIM)
      evl_test_bytes_printf(into, p[0] == EVL_REPLY_BULK ? "$%lld\r\n" : "=%lld\r\n", n32);
    else
      evl_test_bytes_add(into, p, 1);
    evl_test_bytes_add(into, p + 5, (size_t) n32);
    evl_test_bytes_add(into, "\r\n", 2);
    return 5 + (size_t) n32;
  case EVL_REPLY_INTEGER:
    ASSERT(len >= 9);
    memcpy(&n64, p + 1, 8);
    evl_test_bytes_printf(into, ":%lld\r\n", (long long) n64);
    return 9;
  case EVL_REPLY_DOUBLE:
    ASSERT(len >= 9);
    memcpy(&d, p + 1, 8);
    evl_test_bytes_double(into, d);
    return 9;
  case EVL_REPLY_BOOL:
    ASSERT(len >= 2 && (p[1] == 0 || p[1] == 1));
    evl_test_bytes_add(into, p[1] ? "#t\r\n" : "#f\r\n", 4);
    return 2;
  case EVL_REPLY_NIL:
    evl_test_bytes_add(into, "$-1\r\n", 5);
    return 1;
  case EVL_REPLY_ARRAY:
  case EVL_REPLY_MAP:
  case EVL_REPLY_SET:
  case EVL_REPLY_PUSH:
    ASSERT(len >= 5);
    memcpy(&n32, p + 1, 4);
    ASSERT(n32 >= 0);
    evl_test_bytes_add(into, p, 1);
    evl_test_bytes_printf(into, "%lld\r\n", n32);
    values = p[0] == EVL_REPLY_MAP ? 2 * n32 : n32;
    used = 5;
    for (i = 0; i < values; i++)
      used += evl_test_record_to_resp(p + used, len - used, into);
    return used;
  case EVL_REPLY_ATTRIBUTE:
    /* As the server sent it: the attribute, then the value it describes. */
    ASSERT(len >= 5);
    memcpy(&n32, p + 1, 4);
    ASSERT(n32 >= 0);
    evl_test_bytes_printf(into, "|%lld\r\n", n32);
    used = 5;
    for (i = 0; i < 2 * n32; i++)
      used += evl_test_record_to_resp(p + used, len - used, into);
    return used + evl_test_record_to_resp(p + used, len - used, into);
  default:
    ASSERT(0 && "unknown record type");
    return 0;
  }
}

/* Reads the replies waiting in a DATA upcall (as the records are only valid then). */
static inline void evl_test_read_all(evl_redis_t *c, evl_test_bytes_t *into) {
  const uint8_t *data = NULL;
  int32_t n = evl_redis_replies(c, &data);
  size_t at = 0;

  ASSERT_GE(n, 0);
  evl_test_bytes_add(into, "", 0);
  while (at < (size_t) n)
    at += evl_test_record_to_resp(data + at, (size_t) n - at, into);
  ASSERT_EQ(at, (int64_t) n);
}

static inline void evl_test_bytes_free(evl_test_bytes_t *b) {
  free(b->data);
  memset(b, 0, sizeof(*b));
}

#endif /* EVL_TEST_REDIS_TEST_H */
