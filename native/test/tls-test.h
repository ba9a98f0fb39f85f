/*
 * tls-test.h: what the TLS tests share: certificates made at test time with the openssl
 * command (so that none is committed, and none expires in the repository), and contexts of
 * libevloop-tls made from them.
 *
 * The certificates, all EC P-256, in a fresh folder:
 *   ca.pem / ca.key              the CA the tests trust
 *   other-ca.pem                 a CA nobody trusts
 *   server.pem / server.key      for localhost and 127.0.0.1, issued by the CA
 *   expired.pem                  the same name and key, valid only in January 2020
 *   wrong-name.pem               issued by the CA for elsewhere.example only
 *   untrusted.pem                for localhost, issued by other-ca
 *   client.pem / client.key      a client certificate issued by the CA
 * A test that finds no openssl command exits with EVL_TEST_SKIP, saying so.
 */
#ifndef EVL_TEST_TLS_TEST_H
#define EVL_TEST_TLS_TEST_H

#include "evloop-tls.h"
#include "task.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef EVL_TEST_SKIP
#define EVL_TEST_SKIP 77
#endif

static char evl_test_tls_dir[128];

/* The openssl commands, run by sh in the folder. `openssl ca` is the one way, in both
 * OpenSSL 1.1.1 and 3.x, to give a certificate dates in the past. */
static const char evl_test_tls_script[] =
    "set -e\n"
    "k='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'\n"
    "openssl req -x509 $k -keyout ca.key -out ca.pem -days 30 -subj /CN=evloop-test-ca\n"
    "openssl req -x509 $k -keyout other-ca.key -out other-ca.pem -days 30 -subj /CN=evloop-other-ca\n"
    "openssl req $k -keyout server.key -out server.csr -subj /CN=localhost\n"
    "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > server.ext\n"
    "printf 'subjectAltName=DNS:elsewhere.example\\n' > elsewhere.ext\n"
    "printf 'extendedKeyUsage=clientAuth\\n' > client.ext\n"
    "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 30 "
    "-extfile server.ext -out server.pem\n"
    "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 3 -days 30 "
    "-extfile elsewhere.ext -out wrong-name.pem\n"
    "openssl x509 -req -in server.csr -CA other-ca.pem -CAkey other-ca.key -set_serial 4 -days 30 "
    "-extfile server.ext -out untrusted.pem\n"
    "printf '[ca]\\ndefault_ca=evl\\n[evl]\\ndatabase=index.txt\\nserial=serial\\n"
    "new_certs_dir=.\\ndefault_md=sha256\\npolicy=any\\nunique_subject=no\\n[any]\\n"
    "commonName=supplied\\n' > ca.cnf\n"
    ": > index.txt\n"
    "echo 10 > serial\n"
    "openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in server.csr "
    "-startdate 20200101000000Z -enddate 20200102000000Z -extfile server.ext -notext "
    "-out expired.pem\n"
    "openssl req $k -keyout client.key -out client.csr -subj /CN=evloop-test-client\n"
    "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -set_serial 5 -days 30 "
    "-extfile client.ext -out client.pem\n";

/* Removes the certificates' folder; registered with atexit() once it exists. */
static void evl_test_tls_cleanup(void) {
  char command[256];

  if (evl_test_tls_dir[0] == '\0')
    return;
  snprintf(command, sizeof(command), "rm -rf '%s'", evl_test_tls_dir);
  if (system(command) != 0)
    fprintf(stderr, "could not remove %s\n", evl_test_tls_dir);
  evl_test_tls_dir[0] = '\0';
}

/* Makes the certificates, or exits with EVL_TEST_SKIP when there is no openssl command. */
static inline void evl_test_tls_make_certificates(void) {
  char command[512];
  char script[256];
  FILE *f;

  if (system("openssl version >/dev/null 2>&1") != 0) {
    fprintf(stderr, "SKIP: the openssl command is not installed; the TLS tests did not run\n");
    exit(EVL_TEST_SKIP);
  }
  snprintf(evl_test_tls_dir, sizeof(evl_test_tls_dir), "/tmp/evl-tls-test-%ld", (long) getpid());
  snprintf(command, sizeof(command), "rm -rf '%s' && mkdir -p '%s'", evl_test_tls_dir,
           evl_test_tls_dir);
  ASSERT_OK(system(command));
  atexit(evl_test_tls_cleanup);
  snprintf(script, sizeof(script), "%s/make.sh", evl_test_tls_dir);
  f = fopen(script, "w");
  ASSERT_NOT_NULL(f);
  ASSERT_EQ(fwrite(evl_test_tls_script, 1, sizeof(evl_test_tls_script) - 1, f),
            (int64_t) sizeof(evl_test_tls_script) - 1);
  ASSERT_OK(fclose(f));
  snprintf(command, sizeof(command), "cd '%s' && sh make.sh >make.log 2>&1 || { cat make.log; exit 1; }",
           evl_test_tls_dir);
  ASSERT_OK(system(command));
}

/* The path of one of the files, in static storage that the next call overwrites. */
static inline const char *evl_test_tls_path(const char *name) {
  static char path[2][256];
  static int which;

  which ^= 1;
  snprintf(path[which], sizeof(path[which]), "%s/%s", evl_test_tls_dir, name);
  return path[which];
}

/* A whole file of the folder, NUL-terminated; *len without the NUL. Free it. */
static inline uint8_t *evl_test_tls_read(const char *name, int32_t *len) {
  FILE *f = fopen(evl_test_tls_path(name), "rb");
  uint8_t *data;
  long size;

  ASSERT_NOT_NULL(f);
  ASSERT_OK(fseek(f, 0, SEEK_END));
  size = ftell(f);
  ASSERT(size > 0);
  ASSERT_OK(fseek(f, 0, SEEK_SET));
  data = malloc((size_t) size + 1);
  ASSERT_NOT_NULL(data);
  ASSERT_EQ(fread(data, 1, (size_t) size, f), (int64_t) size);
  data[size] = '\0';
  fclose(f);
  *len = (int32_t) size;
  return data;
}

/* A context trusting ca_file, with the client certificate client_name (.pem and .key) when
 * not NULL; asserts it is made. */
static inline evl_tls_context_t *evl_test_tls_context(const char *ca_file, const char *client_name,
                                                      int32_t min_version, int32_t max_version) {
  evl_tls_context_t *ctx = NULL;
  char error[256];
  int32_t ca_len = 0;
  int32_t chain_len = 0;
  int32_t key_len = 0;
  uint8_t *ca = evl_test_tls_read(ca_file, &ca_len);
  uint8_t *chain = NULL;
  uint8_t *key = NULL;
  int rc;

  if (client_name != NULL) {
    char name[64];

    snprintf(name, sizeof(name), "%s.pem", client_name);
    chain = evl_test_tls_read(name, &chain_len);
    snprintf(name, sizeof(name), "%s.key", client_name);
    key = evl_test_tls_read(name, &key_len);
  }
  rc = evl_tls_context_new(ca, ca_len, chain, chain_len, key, key_len, min_version, max_version,
                           error, (int32_t) sizeof(error), &ctx);
  if (rc != 0)
    fprintf(stderr, "evl_tls_context_new: %s\n", error);
  ASSERT_OK(rc);
  ASSERT_NOT_NULL(ctx);
  free(ca);
  free(chain);
  free(key);
  return ctx;
}

#endif /* EVL_TEST_TLS_TEST_H */
