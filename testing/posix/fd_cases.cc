// POSIX cases for pipe/pipe2, dup/dup2/dup3, fcntl and poll, modelled on
// LTP's pipe*, dup*, fcntl* and poll* tests.

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

namespace posix_test {
namespace {

const char* PipeRoundTrip() {
  int p[2];
  CHECK(pipe(p) == 0);
  CHECK(write(p[1], "hello", 5) == 5);
  char buf[16] = {};
  CHECK(read(p[0], buf, sizeof buf) == 5);
  CHECK(memcmp(buf, "hello", 5) == 0);
  CHECK(close(p[0]) == 0 && close(p[1]) == 0);
  return nullptr;
}

const char* PipeEofWhenWritersClose() {
  int p[2];
  CHECK(pipe(p) == 0);
  CHECK(write(p[1], "x", 1) == 1);
  CHECK(close(p[1]) == 0);
  char c;
  CHECK(read(p[0], &c, 1) == 1 && c == 'x');
  CHECK(read(p[0], &c, 1) == 0);
  CHECK(read(p[0], &c, 1) == 0);
  close(p[0]);
  return nullptr;
}

const char* PipeEpipeWithoutReaders() {
  signal(SIGPIPE, SIG_IGN);  // where signals exist; the result must be EPIPE either way
  int p[2];
  CHECK(pipe(p) == 0);
  CHECK(close(p[0]) == 0);
  errno = 0;
  CHECK(write(p[1], "x", 1) == -1 && errno == EPIPE);
  close(p[1]);
  return nullptr;
}

const char* PipeNonblocking() {
  int p[2];
  CHECK(pipe2(p, O_NONBLOCK) == 0);
  char c;
  errno = 0;
  CHECK(read(p[0], &c, 1) == -1 && errno == EAGAIN);
  static char block[4096];
  int64_t total = 0;
  for (;;) {
    ssize_t n = write(p[1], block, sizeof block);
    if (n < 0) {
      CHECK(errno == EAGAIN);
      break;
    }
    total += n;
    CHECK(total <= 1 << 20);
  }
  CHECK(total >= 4096);  // Linux and Tessera: 64 KiB
  close(p[0]);
  close(p[1]);
  return nullptr;
}

const char* Pipe2Cloexec() {
  int p[2];
  CHECK(pipe2(p, O_CLOEXEC) == 0);
  CHECK(fcntl(p[0], F_GETFD) == FD_CLOEXEC);
  CHECK(fcntl(p[1], F_GETFD) == FD_CLOEXEC);
  int q[2];
  CHECK(pipe(q) == 0);
  CHECK(fcntl(q[0], F_GETFD) == 0);
  errno = 0;
  CHECK(pipe2(q, 0x40000000) == -1 && errno == EINVAL);
  close(p[0]);
  close(p[1]);
  close(q[0]);
  close(q[1]);
  return nullptr;
}

const char* PipeAcrossFork() {
  int p[2];
  CHECK(pipe(p) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    const char msg[] = "from child";
    _exit(write(p[1], msg, sizeof msg) == sizeof msg ? 0 : 1);
  }
  close(p[1]);
  char buf[32] = {};
  ssize_t got = 0, n;
  while ((n = read(p[0], buf + got, sizeof buf - got)) > 0) got += n;
  CHECK(got == 11 && strcmp(buf, "from child") == 0);
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 0);
  close(p[0]);
  return nullptr;
}

const char* PipeLargeTransfer() {
  int p[2];
  CHECK(pipe(p) == 0);
  const int kTotal = 1 << 20;
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    static unsigned char buf[8192];
    uint32_t x = 1;
    for (int sent = 0; sent < kTotal;) {
      int n = sizeof buf;
      for (int i = 0; i < n; ++i)
        buf[i] = static_cast<unsigned char>((x = x * 1103515245 + 12345) >> 24);
      const unsigned char* q = buf;
      while (n > 0) {
        ssize_t w = write(p[1], q, n);
        if (w <= 0) _exit(1);
        q += w;
        n -= w;
        sent += w;
      }
    }
    _exit(0);
  }
  close(p[1]);
  uint32_t x = 1;
  int received = 0;
  static unsigned char buf[5000];
  ssize_t n;
  while ((n = read(p[0], buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n; ++i) {
      unsigned char want = static_cast<unsigned char>((x = x * 1103515245 + 12345) >> 24);
      CHECK(buf[i] == want);
    }
    received += n;
  }
  CHECK(received == kTotal);
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 0);
  close(p[0]);
  return nullptr;
}

// writev of at most PIPE_BUF bytes is one write: on a nearly full
// nonblocking pipe it goes in whole or fails with EAGAIN, never in part.
const char* PipeSmallWritevIsAtomic() {
  int p[2];
  CHECK(pipe2(p, O_NONBLOCK) == 0);
  static char fill[65536 - 3];
  CHECK(write(p[1], fill, sizeof fill) == static_cast<ssize_t>(sizeof fill));
  char a[2] = {'a', 'a'}, b[2] = {'b', 'b'};
  struct iovec iov[2] = {{a, 2}, {b, 2}};
  errno = 0;
  CHECK(writev(p[1], iov, 2) == -1 && errno == EAGAIN);
  close(p[0]);
  close(p[1]);
  return nullptr;
}

const char* PipeBufWritesAreAtomic() {
  int p[2];
  CHECK(pipe(p) == 0);
  const int kWriters = 4, kBlocks = 32;
  for (int w = 0; w < kWriters; ++w) {
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      close(p[0]);
      static char block[PIPE_BUF];
      memset(block, 'a' + w, sizeof block);
      for (int b = 0; b < kBlocks; ++b) {
        if (write(p[1], block, sizeof block) != sizeof block) _exit(1);
      }
      _exit(0);
    }
  }
  close(p[1]);
  static char block[PIPE_BUF];
  int blocks = 0;
  for (;;) {
    ssize_t got = 0, n;
    while (got < PIPE_BUF && (n = read(p[0], block + got, PIPE_BUF - got)) > 0) got += n;
    if (got == 0) break;
    CHECK(got == PIPE_BUF);
    for (int i = 1; i < PIPE_BUF; ++i) CHECK(block[i] == block[0]);
    ++blocks;
  }
  CHECK(blocks == kWriters * kBlocks);
  for (int w = 0; w < kWriters; ++w) {
    int st;
    CHECK(wait(&st) > 0 && WEXITSTATUS(st) == 0);
  }
  close(p[0]);
  return nullptr;
}

const char* DupLowestFree() {
  int p[2];
  CHECK(pipe(p) == 0);
  int d = dup(p[1]);
  CHECK(d > p[1]);
  CHECK(write(d, "z", 1) == 1);  // the duplicate writes into the same pipe
  char c;
  CHECK(read(p[0], &c, 1) == 1 && c == 'z');
  CHECK(close(p[0]) == 0);
  int e = dup(p[1]);
  CHECK(e == p[0]);  // the lowest free descriptor
  close(d);
  close(e);
  close(p[1]);
  return nullptr;
}

const char* Dup2Semantics() {
  int p[2], q[2];
  CHECK(pipe(p) == 0 && pipe(q) == 0);
  CHECK(dup2(p[1], p[1]) == p[1]);  // same fd: no-op
  CHECK(dup2(p[1], q[1]) == q[1]);  // closes the old q[1]
  CHECK(write(q[1], "k", 1) == 1);
  char c;
  CHECK(read(p[0], &c, 1) == 1 && c == 'k');
  close(q[1]);
  CHECK(read(q[0], &c, 1) == 0);  // q's only writer was closed by dup2
  errno = 0;
  CHECK(dup2(9999, 10) == -1 && errno == EBADF);
  errno = 0;
  CHECK(dup2(p[0], -1) == -1 && errno == EBADF);
  close(p[0]);
  close(p[1]);
  close(q[0]);
  return nullptr;
}

const char* Dup3Flags() {
  int p[2];
  CHECK(pipe(p) == 0);
  CHECK(dup3(p[0], 50, O_CLOEXEC) == 50);
  CHECK(fcntl(50, F_GETFD) == FD_CLOEXEC);
  errno = 0;
  CHECK(dup3(p[0], p[0], 0) == -1 && errno == EINVAL);
  errno = 0;
  // (musl only passes flags to the kernel when O_CLOEXEC is among them.)
  CHECK(dup3(p[0], 51, O_CLOEXEC | 0x1) == -1 && errno == EINVAL);
  close(50);
  close(p[0]);
  close(p[1]);
  return nullptr;
}

const char* FcntlDupfdAndFlags() {
  int p[2];
  CHECK(pipe(p) == 0);
  int d = fcntl(p[0], F_DUPFD, 100);
  CHECK(d >= 100);
  int e = fcntl(p[0], F_DUPFD_CLOEXEC, 100);
  CHECK(e > d && fcntl(e, F_GETFD) == FD_CLOEXEC);
  CHECK((fcntl(p[0], F_GETFL) & O_NONBLOCK) == 0);
  CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0);
  CHECK((fcntl(d, F_GETFL) & O_NONBLOCK) != 0);  // shared description
  CHECK((fcntl(p[0], F_GETFL) & O_ACCMODE) == O_RDONLY);
  CHECK((fcntl(p[1], F_GETFL) & O_ACCMODE) == O_WRONLY);
  errno = 0;
  CHECK(fcntl(9999, F_GETFD) == -1 && errno == EBADF);
  close(d);
  close(e);
  close(p[0]);
  close(p[1]);
  return nullptr;
}

const char* CloseBadFdIsEbadf() {
  errno = 0;
  CHECK(close(9999) == -1 && errno == EBADF);
  errno = 0;
  CHECK(close(-1) == -1 && errno == EBADF);
  return nullptr;
}

const char* ReadWriteWrongEnd() {
  int p[2];
  CHECK(pipe(p) == 0);
  char c = 'q';
  errno = 0;
  CHECK(write(p[0], &c, 1) == -1 && errno == EBADF);
  errno = 0;
  CHECK(read(p[1], &c, 1) == -1 && errno == EBADF);
  close(p[0]);
  close(p[1]);
  return nullptr;
}

const char* PollPipeEvents() {
  int p[2];
  CHECK(pipe(p) == 0);
  struct pollfd fds[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
  CHECK(poll(fds, 2, 0) == 1);
  CHECK(fds[0].revents == 0 && (fds[1].revents & POLLOUT));
  CHECK(write(p[1], "a", 1) == 1);
  CHECK(poll(fds, 1, 0) == 1 && (fds[0].revents & POLLIN));
  close(p[1]);
  char c;
  CHECK(read(p[0], &c, 1) == 1);
  CHECK(poll(fds, 1, 0) == 1 && (fds[0].revents & POLLHUP));
  struct pollfd bad = {12345, POLLIN, 0};
  CHECK(poll(&bad, 1, 0) == 1 && bad.revents == POLLNVAL);
  close(p[0]);
  return nullptr;
}

const char* PollWakesOnWrite() {
  int p[2];
  CHECK(pipe(p) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    usleep(50 * 1000);
    _exit(write(p[1], "w", 1) == 1 ? 0 : 1);
  }
  struct pollfd fd = {p[0], POLLIN, 0};
  CHECK(poll(&fd, 1, 5000) == 1 && (fd.revents & POLLIN));
  int st;
  CHECK(waitpid(pid, &st, 0) == pid);
  close(p[0]);
  close(p[1]);
  return nullptr;
}

const char* PollTimeout() {
  int p[2];
  CHECK(pipe(p) == 0);
  struct pollfd fd = {p[0], POLLIN, 0};
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  CHECK(poll(&fd, 1, 30) == 0);
  clock_gettime(CLOCK_MONOTONIC, &b);
  int64_t ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
  CHECK(ms >= 29);
  close(p[0]);
  close(p[1]);
  return nullptr;
}

const char* LseekOnPipeIsEspipe() {
  int p[2];
  CHECK(pipe(p) == 0);
  errno = 0;
  CHECK(lseek(p[0], 0, SEEK_SET) == -1 && errno == ESPIPE);
  char c;
  errno = 0;
  CHECK(pread(p[0], &c, 1, 0) == -1 && errno == ESPIPE);
  close(p[0]);
  close(p[1]);
  return nullptr;
}

const char* ForkInheritsFdsAndOffsetsAreShared() {
  int p[2];
  CHECK(pipe(p) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    // The child's fds are copies of the parent's: closing them here does not
    // close the parent's.
    close(p[0]);
    close(p[1]);
    _exit(0);
  }
  int st;
  CHECK(waitpid(pid, &st, 0) == pid);
  CHECK(write(p[1], "s", 1) == 1);
  char c;
  CHECK(read(p[0], &c, 1) == 1 && c == 's');
  close(p[0]);
  close(p[1]);
  return nullptr;
}

}  // namespace

const char* PipeKeepsEveryByteAcrossWraps() {
  // 1 MiB through the 64 KiB ring in odd-sized writes and reads, so the data
  // wraps around the ring at every offset; every byte is checked.
  constexpr size_t kTotal = 1 << 20;
  int fds[2];
  CHECK_OK(pipe(fds));
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    static uint8_t chunk[3001];
    size_t sent = 0;
    while (sent < kTotal) {
      size_t n = sent + sizeof chunk <= kTotal ? sizeof chunk : kTotal - sent;
      for (size_t i = 0; i < n; ++i)
        chunk[i] = static_cast<uint8_t>((sent + i) * 131 + (sent + i) / 256);
      if (write(fds[1], chunk, n) != static_cast<ssize_t>(n)) _exit(1);  // blocking: whole
      sent += n;
    }
    _exit(0);
  }
  close(fds[1]);
  static uint8_t in[70001];
  size_t got = 0;
  for (;;) {
    ssize_t r = read(fds[0], in, sizeof in);
    CHECK(r >= 0);
    if (r == 0) break;
    for (ssize_t i = 0; i < r; ++i) {
      size_t at = got + static_cast<size_t>(i);
      if (in[i] != static_cast<uint8_t>(at * 131 + at / 256)) return Fail("byte %zu differs", at);
    }
    got += static_cast<size_t>(r);
  }
  close(fds[0]);
  CHECK_EQ(got, kTotal);
  int st;
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  return nullptr;
}

// ---- FIFOs (named pipes), in the scratch directory: TEST_TMPDIR=/data on
// Tessera's ext2 root (disk_test) puts them on the disk.

const char* FifoOpenRules() {
  const char* path = TmpPath("fifo-rules");
  CHECK(mkfifo(path, 0644) == 0);
  struct stat st;
  CHECK(stat(path, &st) == 0 && S_ISFIFO(st.st_mode));
  CHECK_ERRNO(open(path, O_WRONLY | O_NONBLOCK), ENXIO);  // no reader
  int r = open(path, O_RDONLY | O_NONBLOCK);              // no writer: does not wait
  CHECK(r >= 0);
  int w = open(path, O_WRONLY | O_NONBLOCK);  // a reader now
  CHECK(w >= 0);
  CHECK(write(w, "abc", 3) == 3);
  char buf[8] = {};
  CHECK(read(r, buf, sizeof buf) == 3 && memcmp(buf, "abc", 3) == 0);
  CHECK_ERRNO(read(r, buf, sizeof buf), EAGAIN);  // empty, a writer open
  CHECK_ERRNO(lseek(r, 0, SEEK_SET), ESPIPE);
  int rw = open(path, O_RDWR);  // never waits
  CHECK(rw >= 0);
  close(w);
  close(rw);
  CHECK(read(r, buf, sizeof buf) == 0);  // no writer left: end of file
  close(r);
  CHECK(unlink(path) == 0);
  return nullptr;
}

const char* FifoBlockingOpenWaitsForThePeer() {
  const char* path = TmpPath("fifo-wait");
  CHECK(mkfifo(path, 0600) == 0);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    alarm(10);
    int w = open(path, O_WRONLY);  // waits for the parent's reader
    if (w < 0) _exit(1);
    _exit(write(w, "late", 4) == 4 ? 0 : 2);
  }
  SleepMs(100);
  int r = open(path, O_RDONLY);  // the child's writer is waiting (or soon opens)
  CHECK(r >= 0);
  char buf[8] = {};
  ssize_t n = 0;
  for (int i = 0; i < 50 && n == 0; ++i) {
    n = read(r, buf, sizeof buf);
    if (n == 0) SleepMs(20);  // the writer came and went before we read
  }
  CHECK(n == 4 && memcmp(buf, "late", 4) == 0);
  int status;
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(r);
  unlink(path);
  return nullptr;
}

const char* FifoEpipeAndLargeTransfer() {
  signal(SIGPIPE, SIG_IGN);
  const char* path = TmpPath("fifo-big");
  CHECK(mkfifo(path, 0600) == 0);
  int r = open(path, O_RDONLY | O_NONBLOCK);
  int w = open(path, O_WRONLY);
  CHECK(r >= 0 && w >= 0);
  close(r);
  CHECK_ERRNO(write(w, "x", 1), EPIPE);
  close(w);
  pid_t child = fork();
  CHECK(child >= 0);
  const long kTotal = 1 << 20;
  if (child == 0) {
    alarm(20);
    int cw = open(path, O_WRONLY);
    static unsigned char buf[100000];
    long sent = 0;
    while (sent < kTotal) {
      long n = kTotal - sent < static_cast<long>(sizeof buf) ? kTotal - sent : sizeof buf;
      for (long i = 0; i < n; ++i) buf[i] = static_cast<unsigned char>((sent + i) * 13);
      // A blocking write to a fifo takes all of it, as a pipe's.
      if (write(cw, buf, static_cast<size_t>(n)) != n) _exit(1);
      sent += n;
    }
    _exit(0);
  }
  int cr = open(path, O_RDONLY);
  CHECK(cr >= 0);
  static unsigned char got[65536];
  long total = 0;
  for (;;) {
    ssize_t n = read(cr, got, sizeof got);
    CHECK(n >= 0);
    if (n == 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      if (got[i] != static_cast<unsigned char>((total + i) * 13))
        return Fail("byte %ld", total + i);
    }
    total += n;
  }
  CHECK(total == kTotal);
  int status;
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(cr);
  unlink(path);
  return nullptr;
}

const Case kFdCases[] = {
    {"fifo_open_rules", FifoOpenRules},
    {"fifo_blocking_open_waits", FifoBlockingOpenWaitsForThePeer},
    {"fifo_epipe_and_large_transfer", FifoEpipeAndLargeTransfer},
    {"pipe_round_trip", PipeRoundTrip},
    {"pipe_wraparound_integrity", PipeKeepsEveryByteAcrossWraps},
    {"pipe_eof_when_writers_close", PipeEofWhenWritersClose},
    {"pipe_epipe_without_readers", PipeEpipeWithoutReaders},
    {"pipe_nonblocking", PipeNonblocking},
    {"pipe2_cloexec", Pipe2Cloexec},
    {"pipe_across_fork", PipeAcrossFork},
    {"pipe_large_transfer", PipeLargeTransfer},
    {"pipe_buf_atomic", PipeBufWritesAreAtomic},
    {"pipe_small_writev_atomic", PipeSmallWritevIsAtomic},
    {"dup_lowest_free", DupLowestFree},
    {"dup2_semantics", Dup2Semantics},
    {"dup3_flags", Dup3Flags},
    {"fcntl_dupfd_and_flags", FcntlDupfdAndFlags},
    {"close_bad_fd", CloseBadFdIsEbadf},
    {"read_write_wrong_end", ReadWriteWrongEnd},
    {"poll_pipe_events", PollPipeEvents},
    {"poll_wakes_on_write", PollWakesOnWrite},
    {"poll_timeout", PollTimeout},
    {"lseek_pipe_espipe", LseekOnPipeIsEspipe},
    {"fork_inherits_fds", ForkInheritsFdsAndOffsetsAreShared},
};
const int kFdCaseCount = sizeof kFdCases / sizeof kFdCases[0];

}  // namespace posix_test
