// POSIX-suite cases for the kernel log (syslog(2) as klogctl, /dev/kmsg,
// /proc/kmsg) and the in-kernel copies (sendfile, copy_file_range, splice,
// tee), modelled on LTP's syslog*, sendfile*, copy_file_range*, splice* and
// tee* tests.
//
// The kernel log is the machine's: on the host oracle the cases only read
// it (no writes to /dev/kmsg, no clearing, no consuming reads, no console
// level), and Linux may refuse even that (dmesg_restrict, a sandbox without
// CAP_SYSLOG): then the host's EPERM/EACCES is taken as its answer and the
// exact behaviour is checked on Tessera only. Cases that change or consume
// the log run on Tessera only.

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

namespace posix_test {
namespace {

constexpr int kRead = 2, kReadAll = 3, kReadClear = 4, kClear = 5, kConsoleLevel = 8,
              kSizeUnread = 9, kSizeBuffer = 10;

// Linux refused the kernel log to this process (see the header).
bool HostRefused(long r) { return !OnTessera() && r == -1 && (errno == EPERM || errno == EACCES); }

// A fresh marker text, unique per call.
const char* Marker(const char* what) {
  static char buf[64];
  static int n = 0;
  snprintf(buf, sizeof buf, "posixtest-%s-%d-%d", what, static_cast<int>(getpid()), ++n);
  return buf;
}

// Tessera only: writes `text` to /dev/kmsg as one message.
bool LogLine(const char* text) {
  int fd = open("/dev/kmsg", O_WRONLY);
  if (fd < 0) return false;
  bool ok = write(fd, text, strlen(text)) == static_cast<ssize_t>(strlen(text));
  close(fd);
  return ok;
}

// SYSLOG_ACTION_READ_ALL into a static buffer, NUL-terminated; -1 on error.
long ReadAllLog(char** out) {
  static char buf[256 * 1024];
  long n = klogctl(kReadAll, buf, sizeof buf - 1);
  if (n >= 0) buf[n] = '\0';
  *out = buf;
  return n;
}

// A file of `size` bytes whose byte i is (i * 7 + i / 251) & 0xff.
uint8_t Pattern(size_t i) { return static_cast<uint8_t>((i * 7 + i / 251) & 0xff); }
const char* MakePatternFile(const char* name, size_t size) {
  static uint8_t data[200 * 1024];
  if (size > sizeof data) return nullptr;
  for (size_t i = 0; i < size; ++i) data[i] = Pattern(i);
  const char* path = TmpPath(name);
  return WriteFile(path, data, size, 0644) ? path : nullptr;
}
// Whether fd's bytes at [at, at + n) are the pattern from `from`.
bool HasPattern(int fd, off_t at, size_t n, size_t from) {
  static uint8_t buf[200 * 1024];
  if (n > sizeof buf || pread(fd, buf, n, at) != static_cast<ssize_t>(n)) return false;
  for (size_t i = 0; i < n; ++i) {
    if (buf[i] != Pattern(from + i)) return false;
  }
  return true;
}

// ---- syslog(2)

const char* SyslogSizes() {
  long size = klogctl(kSizeBuffer, nullptr, 0);
  if (HostRefused(size)) return nullptr;
  CHECK(size > 0);
  if (OnTessera()) CHECK_EQ(size, 128 * 1024);
  long unread = klogctl(kSizeUnread, nullptr, 0);
  if (HostRefused(unread)) return nullptr;
  CHECK(unread >= 0);
  return nullptr;
}

const char* SyslogReadAllFormat() {
  char marker[64];
  snprintf(marker, sizeof marker, "%s", Marker("readall"));
  if (OnTessera()) CHECK(LogLine(marker));
  char* text;
  long n = ReadAllLog(&text);
  if (HostRefused(n)) return nullptr;
  CHECK(n >= 0);
  // Every line: "<prio>[sssss.uuuuuu] text".
  for (char* line = text; *line != '\0';) {
    char* end = strchr(line, '\n');
    CHECK(end != nullptr);
    unsigned prio;
    unsigned long sec, usec;
    int used = 0;
    CHECK(sscanf(line, "<%u>[%lu.%lu]%n", &prio, &sec, &usec, &used) == 3 && used > 0);
    CHECK(line[used - 8] == '.' && line[used] == ' ');
    line = end + 1;
  }
  if (OnTessera()) {
    // The marker was written as LOG_USER/KERN_WARNING: "<12>".
    const char* at = strstr(text, marker);
    CHECK(at != nullptr && at[strlen(marker)] == '\n');
    const char* line = at;
    while (line > text && line[-1] != '\n') --line;
    CHECK(strncmp(line, "<12>[", 5) == 0 && at[-2] == ']' && at[-1] == ' ');
  }
  return nullptr;
}

const char* SyslogErrors() {
  char buf[64];
  struct {
    int type;
    char* buf;
    int len;
  } bad[] = {{kReadAll, nullptr, 10},
             {kReadAll, buf, -1},
             {kRead, nullptr, 10},
             {kRead, buf, -1},
             {42, buf, 0},
             {-1, buf, 0},
             {kConsoleLevel, nullptr, 0},
             {kConsoleLevel, nullptr, 9}};
  for (auto& b : bad) {
    errno = 0;
    long r = klogctl(b.type, b.buf, b.len);
    if (HostRefused(r)) continue;
    if (r != -1 || errno != EINVAL) {
      return Fail("klogctl(%d, %p, %d) = %ld, errno %d; want EINVAL", b.type,
                  static_cast<void*>(b.buf), b.len, r, errno);
    }
  }
  long r = klogctl(kReadAll, buf, 0);
  if (!HostRefused(r)) CHECK_EQ(r, 0);
  r = klogctl(kRead, buf, 0);
  if (!HostRefused(r)) CHECK_EQ(r, 0);
  if (OnTessera()) {
    CHECK(LogLine("x"));
    CHECK_ERRNO(klogctl(kReadAll, reinterpret_cast<char*>(8), 4096), EFAULT);
    CHECK_EQ(klogctl(0, nullptr, 0), 0);  // CLOSE and OPEN do nothing
    CHECK_EQ(klogctl(1, nullptr, 0), 0);
  }
  return nullptr;
}

// Tessera only from here on: these change or consume the log.

const char* SyslogClear() {
  if (!OnTessera()) return nullptr;
  char before[64], after[64];
  snprintf(before, sizeof before, "%s", Marker("before-clear"));
  snprintf(after, sizeof after, "%s", Marker("after-clear"));
  CHECK(LogLine(before));
  char* text;
  CHECK(ReadAllLog(&text) > 0 && strstr(text, before) != nullptr);
  CHECK_EQ(klogctl(kClear, nullptr, 0), 0);
  CHECK(ReadAllLog(&text) >= 0 && strstr(text, before) == nullptr);
  CHECK(LogLine(after));
  // READ_CLEAR returns what is there and clears it.
  static char buf[64 * 1024];
  long n = klogctl(kReadClear, buf, sizeof buf - 1);
  CHECK(n > 0);
  buf[n] = '\0';
  CHECK(strstr(buf, after) != nullptr && strstr(buf, before) == nullptr);
  CHECK(ReadAllLog(&text) >= 0 && strstr(text, after) == nullptr);
  // A small READ_ALL returns the newest whole records that fit.
  CHECK(LogLine("0123456789"));
  n = klogctl(kReadAll, buf, 40);
  CHECK(n > 0 && n <= 40);
  buf[n] = '\0';
  CHECK(strstr(buf, "0123456789\n") != nullptr && buf[0] == '<');
  return nullptr;
}

const char* SyslogConsoleLevel() {
  if (!OnTessera()) return nullptr;
  CHECK_ERRNO(klogctl(kConsoleLevel, nullptr, 0), EINVAL);
  CHECK_ERRNO(klogctl(kConsoleLevel, nullptr, 9), EINVAL);
  CHECK_EQ(klogctl(kConsoleLevel, nullptr, 1), 0);
  CHECK_EQ(klogctl(6, nullptr, 0), 0);  // CONSOLE_OFF
  CHECK_EQ(klogctl(7, nullptr, 0), 0);  // CONSOLE_ON
  CHECK_EQ(klogctl(kConsoleLevel, nullptr, 7), 0);
  return nullptr;
}

const char* SyslogReadConsumesAndBlocks() {
  if (!OnTessera()) return nullptr;
  // Drain what is unread, in small pieces (a record may come in parts).
  char buf[4096];
  for (int i = 0; i < 100000 && klogctl(kSizeUnread, nullptr, 0) > 0; ++i) {
    CHECK(klogctl(kRead, buf, 7) > 0);
  }
  CHECK_EQ(klogctl(kSizeUnread, nullptr, 0), 0);
  // A reader now waits for the next record.
  int p[2];
  CHECK(pipe(p) == 0);
  pid_t child = fork();
  if (child == 0) {
    long n = klogctl(kRead, buf, sizeof buf - 1);
    if (n < 0) _exit(1);
    write(p[1], buf, n);
    _exit(0);
  }
  SleepMs(100);
  const char* marker = Marker("wakes-reader");
  CHECK(LogLine(marker));
  int status;
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(p[1]);
  char got[4096];
  CHECK(ReadAll(p[0], got, sizeof got) > 0);
  CHECK(strncmp(got, "<12>[", 5) == 0 && strstr(got, marker) != nullptr);
  CHECK_EQ(klogctl(kSizeUnread, nullptr, 0), 0);
  return nullptr;
}

// ---- /dev/kmsg

const char* KmsgReadFormatAndSeek() {
  int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
  if (HostRefused(fd)) return nullptr;
  CHECK_OK(fd);
  char buf[8192];
  CHECK_ERRNO(read(fd, buf, 4), EINVAL);  // no record is that short
  ssize_t n = read(fd, buf, sizeof buf - 1);
  CHECK(n > 0 && buf[n - 1] == '\n');
  buf[n] = '\0';
  unsigned prio;
  unsigned long long seq, usec;
  char flag;
  CHECK(sscanf(buf, "%u,%llu,%llu,%c;", &prio, &seq, &usec, &flag) == 4);
  n = read(fd, buf, sizeof buf - 1);
  if (n > 0) {  // the next record has the next sequence number
    unsigned long long seq2;
    CHECK(sscanf(buf, "%*u,%llu,", &seq2) == 1 && seq2 == seq + 1);
  }
  CHECK_ERRNO(lseek(fd, 1, SEEK_SET), ESPIPE);
  CHECK_ERRNO(lseek(fd, 0, SEEK_CUR), EINVAL);
  CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
  n = read(fd, buf, sizeof buf - 1);
  CHECK(n > 0);
  CHECK_EQ(lseek(fd, 0, SEEK_DATA), 0);
  CHECK_EQ(lseek(fd, 0, SEEK_END), 0);
  CHECK_ERRNO(read(fd, buf, sizeof buf), EAGAIN);
  struct pollfd pfd = {fd, POLLIN, 0};
  CHECK_EQ(poll(&pfd, 1, 0), 0);
  // A message longer than a record is refused before it is logged.
  int w = open("/dev/kmsg", O_WRONLY);
  if (!HostRefused(w)) {
    CHECK_OK(w);
    static char big[2000];
    memset(big, 'z', sizeof big);
    CHECK_ERRNO(write(w, big, sizeof big), EINVAL);
    close(w);
  }
  close(fd);
  return nullptr;
}

const char* KmsgWriteReadBack() {
  if (!OnTessera()) return nullptr;
  int fd = open("/dev/kmsg", O_RDWR | O_NONBLOCK);
  CHECK_OK(fd);
  CHECK_EQ(lseek(fd, 0, SEEK_END), 0);
  const char* marker = Marker("kmsg-write");
  char msg[96];
  int len = snprintf(msg, sizeof msg, "<3>%s\n", marker);
  CHECK_EQ(write(fd, msg, len), len);
  char buf[1024];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  CHECK(n > 0);
  buf[n] = '\0';
  char want[128];
  snprintf(want, sizeof want, ",-;%s\n", marker);
  CHECK(strncmp(buf, "11,", 3) == 0 && strstr(buf, want) != nullptr);
  // Bytes that are not printable are escaped as \xNN.
  CHECK_EQ(write(fd, "a\tb\\c", 5), 5);
  n = read(fd, buf, sizeof buf - 1);
  CHECK(n > 0);
  buf[n] = '\0';
  CHECK(strstr(buf, ";a\\x09b\\x5cc\n") != nullptr);
  // A write-only open has no position.
  int w = open("/dev/kmsg", O_WRONLY);
  CHECK_ERRNO(lseek(w, 0, SEEK_END), EBADF);
  close(w);
  close(fd);
  return nullptr;
}

const char* KmsgPollAndBlockingRead() {
  if (!OnTessera()) return nullptr;
  int fd = open("/dev/kmsg", O_RDONLY);
  CHECK_OK(fd);
  CHECK_EQ(lseek(fd, 0, SEEK_END), 0);
  struct pollfd pfd = {fd, POLLIN, 0};
  CHECK_EQ(poll(&pfd, 1, 0), 0);
  CHECK(LogLine(Marker("poll")));
  CHECK_EQ(poll(&pfd, 1, 1000), 1);
  CHECK(pfd.revents & POLLIN);
  char buf[1024];
  CHECK(read(fd, buf, sizeof buf) > 0);
  // A blocking read waits for the next record.
  pid_t child = fork();
  if (child == 0) {
    SleepMs(100);
    _exit(LogLine("from-the-child") ? 0 : 1);
  }
  ssize_t n = read(fd, buf, sizeof buf - 1);
  CHECK(n > 0);
  buf[n] = '\0';
  CHECK(strstr(buf, ";from-the-child\n") != nullptr);
  int status;
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(fd);
  return nullptr;
}

const char* KmsgOverwrittenGivesEpipe() {
  if (!OnTessera()) return nullptr;
  int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
  CHECK_OK(fd);
  char buf[8192];
  CHECK(read(fd, buf, sizeof buf) > 0);  // the oldest record
  // Push more than the whole buffer (128 KiB) through it, off the console.
  int w = open("/dev/kmsg", O_WRONLY);
  CHECK_OK(w);
  char line[200];
  memset(line, 'f', sizeof line);
  CHECK_EQ(klogctl(6, nullptr, 0), 0);  // CONSOLE_OFF
  bool wrote = true;
  for (int i = 0; i < 800; ++i) wrote = wrote && write(w, line, sizeof line) == 200;
  CHECK_EQ(klogctl(7, nullptr, 0), 0);  // CONSOLE_ON
  CHECK(wrote);
  close(w);
  CHECK_ERRNO(read(fd, buf, sizeof buf), EPIPE);
  ssize_t n = read(fd, buf, sizeof buf - 1);  // then the oldest kept
  CHECK(n > 0);
  close(fd);
  return nullptr;
}

const char* ProcKmsgConsumes() {
  if (!OnTessera()) return nullptr;
  int fd = open("/proc/kmsg", O_RDONLY | O_NONBLOCK);
  CHECK_OK(fd);
  char buf[4096];
  for (int i = 0; i < 100000; ++i) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) break;
  }
  CHECK_ERRNO(read(fd, buf, sizeof buf), EAGAIN);
  struct pollfd pfd = {fd, POLLIN, 0};
  CHECK_EQ(poll(&pfd, 1, 0), 0);
  const char* marker = Marker("proc-kmsg");
  CHECK(LogLine(marker));
  CHECK_EQ(poll(&pfd, 1, 1000), 1);
  ssize_t n = read(fd, buf, sizeof buf - 1);
  CHECK(n > 0);
  buf[n] = '\0';
  CHECK(strncmp(buf, "<12>[", 5) == 0 && strstr(buf, marker) != nullptr);
  CHECK_ERRNO(read(fd, buf, sizeof buf), EAGAIN);
  close(fd);
  return nullptr;
}

// ---- sendfile

const char* SendfileOffsetPointer() {
  const size_t kSize = 100 * 1024;
  const char* in_path = MakePatternFile("sf_in", kSize);
  CHECK(in_path != nullptr);
  int in = open(in_path, O_RDONLY);
  int out = open(TmpPath("sf_out"), O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK(in >= 0 && out >= 0);
  off_t off = 10;
  CHECK_EQ(sendfile(out, in, &off, 70000), 70000);
  CHECK_EQ(off, 70010);
  CHECK_EQ(lseek(in, 0, SEEK_CUR), 0);       // the input's offset stays
  CHECK_EQ(lseek(out, 0, SEEK_CUR), 70000);  // the output's moves
  CHECK(HasPattern(out, 0, 70000, 10));
  // Short at the end of the file, then 0; past the end 0, offset kept.
  CHECK_EQ(sendfile(out, in, &off, 100000), kSize - 70010);
  CHECK_EQ(off, static_cast<off_t>(kSize));
  CHECK_EQ(sendfile(out, in, &off, 10), 0);
  off = kSize + 100;
  CHECK_EQ(sendfile(out, in, &off, 10), 0);
  CHECK_EQ(off, static_cast<off_t>(kSize + 100));
  off = 0;
  CHECK_EQ(sendfile(out, in, &off, 0), 0);
  close(in);
  close(out);
  return nullptr;
}

const char* SendfileNullOffsetAdvances() {
  const char* in_path = MakePatternFile("sf_in2", 1000);
  CHECK(in_path != nullptr);
  int in = open(in_path, O_RDONLY);
  int out = open(TmpPath("sf_out2"), O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK(in >= 0 && out >= 0);
  CHECK_EQ(lseek(in, 5, SEEK_SET), 5);
  CHECK_EQ(sendfile(out, in, nullptr, 10), 10);
  CHECK_EQ(lseek(in, 0, SEEK_CUR), 15);
  CHECK_EQ(sendfile(out, in, nullptr, 5000), 985);
  CHECK_EQ(lseek(in, 0, SEEK_CUR), 1000);
  CHECK(HasPattern(out, 0, 995, 5));
  close(in);
  close(out);
  return nullptr;
}

const char* SendfileToPipe() {
  const size_t kSize = 100 * 1024;
  const char* in_path = MakePatternFile("sf_pipe", kSize);
  CHECK(in_path != nullptr);
  int in = open(in_path, O_RDONLY);
  int p[2];
  CHECK(in >= 0 && pipe2(p, O_NONBLOCK) == 0);
  // A non-blocking pipe takes what fits (64 KiB), then EAGAIN.
  off_t off = 0;
  ssize_t n = sendfile(p[1], in, &off, kSize);
  CHECK_EQ(n, 65536);
  CHECK_EQ(off, 65536);
  CHECK_ERRNO(sendfile(p[1], in, &off, kSize), EAGAIN);
  static uint8_t buf[65536];
  CHECK_EQ(read(p[0], buf, sizeof buf), 65536);
  for (size_t i = 0; i < 65536; ++i) CHECK(buf[i] == Pattern(i));
  // A blocking one with a reader: everything arrives, in order.
  int q[2];
  CHECK(pipe(q) == 0);
  pid_t child = fork();
  if (child == 0) {
    close(q[1]);
    size_t got = 0;
    static uint8_t b[8192];
    for (;;) {
      ssize_t r = read(q[0], b, sizeof b);
      if (r <= 0) break;
      for (ssize_t i = 0; i < r; ++i) {
        if (b[i] != Pattern(got + i)) _exit(2);
      }
      got += r;
    }
    _exit(got == kSize ? 0 : 1);
  }
  close(q[0]);
  off = 0;
  while (off < static_cast<off_t>(kSize)) {
    ssize_t r = sendfile(q[1], in, &off, kSize - off);
    CHECK(r > 0);
  }
  close(q[1]);
  int status;
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status));
  CHECK_EQ(WEXITSTATUS(status), 0);
  close(in);
  close(p[0]);
  close(p[1]);
  return nullptr;
}

const char* SendfileErrors() {
  const char* path = MakePatternFile("sf_err", 100);
  CHECK(path != nullptr);
  int in = open(path, O_RDONLY);
  int out = open(TmpPath("sf_err_out"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int append = open(TmpPath("sf_err_app"), O_WRONLY | O_CREAT | O_APPEND, 0644);
  int dir = open(WorkDir(), O_RDONLY | O_DIRECTORY);
  int p[2];
  CHECK(in >= 0 && out >= 0 && append >= 0 && dir >= 0 && pipe(p) == 0);
  CHECK(write(p[1], "abc", 3) == 3);
  off_t off = 0;
  CHECK_ERRNO(sendfile(out, p[0], nullptr, 3), EINVAL);  // a pipe is no file
  CHECK_ERRNO(sendfile(out, p[0], &off, 3), ESPIPE);
  CHECK_ERRNO(sendfile(in, in, &off, 3), EBADF);    // output not writable
  CHECK_ERRNO(sendfile(out, out, &off, 3), EBADF);  // input not readable
  CHECK_ERRNO(sendfile(out, 999, &off, 3), EBADF);
  CHECK_ERRNO(sendfile(999, in, &off, 3), EBADF);
  CHECK_ERRNO(sendfile(append, in, &off, 3), EINVAL);
  CHECK_ERRNO(sendfile(out, dir, &off, 3), EINVAL);
  off = -1;
  CHECK_ERRNO(sendfile(out, in, &off, 3), EINVAL);
  CHECK_ERRNO(sendfile(out, in, reinterpret_cast<off_t*>(8), 3), EFAULT);
  close(in);
  close(out);
  close(append);
  close(dir);
  close(p[0]);
  close(p[1]);
  return nullptr;
}

// ---- copy_file_range

const char* CopyFileRangeCopies() {
  const size_t kSize = 150 * 1024;
  const char* path = MakePatternFile("cfr_in", kSize);
  CHECK(path != nullptr);
  int in = open(path, O_RDONLY);
  int out = open(TmpPath("cfr_out"), O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK(in >= 0 && out >= 0);
  off_t a = 100, b = 7;
  CHECK_EQ(copy_file_range(in, &a, out, &b, 100000, 0), 100000);
  CHECK_EQ(a, 100100);
  CHECK_EQ(b, 100007);
  CHECK_EQ(lseek(in, 0, SEEK_CUR), 0);
  CHECK_EQ(lseek(out, 0, SEEK_CUR), 0);
  CHECK(HasPattern(out, 7, 100000, 100));
  // NULL offsets use and move the files' own offsets; short at the end.
  CHECK_EQ(lseek(in, kSize - 10, SEEK_SET), static_cast<off_t>(kSize - 10));
  CHECK_EQ(copy_file_range(in, nullptr, out, nullptr, 100, 0), 10);
  CHECK_EQ(lseek(in, 0, SEEK_CUR), static_cast<off_t>(kSize));
  CHECK_EQ(lseek(out, 0, SEEK_CUR), 10);
  CHECK(HasPattern(out, 0, 10, kSize - 10));
  CHECK_EQ(copy_file_range(in, nullptr, out, nullptr, 100, 0), 0);
  a = kSize + 5;
  CHECK_EQ(copy_file_range(in, &a, out, nullptr, 100, 0), 0);
  CHECK_EQ(copy_file_range(in, nullptr, out, nullptr, 0, 0), 0);
  // Within one file, ranges that do not overlap.
  int self = open(path, O_RDWR);
  a = 0;
  b = kSize;
  CHECK_EQ(copy_file_range(self, &a, self, &b, 1000, 0), 1000);
  CHECK(HasPattern(self, kSize, 1000, 0));
  close(self);
  close(in);
  close(out);
  return nullptr;
}

const char* CopyFileRangeErrors() {
  const char* path = MakePatternFile("cfr_err", 1000);
  CHECK(path != nullptr);
  int rw = open(path, O_RDWR);
  int ro = open(path, O_RDONLY);
  int wo = open(TmpPath("cfr_wo"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int append = open(TmpPath("cfr_app"), O_WRONLY | O_CREAT | O_APPEND, 0644);
  int dir = open(WorkDir(), O_RDONLY | O_DIRECTORY);
  int p[2];
  CHECK(rw >= 0 && ro >= 0 && wo >= 0 && append >= 0 && dir >= 0 && pipe(p) == 0);
  off_t a = 0, b = 0;
  CHECK_ERRNO(copy_file_range(ro, &a, wo, &b, 10, 1), EINVAL);
  CHECK_ERRNO(copy_file_range(rw, &a, rw, &b, 10, 0), EINVAL);  // the same range
  b = 5;
  CHECK_ERRNO(copy_file_range(rw, &a, rw, &b, 10, 0), EINVAL);  // overlapping
  b = 0;
  CHECK_ERRNO(copy_file_range(p[0], nullptr, wo, &b, 10, 0), EINVAL);
  CHECK_ERRNO(copy_file_range(ro, &a, p[1], nullptr, 10, 0), EINVAL);
  CHECK_ERRNO(copy_file_range(ro, &a, append, nullptr, 10, 0), EBADF);
  CHECK_ERRNO(copy_file_range(ro, &a, ro, &b, 10, 0), EBADF);
  CHECK_ERRNO(copy_file_range(wo, &a, rw, &b, 10, 0), EBADF);
  CHECK_ERRNO(copy_file_range(dir, &a, wo, &b, 10, 0), EISDIR);
  CHECK_ERRNO(copy_file_range(ro, &a, dir, &b, 10, 0), EISDIR);
  CHECK_ERRNO(copy_file_range(999, &a, wo, &b, 10, 0), EBADF);
  CHECK_ERRNO(copy_file_range(ro, reinterpret_cast<off_t*>(8), wo, &b, 10, 0), EFAULT);
  a = -1;
  CHECK_ERRNO(copy_file_range(ro, &a, wo, &b, 10, 0), EOVERFLOW);
  // Another file system (tmpfs at /dev/shm where there is one): EXDEV.
  if (OnTessera()) mkdir("/dev/shm", 01777);
  int other = open("/dev/shm/posixtest-cfr", O_RDWR | O_CREAT | O_TRUNC, 0644);
  struct stat st_a, st_b;
  if (other >= 0 && fstat(other, &st_b) == 0 && fstat(ro, &st_a) == 0 &&
      st_a.st_dev != st_b.st_dev) {
    a = 0;
    CHECK_ERRNO(copy_file_range(ro, &a, other, nullptr, 10, 0), EXDEV);
  }
  if (other >= 0) {
    close(other);
    unlink("/dev/shm/posixtest-cfr");
  }
  close(rw);
  close(ro);
  close(wo);
  close(append);
  close(dir);
  close(p[0]);
  close(p[1]);
  return nullptr;
}

// ---- splice and tee

const char* SpliceFileToPipeToFile() {
  const size_t kSize = 100 * 1024;
  const char* path = MakePatternFile("sp_in", kSize);
  CHECK(path != nullptr);
  int in = open(path, O_RDONLY);
  int out = open(TmpPath("sp_out"), O_RDWR | O_CREAT | O_TRUNC, 0644);
  int p[2];
  CHECK(in >= 0 && out >= 0 && pipe(p) == 0);
  off_t off_in = 3, off_out = 0;
  size_t moved = 0;
  while (moved < kSize - 3) {
    ssize_t n = splice(in, &off_in, p[1], nullptr, kSize, 0);
    CHECK(n > 0 && n <= 65536);
    ssize_t m = splice(p[0], nullptr, out, &off_out, n, 0);
    CHECK_EQ(m, n);
    moved += n;
  }
  CHECK_EQ(off_in, static_cast<off_t>(kSize));
  CHECK_EQ(off_out, static_cast<off_t>(kSize - 3));
  CHECK_EQ(lseek(in, 0, SEEK_CUR), 0);
  CHECK_EQ(lseek(out, 0, SEEK_CUR), 0);
  CHECK(HasPattern(out, 0, kSize - 3, 3));
  // NULL offsets use the files' own; the end of the input gives 0.
  CHECK_EQ(lseek(in, kSize - 4, SEEK_SET), static_cast<off_t>(kSize - 4));
  CHECK_EQ(splice(in, nullptr, p[1], nullptr, 100, 0), 4);
  CHECK_EQ(lseek(in, 0, SEEK_CUR), static_cast<off_t>(kSize));
  CHECK_EQ(splice(in, nullptr, p[1], nullptr, 100, 0), 0);
  CHECK_EQ(splice(p[0], nullptr, out, nullptr, 100, 0), 4);
  CHECK_EQ(lseek(out, 0, SEEK_CUR), 4);
  CHECK(HasPattern(out, 0, 4, kSize - 4));
  close(in);
  close(out);
  close(p[0]);
  close(p[1]);
  return nullptr;
}

const char* SplicePipes() {
  int p[2], q[2];
  CHECK(pipe(p) == 0 && pipe(q) == 0);
  CHECK(write(p[1], "hello world", 11) == 11);
  CHECK_EQ(splice(p[0], nullptr, q[1], nullptr, 5, 0), 5);
  char buf[32] = {};
  CHECK_EQ(read(q[0], buf, sizeof buf), 5);
  CHECK(memcmp(buf, "hello", 5) == 0);
  CHECK_EQ(read(p[0], buf, sizeof buf), 6);  // the rest stayed
  CHECK(memcmp(buf, " world", 6) == 0);
  // An empty pipe: EAGAIN with SPLICE_F_NONBLOCK; 0 once no writer is left.
  CHECK_ERRNO(splice(p[0], nullptr, q[1], nullptr, 5, SPLICE_F_NONBLOCK), EAGAIN);
  // A blocking splice waits for data.
  pid_t child = fork();
  if (child == 0) {
    SleepMs(100);
    _exit(write(p[1], "late", 4) == 4 ? 0 : 1);
  }
  CHECK_EQ(splice(p[0], nullptr, q[1], nullptr, 100, 0), 4);
  int status;
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK_EQ(read(q[0], buf, sizeof buf), 4);
  close(p[1]);
  CHECK_EQ(splice(p[0], nullptr, q[1], nullptr, 5, 0), 0);
  close(p[0]);
  close(q[0]);
  close(q[1]);
  return nullptr;
}

const char* SpliceErrors() {
  const char* path = MakePatternFile("sp_err", 100);
  CHECK(path != nullptr);
  int in = open(path, O_RDONLY);
  int out = open(TmpPath("sp_err_out"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int append = open(TmpPath("sp_err_app"), O_WRONLY | O_CREAT | O_APPEND, 0644);
  int p[2], q[2];
  CHECK(in >= 0 && out >= 0 && append >= 0 && pipe(p) == 0 && pipe(q) == 0);
  off_t off = 0;
  CHECK_ERRNO(splice(in, nullptr, out, nullptr, 10, 0), EINVAL);  // no pipe
  CHECK_ERRNO(splice(in, &off, p[1], &off, 10, 0), ESPIPE);
  CHECK(write(p[1], "abcdef", 6) == 6);
  CHECK_ERRNO(splice(p[0], &off, out, nullptr, 10, 0), ESPIPE);
  CHECK_ERRNO(splice(p[0], nullptr, q[1], &off, 10, 0), ESPIPE);
  CHECK_ERRNO(splice(p[0], nullptr, p[1], nullptr, 10, 0), EINVAL);  // the same pipe
  CHECK_ERRNO(splice(in, &off, p[1], nullptr, 10, 0x100), EINVAL);
  CHECK_ERRNO(splice(p[1], nullptr, out, nullptr, 10, 0), EBADF);  // a write end
  CHECK_ERRNO(splice(p[0], nullptr, in, nullptr, 10, 0), EBADF);   // not writable
  CHECK_ERRNO(splice(out, nullptr, p[1], nullptr, 10, 0), EBADF);  // not readable
  CHECK_ERRNO(splice(p[0], nullptr, append, nullptr, 10, 0), EINVAL);
  CHECK_ERRNO(splice(999, nullptr, p[1], nullptr, 10, 0), EBADF);
  CHECK_EQ(splice(999, nullptr, 998, nullptr, 0, 0), 0);  // nothing to move: 0 first
  off = -1;
  CHECK_ERRNO(splice(in, &off, q[1], nullptr, 10, 0), EINVAL);
  CHECK_ERRNO(splice(in, reinterpret_cast<off_t*>(8), q[1], nullptr, 10, 0), EFAULT);
  close(in);
  close(out);
  close(append);
  close(p[0]);
  close(p[1]);
  close(q[0]);
  close(q[1]);
  return nullptr;
}

const char* TeeCopiesWithoutConsuming() {
  int p[2], q[2];
  CHECK(pipe(p) == 0 && pipe(q) == 0);
  CHECK(write(p[1], "duplicate", 9) == 9);
  CHECK_EQ(tee(p[0], q[1], 100, 0), 9);
  char buf[32] = {};
  CHECK_EQ(read(q[0], buf, sizeof buf), 9);
  CHECK(memcmp(buf, "duplicate", 9) == 0);
  CHECK_EQ(tee(p[0], q[1], 3, 0), 3);
  CHECK_EQ(read(q[0], buf, sizeof buf), 3);
  CHECK(memcmp(buf, "dup", 3) == 0);
  CHECK_EQ(read(p[0], buf, sizeof buf), 9);  // still all there
  CHECK(memcmp(buf, "duplicate", 9) == 0);
  CHECK_ERRNO(tee(p[0], q[1], 3, SPLICE_F_NONBLOCK), EAGAIN);
  CHECK_EQ(tee(p[0], q[1], 0, 0), 0);
  CHECK_ERRNO(tee(p[0], p[1], 3, 0), EINVAL);
  CHECK_ERRNO(tee(p[0], q[1], 3, 0x100), EINVAL);
  int f = open(MakePatternFile("tee_f", 10), O_RDWR);
  CHECK(f >= 0);
  CHECK_ERRNO(tee(f, q[1], 3, 0), EINVAL);
  CHECK_ERRNO(tee(p[0], f, 3, 0), EINVAL);
  CHECK_ERRNO(tee(999, q[1], 3, 0), EBADF);
  close(p[1]);
  CHECK_EQ(tee(p[0], q[1], 3, 0), 0);  // empty, no writer: end of file
  close(f);
  close(p[0]);
  close(q[0]);
  close(q[1]);
  return nullptr;
}

}  // namespace

const Case kKlogCases[] = {
    {"syslog_sizes", SyslogSizes},
    {"syslog_read_all_format", SyslogReadAllFormat},
    {"syslog_errors", SyslogErrors},
    {"syslog_clear", SyslogClear},
    {"syslog_console_level", SyslogConsoleLevel},
    {"syslog_read_consumes_and_blocks", SyslogReadConsumesAndBlocks},
    {"kmsg_read_format_and_seek", KmsgReadFormatAndSeek},
    {"kmsg_write_read_back", KmsgWriteReadBack},
    {"kmsg_poll_and_blocking_read", KmsgPollAndBlockingRead},
    {"kmsg_overwritten_gives_epipe", KmsgOverwrittenGivesEpipe},
    {"proc_kmsg_consumes", ProcKmsgConsumes},
    {"sendfile_offset_pointer", SendfileOffsetPointer},
    {"sendfile_null_offset_advances", SendfileNullOffsetAdvances},
    {"sendfile_to_pipe", SendfileToPipe},
    {"sendfile_errors", SendfileErrors},
    {"copy_file_range_copies", CopyFileRangeCopies},
    {"copy_file_range_errors", CopyFileRangeErrors},
    {"splice_file_to_pipe_to_file", SpliceFileToPipeToFile},
    {"splice_pipes", SplicePipes},
    {"splice_errors", SpliceErrors},
    {"tee_copies_without_consuming", TeeCopiesWithoutConsuming},
};
const int kKlogCaseCount = sizeof kKlogCases / sizeof kKlogCases[0];

}  // namespace posix_test
