// POSIX cases for file locks, modelled on LTP's fcntl11-fcntl37 and flock*:
// fcntl record locks (F_GETLK/F_SETLK/F_SETLKW), open file description
// locks (F_OFD_*), flock(2) and /proc/locks; and the other fcntl commands
// of issue 13 (F_GETPIPE_SZ/F_SETPIPE_SZ, as LTP's fcntl30). Conflicts need
// a second process, so most cases fork one. The host's Linux is the oracle.

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

namespace posix_test {
namespace {

// musl and glibc name these only with _GNU_SOURCE; the values are Linux's.
#ifndef F_OFD_GETLK
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#endif
#ifndef F_SETSIG
#define F_SETSIG 10
#define F_GETSIG 11
#define F_SETOWN_EX 15
#define F_GETOWN_EX 16
#define F_OWNER_TID 0
#define F_OWNER_PID 1
#define F_OWNER_PGRP 2
struct f_owner_ex {
  int type;
  pid_t pid;
};
#endif
#ifndef F_SETPIPE_SZ
#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032
#endif

struct flock Range(short type, off_t start, off_t len, short whence = SEEK_SET) {
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = whence;
  fl.l_start = start;
  fl.l_len = len;
  return fl;
}

int SetLk(int fd, int cmd, short type, off_t start, off_t len) {
  struct flock fl = Range(type, start, len);
  return fcntl(fd, cmd, &fl);
}

// A fresh file of `size` bytes in the work directory, open read-write.
int OpenFresh(const char* name, size_t size) {
  const char* path = TmpPath(name);
  unlink(path);
  int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd >= 0 && size > 0 && ftruncate(fd, static_cast<off_t>(size)) != 0) return -1;
  return fd;
}

// Runs fn(arg) in a child and returns its exit status (or -1).
int InChild(int (*fn)(void* arg), void* arg) {
  pid_t child = fork();
  if (child < 0) return -1;
  if (child == 0) _exit(fn(arg));
  int status;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// What another process's F_GETLK sees for [start, start+len) of `path`.
struct Probe {
  const char* path;
  short type;
  off_t start;
  off_t len;
};

// Exits 0 when nothing is in the way, 1 for a read lock, 2 for a write lock.
int ProbeChild(void* arg) {
  auto* p = static_cast<Probe*>(arg);
  int fd = open(p->path, O_RDWR);
  if (fd < 0) return 10;
  struct flock fl = Range(p->type, p->start, p->len);
  if (fcntl(fd, F_GETLK, &fl) != 0) return 11;
  if (fl.l_type == F_UNLCK) return 0;
  return fl.l_type == F_RDLCK ? 1 : 2;
}

// 0 free, 1 read-locked, 2 write-locked by someone else (seen from a child).
int OtherSees(const char* path, short type, off_t start, off_t len) {
  Probe p{path, type, start, len};
  return InChild(ProbeChild, &p);
}

const char* GetlkReportsTheConflict() {
  int fd = OpenFresh("lk-getlk", 200);
  CHECK(fd >= 0);
  CHECK_OK(SetLk(fd, F_SETLK, F_WRLCK, 10, 10));
  CHECK_OK(SetLk(fd, F_SETLK, F_RDLCK, 50, 0));  // 50 to EOF
  // The owner's own locks never conflict with it.
  struct flock own = Range(F_WRLCK, 0, 0);
  CHECK_OK(fcntl(fd, F_GETLK, &own));
  CHECK_EQ(own.l_type, F_UNLCK);
  int report[2];
  CHECK_OK(pipe(report));
  const pid_t parent = getpid();
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    int cfd = open(TmpPath("lk-getlk"), O_RDWR);
    struct flock out[4];
    out[0] = Range(F_WRLCK, 0, 20);
    out[1] = Range(F_RDLCK, 0, 10);
    out[2] = Range(F_RDLCK, 60, 5);
    out[3] = Range(F_WRLCK, 60, 5);
    for (auto& fl : out) fcntl(cfd, F_GETLK, &fl);
    int setlk = SetLk(cfd, F_SETLK, F_RDLCK, 15, 1) == -1 ? errno : 0;
    (void)!write(report[1], out, sizeof out);
    (void)!write(report[1], &setlk, sizeof setlk);
    _exit(0);
  }
  struct flock out[4];
  int setlk = 0;
  CHECK_EQ(read(report[0], out, sizeof out), static_cast<ssize_t>(sizeof out));
  CHECK_EQ(read(report[0], &setlk, sizeof setlk), static_cast<ssize_t>(sizeof setlk));
  int status;
  CHECK(waitpid(child, &status, 0) == child);
  CHECK_EQ(out[0].l_type, F_WRLCK);
  CHECK_EQ(out[0].l_whence, SEEK_SET);
  CHECK_EQ(out[0].l_start, 10);
  CHECK_EQ(out[0].l_len, 10);
  CHECK_EQ(out[0].l_pid, parent);
  CHECK_EQ(out[1].l_type, F_UNLCK);  // nothing below 10
  CHECK_EQ(out[1].l_start, 0);       // the rest as asked
  CHECK_EQ(out[1].l_len, 10);
  CHECK_EQ(out[2].l_type, F_UNLCK);  // readers share
  CHECK_EQ(out[3].l_type, F_RDLCK);
  CHECK_EQ(out[3].l_start, 50);
  CHECK_EQ(out[3].l_len, 0);  // to EOF
  CHECK_EQ(out[3].l_pid, parent);
  CHECK_EQ(setlk, EAGAIN);
  close(report[0]);
  close(report[1]);
  close(fd);
  return nullptr;
}

const char* LockArgumentErrors() {
  int fd = OpenFresh("lk-errors", 50);
  CHECK(fd >= 0);
  struct flock fl = Range(F_WRLCK, 0, 1, 7);
  CHECK_ERRNO(fcntl(fd, F_SETLK, &fl), EINVAL);  // l_whence
  fl = Range(5, 0, 1);
  CHECK_ERRNO(fcntl(fd, F_SETLK, &fl), EINVAL);  // l_type
  fl = Range(F_UNLCK, 0, 1);
  CHECK_ERRNO(fcntl(fd, F_GETLK, &fl), EINVAL);  // F_GETLK of F_UNLCK
  fl = Range(F_WRLCK, -1, 1);
  CHECK_ERRNO(fcntl(fd, F_SETLK, &fl), EINVAL);  // before the start
  fl = Range(F_WRLCK, 5, -6);
  CHECK_ERRNO(fcntl(fd, F_SETLK, &fl), EINVAL);  // a negative length past 0
  fl = Range(F_WRLCK, 2, LLONG_MAX);
  CHECK_ERRNO(fcntl(fd, F_SETLK, &fl), EOVERFLOW);
  CHECK(lseek(fd, 10, SEEK_SET) == 10);
  fl = Range(F_WRLCK, LLONG_MAX, 1, SEEK_CUR);
  CHECK_ERRNO(fcntl(fd, F_SETLK, &fl), EOVERFLOW);
  fl = Range(F_WRLCK, 1, LLONG_MAX);  // exactly to OFFSET_MAX: fine
  CHECK_OK(fcntl(fd, F_SETLK, &fl));
  CHECK_OK(SetLk(fd, F_SETLK, F_UNLCK, 0, 0));
  CHECK_ERRNO(fcntl(fd, F_SETLK, static_cast<struct flock*>(nullptr)), EFAULT);
  CHECK_ERRNO(SetLk(-1, F_SETLK, F_WRLCK, 0, 0), EBADF);
  // The access mode must allow the lock's kind.
  int ro = open(TmpPath("lk-errors"), O_RDONLY);
  int wo = open(TmpPath("lk-errors"), O_WRONLY);
  CHECK(ro >= 0 && wo >= 0);
  CHECK_ERRNO(SetLk(ro, F_SETLK, F_WRLCK, 0, 1), EBADF);
  CHECK_ERRNO(SetLk(wo, F_SETLK, F_RDLCK, 0, 1), EBADF);
  CHECK_OK(SetLk(ro, F_SETLK, F_RDLCK, 0, 1));
  CHECK_OK(SetLk(wo, F_SETLK, F_UNLCK, 0, 1));  // unlocking needs no mode
  // OFD locks want l_pid 0.
  fl = Range(F_RDLCK, 0, 1);
  fl.l_pid = 1;
  CHECK_ERRNO(fcntl(fd, F_OFD_SETLK, &fl), EINVAL);
  CHECK_ERRNO(fcntl(fd, F_OFD_GETLK, &fl), EINVAL);
  close(ro);
  close(wo);
  close(fd);
  return nullptr;
}

// A range set from the end, the offset and with a negative length, as
// another process sees it.
struct RangeSeen {
  off_t start, len;
};

int SeeRanges(void* arg) {
  auto* out = static_cast<RangeSeen*>(arg);
  int fd = open(TmpPath("lk-whence"), O_RDWR);
  for (int i = 0; i < 3; ++i) {
    struct flock fl = Range(F_WRLCK, out[i].start, 1);
    if (fcntl(fd, F_GETLK, &fl) != 0 || fl.l_type != F_WRLCK) return 1;
    if (fl.l_start != out[i + 3].start || fl.l_len != out[i + 3].len) return 2 + i;
  }
  return 0;
}

const char* LockWhenceAndNegativeLengths() {
  int fd = OpenFresh("lk-whence", 50);
  CHECK(fd >= 0);
  struct flock fl = Range(F_WRLCK, -10, 5, SEEK_END);  // [40, 44]
  CHECK_OK(fcntl(fd, F_SETLK, &fl));
  CHECK(lseek(fd, 20, SEEK_SET) == 20);
  fl = Range(F_WRLCK, 2, 3, SEEK_CUR);  // [22, 24]
  CHECK_OK(fcntl(fd, F_SETLK, &fl));
  fl = Range(F_WRLCK, 100, -10);  // [90, 99]
  CHECK_OK(fcntl(fd, F_SETLK, &fl));
  // Probes at 42, 23, 95 must find [40,5], [22,3], [90,10].
  RangeSeen want[6] = {{42, 0}, {23, 0}, {95, 0}, {40, 5}, {22, 3}, {90, 10}};
  CHECK_EQ(InChild(SeeRanges, want), 0);
  close(fd);
  return nullptr;
}

const char* LockSplitAndMergeSeenByOthers() {
  int fd = OpenFresh("lk-split", 0);
  CHECK(fd >= 0);
  const char* path = TmpPath("lk-split");
  char keep[256];
  snprintf(keep, sizeof keep, "%s", path);
  CHECK_OK(SetLk(fd, F_SETLK, F_WRLCK, 0, 0));
  CHECK_OK(SetLk(fd, F_SETLK, F_UNLCK, 100, 10));  // a hole in the middle
  CHECK_EQ(OtherSees(keep, F_WRLCK, 100, 10), 0);
  CHECK_EQ(OtherSees(keep, F_RDLCK, 99, 1), 2);
  CHECK_EQ(OtherSees(keep, F_RDLCK, 110, 1), 2);
  CHECK_OK(SetLk(fd, F_SETLK, F_RDLCK, 100, 10));  // a read lock in the hole
  CHECK_EQ(OtherSees(keep, F_RDLCK, 100, 10), 0);
  CHECK_EQ(OtherSees(keep, F_WRLCK, 105, 1), 1);
  CHECK_OK(SetLk(fd, F_SETLK, F_WRLCK, 100, 10));  // one write lock again
  CHECK_EQ(OtherSees(keep, F_RDLCK, 105, 1), 2);
  CHECK_OK(SetLk(fd, F_SETLK, F_UNLCK, 0, 0));
  CHECK_EQ(OtherSees(keep, F_WRLCK, 0, 0), 0);
  close(fd);
  return nullptr;
}

const char* LockReleasedByClosingAnyFd() {
  int fd = OpenFresh("lk-close", 10);
  CHECK(fd >= 0);
  char path[256];
  snprintf(path, sizeof path, "%s", TmpPath("lk-close"));
  int other = open(path, O_RDONLY);  // another description of the same file
  CHECK(other >= 0);
  CHECK_OK(SetLk(fd, F_SETLK, F_WRLCK, 0, 0));
  CHECK_EQ(OtherSees(path, F_RDLCK, 0, 0), 2);
  CHECK_OK(close(other));  // as POSIX: any close of the file drops them
  CHECK_EQ(OtherSees(path, F_RDLCK, 0, 0), 0);
  // A dup'ed fd is the same: closing it drops the lock taken through fd.
  CHECK_OK(SetLk(fd, F_SETLK, F_WRLCK, 0, 0));
  int copy = dup(fd);
  CHECK_OK(close(copy));
  CHECK_EQ(OtherSees(path, F_RDLCK, 0, 0), 0);
  close(fd);
  return nullptr;
}

int HoldAndExit(void* arg) {
  int fd = *static_cast<int*>(arg);
  // The child's own lock (fork does not pass locks on: the parent's is
  // still in its way).
  if (SetLk(fd, F_SETLK, F_WRLCK, 0, 10) != -1 || errno != EAGAIN) return 1;
  if (SetLk(fd, F_SETLK, F_WRLCK, 20, 10) != 0) return 2;
  return 0;  // exits holding [20, 30)
}

const char* LockNotInheritedAndReleasedAtExit() {
  int fd = OpenFresh("lk-exit", 10);
  CHECK(fd >= 0);
  CHECK_OK(SetLk(fd, F_SETLK, F_WRLCK, 0, 10));
  CHECK_EQ(InChild(HoldAndExit, &fd), 0);
  CHECK_OK(SetLk(fd, F_SETLK, F_WRLCK, 20, 10));  // the child's went with it
  close(fd);
  return nullptr;
}

const char* SetlkwWaitsForTheHolder() {
  int fd = OpenFresh("lk-wait", 10);
  CHECK(fd >= 0);
  int ready[2];
  CHECK_OK(pipe(ready));
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    if (SetLk(fd, F_SETLK, F_WRLCK, 0, 0) != 0) _exit(1);
    (void)!write(ready[1], "r", 1);
    SleepMs(100);
    _exit(0);  // the lock goes with the process
  }
  char c;
  CHECK_EQ(read(ready[0], &c, 1), 1);
  CHECK_ERRNO(SetLk(fd, F_SETLK, F_WRLCK, 5, 1), EAGAIN);
  CHECK_OK(SetLk(fd, F_SETLKW, F_WRLCK, 5, 1));  // sleeps until the exit
  int status;
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(fd);
  close(ready[0]);
  close(ready[1]);
  return nullptr;
}

const char* SetlkwDeadlockIsEdeadlk() {
  int fd = OpenFresh("lk-deadlock", 10);
  CHECK(fd >= 0);
  int ready[2];
  CHECK_OK(pipe(ready));
  CHECK_OK(SetLk(fd, F_SETLK, F_WRLCK, 0, 1));
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    if (SetLk(fd, F_SETLK, F_WRLCK, 1, 1) != 0) _exit(1);
    (void)!write(ready[1], "r", 1);
    if (SetLk(fd, F_SETLKW, F_WRLCK, 0, 1) == 0) _exit(0);
    _exit(errno == EDEADLK ? 2 : 3);  // exiting lets the parent through
  }
  char c;
  CHECK_EQ(read(ready[0], &c, 1), 1);
  SleepMs(50);  // usually the child is asleep by now; either order is checked
  int r = SetLk(fd, F_SETLKW, F_WRLCK, 1, 1);
  int err = errno;
  // Whichever of the two closed the cycle got EDEADLK; the other waited.
  if (r == -1) {
    CHECK_EQ(err, EDEADLK);
    CHECK_OK(SetLk(fd, F_SETLK, F_UNLCK, 0, 1));  // let the child have it
  }
  int status;
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status));
  CHECK_EQ(WEXITSTATUS(status), r == -1 ? 0 : 2);
  close(fd);
  close(ready[0]);
  close(ready[1]);
  return nullptr;
}

int g_release_fd = -1;
volatile sig_atomic_t g_alarms = 0;
void OnAlarm(int) {
  g_alarms = g_alarms + 1;
  if (g_release_fd >= 0) (void)!write(g_release_fd, "u", 1);
}

const char* SetlkwInterruptedBySignal() {
  int fd = OpenFresh("lk-eintr", 10);
  CHECK(fd >= 0);
  int ready[2], release[2];
  CHECK_OK(pipe(ready));
  CHECK_OK(pipe(release));
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    if (SetLk(fd, F_SETLK, F_WRLCK, 0, 0) != 0) _exit(1);
    (void)!write(ready[1], "r", 1);
    char c;
    while (read(release[0], &c, 1) != 1) {
    }
    _exit(0);
  }
  char c;
  CHECK_EQ(read(ready[0], &c, 1), 1);
  // Without SA_RESTART the wait ends with EINTR.
  CHECK_OK(SetHandler(SIGALRM, OnAlarm, 0));
  alarm(1);
  CHECK_ERRNO(SetLk(fd, F_SETLKW, F_WRLCK, 0, 1), EINTR);
  CHECK_EQ(g_alarms, 1);
  // With SA_RESTART it is restarted (the handler has the holder let go).
  g_release_fd = release[1];
  CHECK_OK(SetHandler(SIGALRM, OnAlarm, SA_RESTART));
  alarm(1);
  CHECK_OK(SetLk(fd, F_SETLKW, F_WRLCK, 0, 1));
  CHECK_EQ(g_alarms, 2);
  int status;
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(fd);
  return nullptr;
}

int FlockNb(const char* path, int op) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return 10;
  if (flock(fd, op | LOCK_NB) == 0) return 0;
  return errno == EWOULDBLOCK ? 1 : 11;
}

struct FlockProbe {
  const char* path;
  int op;
};
int FlockProbeChild(void* arg) {
  auto* p = static_cast<FlockProbe*>(arg);
  return FlockNb(p->path, p->op);
}
// 0 when another process's new description gets `op` at once, 1 EWOULDBLOCK.
int OtherFlock(const char* path, int op) {
  FlockProbe p{path, op};
  return InChild(FlockProbeChild, &p);
}

int FlockInheritedFd(void* arg) {
  int fd = *static_cast<int*>(arg);
  // The same description: the same lock (converting it is fine).
  return flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : 1;
}

const char* FlockPerDescription() {
  int fd = OpenFresh("lk-flock", 0);
  CHECK(fd >= 0);
  char path[256];
  snprintf(path, sizeof path, "%s", TmpPath("lk-flock"));
  CHECK_OK(flock(fd, LOCK_EX));
  CHECK_EQ(OtherFlock(path, LOCK_SH), 1);
  // Another description of the same process is another owner too.
  int second = open(path, O_RDONLY);
  CHECK(second >= 0);
  CHECK_ERRNO(flock(second, LOCK_SH | LOCK_NB), EWOULDBLOCK);
  CHECK_EQ(InChild(FlockInheritedFd, &fd), 0);
  // The lock lives as long as the description: a dup keeps it.
  int copy = dup(fd);
  CHECK_OK(close(fd));
  CHECK_EQ(OtherFlock(path, LOCK_SH), 1);
  CHECK_OK(close(copy));
  CHECK_EQ(OtherFlock(path, LOCK_EX), 0);
  // Shared locks share; a failed conversion loses the old lock (Linux
  // drops it before trying).
  CHECK_OK(flock(second, LOCK_SH));
  int third = open(path, O_RDONLY);
  CHECK_OK(flock(third, LOCK_SH | LOCK_NB));
  CHECK_ERRNO(flock(second, LOCK_EX | LOCK_NB), EWOULDBLOCK);
  CHECK_OK(flock(third, LOCK_EX | LOCK_NB));  // `second` holds nothing now
  CHECK_OK(flock(third, LOCK_UN));
  CHECK_OK(flock(third, LOCK_UN));  // unlocking nothing is fine
  CHECK_ERRNO(flock(third, 0), EINVAL);
  CHECK_ERRNO(flock(third, LOCK_SH | LOCK_EX), EINVAL);
  CHECK_ERRNO(flock(-1, LOCK_SH), EBADF);
  close(second);
  close(third);
  return nullptr;
}

const char* FlockAndFcntlAreIndependent() {
  int fd = OpenFresh("lk-indep", 10);
  CHECK(fd >= 0);
  char path[256];
  snprintf(path, sizeof path, "%s", TmpPath("lk-indep"));
  CHECK_OK(flock(fd, LOCK_EX));
  // Another process's record locks do not see the flock lock ...
  CHECK_EQ(OtherSees(path, F_WRLCK, 0, 0), 0);
  CHECK_OK(flock(fd, LOCK_UN));
  // ... and flock does not see record locks.
  CHECK_OK(SetLk(fd, F_SETLK, F_WRLCK, 0, 0));
  CHECK_EQ(OtherFlock(path, LOCK_EX), 0);
  close(fd);
  return nullptr;
}

const char* OfdLocksBelongToTheDescription() {
  int fd = OpenFresh("lk-ofd", 10);
  CHECK(fd >= 0);
  char path[256];
  snprintf(path, sizeof path, "%s", TmpPath("lk-ofd"));
  int fd2 = open(path, O_RDWR);
  CHECK(fd2 >= 0);
  CHECK_OK(SetLk(fd, F_OFD_SETLK, F_WRLCK, 0, 5));
  // Two descriptions of one process conflict.
  CHECK_ERRNO(SetLk(fd2, F_OFD_SETLK, F_WRLCK, 2, 1), EAGAIN);
  struct flock fl = Range(F_RDLCK, 0, 0);
  CHECK_OK(fcntl(fd2, F_OFD_GETLK, &fl));
  CHECK_EQ(fl.l_type, F_WRLCK);
  CHECK_EQ(fl.l_start, 0);
  CHECK_EQ(fl.l_len, 5);
  CHECK_EQ(fl.l_pid, -1);  // an OFD lock has no process
  // A process's POSIX locks conflict with OFD locks, even its own.
  CHECK_ERRNO(SetLk(fd2, F_SETLK, F_RDLCK, 4, 1), EAGAIN);
  fl = Range(F_RDLCK, 0, 0);
  CHECK_OK(fcntl(fd2, F_GETLK, &fl));
  CHECK_EQ(fl.l_type, F_WRLCK);
  CHECK_EQ(fl.l_pid, -1);
  CHECK_OK(SetLk(fd2, F_SETLK, F_RDLCK, 5, 5));
  // POSIX lock in the way of an OFD lock: l_pid is the process's.
  fl = Range(F_WRLCK, 6, 1);
  CHECK_OK(fcntl(fd, F_OFD_GETLK, &fl));
  CHECK_EQ(fl.l_type, F_RDLCK);
  CHECK_EQ(fl.l_pid, getpid());
  // Closing another fd of the file leaves OFD locks alone (and drops the
  // POSIX one).
  int fd3 = open(path, O_RDONLY);
  CHECK_OK(close(fd3));
  CHECK_ERRNO(SetLk(fd2, F_OFD_SETLK, F_WRLCK, 2, 1), EAGAIN);
  CHECK_OK(SetLk(fd, F_OFD_SETLK, F_WRLCK, 5, 5));  // the POSIX read lock went
  // The last close of the description releases them.
  CHECK_OK(close(fd));
  CHECK_OK(SetLk(fd2, F_OFD_SETLK, F_WRLCK, 0, 0));
  close(fd2);
  return nullptr;
}

int OfdInherited(void* arg) {
  int fd = *static_cast<int*>(arg);
  // The inherited description owns the parent's lock: no conflict ...
  if (SetLk(fd, F_OFD_SETLK, F_WRLCK, 0, 1) != 0) return 1;
  // ... but a fresh description does.
  int other = open(TmpPath("lk-ofd-fork"), O_RDWR);
  if (SetLk(other, F_OFD_SETLK, F_RDLCK, 0, 1) != -1 || errno != EAGAIN) return 2;
  return 0;
}

const char* OfdLocksSharedAcrossFork() {
  int fd = OpenFresh("lk-ofd-fork", 10);
  CHECK(fd >= 0);
  CHECK_OK(SetLk(fd, F_OFD_SETLK, F_WRLCK, 0, 0));
  CHECK_EQ(InChild(OfdInherited, &fd), 0);
  close(fd);
  return nullptr;
}

// /proc/locks: "N: POSIX  ADVISORY  WRITE pid maj:min:ino start end".
const char* ProcLocksLists() {
  int fd = OpenFresh("lk-proc", 10);
  CHECK(fd >= 0);
  int fd2 = OpenFresh("lk-proc2", 10);
  CHECK(fd2 >= 0);
  CHECK_OK(SetLk(fd, F_SETLK, F_WRLCK, 0, 100));
  CHECK_OK(SetLk(fd, F_SETLK, F_RDLCK, 200, 0));
  CHECK_OK(flock(fd2, LOCK_SH));
  CHECK_OK(SetLk(fd2, F_OFD_SETLK, F_WRLCK, 5, 5));
  struct stat st, st2;
  CHECK_OK(fstat(fd, &st));
  CHECK_OK(fstat(fd2, &st2));
  char want[4][128];
  snprintf(want[0], sizeof want[0], ": POSIX  ADVISORY  WRITE %d %02x:%02x:%lu 0 99\n", getpid(),
           major(st.st_dev), minor(st.st_dev), static_cast<unsigned long>(st.st_ino));
  snprintf(want[1], sizeof want[1], ": POSIX  ADVISORY  READ %d %02x:%02x:%lu 200 EOF\n", getpid(),
           major(st.st_dev), minor(st.st_dev), static_cast<unsigned long>(st.st_ino));
  snprintf(want[2], sizeof want[2], ": FLOCK  ADVISORY  READ %d %02x:%02x:%lu 0 EOF\n", getpid(),
           major(st2.st_dev), minor(st2.st_dev), static_cast<unsigned long>(st2.st_ino));
  snprintf(want[3], sizeof want[3], ": OFDLCK ADVISORY  WRITE -1 %02x:%02x:%lu 5 9\n",
           major(st2.st_dev), minor(st2.st_dev), static_cast<unsigned long>(st2.st_ino));
  int proc = open("/proc/locks", O_RDONLY);
  CHECK(proc >= 0);
  static char text[65536];
  ssize_t n = ReadAll(proc, text, sizeof text - 1);
  CHECK(n > 0);
  text[n] = '\0';
  close(proc);
  for (auto& w : want) {
    if (strstr(text, w) == nullptr) return Fail("/proc/locks lacks \"%s\" in:\n%s", w, text);
  }
  // Every line starts with its number.
  CHECK(text[0] >= '1' && text[0] <= '9');
  close(fd);
  close(fd2);
  return nullptr;
}

// A blocked F_SETLKW is listed under the lock in its way: "N: -> POSIX ...".
const char* ProcLocksListsWaiters() {
  int fd = OpenFresh("lk-proc-wait", 10);
  CHECK(fd >= 0);
  CHECK_OK(SetLk(fd, F_SETLK, F_WRLCK, 0, 10));
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    int cfd = open(TmpPath("lk-proc-wait"), O_RDWR);
    _exit(SetLk(cfd, F_SETLKW, F_RDLCK, 5, 2) == 0 ? 0 : 1);
  }
  struct stat st;
  CHECK_OK(fstat(fd, &st));
  char holder[128], waiter[128];
  snprintf(holder, sizeof holder, ": POSIX  ADVISORY  WRITE %d %02x:%02x:%lu 0 9\n", getpid(),
           major(st.st_dev), minor(st.st_dev), static_cast<unsigned long>(st.st_ino));
  snprintf(waiter, sizeof waiter, ": -> POSIX  ADVISORY  READ %d %02x:%02x:%lu 5 6\n", child,
           major(st.st_dev), minor(st.st_dev), static_cast<unsigned long>(st.st_ino));
  static char text[65536];
  const char* seen = nullptr;
  for (int tries = 0; tries < 250 && seen == nullptr; ++tries) {  // until the child sleeps
    int proc = open("/proc/locks", O_RDONLY);
    CHECK(proc >= 0);
    ssize_t n = ReadAll(proc, text, sizeof text - 1);
    close(proc);
    CHECK(n >= 0);
    text[n] = '\0';
    seen = strstr(text, waiter);
    if (seen == nullptr) SleepMs(20);
  }
  if (seen == nullptr) return Fail("no \"%s\" in /proc/locks:\n%s", waiter, text);
  // The line before it is the holder's, with the same number.
  const char* line = seen;
  while (line > text && line[-1] != '\n') --line;
  const char* prev = line - 1;
  while (prev > text && prev[-1] != '\n') --prev;
  CHECK(prev < line);
  size_t number = static_cast<size_t>(seen - line);
  CHECK(strncmp(prev, line, number) == 0 && prev[number] == ':');
  CHECK(strncmp(prev + number, holder, strlen(holder)) == 0);
  CHECK_OK(SetLk(fd, F_SETLK, F_UNLCK, 0, 0));  // lets the child through
  int status;
  CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(fd);
  return nullptr;
}

const char* PipeSizeGetAndSet() {
  int p[2];
  CHECK_OK(pipe2(p, O_NONBLOCK));
  CHECK_EQ(fcntl(p[0], F_GETPIPE_SZ), 65536);
  CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 1), 4096);  // at least a page
  CHECK_EQ(fcntl(p[0], F_GETPIPE_SZ), 4096);     // one ring for both ends
  static char buf[8192];
  memset(buf, 'p', sizeof buf);
  CHECK_EQ(write(p[1], buf, 4096), 4096);
  CHECK_ERRNO(write(p[1], buf, 1), EAGAIN);         // full at 4096
  CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 5000), 8192);  // a power of two
  CHECK_EQ(write(p[1], buf, 4096), 4096);
  CHECK_ERRNO(fcntl(p[1], F_SETPIPE_SZ, 4096), EBUSY);  // 8192 bytes in it
  CHECK_EQ(read(p[0], buf, sizeof buf), 8192);
  CHECK_EQ(write(p[1], "0123456789", 10), 10);
  CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 4096), 4096);  // what is in it fits
  CHECK_ERRNO(write(p[1], buf, 4096), EAGAIN);      // 4096 in one piece: no room
  char got[16];
  CHECK_EQ(read(p[0], got, sizeof got), 10);
  CHECK(memcmp(got, "0123456789", 10) == 0);              // kept across the resize
  CHECK_EQ(fcntl(p[0], F_SETPIPE_SZ, 1 << 20), 1 << 20);  // pipe-max-size
  CHECK_ERRNO(fcntl(p[0], F_SETPIPE_SZ, 0x80000001u), EINVAL);
  int file = OpenFresh("pipe-sz", 0);
  CHECK(file >= 0);
  CHECK_ERRNO(fcntl(file, F_GETPIPE_SZ), EBADF);
  CHECK_ERRNO(fcntl(file, F_SETPIPE_SZ, 4096), EBADF);
  close(file);
  close(p[0]);
  close(p[1]);
  return nullptr;
}

const char* FifoPipeSizeIsShared() {
  const char* path = TmpPath("pipe-sz-fifo");
  unlink(path);
  CHECK_OK(mkfifo(path, 0600));
  int a = open(path, O_RDWR | O_NONBLOCK);
  int b = open(path, O_RDONLY | O_NONBLOCK);
  CHECK(a >= 0 && b >= 0);
  CHECK_EQ(fcntl(b, F_GETPIPE_SZ), 65536);
  CHECK_EQ(fcntl(a, F_SETPIPE_SZ, 8000), 8192);
  CHECK_EQ(fcntl(b, F_GETPIPE_SZ), 8192);  // every opener sees one pipe
  static char buf[8192];
  CHECK_EQ(write(a, buf, sizeof buf), 8192);
  CHECK_ERRNO(write(a, buf, 1), EAGAIN);
  CHECK_ERRNO(fcntl(b, F_SETPIPE_SZ, 4096), EBUSY);
  close(a);
  close(b);
  unlink(path);
  return nullptr;
}

const char* FcntlOwnerAndSignal() {
  int p[2];
  CHECK_OK(pipe(p));
  CHECK_EQ(fcntl(p[0], F_GETOWN), 0);
  struct f_owner_ex ex = {-1, -1};
  CHECK_OK(fcntl(p[0], F_GETOWN_EX, &ex));
  CHECK_EQ(ex.type, F_OWNER_TID);
  CHECK_EQ(ex.pid, 0);
  CHECK_OK(fcntl(p[0], F_SETOWN, getpid()));
  CHECK_EQ(fcntl(p[0], F_GETOWN), getpid());
  CHECK_OK(fcntl(p[0], F_GETOWN_EX, &ex));
  CHECK_EQ(ex.type, F_OWNER_PID);
  CHECK_EQ(ex.pid, getpid());
  CHECK_OK(fcntl(p[1], F_SETOWN, -getpgrp()));  // a group: negative
  CHECK_EQ(fcntl(p[1], F_GETOWN), -getpgrp());
  CHECK_OK(fcntl(p[1], F_GETOWN_EX, &ex));
  CHECK_EQ(ex.type, F_OWNER_PGRP);
  CHECK_EQ(ex.pid, getpgrp());
  ex = {F_OWNER_TID, getpid()};  // the main thread's tid is the pid
  CHECK_OK(fcntl(p[1], F_SETOWN_EX, &ex));
  CHECK_EQ(fcntl(p[1], F_GETOWN), getpid());
  ex = {5, getpid()};
  CHECK_ERRNO(fcntl(p[1], F_SETOWN_EX, &ex), EINVAL);
  CHECK_ERRNO(fcntl(p[1], F_SETOWN_EX, static_cast<struct f_owner_ex*>(nullptr)), EFAULT);
  CHECK_ERRNO(fcntl(p[1], F_SETOWN, 0x3fffffff), ESRCH);
  CHECK_OK(fcntl(p[1], F_SETOWN, 0));
  CHECK_EQ(fcntl(p[1], F_GETOWN), 0);
  CHECK_EQ(fcntl(p[0], F_GETSIG), 0);
  CHECK_ERRNO(fcntl(p[0], F_SETSIG, 65), EINVAL);
  CHECK_OK(fcntl(p[0], F_SETSIG, SIGUSR1));
  CHECK_EQ(fcntl(p[0], F_GETSIG), SIGUSR1);
  CHECK_OK(fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK));
  CHECK_EQ(fcntl(p[0], F_GETFL) & (O_ASYNC | O_NONBLOCK), O_ASYNC | O_NONBLOCK);
  close(p[0]);
  close(p[1]);
  return nullptr;
}

volatile sig_atomic_t g_sigio = 0;
void OnSigio(int) { g_sigio = g_sigio + 1; }

// Waits (signals blocked in `blocked`) until *flag is set, or gives up
// after a SIGALRM 5 s on.
bool AwaitSignal(volatile sig_atomic_t* flag, const sigset_t& blocked) {
  alarm(5);
  sigset_t open_mask = blocked;
  sigdelset(&open_mask, SIGIO);
  sigdelset(&open_mask, SIGUSR1);
  sigdelset(&open_mask, SIGUSR2);
  sigdelset(&open_mask, SIGALRM);
  while (*flag == 0) sigsuspend(&open_mask);
  alarm(0);
  return true;
}

const char* OAsyncPipeAndSocketSendSigio() {
  CHECK_OK(SetHandler(SIGIO, OnSigio, 0));
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGIO);
  CHECK_OK(sigprocmask(SIG_BLOCK, &block, &old));
  int p[2];
  CHECK_OK(pipe2(p, O_NONBLOCK));
  CHECK_OK(fcntl(p[0], F_SETOWN, getpid()));
  CHECK_OK(fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK));
  CHECK_EQ(write(p[1], "x", 1), 1);
  CHECK(AwaitSignal(&g_sigio, block));
  // No owner, no signal: the flag alone sends nothing.
  g_sigio = 0;
  CHECK_OK(fcntl(p[0], F_SETOWN, 0));
  CHECK_EQ(write(p[1], "y", 1), 1);
  sigset_t pending;
  CHECK_OK(sigpending(&pending));
  CHECK(!sigismember(&pending, SIGIO));
  // A socket: data arriving at the O_ASYNC end.
  int s[2];
  CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, s));
  CHECK_OK(fcntl(s[0], F_SETOWN, getpid()));
  CHECK_OK(fcntl(s[0], F_SETFL, O_ASYNC));
  CHECK_EQ(write(s[1], "z", 1), 1);
  CHECK(AwaitSignal(&g_sigio, block));
  CHECK_OK(sigprocmask(SIG_SETMASK, &old, nullptr));
  close(p[0]);
  close(p[1]);
  close(s[0]);
  close(s[1]);
  return nullptr;
}

const char* OAsyncFifoSendsSigio() {
  CHECK_OK(SetHandler(SIGIO, OnSigio, 0));
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGIO);
  CHECK_OK(sigprocmask(SIG_BLOCK, &block, &old));
  const char* path = TmpPath("async-fifo");
  unlink(path);
  CHECK_OK(mkfifo(path, 0600));
  int r = open(path, O_RDONLY | O_NONBLOCK);
  int w = open(path, O_WRONLY | O_NONBLOCK);
  CHECK(r >= 0 && w >= 0);
  CHECK_OK(fcntl(r, F_SETOWN, getpid()));
  CHECK_OK(fcntl(r, F_SETFL, O_ASYNC | O_NONBLOCK));
  CHECK_EQ(fcntl(r, F_GETFL) & O_ASYNC, O_ASYNC);
  g_sigio = 0;
  CHECK_EQ(write(w, "f", 1), 1);  // the reading end hears of it
  CHECK(AwaitSignal(&g_sigio, block));
  // Turned off: nothing more.
  char c;
  CHECK_EQ(read(r, &c, 1), 1);
  CHECK_OK(fcntl(r, F_SETFL, O_NONBLOCK));
  g_sigio = 0;
  CHECK_EQ(write(w, "g", 1), 1);
  SleepMs(50);
  sigset_t pending;
  CHECK_OK(sigpending(&pending));
  CHECK(!sigismember(&pending, SIGIO));
  CHECK_OK(sigprocmask(SIG_SETMASK, &old, nullptr));
  close(r);
  close(w);
  unlink(path);
  return nullptr;
}

volatile sig_atomic_t g_usr1 = 0, g_usr2 = 0;
siginfo_t g_usr1_info, g_usr2_info;
void OnUsrInfo(int sig, siginfo_t* info, void*) {
  if (sig == SIGUSR1) {
    g_usr1_info = *info;
    g_usr1 = 1;
  } else {
    g_usr2_info = *info;
    g_usr2 = 1;
  }
}

const char* SetsigSignalCarriesFdAndBand() {
  CHECK_OK(SetInfoHandler(SIGUSR1, OnUsrInfo, 0));
  CHECK_OK(SetInfoHandler(SIGUSR2, OnUsrInfo, 0));
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigaddset(&block, SIGUSR2);
  CHECK_OK(sigprocmask(SIG_BLOCK, &block, &old));
  int p[2];
  CHECK_OK(pipe2(p, O_NONBLOCK));
  CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 4096), 4096);
  CHECK_OK(fcntl(p[0], F_SETOWN, getpid()));
  CHECK_OK(fcntl(p[0], F_SETSIG, SIGUSR1));
  CHECK_OK(fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK));
  static char buf[4096];
  CHECK_EQ(write(p[1], buf, sizeof buf), 4096);  // readable, and full
  CHECK(AwaitSignal(&g_usr1, block));
  CHECK_EQ(g_usr1_info.si_code, POLL_IN);
  CHECK_EQ(g_usr1_info.si_fd, p[0]);
  CHECK_EQ(g_usr1_info.si_band, POLLIN | POLLRDNORM);
  // The write end: room coming back is POLL_OUT.
  CHECK_OK(fcntl(p[1], F_SETOWN, getpid()));
  CHECK_OK(fcntl(p[1], F_SETSIG, SIGUSR2));
  CHECK_OK(fcntl(p[1], F_SETFL, O_ASYNC | O_NONBLOCK));
  CHECK_EQ(read(p[0], buf, sizeof buf), 4096);
  CHECK(AwaitSignal(&g_usr2, block));
  CHECK_EQ(g_usr2_info.si_code, POLL_OUT);
  CHECK_EQ(g_usr2_info.si_fd, p[1]);
  CHECK_EQ(g_usr2_info.si_band, POLLOUT | POLLWRNORM | POLLWRBAND);
  CHECK_OK(sigprocmask(SIG_SETMASK, &old, nullptr));
  close(p[0]);
  close(p[1]);
  return nullptr;
}

}  // namespace

const Case kLockCases[] = {
    {"lock_getlk_reports_the_conflict", GetlkReportsTheConflict},
    {"lock_argument_errors", LockArgumentErrors},
    {"lock_whence_and_negative_lengths", LockWhenceAndNegativeLengths},
    {"lock_split_and_merge_seen_by_others", LockSplitAndMergeSeenByOthers},
    {"lock_released_by_closing_any_fd", LockReleasedByClosingAnyFd},
    {"lock_not_inherited_released_at_exit", LockNotInheritedAndReleasedAtExit},
    {"lock_setlkw_waits_for_the_holder", SetlkwWaitsForTheHolder},
    {"lock_setlkw_deadlock_edeadlk", SetlkwDeadlockIsEdeadlk},
    {"lock_setlkw_interrupted_by_signal", SetlkwInterruptedBySignal},
    {"flock_per_description", FlockPerDescription},
    {"flock_and_fcntl_independent", FlockAndFcntlAreIndependent},
    {"ofd_locks_belong_to_the_description", OfdLocksBelongToTheDescription},
    {"ofd_locks_shared_across_fork", OfdLocksSharedAcrossFork},
    {"proc_locks_lists_every_kind", ProcLocksLists},
    {"proc_locks_lists_waiters", ProcLocksListsWaiters},
    {"pipe_size_get_and_set", PipeSizeGetAndSet},
    {"fifo_pipe_size_is_shared", FifoPipeSizeIsShared},
    {"fcntl_owner_and_signal", FcntlOwnerAndSignal},
    {"o_async_pipe_and_socket_send_sigio", OAsyncPipeAndSocketSendSigio},
    {"o_async_fifo_sends_sigio", OAsyncFifoSendsSigio},
    {"setsig_signal_carries_fd_and_band", SetsigSignalCarriesFdAndBand},
};
const int kLockCaseCount = sizeof kLockCases / sizeof kLockCases[0];

}  // namespace posix_test
