/*
 * hiredis_uv_bench: the native reference of evloop's Redis benchmark.
 *
 * One hiredis async connection on a libuv loop (hiredis's own adapters/libuv.h), with N
 * GETs in flight at all times: every reply sends the next GET in its slot. After a warm-up
 * it measures for a fixed time and prints one JSON object on stdout: operations per second,
 * latency percentiles (exact, from every sample of the window) and the CPU time this process
 * spent per operation (getrusage over the window).
 *
 * Usage: hiredis_uv_bench --port P [--host H] [--inflight N] [--warmup-ms W]
 *                         [--duration-ms D] [--key K] [--server-pid PID]
 *
 * With --server-pid, the server's CPU use over the window is read from /proc/PID/stat
 * (Linux) and reported as serverCpuPct.
 *
 * The key must already hold the value (the harness SETs a 100-byte value first); a reply
 * that is not a bulk string counts as an error and the program exits with status 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/adapters/libuv.h>
#include <uv.h>

enum phase { PHASE_WARMUP, PHASE_MEASURE, PHASE_DRAIN };

struct bench {
    uv_loop_t *loop;
    redisAsyncContext *ac;
    const char *key;
    size_t key_len;
    int inflight;
    uint64_t *sent_at;        /* per slot: uv_hrtime() when its GET was sent */
    enum phase phase;
    int outstanding;
    uint64_t window_start;
    uint64_t window_end;
    uint64_t ops;             /* replies to GETs sent inside the window and received inside it */
    uint64_t errors;
    uint64_t value_bytes;     /* length of the last value seen, for the report */
    uint32_t *latencies;      /* nanoseconds, one per counted op (capped at UINT32_MAX) */
    size_t latency_count;
    size_t latency_capacity;
    long server_pid;
    long long server_ticks_start;
    long long server_ticks_end;
    long long machine_ticks_start;
    long long machine_ticks_end;
    struct rusage usage_start;
    struct rusage usage_end;
    uv_timer_t warmup_timer;
    uv_timer_t window_timer;
    int connect_status;
    char error[256];
};

static void send_get(struct bench *b, int slot);

/* Ticks the whole machine spent busy (user, nice, system, irq, softirq, steal), from /proc/stat. */
static long long machine_busy_ticks(void) {
    FILE *f = fopen("/proc/stat", "r");
    if (f == NULL) {
        return -1;
    }
    unsigned long long v[8] = {0};
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n != 8) {
        return -1;
    }
    return (long long) (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]);
}

/* utime + stime of a process in clock ticks, from /proc/PID/stat; -1 if unknown. */
static long long process_ticks(long pid) {
    if (pid <= 0) {
        return -1;
    }
    char path[64];
    char buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name (field 2) may hold spaces: count fields from its closing ')'. */
    char *p = strrchr(buf, ')');
    if (p == NULL) {
        return -1;
    }
    unsigned long long utime = 0, stime = 0;
    /* After ") " come fields 3 (state) to 15: skip 11 of them, then read utime and stime. */
    if (sscanf(p + 2, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu", &utime, &stime) != 2) {
        return -1;
    }
    return (long long) (utime + stime);
}

static void die_oom(void) {
    fprintf(stderr, "hiredis_uv_bench: out of memory\n");
    exit(2);
}

static void record_latency(struct bench *b, uint64_t nanos) {
    if (b->latency_count == b->latency_capacity) {
        size_t capacity = b->latency_capacity ? b->latency_capacity * 2 : 1 << 20;
        uint32_t *grown = realloc(b->latencies, capacity * sizeof *grown);
        if (grown == NULL) {
            die_oom();
        }
        b->latencies = grown;
        b->latency_capacity = capacity;
    }
    b->latencies[b->latency_count++] = nanos > UINT32_MAX ? UINT32_MAX : (uint32_t) nanos;
}

static void on_reply(redisAsyncContext *ac, void *r, void *privdata) {
    struct bench *b = ac->data;
    redisReply *reply = r;
    int slot = (int) (intptr_t) privdata;
    uint64_t now = uv_hrtime();
    if (reply == NULL) {
        /* The connection is going away; the disconnect callback reports why. */
        b->outstanding--;
        return;
    }
    if (reply->type != REDIS_REPLY_STRING) {
        b->errors++;
    } else {
        b->value_bytes = (uint64_t) reply->len;
    }
    uint64_t sent = b->sent_at[slot];
    if (b->phase == PHASE_MEASURE && sent >= b->window_start) {
        b->ops++;
        record_latency(b, now - sent);
    }
    if (b->phase == PHASE_DRAIN) {
        if (--b->outstanding == 0) {
            redisAsyncDisconnect(ac);
        }
        return;
    }
    send_get(b, slot);
}

static void send_get(struct bench *b, int slot) {
    b->sent_at[slot] = uv_hrtime();
    if (redisAsyncCommand(b->ac, on_reply, (void *) (intptr_t) slot, "GET %b", b->key, b->key_len) != REDIS_OK) {
        snprintf(b->error, sizeof b->error, "redisAsyncCommand failed: %s", b->ac->errstr);
        b->errors++;
        b->outstanding--;
    }
}

static void on_window_end(uv_timer_t *timer) {
    struct bench *b = timer->data;
    b->window_end = uv_hrtime();
    getrusage(RUSAGE_SELF, &b->usage_end);
    b->server_ticks_end = process_ticks(b->server_pid);
    b->machine_ticks_end = machine_busy_ticks();
    b->phase = PHASE_DRAIN;
}

static void on_warmup_end(uv_timer_t *timer) {
    struct bench *b = timer->data;
    getrusage(RUSAGE_SELF, &b->usage_start);
    b->server_ticks_start = process_ticks(b->server_pid);
    b->machine_ticks_start = machine_busy_ticks();
    b->window_start = uv_hrtime();
    b->phase = PHASE_MEASURE;
}

static void on_connect(const redisAsyncContext *ac, int status) {
    struct bench *b = ac->data;
    b->connect_status = status;
    if (status != REDIS_OK) {
        snprintf(b->error, sizeof b->error, "connect failed: %s", ac->errstr);
        uv_timer_stop(&b->warmup_timer);
        uv_timer_stop(&b->window_timer);
        return;
    }
    b->outstanding = b->inflight;
    for (int i = 0; i < b->inflight; i++) {
        send_get(b, i);
    }
}

static void on_disconnect(const redisAsyncContext *ac, int status) {
    struct bench *b = ac->data;
    if (status != REDIS_OK && b->error[0] == '\0') {
        snprintf(b->error, sizeof b->error, "disconnected: %s", ac->errstr);
    }
    uv_timer_stop(&b->warmup_timer);
    uv_timer_stop(&b->window_timer);
    b->ac = NULL;
}

static int compare_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *) a;
    uint32_t y = *(const uint32_t *) b;
    return (x > y) - (x < y);
}

static double percentile_us(const uint32_t *sorted, size_t n, double p) {
    if (n == 0) {
        return 0;
    }
    double rank = p * (double) n;
    size_t index = rank <= 1 ? 0 : (size_t) (rank + 0.999999) - 1;
    if (index >= n) {
        index = n - 1;
    }
    return sorted[index] / 1000.0;
}

static double cpu_seconds(const struct rusage *u) {
    return (double) u->ru_utime.tv_sec + u->ru_utime.tv_usec / 1e6
         + (double) u->ru_stime.tv_sec + u->ru_stime.tv_usec / 1e6;
}

static long parse_long(const char *name, const char *text, long min) {
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < min) {
        fprintf(stderr, "hiredis_uv_bench: %s needs a whole number >= %ld, got '%s'\n", name, min, text);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1";
    long port = 0;
    long inflight = 1;
    long warmup_ms = 1000;
    long duration_ms = 2000;
    const char *key = "key:__rand_int__";
    long server_pid = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc) {
            fprintf(stderr, "hiredis_uv_bench: %s needs a value\n", a);
            return 2;
        }
        const char *v = argv[++i];
        if (strcmp(a, "--host") == 0) host = v;
        else if (strcmp(a, "--port") == 0) port = parse_long(a, v, 1);
        else if (strcmp(a, "--inflight") == 0) inflight = parse_long(a, v, 1);
        else if (strcmp(a, "--warmup-ms") == 0) warmup_ms = parse_long(a, v, 0);
        else if (strcmp(a, "--duration-ms") == 0) duration_ms = parse_long(a, v, 1);
        else if (strcmp(a, "--key") == 0) key = v;
        else if (strcmp(a, "--server-pid") == 0) server_pid = parse_long(a, v, 1);
        else {
            fprintf(stderr, "hiredis_uv_bench: unknown option %s\n", a);
            return 2;
        }
    }
    if (port == 0) {
        fprintf(stderr, "usage: hiredis_uv_bench --port P [--host H] [--inflight N] [--warmup-ms W] [--duration-ms D] [--key K] [--server-pid PID]\n");
        return 2;
    }

    struct bench b;
    memset(&b, 0, sizeof b);
    b.loop = uv_default_loop();
    b.key = key;
    b.key_len = strlen(key);
    b.inflight = (int) inflight;
    b.server_pid = server_pid;
    b.sent_at = calloc((size_t) inflight, sizeof *b.sent_at);
    if (b.sent_at == NULL) {
        die_oom();
    }

    b.ac = redisAsyncConnect(host, (int) port);
    if (b.ac == NULL || b.ac->err) {
        fprintf(stderr, "hiredis_uv_bench: cannot connect to %s:%ld: %s\n", host, port, b.ac ? b.ac->errstr : "out of memory");
        return 1;
    }
    b.ac->data = &b;
    redisLibuvAttach(b.ac, b.loop);
    redisAsyncSetConnectCallback(b.ac, on_connect);
    redisAsyncSetDisconnectCallback(b.ac, on_disconnect);

    uv_timer_init(b.loop, &b.warmup_timer);
    uv_timer_init(b.loop, &b.window_timer);
    b.warmup_timer.data = &b;
    b.window_timer.data = &b;
    uv_timer_start(&b.warmup_timer, on_warmup_end, (uint64_t) warmup_ms, 0);
    uv_timer_start(&b.window_timer, on_window_end, (uint64_t) (warmup_ms + duration_ms), 0);

    uv_run(b.loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *) &b.warmup_timer, NULL);
    uv_close((uv_handle_t *) &b.window_timer, NULL);
    uv_run(b.loop, UV_RUN_DEFAULT);

    if (b.connect_status != REDIS_OK || b.window_end == 0 || b.ops == 0) {
        fprintf(stderr, "hiredis_uv_bench: no measurement: %s\n", b.error[0] ? b.error : "the window did not complete");
        return 1;
    }
    qsort(b.latencies, b.latency_count, sizeof *b.latencies, compare_u32);
    double seconds = (double) (b.window_end - b.window_start) / 1e9;
    double cpu = cpu_seconds(&b.usage_end) - cpu_seconds(&b.usage_start);
    double server_pct = -1;
    long ticks_per_sec = sysconf(_SC_CLK_TCK);
    if (b.server_ticks_start >= 0 && b.server_ticks_end >= 0 && server_pid > 0 && ticks_per_sec > 0) {
        server_pct = 100.0 * (double) (b.server_ticks_end - b.server_ticks_start) / (double) ticks_per_sec / seconds;
    }
    double other_pct = -1;
    if (server_pct >= 0 && b.machine_ticks_start >= 0 && b.machine_ticks_end >= 0) {
        double busy_pct = 100.0 * (double) (b.machine_ticks_end - b.machine_ticks_start) / (double) ticks_per_sec / seconds;
        other_pct = busy_pct - server_pct - 100.0 * cpu / seconds;
        if (other_pct < 0) {
            other_pct = 0;
        }
    }
    unsigned hv_major = HIREDIS_MAJOR, hv_minor = HIREDIS_MINOR, hv_patch = HIREDIS_PATCH;
    printf("{\"client\":\"c-hiredis-libuv\",\"inflight\":%ld,\"ops\":%" PRIu64 ",\"seconds\":%.6f,"
           "\"opsPerSec\":%.1f,\"p50Us\":%.3f,\"p99Us\":%.3f,\"p999Us\":%.3f,\"maxUs\":%.3f,"
           "\"cpuSeconds\":%.6f,\"cpuNsPerOp\":%.1f,\"clientCpuPct\":%.1f,\"serverCpuPct\":%.1f,\"otherCpuPct\":%.1f,\"errors\":%" PRIu64 ",\"valueBytes\":%" PRIu64 ","
           "\"versions\":\"hiredis %u.%u.%u, libuv %s\"}\n",
           inflight, b.ops, seconds, b.ops / seconds,
           percentile_us(b.latencies, b.latency_count, 0.50),
           percentile_us(b.latencies, b.latency_count, 0.99),
           percentile_us(b.latencies, b.latency_count, 0.999),
           b.latency_count ? b.latencies[b.latency_count - 1] / 1000.0 : 0.0,
           cpu, cpu * 1e9 / (double) b.ops, 100.0 * cpu / seconds, server_pct, other_pct, b.errors, b.value_bytes,
           hv_major, hv_minor, hv_patch, uv_version_string());
    free(b.latencies);
    free(b.sent_at);
    return b.errors == 0 ? 0 : 1;
}
