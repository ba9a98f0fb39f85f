/*
 * A connection reset while replies are still arriving: the replies that came before the
 * reset reach the caller, then the connection ends with EVL_REDIS_ERR_IO, promptly. libuv
 * reports such a socket as POLLERR and stops watching it; reading only the replies and then
 * waiting for more would hang (every command would only time out), which the guard timer
 * turns into a failure.
 */
#include "redis-test.h"

#include <sys/socket.h>

static int listen_fd;
static int port;
static uv_thread_t server;
static uv_sem_t sent; /* the server has answered and reset the connection */
static evl_redis_t *conn;
static evl_test_bytes_t received;
static int closed_cb_called;

/* Answers the first of the client's commands, then resets the connection (SO_LINGER 0). */
static void server_main(void *arg) {
  static const char reply[] = "+PONG\r\n";
  struct linger reset = {1, 0};
  char buf[4096];
  int fd = accept(listen_fd, NULL, NULL);

  (void) arg;
  ASSERT(fd >= 0);
  ASSERT(read(fd, buf, sizeof(buf)) > 0);
  ASSERT_EQ(write(fd, reply, sizeof(reply) - 1), (int64_t) sizeof(reply) - 1);
  ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset)));
  close(fd);
  uv_sem_post(&sent);
}

static void start(void) {
  ASSERT_OK(evl_redis_connect_tcp(evl_test_loop, 9, "127.0.0.1", port, &conn));
}

static void on_event(int32_t event, int64_t arg) {
  evl_test_batch_t batch = {0};

  ASSERT_EQ(arg, 9);
  switch (event) {
  case EVL_EVENT_REDIS_CONNECTED:
    EVL_TEST_CMD(&batch, "PING");
    EVL_TEST_CMD(&batch, "PING");
    evl_test_batch_send(conn, &batch);
    /* Holds the loop until the reply and the reset have both arrived, so that one poll
     * sees them together. */
    uv_sem_wait(&sent);
    uv_sleep(100);
    break;
  case EVL_EVENT_REDIS_DATA:
    ASSERT_EQ(closed_cb_called, 0);
    evl_test_read_all(conn, &received);
    break;
  case EVL_EVENT_REDIS_CLOSED:
    closed_cb_called++;
    fprintf(stderr, "  closed: %s\n", evl_redis_error(conn));
    ASSERT_EQ(evl_redis_error_kind(conn), EVL_REDIS_ERR_IO);
    ASSERT_OK(evl_redis_close(conn));
    conn = NULL;
    evl_test_finish();
    break;
  default:
    ASSERT(0 && "unexpected event");
  }
}

TEST_IMPL(redis_reset_after_replies) {
  struct sockaddr_in addr;
  socklen_t addr_len = sizeof(addr);

  ASSERT_OK(uv_sem_init(&sent, 0));
  listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT(listen_fd >= 0);
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_OK(bind(listen_fd, (struct sockaddr *) &addr, sizeof(addr)));
  ASSERT_OK(listen(listen_fd, 1));
  ASSERT_OK(getsockname(listen_fd, (struct sockaddr *) &addr, &addr_len));
  port = ntohs(addr.sin_port);
  ASSERT_OK(uv_thread_create(&server, server_main, NULL));

  evl_test_run(start, on_event, 5000);

  ASSERT_OK(uv_thread_join(&server));
  close(listen_fd);
  uv_sem_destroy(&sent);
  ASSERT_EQ(closed_cb_called, 1);
  ASSERT_EQ(received.len, 7);
  ASSERT_STR_EQ(received.data, "+PONG\r\n");
  evl_test_bytes_free(&received);
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  RUN_TEST(redis_reset_after_replies);
  return 0;
}
