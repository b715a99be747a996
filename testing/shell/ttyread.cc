// ttyread: one non-canonical read(2) from the terminal on stdin, for the
// console test's VMIN/VTIME checks (in the initramfs as /bin/ttyread; it
// builds and behaves the same on Linux).
//
//   ttyread MIN TIME [COUNT [nonblock | alarm MS]]
//
// Turns ICANON and ECHO off and sets c_cc[VMIN] = MIN, c_cc[VTIME] = TIME
// (tcsetattr TCSANOW), prints "ready", then calls read(0, buf, COUNT) once
// (COUNT 16 by default), puts the terminal back and prints
//   n=N data=BYTES ms=MS       (BYTES with \xNN for anything not printable)
//   n=-1 errno=NAME ms=MS
// where MS is how long read(2) took on CLOCK_MONOTONIC.
//   nonblock   the read uses O_NONBLOCK
//   alarm MS   SIGALRM interrupts the read after MS ms (its handler has no
//              SA_RESTART, so the read ends with EINTR or with what it got)
//   async      O_ASYNC with F_SETOWN to itself: waits (up to 10 s) for SIGIO
//              before the read; without one it prints n=-1 errno=NOSIGIO
// Exits 0, or 2 on bad arguments or a terminal it cannot set up.

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

namespace {

void OnAlarm(int) {}

volatile sig_atomic_t g_sigio = 0, g_alarmed = 0;
void OnIo(int) { g_sigio = 1; }
void OnAsyncAlarm(int) { g_alarmed = 1; }

long NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

const char* ErrnoName(int e) {
  switch (e) {
    case EAGAIN: return "EAGAIN";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case EFAULT: return "EFAULT";
    default: return "other";
  }
}

bool ParseByte(const char* s, int max, int* out) {
  char* end;
  long v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < 0 || v > max) return false;
  *out = static_cast<int>(v);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int vmin, vtime, count = 16, alarm_ms = 0;
  bool nonblock = false, async = false;
  if (argc < 3 || !ParseByte(argv[1], 255, &vmin) || !ParseByte(argv[2], 255, &vtime)) {
    fprintf(stderr, "usage: ttyread MIN TIME [COUNT [nonblock | alarm MS]]\n");
    return 2;
  }
  if (argc >= 4 && (!ParseByte(argv[3], 64, &count) || count == 0)) return 2;
  if (argc >= 5) {
    if (strcmp(argv[4], "nonblock") == 0) {
      nonblock = true;
    } else if (strcmp(argv[4], "async") == 0) {
      async = true;
    } else if (strcmp(argv[4], "alarm") == 0 && argc >= 6 &&
               ParseByte(argv[5], 100000, &alarm_ms)) {
    } else {
      return 2;
    }
  }

  struct termios saved, raw;
  if (tcgetattr(0, &saved) != 0) {
    perror("ttyread: tcgetattr");
    return 2;
  }
  raw = saved;
  raw.c_lflag &= ~(ICANON | ECHO);
  raw.c_cc[VMIN] = static_cast<cc_t>(vmin);
  raw.c_cc[VTIME] = static_cast<cc_t>(vtime);
  if (tcsetattr(0, TCSANOW, &raw) != 0) {
    perror("ttyread: tcsetattr");
    return 2;
  }
  int flags = fcntl(0, F_GETFL);
  if (nonblock) fcntl(0, F_SETFL, flags | O_NONBLOCK);
  if (alarm_ms > 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = OnAlarm;  // no SA_RESTART
    sigaction(SIGALRM, &sa, nullptr);
    struct itimerval it;
    memset(&it, 0, sizeof(it));
    it.it_value.tv_sec = alarm_ms / 1000;
    it.it_value.tv_usec = (alarm_ms % 1000) * 1000;
    setitimer(ITIMER_REAL, &it, nullptr);
  }
  sigset_t io, before;
  if (async) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = OnIo;
    sigaction(SIGIO, &sa, nullptr);
    sa.sa_handler = OnAsyncAlarm;
    sigaction(SIGALRM, &sa, nullptr);
    sigemptyset(&io);
    sigaddset(&io, SIGIO);
    sigaddset(&io, SIGALRM);
    sigprocmask(SIG_BLOCK, &io, &before);
    fcntl(0, F_SETOWN, getpid());
    fcntl(0, F_SETFL, flags | O_ASYNC);
    alarm(10);
  }
  printf("ready\n");
  fflush(stdout);

  long began = NowMs();
  if (async) {
    sigset_t wait_mask = before;
    sigdelset(&wait_mask, SIGIO);
    sigdelset(&wait_mask, SIGALRM);
    while (!g_sigio && !g_alarmed) sigsuspend(&wait_mask);
    alarm(0);
    fcntl(0, F_SETFL, flags);
    sigprocmask(SIG_SETMASK, &before, nullptr);
    if (!g_sigio) {
      tcsetattr(0, TCSANOW, &saved);
      printf("n=-1 errno=NOSIGIO ms=%ld\n", NowMs() - began);
      return 0;
    }
  }

  unsigned char buf[64];
  ssize_t n = read(0, buf, static_cast<size_t>(count));
  int err = errno;
  long took = NowMs() - began;
  if (alarm_ms > 0) {
    struct itimerval off;
    memset(&off, 0, sizeof(off));
    setitimer(ITIMER_REAL, &off, nullptr);
  }

  if (nonblock) fcntl(0, F_SETFL, flags);
  tcsetattr(0, TCSANOW, &saved);
  if (n < 0) {
    printf("n=-1 errno=%s ms=%ld\n", ErrnoName(err), took);
    return 0;
  }
  printf("n=%zd data=", n);
  for (ssize_t i = 0; i < n; ++i) {
    if (buf[i] > 0x20 && buf[i] < 0x7F && buf[i] != '\\') {
      putchar(buf[i]);
    } else {
      printf("\\x%02x", buf[i]);
    }
  }
  printf(" ms=%ld\n", took);
  return 0;
}
