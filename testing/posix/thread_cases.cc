// POSIX cases for threads (musl's pthreads over clone(CLONE_THREAD)),
// modelled on LTP's pthread_*, clone*, gettid*, tgkill* and exit_group
// tests: create and join, mutexes and condition variables, thread ids,
// thread-directed and process-directed signals, exit/exit_group/execve/
// fatal signals in a multi-threaded process, robust mutexes of a thread that
// dies holding them.
//
// Cases that end the process (exit_group, execve, fatal signals) run in a
// forked child, and the parent checks its wait status.

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abi/linux/futex.h"
#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

namespace posix_test {
namespace {

pid_t Gettid() { return static_cast<pid_t>(syscall(SYS_gettid)); }

void* ReturnArgPlusOne(void* arg) {
  return reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(arg) + 1);
}

const char* CreateJoinReturnsValue() {
  pthread_t t[3];
  for (uintptr_t i = 0; i < 3; ++i) {
    CHECK_EQ(pthread_create(&t[i], nullptr, ReturnArgPlusOne, reinterpret_cast<void*>(41 + i)), 0);
  }
  for (uintptr_t i = 0; i < 3; ++i) {
    void* result = nullptr;
    CHECK_EQ(pthread_join(t[i], &result), 0);  // returns only once the kernel cleared the tid word
    CHECK_EQ(reinterpret_cast<uintptr_t>(result), 42 + i);
  }
  // Joined threads are gone; creating more still works (musl's thread list
  // lock is released by the kernel's clear-tid at each exit).
  for (int round = 0; round < 20; ++round) {
    pthread_t x;
    void* result = nullptr;
    CHECK_EQ(pthread_create(&x, nullptr, ReturnArgPlusOne, reinterpret_cast<void*>(round)), 0);
    CHECK_EQ(pthread_join(x, &result), 0);
    CHECK_EQ(reinterpret_cast<uintptr_t>(result), round + 1);
  }
  return nullptr;
}

pthread_mutex_t g_counter_lock = PTHREAD_MUTEX_INITIALIZER;
long g_counter;

void* AddTenThousand(void*) {
  for (int i = 0; i < 10000; ++i) {
    pthread_mutex_lock(&g_counter_lock);
    long v = g_counter;
    if ((i & 255) == 0) sched_yield();  // invite a switch inside the critical section
    g_counter = v + 1;
    pthread_mutex_unlock(&g_counter_lock);
  }
  return nullptr;
}

const char* MutexProtectedCounter() {
  pthread_t t[4];
  for (auto& x : t) CHECK_EQ(pthread_create(&x, nullptr, AddTenThousand, nullptr), 0);
  for (auto& x : t) CHECK_EQ(pthread_join(x, nullptr), 0);
  CHECK_EQ(g_counter, 40000);
  return nullptr;
}

pthread_mutex_t g_pp_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t g_pp_cond = PTHREAD_COND_INITIALIZER;
int g_turn;  // 0: ping's turn, 1: pong's
int g_rounds;
constexpr int kPingPongRounds = 500;

void* Pong(void*) {
  pthread_mutex_lock(&g_pp_lock);
  for (int i = 0; i < kPingPongRounds; ++i) {
    while (g_turn != 1) pthread_cond_wait(&g_pp_cond, &g_pp_lock);
    ++g_rounds;
    g_turn = 0;
    pthread_cond_signal(&g_pp_cond);
  }
  pthread_mutex_unlock(&g_pp_lock);
  return nullptr;
}

const char* ConditionVariablePingPong() {
  pthread_t t;
  CHECK_EQ(pthread_create(&t, nullptr, Pong, nullptr), 0);
  pthread_mutex_lock(&g_pp_lock);
  for (int i = 0; i < kPingPongRounds; ++i) {
    while (g_turn != 0) pthread_cond_wait(&g_pp_cond, &g_pp_lock);
    g_turn = 1;
    pthread_cond_signal(&g_pp_cond);
  }
  while (g_turn != 0) pthread_cond_wait(&g_pp_cond, &g_pp_lock);
  pthread_mutex_unlock(&g_pp_lock);
  CHECK_EQ(pthread_join(t, nullptr), 0);
  CHECK_EQ(g_rounds, kPingPongRounds);
  return nullptr;
}

struct TidReport {
  pid_t tid;
  pid_t pid;
  volatile int release;
};

void* ReportIds(void* arg) {
  auto* r = static_cast<TidReport*>(arg);
  r->pid = getpid();
  __atomic_store_n(&r->tid, Gettid(), __ATOMIC_RELEASE);
  while (!__atomic_load_n(&r->release, __ATOMIC_ACQUIRE)) SleepMs(1);
  return nullptr;
}

// How many threads /proc/self/status reports (-1 if it cannot be read).
int StatusThreads() {
  FILE* f = fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  int n = -1;
  while (fgets(line, sizeof line, f) != nullptr) {
    if (strncmp(line, "Threads:", 8) == 0) n = atoi(line + 8);
  }
  fclose(f);
  return n;
}

const char* GettidPerThread() {
  CHECK_EQ(Gettid(), getpid());  // the main thread's tid is the pid
  constexpr int kThreads = 3;
  TidReport r[kThreads] = {};
  pthread_t t[kThreads];
  for (int i = 0; i < kThreads; ++i) CHECK_EQ(pthread_create(&t[i], nullptr, ReportIds, &r[i]), 0);
  for (auto& x : r) {
    while (__atomic_load_n(&x.tid, __ATOMIC_ACQUIRE) == 0) SleepMs(1);
  }
  CHECK_EQ(StatusThreads(), kThreads + 1);
  for (int i = 0; i < kThreads; ++i) {
    CHECK_EQ(r[i].pid, getpid());
    CHECK(r[i].tid > 0 && r[i].tid != getpid());
    for (int j = 0; j < i; ++j) CHECK(r[i].tid != r[j].tid);
    CHECK_OK(syscall(SYS_tgkill, getpid(), r[i].tid, 0));  // the pair exists
    // A tid is not a process of its own: the wrong group is ESRCH.
    CHECK_ERRNO(syscall(SYS_tgkill, getppid(), r[i].tid, 0), ESRCH);
  }
  for (int i = 0; i < kThreads; ++i) {
    __atomic_store_n(&r[i].release, 1, __ATOMIC_RELEASE);
    CHECK_EQ(pthread_join(t[i], nullptr), 0);
  }
  CHECK_EQ(StatusThreads(), 1);
  return nullptr;
}

volatile pid_t g_handler_tid;
volatile int g_handled;

void RecordTid(int) {
  g_handler_tid = Gettid();
  g_handled = g_handled + 1;
}

struct Waiter {
  volatile pid_t tid;
  volatile int stop;
};

void* WaitForHandler(void* arg) {
  auto* w = static_cast<Waiter*>(arg);
  w->tid = Gettid();
  while (!w->stop && g_handled == 0) SleepMs(1);
  return nullptr;
}

const char* TgkillRunsHandlerInThread() {
  CHECK(SetHandler(SIGUSR1, RecordTid, 0) == 0);
  Waiter w = {};
  pthread_t t;
  CHECK_EQ(pthread_create(&t, nullptr, WaitForHandler, &w), 0);
  while (w.tid == 0) SleepMs(1);
  CHECK_OK(syscall(SYS_tgkill, getpid(), w.tid, SIGUSR1));
  CHECK_EQ(pthread_join(t, nullptr), 0);
  CHECK_EQ(g_handled, 1);
  CHECK_EQ(g_handler_tid, w.tid);  // not the main thread's
  // pthread_kill (tkill in musl) reaches the thread as well.
  g_handled = 0;
  Waiter w2 = {};
  CHECK_EQ(pthread_create(&t, nullptr, WaitForHandler, &w2), 0);
  while (w2.tid == 0) SleepMs(1);
  CHECK_EQ(pthread_kill(t, SIGUSR1), 0);
  CHECK_EQ(pthread_join(t, nullptr), 0);
  CHECK_EQ(g_handled, 1);
  CHECK_EQ(g_handler_tid, w2.tid);
  return nullptr;
}

const char* ProcessSignalGoesToUnblockingThread() {
  CHECK(SetHandler(SIGUSR2, RecordTid, 0) == 0);
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  Waiter w = {};
  pthread_t t;
  CHECK_EQ(pthread_create(&t, nullptr, WaitForHandler, &w), 0);  // starts with SIGUSR2 unblocked
  CHECK_EQ(pthread_sigmask(SIG_BLOCK, &usr2, nullptr), 0);       // the main thread blocks it
  while (w.tid == 0) SleepMs(1);
  CHECK_OK(kill(getpid(), SIGUSR2));
  for (int i = 0; i < 5000 && g_handled == 0; ++i) SleepMs(1);
  w.stop = 1;
  CHECK_EQ(pthread_join(t, nullptr), 0);
  CHECK_EQ(g_handled, 1);
  CHECK_EQ(g_handler_tid, w.tid);
  return nullptr;
}

const char* KillOfAThreadIdSignalsTheProcess() {
  // kill() with a non-main thread's tid is a signal to its whole process
  // (Linux looks the id up and signals the thread group), not ESRCH.
  CHECK(SetHandler(SIGUSR2, RecordTid, 0) == 0);
  g_handled = 0;
  Waiter w = {};
  pthread_t t;
  CHECK_EQ(pthread_create(&t, nullptr, WaitForHandler, &w), 0);
  while (w.tid == 0) SleepMs(1);
  CHECK(w.tid != getpid());
  CHECK_OK(kill(w.tid, SIGUSR2));
  for (int i = 0; i < 5000 && g_handled == 0; ++i) SleepMs(1);
  w.stop = 1;
  CHECK_EQ(pthread_join(t, nullptr), 0);
  CHECK_EQ(g_handled, 1);
  return nullptr;
}

// Runs `child` in a forked process and returns its wait status (-1 on error).
int RunInChild(void (*child)()) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    alarm(20);  // never outlive the case
    child();
    _exit(99);
  }
  int st;
  if (waitpid(pid, &st, 0) != pid) return -1;
  return st;
}

void* ExitGroupSeven(void*) {
  SleepMs(20);
  syscall(SYS_exit_group, 7);
  return nullptr;
}

void* SleepForever(void*) {
  for (;;) pause();
  return nullptr;
}

const char* ThreadExitGroupEndsProcess() {
  int st = RunInChild([] {
    pthread_t a, b;
    pthread_create(&a, nullptr, SleepForever, nullptr);
    pthread_create(&b, nullptr, ExitGroupSeven, nullptr);
    for (;;) pause();
  });
  CHECK(WIFEXITED(st));
  CHECK_EQ(WEXITSTATUS(st), 7);
  return nullptr;
}

// Threads ending together, over and over: while one thread is between
// leaving its process's thread list and its last switch away, the last one
// may tear the address space down; the first must not come back onto it
// (it did: a switch to a destroyed page table, whose kernel half is gone,
// and the next interrupt triple-faulted the machine).
void* SpinThenExit(void* arg) {
  volatile uint64_t n = reinterpret_cast<uintptr_t>(arg);
  while (n > 0) n = n - 1;
  pthread_exit(nullptr);  // the libc's thread list stays whole (a raw exit would not)
}

unsigned g_exit_round = 0;

const char* ThreadsExitingTogether() {
  for (int round = 0; round < 150; ++round) {
    g_exit_round = static_cast<unsigned>(round);
    int st = RunInChild([] {
      srand(g_exit_round);  // each round its own spins
      pthread_t t[6];
      for (int i = 0; i < 6; ++i) {
        uintptr_t work = 20000 + static_cast<uintptr_t>(rand() % 60000);
        pthread_create(&t[i], nullptr, SpinThenExit, reinterpret_cast<void*>(work));
      }
      // exit_group while the threads spin or end, or after pthread_join
      // (which returns once a thread's clear-tid word is cleared, while the
      // thread is still on its way out of the kernel).
      if (rand() % 2 == 0) {
        for (auto& x : t) pthread_join(x, nullptr);
      }
      exit(0);
    });
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 0);
  }
  return nullptr;
}

void* ExitThreeLater(void*) {
  SleepMs(50);
  syscall(SYS_exit, 3);  // the last thread, exit(2): the process ends
  return nullptr;
}

void* FinishWithExitFive(void*) {
  SleepMs(50);
  exit(5);  // musl: exit_group(5)
}

const char* MainThreadExitsFirst() {
  // pthread_exit in main: the process lives on in its other thread.
  int st = RunInChild([] {
    pthread_t t;
    pthread_create(&t, nullptr, FinishWithExitFive, nullptr);
    pthread_exit(nullptr);
  });
  CHECK(WIFEXITED(st));
  CHECK_EQ(WEXITSTATUS(st), 5);
  // Raw exit(2) in every thread: the process reports the last one's status.
  st = RunInChild([] {
    pthread_t t;
    pthread_create(&t, nullptr, ExitThreeLater, nullptr);
    syscall(SYS_exit, 9);
  });
  CHECK(WIFEXITED(st));
  CHECK_EQ(WEXITSTATUS(st), 3);
  return nullptr;
}

void* ExecHelper(void*) {
  const char* argv[] = {"posixhelper", "exit", "7", nullptr};
  execv(HelperPath(), const_cast<char* const*>(argv));
  _exit(98);
}

const char* ExecveFromThread() {
  int st = RunInChild([] {
    pthread_t a, b;
    pthread_create(&a, nullptr, SleepForever, nullptr);
    pthread_create(&b, nullptr, ExecHelper, nullptr);
    for (;;) pause();  // ended by the other thread's execve
  });
  CHECK(WIFEXITED(st));
  CHECK_EQ(WEXITSTATUS(st), 7);
  return nullptr;
}

void* RaiseUsr1(void*) {
  SleepMs(20);
  raise(SIGUSR1);  // default action: terminate the whole process
  return nullptr;
}

const char* FatalSignalKillsAllThreads() {
  // From inside: a thread takes a deadly signal while the others wait.
  int st = RunInChild([] {
    pthread_t a, b;
    pthread_create(&a, nullptr, SleepForever, nullptr);
    pthread_create(&b, nullptr, RaiseUsr1, nullptr);
    pthread_join(a, nullptr);
  });
  CHECK(WIFSIGNALED(st));
  CHECK_EQ(WTERMSIG(st), SIGUSR1);
  // From outside: SIGTERM to a process whose threads are all asleep.
  int p[2];
  CHECK_OK(pipe(p));
  fflush(stdout);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    alarm(20);
    pthread_t t[3];
    for (auto& x : t) pthread_create(&x, nullptr, SleepForever, nullptr);
    (void)!write(p[1], "r", 1);
    for (;;) pause();
  }
  char c;
  CHECK_EQ(read(p[0], &c, 1), 1);
  CHECK_OK(kill(pid, SIGTERM));
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  CHECK(WIFSIGNALED(st));
  CHECK_EQ(WTERMSIG(st), SIGTERM);
  close(p[0]);
  close(p[1]);
  return nullptr;
}

pthread_mutex_t g_robust;

void* DieHoldingRobust(void*) {
  pthread_mutex_lock(&g_robust);
  syscall(SYS_exit, 0);  // no pthread_exit: only the kernel's robust-list walk frees it
  return nullptr;
}

const char* RobustMutexOfDeadThread() {
  pthread_mutexattr_t a;
  CHECK_EQ(pthread_mutexattr_init(&a), 0);
  CHECK_EQ(pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST), 0);
  // musl gives the kernel (set_robust_list) only its process-shared robust
  // mutexes; it releases private ones itself in pthread_exit.
  CHECK_EQ(pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED), 0);
  CHECK_EQ(pthread_mutex_init(&g_robust, &a), 0);
  pthread_t t;
  CHECK_EQ(pthread_create(&t, nullptr, DieHoldingRobust, nullptr), 0);
  SleepMs(50);
  CHECK_EQ(pthread_mutex_lock(&g_robust), EOWNERDEAD);  // waits until the owner is gone
  CHECK_EQ(pthread_mutex_consistent(&g_robust), 0);
  CHECK_EQ(pthread_mutex_unlock(&g_robust), 0);
  return nullptr;
}

volatile long* g_spins;  // shared with the parent

void* Spin(void*) {
  for (;;) __atomic_fetch_add(g_spins, 1, __ATOMIC_RELAXED);
  return nullptr;
}

const char* StopStopsEveryThread() {
  void* m = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK(m != MAP_FAILED);
  g_spins = static_cast<volatile long*>(m);
  fflush(stdout);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    alarm(20);
    pthread_t t;
    pthread_create(&t, nullptr, Spin, nullptr);
    for (;;) pause();  // the main thread takes the stop signal
  }
  while (__atomic_load_n(g_spins, __ATOMIC_RELAXED) == 0) SleepMs(1);
  CHECK_OK(kill(pid, SIGSTOP));
  int st;
  CHECK_EQ(waitpid(pid, &st, WUNTRACED), pid);
  CHECK(WIFSTOPPED(st));
  SleepMs(20);  // let a thread that missed the stop show itself
  long before = __atomic_load_n(g_spins, __ATOMIC_RELAXED);
  SleepMs(100);
  long after = __atomic_load_n(g_spins, __ATOMIC_RELAXED);
  CHECK_OK(kill(pid, SIGCONT));
  for (int i = 0; i < 2000 && __atomic_load_n(g_spins, __ATOMIC_RELAXED) == after; ++i) SleepMs(1);
  long resumed = __atomic_load_n(g_spins, __ATOMIC_RELAXED);
  CHECK_OK(kill(pid, SIGKILL));
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  munmap(m, 4096);
  CHECK_EQ(after, before);  // the spinning thread was stopped too
  CHECK(resumed != after);  // and SIGCONT resumed it
  return nullptr;
}

struct FutexWaiter {
  uint32_t word;
  volatile pid_t tid;
  volatile long result;
  volatile int err;
  volatile int done;
};

void* WaitOnFutex(void* arg) {
  auto* w = static_cast<FutexWaiter*>(arg);
  w->tid = Gettid();
  long r;
  do {
    errno = 0;
    r = syscall(SYS_futex, &w->word, linux_abi::kFutexWait, 0, nullptr, nullptr, 0);
  } while (r == -1 && errno == EAGAIN && __atomic_load_n(&w->word, __ATOMIC_ACQUIRE) == 0);
  w->result = r;
  w->err = errno;
  __atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
  return nullptr;
}

void CountSignal(int) { g_handled = g_handled + 1; }

// A thread in FUTEX_WAIT (no timeout) takes a handler: with SA_RESTART the
// wait goes on (Linux's ERESTARTSYS), without it the call fails with EINTR.
const char* FutexWaitRestartRule(int flags, long* result, int* err) {
  g_handled = 0;
  CHECK(SetHandler(SIGUSR1, CountSignal, flags) == 0);
  FutexWaiter w = {};
  pthread_t t;
  CHECK_EQ(pthread_create(&t, nullptr, WaitOnFutex, &w), 0);
  while (w.tid == 0) SleepMs(1);
  SleepMs(100);  // blocked in the kernel by now
  CHECK_OK(syscall(SYS_tgkill, getpid(), w.tid, SIGUSR1));
  for (int i = 0; i < 2000 && g_handled == 0; ++i) SleepMs(1);
  SleepMs(50);
  bool returned_early = __atomic_load_n(&w.done, __ATOMIC_ACQUIRE) != 0;
  __atomic_store_n(&w.word, 1, __ATOMIC_RELEASE);
  syscall(SYS_futex, &w.word, linux_abi::kFutexWake, 1, nullptr, nullptr, 0);
  CHECK_EQ(pthread_join(t, nullptr), 0);
  CHECK_EQ(g_handled, 1);
  CHECK_EQ(returned_early, flags != SA_RESTART);
  *result = w.result;
  *err = w.err;
  return nullptr;
}

const char* FutexWaitRestarts() {
  long result;
  int err;
  if (const char* why = FutexWaitRestartRule(SA_RESTART, &result, &err)) return why;
  CHECK_EQ(result, 0);
  if (const char* why = FutexWaitRestartRule(0, &result, &err)) return why;
  CHECK_EQ(result, -1);
  CHECK_EQ(err, EINTR);
  return nullptr;
}

const char* CloneFlagRules() {
  // CLONE_THREAD needs CLONE_SIGHAND, which needs CLONE_VM (clone(2)).
  CHECK_ERRNO(syscall(SYS_clone, CLONE_THREAD | CLONE_VM, 0, 0, 0, 0), EINVAL);
  CHECK_ERRNO(syscall(SYS_clone, CLONE_SIGHAND, 0, 0, 0, 0), EINVAL);
  CHECK_ERRNO(syscall(SYS_clone, CLONE_THREAD | CLONE_SIGHAND, 0, 0, 0, 0), EINVAL);
  return nullptr;
}

}  // namespace

// A TLS base outside the user half (kernel half or non-canonical) is
// refused with EPERM by clone's CLONE_SETTLS and by arch_prctl(ARCH_SET_FS),
// as Linux refuses them: loading one into FS_BASE faults in the kernel on
// hardware. (Before the fix, clone took it and the child ran with it.)
const char* TlsBaseOutsideUserHalfIsRefused() {
  constexpr long kArchSetFs = 0x1002;
  const uint64_t bad[] = {0x8000000000000000ull, 0xffff800000000000ull, 0x0000800000000000ull};
  for (uint64_t tls : bad) {
    errno = 0;
    long r = syscall(SYS_clone, static_cast<long>(SIGCHLD | CLONE_SETTLS), 0L, 0L, 0L, tls);
    if (r == 0) syscall(SYS_exit_group, 0);  // the child of the bug: leave at once
    if (r > 0) {
      waitpid(static_cast<pid_t>(r), nullptr, 0);
      return Fail("clone accepted the TLS base %#llx", static_cast<unsigned long long>(tls));
    }
    CHECK(errno == EPERM);
    CHECK_ERRNO(syscall(SYS_arch_prctl, kArchSetFs, tls), EPERM);
  }
  return nullptr;
}

const Case kThreadCases[] = {
    {"tls_base_outside_user_half_refused", TlsBaseOutsideUserHalfIsRefused},
    {"pthread_create_join_value", CreateJoinReturnsValue},
    {"pthread_mutex_counter", MutexProtectedCounter},
    {"pthread_cond_ping_pong", ConditionVariablePingPong},
    {"gettid_per_thread", GettidPerThread},
    {"kill_of_thread_id_signals_process", KillOfAThreadIdSignalsTheProcess},
    {"tgkill_handler_in_thread", TgkillRunsHandlerInThread},
    {"kill_goes_to_unblocking_thread", ProcessSignalGoesToUnblockingThread},
    {"thread_exit_group_status", ThreadExitGroupEndsProcess},
    {"main_thread_exits_first", MainThreadExitsFirst},
    {"threads_exiting_together", ThreadsExitingTogether},
    {"execve_from_thread", ExecveFromThread},
    {"fatal_signal_kills_all_threads", FatalSignalKillsAllThreads},
    {"robust_mutex_dead_thread", RobustMutexOfDeadThread},
    {"sigstop_stops_every_thread", StopStopsEveryThread},
    {"futex_wait_sa_restart", FutexWaitRestarts},
    {"clone_thread_flag_rules", CloneFlagRules},
};
const int kThreadCaseCount = sizeof kThreadCases / sizeof kThreadCases[0];

}  // namespace posix_test
