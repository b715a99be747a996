// POSIX cases for file leases (fcntl F_SETLEASE/F_GETLEASE), modelled on
// LTP's fcntl23-fcntl26 and fcntl32-fcntl33: Linux's rules for setting a
// lease, the break an open starts (the holder's signal, the opener
// refused with O_NONBLOCK or waiting until the holder gives way), the
// kernel's own break after lease-break-time, and /proc/locks' LEASE
// lines. The host's Linux is the oracle.

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

namespace posix_test {
namespace {

// Linux's values; musl names them only with _GNU_SOURCE.
constexpr int kFSetLease = 1024;
constexpr int kFGetLease = 1025;
constexpr int kFSetSig = 10;
constexpr int kPollMsg = 3;  // POLL_MSG

const char* MakeFile(const char* name) {
  const char* path = TmpPath(name);
  return WriteFile(path, "lease", 5, 0644) ? path : nullptr;
}

// Whether /proc/locks has a line with all of `words` for this file's inode.
bool ProcLocksHas(int fd, const char* words) {
  struct stat st;
  if (fstat(fd, &st) != 0) return false;
  int locks = open("/proc/locks", O_RDONLY);
  if (locks < 0) return false;
  static char text[65536];
  ssize_t n = ReadAll(locks, text, sizeof text);
  close(locks);
  if (n < 0) return false;
  char ino[32];
  snprintf(ino, sizeof ino, ":%lu ", static_cast<unsigned long>(st.st_ino));
  for (char* line = strtok(text, "\n"); line != nullptr; line = strtok(nullptr, "\n")) {
    if (strstr(line, words) != nullptr && strstr(line, ino) != nullptr) return true;
  }
  return false;
}

// The break signal's handler records what it was told.
volatile sig_atomic_t g_signals = 0;
volatile sig_atomic_t g_si_fd = -1;
volatile sig_atomic_t g_si_code = 0;
void OnBreak(int, siginfo_t* info, void*) {
  g_si_fd = info->si_fd;
  g_si_code = info->si_code;
  g_signals = g_signals + 1;
}

// Catches SIGUSR1 with OnBreak (interrupted calls restart).
bool CatchBreaks() { return SetInfoHandler(SIGUSR1, OnBreak, SA_RESTART) == 0; }

// Waits (10 s bound) for the break signal number `n` (counted from 1).
bool AwaitSignal(int n) {
  for (int i = 0; i < 1000 && g_signals < n; ++i) SleepMs(10);
  return g_signals >= n;
}

// Opens `path` read-only and takes a write lease whose break signal is
// SIGUSR1 (caught by OnBreak); returns the fd or -1.
int HoldWriteLease(const char* path) {
  if (!CatchBreaks()) return -1;
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  if (fcntl(fd, kFSetSig, SIGUSR1) != 0 || fcntl(fd, kFSetLease, F_WRLCK) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

const char* LeaseSetGetRules() {
  const char* path = MakeFile("lease_rules");
  CHECK(path != nullptr);
  int rw = open(path, O_RDWR);
  CHECK_OK(rw);
  CHECK_EQ(fcntl(rw, kFGetLease), F_UNLCK);
  CHECK_ERRNO(fcntl(rw, kFSetLease, F_UNLCK), EAGAIN);  // no lease to drop
  CHECK_ERRNO(fcntl(rw, kFSetLease, 7), EINVAL);
  CHECK_ERRNO(fcntl(rw, kFSetLease, F_RDLCK), EAGAIN);  // open for writing (by itself)
  CHECK_OK(fcntl(rw, kFSetLease, F_WRLCK));             // the only open
  CHECK_EQ(fcntl(rw, kFGetLease), F_WRLCK);
  CHECK(ProcLocksHas(rw, "LEASE  ACTIVE    WRITE"));
  CHECK_OK(fcntl(rw, kFSetLease, F_UNLCK));
  CHECK_EQ(fcntl(rw, kFGetLease), F_UNLCK);
  CHECK_OK(close(rw));
  int ro1 = open(path, O_RDONLY);
  int ro2 = open(path, O_RDONLY);
  CHECK_OK(ro1);
  CHECK_OK(ro2);
  CHECK_ERRNO(fcntl(ro1, kFSetLease, F_WRLCK), EAGAIN);  // another open
  CHECK_OK(fcntl(ro1, kFSetLease, F_RDLCK));
  CHECK_OK(fcntl(ro2, kFSetLease, F_RDLCK));  // read leases share
  CHECK_EQ(fcntl(ro2, kFGetLease), F_RDLCK);
  CHECK(ProcLocksHas(ro1, "LEASE  ACTIVE    READ"));
  CHECK_ERRNO(fcntl(ro1, kFSetLease, F_WRLCK), EAGAIN);  // no upgrade beside a lease
  CHECK_OK(close(ro2));                                  // its lease goes with it
  CHECK_OK(fcntl(ro1, kFSetLease, F_WRLCK));             // now the only open
  CHECK_EQ(fcntl(ro1, kFGetLease), F_WRLCK);
  CHECK_OK(close(ro1));
  int pipes[2];
  CHECK_OK(pipe(pipes));
  CHECK_ERRNO(fcntl(pipes[0], kFSetLease, F_RDLCK), EINVAL);
  close(pipes[0]);
  close(pipes[1]);
  // Only the file's owner (or CAP_LEASE) may take a lease.
  pid_t child = fork();
  CHECK_OK(child);
  if (child == 0) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) _exit(2);
    if (setuid(65534) != 0) _exit(0);  // a host without other uids
    _exit(fcntl(fd, kFSetLease, F_RDLCK) == -1 && errno == EACCES ? 0 : 1);
  }
  int status;
  CHECK_EQ(waitpid(child, &status, 0), child);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return nullptr;
}

const char* LeaseNonblockingOpenStartsTheBreak() {
  const char* path = MakeFile("lease_nonblock");
  CHECK(path != nullptr);
  int fd = HoldWriteLease(path);
  CHECK_OK(fd);
  // A reader: the write lease is to become a read lease.
  CHECK_ERRNO(open(path, O_RDONLY | O_NONBLOCK), EWOULDBLOCK);
  CHECK(AwaitSignal(1));
  CHECK_EQ(g_si_fd, fd);
  CHECK_EQ(g_si_code, kPollMsg);
  CHECK_EQ(fcntl(fd, kFGetLease), F_RDLCK);
  CHECK(ProcLocksHas(fd, "LEASE  BREAKING  READ"));
  CHECK_ERRNO(open(path, O_RDONLY | O_NONBLOCK), EWOULDBLOCK);  // still breaking
  CHECK_OK(fcntl(fd, kFSetLease, F_RDLCK));                     // give way
  CHECK(ProcLocksHas(fd, "LEASE  ACTIVE    READ"));
  int reader = open(path, O_RDONLY | O_NONBLOCK);
  CHECK_OK(reader);
  CHECK_OK(close(reader));
  // A writer: the read lease is to go.
  CHECK_ERRNO(open(path, O_WRONLY | O_NONBLOCK), EWOULDBLOCK);
  CHECK(AwaitSignal(2));
  CHECK_EQ(fcntl(fd, kFGetLease), F_UNLCK);
  CHECK(ProcLocksHas(fd, "LEASE  BREAKING  UNLCK"));
  CHECK_OK(fcntl(fd, kFSetLease, F_UNLCK));
  int writer = open(path, O_WRONLY | O_NONBLOCK);
  CHECK_OK(writer);
  close(writer);
  close(fd);
  return nullptr;
}

// Without F_SETSIG the break signal is SIGIO, sent as the kernel's own
// (si_code SI_KERNEL), to the process that took the lease.
volatile sig_atomic_t g_sigio_code = 0;
void OnSigio(int, siginfo_t* info, void*) { g_sigio_code = info->si_code; }

const char* LeaseBreakSendsSigioByDefault() {
  const char* path = MakeFile("lease_sigio");
  CHECK(path != nullptr);
  CHECK_OK(SetInfoHandler(SIGIO, OnSigio, SA_RESTART));
  int fd = open(path, O_RDONLY);
  CHECK_OK(fd);
  CHECK_OK(fcntl(fd, kFSetLease, F_RDLCK));
  CHECK_EQ(fcntl(fd, F_GETOWN), getpid());  // the lease's setter owns the file now
  CHECK_ERRNO(open(path, O_RDWR | O_NONBLOCK), EWOULDBLOCK);
  for (int i = 0; i < 1000 && g_sigio_code == 0; ++i) SleepMs(10);
  CHECK_EQ(g_sigio_code, SI_KERNEL);
  CHECK_EQ(fcntl(fd, kFGetLease), F_UNLCK);
  close(fd);
  return nullptr;
}

// O_TRUNC truncates only once the lease is out of the way: a refused
// O_NONBLOCK open leaves the bytes alone.
const char* LeaseTruncWaitsForTheBreak() {
  const char* path = MakeFile("lease_trunc");
  CHECK(path != nullptr);
  int fd = HoldWriteLease(path);
  CHECK_OK(fd);
  CHECK_ERRNO(open(path, O_WRONLY | O_TRUNC | O_NONBLOCK), EWOULDBLOCK);
  struct stat st;
  CHECK_OK(fstat(fd, &st));
  CHECK_EQ(st.st_size, 5);
  CHECK(AwaitSignal(1));
  CHECK_OK(fcntl(fd, kFSetLease, F_UNLCK));
  int w = open(path, O_WRONLY | O_TRUNC | O_NONBLOCK);
  CHECK_OK(w);
  CHECK_OK(fstat(fd, &st));
  CHECK_EQ(st.st_size, 0);
  close(w);
  close(fd);
  return nullptr;
}

const char* LeaseBlockingOpenWaitsForTheHolder() {
  const char* path = MakeFile("lease_wait");
  CHECK(path != nullptr);
  int fd = HoldWriteLease(path);
  CHECK_OK(fd);
  int done[2];
  CHECK_OK(pipe(done));
  pid_t child = fork();
  CHECK_OK(child);
  if (child == 0) {
    close(done[0]);
    int w = open(path, O_RDWR);  // waits for the holder
    (void)!write(done[1], w >= 0 ? "o" : "x", 1);
    _exit(w >= 0 ? 0 : 1);
  }
  close(done[1]);
  CHECK(AwaitSignal(1));
  CHECK_EQ(g_si_fd, fd);
  CHECK_EQ(fcntl(fd, kFGetLease), F_UNLCK);
  struct pollfd p = {done[0], POLLIN, 0};
  CHECK_EQ(poll(&p, 1, 0), 0);  // the opener is still waiting
  CHECK_OK(fcntl(fd, kFSetLease, F_UNLCK));
  char c = 0;
  CHECK_EQ(read(done[0], &c, 1), 1);
  CHECK_EQ(c, 'o');
  int status;
  CHECK_EQ(waitpid(child, &status, 0), child);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(done[0]);
  close(fd);
  return nullptr;
}

// On Tessera only (fs.lease-break-time is the whole host's): a holder that
// does nothing loses its write lease to a reader after lease-break-time.
// (An opener that holds the lease itself would get EINTR from its own break
// signal, as on Linux: the opener is another process.)
const char* LeaseBreakTimesOut() {
  const char* knob = "/proc/sys/fs/lease-break-time";
  int k = open(knob, O_RDONLY);
  CHECK_OK(k);
  char text[32] = {};
  CHECK(read(k, text, sizeof text - 1) > 0);
  close(k);
  long old_time = strtol(text, nullptr, 10);
  CHECK(old_time >= 0);
  if (!OnTessera()) return nullptr;
  k = open(knob, O_WRONLY);
  CHECK_OK(k);
  CHECK_EQ(write(k, "1\n", 2), 2);
  close(k);
  const char* path = MakeFile("lease_timeout");
  CHECK(path != nullptr);
  int fd = HoldWriteLease(path);
  CHECK_OK(fd);
  // Another process reads: it waits a second, then the kernel downgrades.
  pid_t child = fork();
  if (child == 0) _exit(open(path, O_RDONLY) >= 0 ? 0 : 1);
  int status = -1;
  bool waited = child > 0 && waitpid(child, &status, 0) == child;
  int lease = fcntl(fd, kFGetLease);
  k = open(knob, O_WRONLY);
  char back[32];
  int n = snprintf(back, sizeof back, "%ld\n", old_time);
  bool restored = k >= 0 && write(k, back, n) == n;
  if (k >= 0) close(k);
  CHECK(waited && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK_EQ(lease, F_RDLCK);
  CHECK(AwaitSignal(1));
  CHECK(restored);
  close(fd);
  return nullptr;
}

}  // namespace

extern const Case kLeaseCases[] = {
    {"lease_set_get_rules", LeaseSetGetRules},
    {"lease_nonblocking_open_starts_the_break", LeaseNonblockingOpenStartsTheBreak},
    {"lease_break_sends_sigio_by_default", LeaseBreakSendsSigioByDefault},
    {"lease_o_trunc_waits_for_the_break", LeaseTruncWaitsForTheBreak},
    {"lease_blocking_open_waits_for_the_holder", LeaseBlockingOpenWaitsForTheHolder},
    {"lease_break_times_out", LeaseBreakTimesOut},
};
const int kLeaseCaseCount = sizeof kLeaseCases / sizeof kLeaseCases[0];

}  // namespace posix_test
