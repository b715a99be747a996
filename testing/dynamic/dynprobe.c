// A program linked the ordinary way by the host's gcc against Debian's glibc
// (dynamically: PT_INTERP /lib64/ld-linux-x86-64.so.2, NEEDED libc.so.6),
// run on Tessera by dynamic_test. Each line it prints shows a part of the
// dynamic linker's work: the libc it bound (gnu_get_libc_version), where
// the program and libc were mapped (AT_BASE is the linker's, AT_ENTRY the
// program's), TLS from both objects, a thread (libc's pthread_create), a
// function found by dlsym, and errno from a failed call.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

static __thread int tls_value = 41;

static void* Bump(void* arg) {
  tls_value += 100;  // the thread's own copy
  *(int*)arg = tls_value;
  return NULL;
}

static void Probe(void) {}

int main(int argc, char** argv) {
  printf("libc=%s\n", gnu_get_libc_version());
  printf("at_base=%#lx at_entry=%#lx main=%#lx\n", getauxval(AT_BASE), getauxval(AT_ENTRY),
         (unsigned long)&main);
  Dl_info info;
  if (dladdr((void*)&printf, &info) != 0) printf("printf_in=%s\n", info.dli_fname);
  if (dladdr((void*)&Probe, &info) != 0) printf("probe_in_main=%d\n", info.dli_fbase != NULL);
  int from_thread = 0;
  pthread_t t;
  if (pthread_create(&t, NULL, Bump, &from_thread) != 0 || pthread_join(t, NULL) != 0) {
    printf("thread=failed\n");
  } else {
    printf("thread=%d main_tls=%d\n", from_thread, tls_value + 1);
  }
  void* strlen_fn = dlsym(RTLD_DEFAULT, "strlen");
  printf("dlsym_strlen=%d\n", strlen_fn == (void*)&strlen);
  errno = 0;
  int fd = open("/no/such/file", O_RDONLY);
  printf("open=%d errno=%s\n", fd, strerror(errno));
  char* copy = strdup(argc > 1 ? argv[1] : "none");
  printf("arg=%s\n", copy);
  free(copy);
  printf("dynamic-ok\n");
  return 0;
}
