// POSIX cases for fork, wait4/waitpid, process groups and sessions, modelled
// on LTP's fork*, wait*, waitpid*, setpgid*, setsid*, getppid* tests.

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

namespace posix_test {
namespace {

const char* ForkReturnsTwice() {
  pid_t parent = getpid();
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) _exit(getppid() == parent ? 0 : 1);
  int st;
  CHECK(waitpid(pid, &st, 0) == pid);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  return nullptr;
}

const char* ForkChildHasOwnPid() {
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) _exit(getpid() != getppid() ? 0 : 1);
  CHECK(pid != getpid());
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 0);
  return nullptr;
}

const char* ForkCopiesMemoryCopyOnWrite() {
  static int global = 41;
  int* heap = static_cast<int*>(malloc(64 * 1024));
  CHECK(heap != nullptr);
  for (int i = 0; i < 16 * 1024; ++i) heap[i] = i;
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    bool ok = global == 41 && heap[12345] == 12345;
    global = 7;
    for (int i = 0; i < 16 * 1024; ++i) heap[i] = -i;
    _exit(ok && global == 7 && heap[12345] == -12345 ? 0 : 1);
  }
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  CHECK(global == 41);
  for (int i = 0; i < 16 * 1024; ++i) CHECK(heap[i] == i);
  free(heap);
  return nullptr;
}

const char* ForkSharedMappingIsShared() {
  int* shared = static_cast<int*>(
      mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  CHECK(shared != MAP_FAILED);
  *shared = 1;
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    *shared = 99;
    _exit(0);
  }
  int st;
  CHECK(waitpid(pid, &st, 0) == pid);
  CHECK(*shared == 99);
  CHECK(munmap(shared, 4096) == 0);
  return nullptr;
}

const char* ExitStatusEncoding() {
  const int codes[] = {0, 1, 7, 42, 255, 256 + 3};
  for (int code : codes) {
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) _exit(code);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st));
    CHECK(!WIFSIGNALED(st));
    CHECK(WEXITSTATUS(st) == (code & 0xFF));
  }
  return nullptr;
}

const char* WaitNoHangReturnsZero() {
  int fds[2];
  (void)fds;
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    usleep(200 * 1000);
    _exit(3);
  }
  int st = -1;
  CHECK(waitpid(pid, &st, WNOHANG) == 0);
  CHECK(waitpid(pid, &st, 0) == pid);
  CHECK(WEXITSTATUS(st) == 3);
  return nullptr;
}

const char* WaitWithoutChildrenIsEchild() {
  int st;
  errno = 0;
  CHECK(waitpid(-1, &st, 0) == -1 && errno == ECHILD);
  errno = 0;
  CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);
  return nullptr;
}

const char* WaitForSpecificPid() {
  pid_t a = fork();
  CHECK(a >= 0);
  if (a == 0) {
    usleep(100 * 1000);
    _exit(1);
  }
  pid_t b = fork();
  CHECK(b >= 0);
  if (b == 0) _exit(2);
  int st;
  CHECK(waitpid(a, &st, 0) == a && WEXITSTATUS(st) == 1);
  CHECK(waitpid(b, &st, 0) == b && WEXITSTATUS(st) == 2);
  return nullptr;
}

const char* ZombieReapedExactlyOnce() {
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) _exit(5);
  int st;
  CHECK(waitpid(pid, &st, 0) == pid);
  errno = 0;
  CHECK(waitpid(pid, &st, 0) == -1 && errno == ECHILD);
  return nullptr;
}

const char* WaitAnyCollectsAll() {
  const int n = 5;
  for (int i = 0; i < n; ++i) {
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) _exit(10 + i);
  }
  int seen = 0;
  for (int i = 0; i < n; ++i) {
    int st;
    pid_t got = wait(&st);
    CHECK(got > 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) >= 10 && WEXITSTATUS(st) < 10 + n);
    seen |= 1 << (WEXITSTATUS(st) - 10);
  }
  CHECK(seen == (1 << n) - 1);
  errno = 0;
  CHECK(wait(nullptr) == -1 && errno == ECHILD);
  return nullptr;
}

const char* WaitInvalidOptionsIsEinval() {
  int st;
  errno = 0;
  CHECK(waitpid(-1, &st, 0x1000) == -1 && errno == EINVAL);
  return nullptr;
}

const char* OrphanIsReparented() {
  // The child forks a grandchild and exits; the grandchild's parent becomes
  // init (pid 1) — or a subreaper on the host, which is never our pid.
  int fds[2];
  (void)fds;
  pid_t self = getpid();
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    pid_t grandchild = fork();
    if (grandchild < 0) _exit(1);
    if (grandchild == 0) {
      for (int i = 0; i < 200 && getppid() != 1; ++i) {
        pid_t pp = getppid();
        if (pp != getpid() && pp != self && pp != 0 && i > 50) break;  // a subreaper
        usleep(5000);
      }
      _exit(0);
    }
    _exit(0);
  }
  int st;
  CHECK(waitpid(child, &st, 0) == child && WEXITSTATUS(st) == 0);
  return nullptr;
}

const char* GetppidInChild() {
  pid_t me = getpid();
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) _exit(getppid() == me ? 0 : 1);
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 0);
  return nullptr;
}

const char* SetpgidMakesNewGroup() {
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    if (setpgid(0, 0) != 0) _exit(1);
    _exit(getpgrp() == getpid() ? 0 : 2);
  }
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 0);
  return nullptr;
}

const char* SetpgidOnChildFromParent() {
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    usleep(100 * 1000);
    _exit(getpgrp() == getpid() ? 0 : 1);
  }
  CHECK(setpgid(pid, pid) == 0);
  CHECK(getpgid(pid) == pid);
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 0);
  return nullptr;
}

const char* SetpgidErrors() {
  errno = 0;
  CHECK(setpgid(-1, 0) == -1 && errno == EINVAL);
  errno = 0;
  CHECK(setpgid(999999, 0) == -1 && errno == ESRCH);
  return nullptr;
}

const char* WaitByProcessGroup() {
  pid_t a = fork();
  CHECK(a >= 0);
  if (a == 0) {
    usleep(50 * 1000);
    _exit(4);
  }
  CHECK(setpgid(a, a) == 0);
  pid_t b = fork();
  CHECK(b >= 0);
  if (b == 0) {
    usleep(150 * 1000);
    _exit(6);
  }
  int st;
  CHECK(waitpid(-a, &st, 0) == a && WEXITSTATUS(st) == 4);
  CHECK(waitpid(b, &st, 0) == b && WEXITSTATUS(st) == 6);
  return nullptr;
}

const char* SetsidInChild() {
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    pid_t sid = setsid();
    if (sid != getpid()) _exit(1);
    if (getsid(0) != getpid() || getpgrp() != getpid()) _exit(2);
    // A session leader cannot start another session.
    errno = 0;
    if (setsid() != -1 || errno != EPERM) _exit(3);
    _exit(0);
  }
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 0);
  return nullptr;
}

const char* SetsidAsGroupLeaderIsEperm() {
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    if (setpgid(0, 0) != 0) _exit(1);
    errno = 0;
    _exit(setsid() == -1 && errno == EPERM ? 0 : 2);
  }
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 0);
  return nullptr;
}

const char* ManyForksNoLeak() {
  for (int i = 0; i < 50; ++i) {
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) _exit(i & 0x7F);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == (i & 0x7F));
  }
  return nullptr;
}

const char* NestedForks() {
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    pid_t inner = fork();
    if (inner < 0) _exit(1);
    if (inner == 0) _exit(9);
    int st;
    if (waitpid(inner, &st, 0) != inner || WEXITSTATUS(st) != 9) _exit(2);
    _exit(0);
  }
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 0);
  return nullptr;
}

const char* IdentityAsRoot() {
  CHECK(getuid() == 0 || getuid() > 0);  // the host runs the oracle as any user
  CHECK(getuid() == geteuid());
  CHECK(getgid() == getegid());
  return nullptr;
}

// A child that has left (or is in) another session, reporting through a pipe
// once it is ready; it waits for its parent to close the pipe's other end.
const char* SetpgidAcrossSessionsIsEperm() {
  int ready[2], go[2];
  CHECK(pipe(ready) == 0 && pipe(go) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(ready[0]);
    close(go[1]);
    if (setsid() != getpid()) _exit(1);
    ssize_t unused = write(ready[1], "r", 1);
    (void)unused;
    char c;
    unused = read(go[0], &c, 1);  // until the parent closes it
    _exit(0);
  }
  close(ready[1]);
  close(go[0]);
  char c;
  CHECK(read(ready[0], &c, 1) == 1);
  CHECK_EQ(getsid(pid), pid);
  // LTP setpgid02/03: a child in another session cannot be moved.
  CHECK_ERRNO(setpgid(pid, pid), EPERM);
  CHECK_ERRNO(setpgid(pid, getpgrp()), EPERM);
  CHECK_EQ(getpgid(pid), pid);
  close(go[1]);
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  close(ready[0]);
  return nullptr;
}

const char* SetpgidAfterExecIsEacces() {
  // Once the child has called execve, its parent may no longer change its
  // process group (LTP setpgid03). The close-on-exec pipe reaches EOF when
  // the exec has happened.
  int p[2];
  CHECK(pipe2(p, O_CLOEXEC) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    const char* argv[] = {"posixhelper", "sleep", "1500", nullptr};
    const char* envp[] = {nullptr};
    execve(HelperPath(), const_cast<char* const*>(argv), const_cast<char* const*>(envp));
    _exit(127);
  }
  close(p[1]);
  char c;
  CHECK_EQ(read(p[0], &c, 1), 0);
  close(p[0]);
  CHECK_ERRNO(setpgid(pid, pid), EACCES);
  CHECK(kill(pid, SIGKILL) == 0);
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st));
  return nullptr;
}

const char* SetpgidMoreErrors() {
  // A group that does not exist in the session: EPERM. Not our child: ESRCH.
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    errno = 0;
    if (setpgid(0, 999999) != -1 || errno != EPERM) _exit(1);
    errno = 0;
    if (setpgid(getppid(), getppid()) != -1 || errno != ESRCH) _exit(2);
    // Joining the parent's group (where it already is) is fine.
    if (setpgid(0, getpgrp()) != 0) _exit(3);
    _exit(0);
  }
  int st;
  CHECK(waitpid(pid, &st, 0) == pid);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return Fail("child failed check %d", WEXITSTATUS(st));
  CHECK_ERRNO(setpgid(pid, pid), ESRCH);  // reaped
  return nullptr;
}

const char* GetpgidGetsidQueries() {
  CHECK_EQ(getpgid(0), getpgrp());
  CHECK_EQ(getpgid(getpid()), getpgrp());
  CHECK_EQ(getsid(getpid()), getsid(0));
  CHECK_ERRNO(getpgid(999999), ESRCH);
  CHECK_ERRNO(getsid(999999), ESRCH);
  CHECK_ERRNO(getpgid(-5), ESRCH);
  return nullptr;
}

const char* ForkInheritsGroupAndSession() {
  int p[2];
  CHECK(pipe(p) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    pid_t ids[2] = {getpgrp(), getsid(0)};
    _exit(write(p[1], ids, sizeof ids) == sizeof ids ? 0 : 1);
  }
  close(p[1]);
  pid_t ids[2];
  CHECK(read(p[0], ids, sizeof ids) == sizeof ids);
  CHECK_EQ(ids[0], getpgrp());
  CHECK_EQ(ids[1], getsid(0));
  CHECK_EQ(getpgid(pid), getpgrp());
  int st;
  CHECK(waitpid(pid, &st, 0) == pid);
  close(p[0]);
  return nullptr;
}

const char* SetpgidJoinExistingGroup() {
  pid_t a = fork();
  CHECK(a >= 0);
  if (a == 0) {
    SleepMs(300);
    _exit(1);
  }
  CHECK(setpgid(a, a) == 0);
  pid_t b = fork();
  CHECK(b >= 0);
  if (b == 0) {
    SleepMs(100);
    _exit(2);
  }
  CHECK(setpgid(b, a) == 0);
  CHECK_EQ(getpgid(b), a);
  // Waiting by group collects both, the second one too after the leader.
  int st, mask = 0;
  for (int i = 0; i < 2; ++i) {
    pid_t got = waitpid(-a, &st, 0);
    CHECK(got == a || got == b);
    mask |= 1 << WEXITSTATUS(st);
  }
  CHECK_EQ(mask, 6);
  CHECK_ERRNO(waitpid(-a, &st, 0), ECHILD);
  return nullptr;
}

volatile sig_atomic_t g_group_signals;
void GroupSignalHandler(int) { g_group_signals = g_group_signals + 1; }

const char* SetsidLeavesProcessGroup() {
  // A member that calls setsid() no longer gets its old group's signals.
  int ready[2];
  CHECK(pipe(ready) == 0);
  pid_t stay = fork();
  CHECK(stay >= 0);
  if (stay == 0) {
    for (;;) pause();
  }
  pid_t leave = fork();
  CHECK(leave >= 0);
  if (leave == 0) {
    close(ready[0]);
    setsid();
    ssize_t unused = write(ready[1], "r", 1);
    (void)unused;
    for (;;) pause();
  }
  close(ready[1]);
  char c;
  CHECK(read(ready[0], &c, 1) == 1);
  CHECK(SetHandler(SIGUSR1, GroupSignalHandler, 0) == 0);
  CHECK(kill(0, SIGUSR1) == 0);
  CHECK_EQ(g_group_signals, 1);
  int st;
  CHECK_EQ(waitpid(stay, &st, 0), stay);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1);
  SleepMs(100);
  CHECK_EQ(waitpid(leave, &st, WNOHANG), 0);  // untouched
  CHECK(kill(leave, SIGKILL) == 0);
  CHECK_EQ(waitpid(leave, &st, 0), leave);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
  return nullptr;
}

const char* ZombieStillHoldsItsGroup() {
  // A process group whose only member has exited but is not yet reaped
  // still exists (the zombie is in it until wait): others may join it and
  // signal it. Shells rely on this for pipelines whose first command ends
  // before the next one joins its group ("printf hi | cat").
  int ready[2];
  CHECK(pipe(ready) == 0);
  pid_t a = fork();
  CHECK(a >= 0);
  if (a == 0) {
    setpgid(0, 0);
    ssize_t unused = write(ready[1], "r", 1);
    (void)unused;
    _exit(3);
  }
  setpgid(a, a);
  close(ready[1]);
  char c;
  CHECK(read(ready[0], &c, 1) == 1);
  SleepMs(100);  // a is a zombie now
  CHECK_EQ(getpgid(a), a);
  CHECK(kill(a, 0) == 0);
  CHECK(kill(-a, 0) == 0);
  pid_t b = fork();
  CHECK(b >= 0);
  if (b == 0) {
    if (setpgid(0, a) != 0) _exit(10 + errno);
    _exit(getpgrp() == a ? 0 : 1);
  }
  int st;
  CHECK_EQ(waitpid(b, &st, 0), b);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    return Fail("setpgid(0, zombie's group) in the second child: %s",
                WEXITSTATUS(st) > 10 ? strerror(WEXITSTATUS(st) - 10) : "wrong group");
  }
  CHECK_EQ(waitpid(a, &st, 0), a);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
  CHECK_ERRNO(kill(-a, 0), ESRCH);  // reaped: the group is gone
  return nullptr;
}

// PR_SET_CHILD_SUBREAPER: a grandchild orphaned by its parent comes to the
// subreaper (not init), which then waits for it.
const char* ChildSubreaperAdoptsOrphans() {
  CHECK_OK(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
  int on = 0;
  CHECK_OK(prctl(PR_GET_CHILD_SUBREAPER, &on, 0, 0, 0));
  CHECK_EQ(on, 1);
  // No time bounds (QEMU may be slow): b learns that a is gone from EOF on
  // a pipe only a holds, then waits for the new parent (the case's timeout
  // bounds a kernel that never reparents).
  int p[2], gone[2];
  CHECK(pipe(p) == 0 && pipe(gone) == 0);
  pid_t a = fork();
  CHECK(a >= 0);
  if (a == 0) {
    const pid_t first_parent = getpid();  // a's own pid (b may start after a ended)
    pid_t b = fork();
    if (b < 0) _exit(1);
    if (b == 0) {
      close(gone[1]);
      char c;
      while (read(gone[0], &c, 1) > 0) {
      }
      // a's files close before it is gone as a parent (on Linux too).
      while (getppid() == first_parent) SleepMs(1);
      pid_t adopter = getppid();
      _exit(write(p[1], &adopter, sizeof adopter) == sizeof adopter ? 0 : 1);
    }
    _exit(0);  // orphans b (and closes gone[1])
  }
  close(p[1]);
  close(gone[0]);
  close(gone[1]);
  int status;
  CHECK(waitpid(a, &status, 0) == a && WIFEXITED(status));
  pid_t adopter = 0;
  CHECK(read(p[0], &adopter, sizeof adopter) == sizeof adopter);
  close(p[0]);
  CHECK_OK(prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0));
  CHECK_EQ(adopter, getpid());
  // Ours to wait for now.
  pid_t b = waitpid(-1, &status, 0);
  CHECK(b > 0 && b != a && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return nullptr;
}

// PR_SET_PDEATHSIG: the child gets the signal when its parent ends; a
// forked child does not inherit the setting.
int g_death_pipe = -1;
void OnParentDeath(int) {
  char c = 'd';
  (void)!write(g_death_pipe, &c, 1);
  _exit(0);
}

const char* ParentDeathSignal() {
  int ready[2], died[2];
  CHECK(pipe(ready) == 0 && pipe(died) == 0);
  pid_t a = fork();
  CHECK(a >= 0);
  if (a == 0) {
    pid_t b = fork();
    if (b < 0) _exit(1);
    if (b == 0) {
      g_death_pipe = died[1];
      SetHandler(SIGUSR1, OnParentDeath, 0);
      if (prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0) != 0) _exit(2);
      int signo = 0;
      if (prctl(PR_GET_PDEATHSIG, &signo, 0, 0, 0) != 0 || signo != SIGUSR1) _exit(3);
      pid_t inner = fork();  // not inherited
      if (inner == 0) {
        int s = -1;
        _exit(prctl(PR_GET_PDEATHSIG, &s, 0, 0, 0) == 0 && s == 0 ? 0 : 1);
      }
      int st;
      if (waitpid(inner, &st, 0) != inner || !WIFEXITED(st) || WEXITSTATUS(st) != 0) _exit(4);
      char c = 'r';
      (void)!write(ready[1], &c, 1);
      for (;;) pause();  // the signal's handler ends this (or the case's timeout)
    }
    char c;
    _exit(read(ready[0], &c, 1) == 1 ? 0 : 1);  // then end: b's parent dies
  }
  close(ready[1]);
  close(died[1]);
  int status;
  CHECK(waitpid(a, &status, 0) == a && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  char c = 0;
  CHECK(read(died[0], &c, 1) == 1 && c == 'd');
  close(ready[0]);
  close(died[0]);
  CHECK_ERRNO(prctl(PR_SET_PDEATHSIG, 65, 0, 0, 0), EINVAL);
  return nullptr;
}

}  // namespace

const char* PrctlSetAndGetName() {
  // Names are cut to 15 bytes; the comm in /proc follows (when mounted).
  CHECK_OK(prctl(PR_SET_NAME, "a-rather-long-process-name", 0, 0, 0));
  char name[16] = {};
  CHECK_OK(prctl(PR_GET_NAME, name, 0, 0, 0));
  CHECK(strcmp(name, "a-rather-long-p") == 0);
  int fd = open("/proc/self/comm", O_RDONLY);
  if (fd >= 0) {
    char comm[32] = {};
    ssize_t n = read(fd, comm, sizeof comm - 1);
    close(fd);
    CHECK(n > 0 && strcmp(comm, "a-rather-long-p\n") == 0);
  }
  CHECK_OK(prctl(PR_SET_NAME, "posixtest", 0, 0, 0));
  errno = 0;
  CHECK(prctl(-1, 0, 0, 0, 0) == -1 && errno == EINVAL);
  return nullptr;
}

const char* SharedFutexAcrossProcesses() {
  // A shared (non-private) futex word in MAP_SHARED memory: the child waits,
  // the parent wakes it from its own address space (a process-shared lock's
  // path). Both see the word at the same address here; memory_cases.cc has
  // the case where the addresses differ.
  auto* word = static_cast<uint32_t*>(
      mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  CHECK(word != MAP_FAILED);
  const char* failed = FutexWakeAcrossFork(word, word);
  munmap(word, 4096);
  return failed;
}

const char* RobustMutexOwnerDied() {
  // A process-shared robust mutex whose owner exits while holding it: the
  // kernel walks the owner's robust list (set_robust_list) at exit, so the
  // next locker gets EOWNERDEAD instead of waiting forever.
  auto* m = static_cast<pthread_mutex_t*>(
      mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  CHECK(m != MAP_FAILED);
  pthread_mutexattr_t attr;
  CHECK_EQ(pthread_mutexattr_init(&attr), 0);
  CHECK_EQ(pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED), 0);
  CHECK_EQ(pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST), 0);
  CHECK_EQ(pthread_mutex_init(m, &attr), 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) _exit(pthread_mutex_lock(m) == 0 ? 0 : 1);  // dies holding it
  int st;
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  CHECK_EQ(pthread_mutex_lock(m), EOWNERDEAD);
  CHECK_EQ(pthread_mutex_consistent(m), 0);
  CHECK_EQ(pthread_mutex_unlock(m), 0);
  CHECK_EQ(pthread_mutex_lock(m), 0);
  CHECK_EQ(pthread_mutex_unlock(m), 0);
  munmap(m, 4096);
  return nullptr;
}

const char* RusageOfWaitedChildren() {
  // A child spends 200 ms of CPU time and touches 8 MiB; wait4's rusage, then
  // getrusage(RUSAGE_CHILDREN) and times() in the parent, account for them.
  struct rusage before;
  CHECK_OK(getrusage(RUSAGE_CHILDREN, &before));
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    const size_t bytes = 8 << 20;
    auto* p = static_cast<volatile char*>(
        mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (p == MAP_FAILED) _exit(2);
    for (size_t i = 0; i < bytes; i += 4096) p[i] = 1;
    struct timespec t0, t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    do {
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    } while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 200000000L);
    _exit(0);
  }
  int st;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  CHECK_EQ(wait4(pid, &st, 0, &ru), pid);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  long cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
                (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
  if (cpu_ms < 150) return Fail("wait4 rusage: %ld ms of CPU, want >= 150", cpu_ms);
  if (ru.ru_maxrss < 8 * 1024)
    return Fail("wait4 rusage: ru_maxrss %ld KiB, want >= 8192", ru.ru_maxrss);
  if (ru.ru_minflt < 2048) return Fail("wait4 rusage: ru_minflt %ld, want >= 2048", ru.ru_minflt);
  struct rusage after;
  CHECK_OK(getrusage(RUSAGE_CHILDREN, &after));
  long children_ms = (after.ru_utime.tv_sec - before.ru_utime.tv_sec + after.ru_stime.tv_sec -
                      before.ru_stime.tv_sec) *
                         1000 +
                     (after.ru_utime.tv_usec - before.ru_utime.tv_usec + after.ru_stime.tv_usec -
                      before.ru_stime.tv_usec) /
                         1000;
  if (children_ms < 150) return Fail("RUSAGE_CHILDREN grew by %ld ms, want >= 150", children_ms);
  struct tms tm;
  CHECK(times(&tm) != static_cast<clock_t>(-1));
  if (tm.tms_cutime + tm.tms_cstime < 15) {
    return Fail("times(): children's %ld + %ld ticks, want >= 15", static_cast<long>(tm.tms_cutime),
                static_cast<long>(tm.tms_cstime));
  }
  return nullptr;
}

volatile int g_child_settid_word = 0;

const char* CloneChildSetTidBeforeTheChildRuns() {
  // clone(CLONE_CHILD_SETTID | SIGCHLD) (glibc's fork): the child's copy of
  // the word holds its pid before the child runs its first instruction, and
  // the parent's copy is untouched. Many at once, children exiting at once
  // (a kernel that writes the word after starting the child races with it:
  // a tick preempting the parent in that window lets the child see 0, or
  // exit and take its memory away first; rare, hence the rounds).
  for (int i = 0; i < 300; ++i) {
    g_child_settid_word = 0;
    long pid = syscall(SYS_clone, CLONE_CHILD_SETTID | SIGCHLD, 0, nullptr,
                       const_cast<int*>(&g_child_settid_word), 0);
    CHECK(pid >= 0);
    if (pid == 0) _exit(g_child_settid_word == getpid() ? 0 : 1);
    int st;
    CHECK_EQ(waitpid(static_cast<pid_t>(pid), &st, 0), static_cast<pid_t>(pid));
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      return Fail("round %d: the child did not find its pid in the word (status 0x%x)", i, st);
    }
    CHECK_EQ(g_child_settid_word, 0);
  }
  return nullptr;
}

// clone(CLONE_PARENT | SIGCHLD): the child is its creator's sibling. Its
// parent (getppid, who waits for it) is the creator's parent, and the
// creator's wait finds no such child (ECHILD).
const char* CloneParentMakesASibling() {
  const pid_t suite = getpid();
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  pid_t middle = fork();
  CHECK(middle >= 0);
  if (middle == 0) {
    close(fds[0]);
    long sibling = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, nullptr, nullptr, 0);
    if (sibling < 0) _exit(10);
    if (sibling == 0) _exit(getppid() == suite ? 42 : 43);
    errno = 0;
    if (waitpid(static_cast<pid_t>(sibling), nullptr, WNOHANG) != -1 || errno != ECHILD) _exit(11);
    pid_t s = static_cast<pid_t>(sibling);
    _exit(write(fds[1], &s, sizeof s) == sizeof s ? 0 : 12);
  }
  close(fds[1]);
  pid_t sibling = -1;
  ssize_t got = read(fds[0], &sibling, sizeof sibling);
  close(fds[0]);
  int st;
  CHECK_EQ(waitpid(middle, &st, 0), middle);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return Fail("the creator's check failed: 0x%x", st);
  CHECK_EQ(got, static_cast<ssize_t>(sizeof sibling));
  // The suite waits for it: ECHILD here if it were the creator's child.
  if (waitpid(sibling, &st, 0) != sibling) return Fail("waitpid(sibling): errno %d", errno);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 42) {
    return Fail("the sibling's getppid was not the suite's pid (status 0x%x)", st);
  }
  return nullptr;
}

const Case kProcessCases[] = {
    {"clone_parent_makes_a_sibling", CloneParentMakesASibling},
    {"prctl_child_subreaper", ChildSubreaperAdoptsOrphans},
    {"prctl_pdeathsig", ParentDeathSignal},
    {"clone_child_settid_before_run", CloneChildSetTidBeforeTheChildRuns},
    {"rusage_of_waited_children", RusageOfWaitedChildren},
    {"fork_returns_twice", ForkReturnsTwice},
    {"fork_child_has_own_pid", ForkChildHasOwnPid},
    {"fork_copy_on_write", ForkCopiesMemoryCopyOnWrite},
    {"fork_shared_mapping", ForkSharedMappingIsShared},
    {"wait_exit_status_encoding", ExitStatusEncoding},
    {"waitpid_wnohang", WaitNoHangReturnsZero},
    {"wait_no_children_echild", WaitWithoutChildrenIsEchild},
    {"waitpid_specific_pid", WaitForSpecificPid},
    {"zombie_reaped_once", ZombieReapedExactlyOnce},
    {"wait_any_collects_all", WaitAnyCollectsAll},
    {"waitpid_bad_options_einval", WaitInvalidOptionsIsEinval},
    {"orphan_reparented", OrphanIsReparented},
    {"getppid_in_child", GetppidInChild},
    {"setpgid_new_group", SetpgidMakesNewGroup},
    {"setpgid_child_from_parent", SetpgidOnChildFromParent},
    {"setpgid_errors", SetpgidErrors},
    {"waitpid_by_group", WaitByProcessGroup},
    {"setsid_in_child", SetsidInChild},
    {"setsid_group_leader_eperm", SetsidAsGroupLeaderIsEperm},
    {"many_forks_no_leak", ManyForksNoLeak},
    {"nested_forks", NestedForks},
    {"identity", IdentityAsRoot},
    {"prctl_set_get_name", PrctlSetAndGetName},
    {"futex_shared_across_processes", SharedFutexAcrossProcesses},
    {"robust_mutex_owner_died", RobustMutexOwnerDied},
    {"setpgid_across_sessions_eperm", SetpgidAcrossSessionsIsEperm},
    {"setpgid_after_exec_eacces", SetpgidAfterExecIsEacces},
    {"setpgid_more_errors", SetpgidMoreErrors},
    {"getpgid_getsid_queries", GetpgidGetsidQueries},
    {"fork_inherits_group_and_session", ForkInheritsGroupAndSession},
    {"setpgid_join_existing_group", SetpgidJoinExistingGroup},
    {"setsid_leaves_process_group", SetsidLeavesProcessGroup},
    {"zombie_still_holds_its_group", ZombieStillHoldsItsGroup},
};
const int kProcessCaseCount = sizeof kProcessCases / sizeof kProcessCases[0];

}  // namespace posix_test
