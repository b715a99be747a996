#include "testing/posix/util.h"

#include "abi/linux/futex.h"
#include "testing/posix/harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace posix_test {
namespace {

char g_helper[512] = "/bin/posixhelper";
char g_workdir[512] = "/tmp";

void RemoveTree(const char* path) {
  struct stat st;
  if (lstat(path, &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    DIR* d = opendir(path);
    if (d != nullptr) {
      while (struct dirent* e = readdir(d)) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char child[1024];
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        RemoveTree(child);
      }
      closedir(d);
    }
    rmdir(path);
  } else {
    unlink(path);
  }
}

}  // namespace

const char* HelperPath() { return g_helper; }

void SetHelperPath(const char* path) { snprintf(g_helper, sizeof g_helper, "%s", path); }

const char* WorkDir() { return g_workdir; }

bool MakeWorkDir() {
  const char* base = getenv("TEST_TMPDIR");
  if (base == nullptr || base[0] == '\0') base = "/tmp";
  snprintf(g_workdir, sizeof g_workdir, "%s/posixtest.XXXXXX", base);
  return mkdtemp(g_workdir) != nullptr;
}

void RemoveWorkDir() { RemoveTree(g_workdir); }

const char* TmpPath(const char* name) {
  static char buffers[64][600];
  static int next = 0;
  char* b = buffers[next];
  next = (next + 1) % 64;
  snprintf(b, sizeof buffers[0], "%s/%s", g_workdir, name);
  return b;
}

ssize_t ReadAll(int fd, char* buf, size_t cap) {
  size_t got = 0;
  while (got + 1 < cap) {
    ssize_t n = read(fd, buf + got, cap - 1 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    got += n;
  }
  buf[got] = '\0';
  return static_cast<ssize_t>(got);
}

bool WriteFile(const char* path, const void* data, size_t size, mode_t mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) return false;
  bool ok = write(fd, data, size) == static_cast<ssize_t>(size);
  // The mode asked for, whatever the umask.
  ok = fchmod(fd, mode) == 0 && ok;
  return close(fd) == 0 && ok;
}

bool RunProgram(const char* path, const char* const argv[], const char* const envp[],
                RunResult* result) {
  int out[2], err[2];
  if (pipe(out) != 0) return false;
  if (pipe2(err, O_CLOEXEC) != 0) return false;
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    close(out[0]);
    close(err[0]);
    if (out[1] != 1) {
      dup2(out[1], 1);
      close(out[1]);
    }
    execve(path, const_cast<char* const*>(argv), const_cast<char* const*>(envp));
    int e = errno;
    ssize_t unused = write(err[1], &e, sizeof e);
    (void)unused;
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  result->out_len = ReadAll(out[0], result->out, sizeof result->out);
  close(out[0]);
  int e = 0;
  if (read(err[0], &e, sizeof e) == sizeof e) result->exec_errno = e;
  close(err[0]);
  while (waitpid(pid, &result->status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return true;
}

int SetHandler(int sig, void (*handler)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  return sigaction(sig, &sa, nullptr);
}

int SetInfoHandler(int sig, void (*handler)(int, siginfo_t*, void*), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = flags | SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  return sigaction(sig, &sa, nullptr);
}

void SleepMs(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

const char* FutexWakeAcrossFork(uint32_t* child_view, uint32_t* parent_view) {
  child_view[0] = 0;  // the futex
  child_view[1] = 0;  // the child says it is about to wait
  pid_t pid = fork();
  if (pid < 0) return Fail("fork: %s", strerror(errno));
  if (pid == 0) {
    __atomic_store_n(&child_view[1], 1, __ATOMIC_SEQ_CST);
    struct timespec limit = {10, 0};
    while (__atomic_load_n(&child_view[0], __ATOMIC_SEQ_CST) == 0) {
      long r = syscall(SYS_futex, &child_view[0], linux_abi::kFutexWait, 0, &limit, nullptr, 0);
      if (r == -1 && errno == ETIMEDOUT) _exit(2);  // the wake never arrived
    }
    _exit(0);
  }
  while (__atomic_load_n(&parent_view[1], __ATOMIC_SEQ_CST) == 0) sched_yield();
  struct timespec nap = {0, 50 * 1000 * 1000};
  nanosleep(&nap, nullptr);  // let the child block in FUTEX_WAIT
  __atomic_store_n(&parent_view[0], 1, __ATOMIC_SEQ_CST);
  if (syscall(SYS_futex, &parent_view[0], linux_abi::kFutexWake, 1, nullptr, nullptr, 0) < 0) {
    return Fail("FUTEX_WAKE: %s", strerror(errno));
  }
  int st;
  if (waitpid(pid, &st, 0) != pid) return Fail("waitpid: %s", strerror(errno));
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return Fail("child status 0x%x (2: never woken)", st);
  return nullptr;
}

}  // namespace posix_test
