// POSIX cases for per-thread state Linux shows and keeps: the directories of
// /proc/<pid>/task/ (one per thread, stat and status as that thread sees
// them) and prctl's per-thread timer slack (PR_SET/GET_TIMERSLACK).

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

namespace posix_test {
namespace {

long Slack() { return prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0); }

// What a new thread sees of its slack: inherited, set, then reset (0) to
// the slack it was created with.
void* SlackThread(void* arg) {
  auto* seen = static_cast<long*>(arg);
  seen[0] = Slack();
  seen[1] = prctl(PR_SET_TIMERSLACK, 777000, 0, 0, 0) == 0 ? Slack() : -1;
  seen[2] = prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0) == 0 ? Slack() : -1;
  return nullptr;
}

// The slack is per thread, 50 us by default, inherited by new threads and
// forked children, and 0 restores the value the thread was created with.
const char* TimerSlackIsPerThread() {
  const long initial = Slack();
  CHECK_EQ(initial, 50000);
  CHECK_OK(prctl(PR_SET_TIMERSLACK, 123456, 0, 0, 0));
  CHECK_EQ(Slack(), 123456);
  long seen[3] = {-1, -1, -1};
  pthread_t t;
  CHECK_EQ(pthread_create(&t, nullptr, SlackThread, seen), 0);
  CHECK_EQ(pthread_join(t, nullptr), 0);
  CHECK_EQ(seen[0], 123456);
  CHECK_EQ(seen[1], 777000);
  CHECK_EQ(seen[2], 123456);
  CHECK_EQ(Slack(), 123456);  // the thread's changes stayed its own
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    bool ok = Slack() == 123456 && prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0) == 0 && Slack() == 123456;
    _exit(ok ? 0 : 1);
  }
  int status;
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK_OK(prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0));
  CHECK_EQ(Slack(), initial);  // this process's default: its creator's slack
  return nullptr;
}

// Threads that wait on a pipe until told to end, SIGUSR1 blocked.
struct Sleeper {
  int pipe_fds[2] = {-1, -1};
  volatile pid_t tid = 0;
};

void* SleepOnPipe(void* arg) {
  auto* s = static_cast<Sleeper*>(arg);
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &usr1, nullptr);
  s->tid = static_cast<pid_t>(syscall(SYS_gettid));
  char c;
  (void)!read(s->pipe_fds[0], &c, 1);
  return nullptr;
}

// The tids /proc/self/task lists, ascending; returns how many (or -1).
int ListTasks(long* tids, int max) {
  DIR* d = opendir("/proc/self/task");
  if (d == nullptr) return -1;
  int n = 0;
  while (struct dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    if (e->d_type != DT_DIR || n == max) {
      closedir(d);
      return -1;
    }
    long tid = strtol(e->d_name, nullptr, 10);
    int j = n++;
    for (; j > 0 && tids[j - 1] > tid; --j) tids[j] = tids[j - 1];
    tids[j] = tid;
  }
  closedir(d);
  return n;
}

// Reads /proc/self/task/<tid>/<file> into buf; false if it cannot.
bool ReadTaskFile(long tid, const char* file, char* buf, size_t cap) {
  char path[96];
  snprintf(path, sizeof path, "/proc/self/task/%ld/%s", tid, file);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return false;
  ssize_t n = ReadAll(fd, buf, cap);
  close(fd);
  return n > 0;
}

// Whether a readdir of /proc shows `pid`.
bool ProcListsName(long pid) {
  DIR* d = opendir("/proc");
  if (d == nullptr) return false;
  char name[24];
  snprintf(name, sizeof name, "%ld", pid);
  bool found = false;
  while (struct dirent* e = readdir(d)) found = found || strcmp(e->d_name, name) == 0;
  closedir(d);
  return found;
}

// The blocked-signal set a status text shows (SigBlk, hex).
unsigned long long SigBlk(const char* status) {
  const char* line = strstr(status, "\nSigBlk:\t");
  return line == nullptr ? ~0ull : strtoull(line + 9, nullptr, 16);
}

// /proc/self/task has a directory per thread named by its tid, whose stat
// and status show that thread (its tid, its own signal mask) in its
// process (Tgid); an ended thread's directory is gone.
const char* TaskDirectoryPerThread() {
  Sleeper s[2];
  pthread_t t[2];
  for (int i = 0; i < 2; ++i) {
    CHECK_OK(pipe(s[i].pipe_fds));
    CHECK_EQ(pthread_create(&t[i], nullptr, SleepOnPipe, &s[i]), 0);
  }
  for (int tries = 0; tries < 1000 && (s[0].tid == 0 || s[1].tid == 0); ++tries) SleepMs(1);
  CHECK(s[0].tid != 0 && s[1].tid != 0);
  long want[3] = {getpid(), s[0].tid, s[1].tid};
  for (int i = 1; i < 3; ++i) {  // ascending, as ListTasks sorts
    for (int j = i; j > 0 && want[j - 1] > want[j]; --j) {
      long x = want[j];
      want[j] = want[j - 1];
      want[j - 1] = x;
    }
  }
  long tids[8];
  CHECK_EQ(ListTasks(tids, 8), 3);
  for (int i = 0; i < 3; ++i) CHECK_EQ(tids[i], want[i]);

  static char text[8192], expect[128];
  CHECK(ReadTaskFile(s[0].tid, "stat", text, sizeof text));
  snprintf(expect, sizeof expect, "%d (", s[0].tid);
  CHECK(strncmp(text, expect, strlen(expect)) == 0);
  const char* after_comm = strrchr(text, ')');
  CHECK(after_comm != nullptr);
  for (int tries = 0; tries < 1000 && after_comm[2] != 'S'; ++tries) {  // until it blocks
    SleepMs(1);
    CHECK(ReadTaskFile(s[0].tid, "stat", text, sizeof text));
    after_comm = strrchr(text, ')');
    CHECK(after_comm != nullptr);
  }
  CHECK_EQ(after_comm[2], 'S');
  CHECK(ReadTaskFile(s[0].tid, "status", text, sizeof text));
  snprintf(expect, sizeof expect, "\nTgid:\t%d\n", getpid());
  CHECK(strstr(text, expect) != nullptr);
  snprintf(expect, sizeof expect, "\nPid:\t%d\n", s[0].tid);
  CHECK(strstr(text, expect) != nullptr);
  CHECK((SigBlk(text) & (1ull << (SIGUSR1 - 1))) != 0);
  // /proc/<tid> finds the thread too (not listed in /proc).
  char tid_path[64];
  snprintf(tid_path, sizeof tid_path, "/proc/%d/status", s[0].tid);
  int tid_fd = open(tid_path, O_RDONLY);
  CHECK(tid_fd >= 0);
  CHECK(ReadAll(tid_fd, text, sizeof text) > 0);
  close(tid_fd);
  CHECK(strstr(text, expect) != nullptr);  // Pid: the tid
  CHECK(!ProcListsName(s[0].tid));
  CHECK(ProcListsName(getpid()));
  CHECK(ReadTaskFile(getpid(), "status", text, sizeof text));
  CHECK((SigBlk(text) & (1ull << (SIGUSR1 - 1))) == 0);
  snprintf(expect, sizeof expect, "\nPid:\t%d\n", getpid());
  CHECK(strstr(text, expect) != nullptr);

  static char comm[64], thread_comm[64];
  int fd = open("/proc/self/comm", O_RDONLY);
  CHECK(fd >= 0 && ReadAll(fd, comm, sizeof comm) > 0);
  close(fd);
  CHECK(ReadTaskFile(getpid(), "comm", thread_comm, sizeof thread_comm));
  CHECK(strcmp(comm, thread_comm) == 0);
  char path[96], link[64], thread_link[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/ns/uts", s[0].tid);
  ssize_t n = readlink(path, thread_link, sizeof thread_link - 1);
  CHECK(n > 0);
  thread_link[n] = '\0';
  n = readlink("/proc/self/ns/uts", link, sizeof link - 1);
  CHECK(n > 0);
  link[n] = '\0';
  CHECK(strcmp(link, thread_link) == 0);  // the thread is in its process's namespace
  snprintf(path, sizeof path, "/proc/self/task/%d/task", s[0].tid);
  CHECK_ERRNO(open(path, O_RDONLY), ENOENT);
  CHECK_ERRNO(open("/proc/self/task/0/stat", O_RDONLY), ENOENT);

  // The first thread ends: its directory goes.
  pid_t gone = s[0].tid;
  CHECK_EQ(write(s[0].pipe_fds[1], "x", 1), 1);
  CHECK_EQ(pthread_join(t[0], nullptr), 0);
  snprintf(path, sizeof path, "/proc/self/task/%d/stat", gone);
  for (int tries = 0; tries < 1000 && access(path, F_OK) == 0; ++tries) SleepMs(1);
  CHECK_ERRNO(open(path, O_RDONLY), ENOENT);
  CHECK_EQ(ListTasks(tids, 8), 2);
  CHECK_EQ(write(s[1].pipe_fds[1], "x", 1), 1);
  CHECK_EQ(pthread_join(t[1], nullptr), 0);
  for (auto& x : s) {
    close(x.pipe_fds[0]);
    close(x.pipe_fds[1]);
  }
  return nullptr;
}

}  // namespace

extern const Case kTaskCases[] = {
    {"prctl_timerslack_per_thread", TimerSlackIsPerThread},
    {"proc_task_dir_per_thread", TaskDirectoryPerThread},
};
extern const int kTaskCaseCount = sizeof kTaskCases / sizeof kTaskCases[0];

}  // namespace posix_test
