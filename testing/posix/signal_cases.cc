// POSIX cases for signals, modelled on LTP's kill*, sigaction*, rt_sigaction*,
// sigprocmask*, sigpending*, sigsuspend*, sigaltstack*, pause*, raise* and
// waitpid* (stopped/continued) tests: handlers and siginfo, blocking and
// pending, SA_RESTART, default actions, job-control stops, SIGCHLD, SIGPIPE,
// the alternate stack and signals to process groups.

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

namespace posix_test {
namespace {

// What the last handler saw. Each case runs in a fresh child, so the globals
// start at zero.
volatile sig_atomic_t g_count;
volatile sig_atomic_t g_signo;
volatile int g_si_code;
volatile pid_t g_si_pid;
volatile uid_t g_si_uid;
volatile int g_si_status;
void* volatile g_si_addr;

void CountHandler(int sig) {
  g_count = g_count + 1;
  g_signo = sig;
}

void InfoHandler(int sig, siginfo_t* info, void*) {
  g_count = g_count + 1;
  g_signo = sig;
  g_si_code = info->si_code;
  g_si_pid = info->si_pid;
  g_si_uid = info->si_uid;
  g_si_status = info->si_status;
  g_si_addr = info->si_addr;
}

pid_t Gettid() { return static_cast<pid_t>(syscall(SYS_gettid)); }

// A child that waits for signals forever.
pid_t ForkPauser() {
  pid_t pid = fork();
  if (pid == 0) {
    for (;;) pause();
  }
  return pid;
}

// A child that sends `sig` to its parent after `delay_ms`, then exits.
pid_t ForkSignaller(int sig, int delay_ms) {
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    SleepMs(delay_ms);
    kill(parent, sig);
    _exit(0);
  }
  return pid;
}

sigset_t SetOf(int sig) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, sig);
  return s;
}

const char* HandlerSiginfoKillSelf() {
  CHECK(SetInfoHandler(SIGUSR1, InfoHandler, 0) == 0);
  CHECK(kill(getpid(), SIGUSR1) == 0);
  // An unblocked signal sent to oneself is delivered before kill returns.
  CHECK_EQ(g_count, 1);
  CHECK_EQ(g_signo, SIGUSR1);
  CHECK_EQ(g_si_code, SI_USER);
  CHECK_EQ(g_si_pid, getpid());
  CHECK_EQ(g_si_uid, getuid());
  return nullptr;
}

const char* HandlerSiginfoFromChild() {
  sigset_t usr2 = SetOf(SIGUSR2), old;
  CHECK(sigprocmask(SIG_BLOCK, &usr2, &old) == 0);
  CHECK(SetInfoHandler(SIGUSR2, InfoHandler, 0) == 0);
  pid_t child = ForkSignaller(SIGUSR2, 10);
  CHECK(child > 0);
  sigset_t none;
  sigemptyset(&none);
  while (g_count == 0) sigsuspend(&none);
  CHECK_EQ(g_signo, SIGUSR2);
  CHECK_EQ(g_si_code, SI_USER);
  CHECK_EQ(g_si_pid, child);
  int st;
  CHECK(waitpid(child, &st, 0) == child);
  return nullptr;
}

const char* RaiseRunsHandler() {
  CHECK(SetInfoHandler(SIGUSR1, InfoHandler, 0) == 0);
  CHECK(raise(SIGUSR1) == 0);
  CHECK_EQ(g_count, 1);
  CHECK_EQ(g_signo, SIGUSR1);
  CHECK_EQ(g_si_code, SI_TKILL);  // raise() is tkill/tgkill in musl and glibc
  CHECK_EQ(g_si_pid, getpid());
  return nullptr;
}

const char* GettidAndTgkillSelf() {
  // A single-threaded process: its thread id is its pid, and tgkill/tkill with
  // it reach the process.
  CHECK_EQ(Gettid(), getpid());
  CHECK(SetInfoHandler(SIGUSR2, InfoHandler, 0) == 0);
  CHECK_OK(syscall(SYS_tgkill, getpid(), Gettid(), SIGUSR2));
  CHECK_EQ(g_count, 1);
  CHECK_EQ(g_si_code, SI_TKILL);
  CHECK_OK(syscall(SYS_tkill, Gettid(), SIGUSR2));
  CHECK_EQ(g_count, 2);
  CHECK_ERRNO(syscall(SYS_tgkill, getpid(), Gettid(), 1000), EINVAL);
  CHECK_ERRNO(syscall(SYS_tgkill, getpid(), 999999, SIGUSR2), ESRCH);
  return nullptr;
}

// A parent blocked in read() on an empty pipe; a child signals it after a
// while, then (later) writes one byte. Returns read's result and errno.
ssize_t ReadInterruptedBySignal(int flags, int* err, int* handled) {
  int p[2];
  if (pipe(p) != 0) return -2;
  if (SetHandler(SIGUSR1, CountHandler, flags) != 0) return -2;
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    SleepMs(200);
    kill(parent, SIGUSR1);
    SleepMs(300);
    ssize_t unused = write(p[1], "r", 1);
    (void)unused;
    _exit(0);
  }
  close(p[1]);
  char c;
  errno = 0;
  ssize_t n = read(p[0], &c, 1);
  *err = errno;
  *handled = g_count;
  waitpid(pid, nullptr, 0);
  close(p[0]);
  return n;
}

const char* SaRestartRestartsRead() {
  int err, handled;
  ssize_t n = ReadInterruptedBySignal(SA_RESTART, &err, &handled);
  if (n != 1) return Fail("read returned %zd (errno %d %s), want 1", n, err, strerror(err));
  CHECK_EQ(handled, 1);
  return nullptr;
}

const char* NoSaRestartReadIsEintr() {
  int err, handled;
  ssize_t n = ReadInterruptedBySignal(0, &err, &handled);
  if (n != -1 || err != EINTR)
    return Fail("read returned %zd (errno %d %s), want EINTR", n, err, strerror(err));
  CHECK_EQ(handled, 1);
  return nullptr;
}

const char* WaitpidEintrAndRestart() {
  // wait4 is interrupted (EINTR) by a handler without SA_RESTART and
  // restarted with it.
  pid_t sleeper = fork();
  CHECK(sleeper >= 0);
  if (sleeper == 0) {
    SleepMs(800);
    _exit(3);
  }
  CHECK(SetHandler(SIGUSR1, CountHandler, 0) == 0);
  pid_t signaller = ForkSignaller(SIGUSR1, 100);
  int st;
  CHECK_ERRNO(waitpid(sleeper, &st, 0), EINTR);
  CHECK_EQ(g_count, 1);
  CHECK(waitpid(signaller, &st, 0) == signaller);
  CHECK(SetHandler(SIGUSR1, CountHandler, SA_RESTART) == 0);
  signaller = ForkSignaller(SIGUSR1, 100);
  CHECK_EQ(waitpid(sleeper, &st, 0), sleeper);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
  CHECK_EQ(g_count, 2);
  CHECK(waitpid(signaller, &st, 0) == signaller);
  return nullptr;
}

const char* BlockedSignalIsPending() {
  CHECK(SetHandler(SIGUSR1, CountHandler, 0) == 0);
  sigset_t usr1 = SetOf(SIGUSR1), pending, old;
  CHECK(sigprocmask(SIG_BLOCK, &usr1, &old) == 0);
  CHECK(sigismember(&old, SIGUSR1) == 0);
  CHECK(kill(getpid(), SIGUSR1) == 0);
  CHECK(kill(getpid(), SIGUSR1) == 0);  // a standard signal is pending once
  CHECK_EQ(g_count, 0);
  CHECK(sigpending(&pending) == 0);
  CHECK(sigismember(&pending, SIGUSR1) == 1);
  CHECK(sigismember(&pending, SIGUSR2) == 0);
  // The raw rt_sigpending with the kernel's 8-byte set.
  uint64_t raw = 0;
  CHECK_OK(syscall(SYS_rt_sigpending, &raw, 8));
  CHECK_EQ(raw, 1ull << (SIGUSR1 - 1));
  // Unblocking delivers it before sigprocmask returns, once.
  CHECK(sigprocmask(SIG_UNBLOCK, &usr1, nullptr) == 0);
  CHECK_EQ(g_count, 1);
  CHECK(sigpending(&pending) == 0);
  CHECK(sigismember(&pending, SIGUSR1) == 0);
  return nullptr;
}

const char* SigprocmaskSemantics() {
  sigset_t all, got, usr = SetOf(SIGUSR1);
  sigaddset(&usr, SIGUSR2);
  // SIGKILL and SIGSTOP cannot be blocked: silently left out.
  sigfillset(&all);
  CHECK(sigprocmask(SIG_SETMASK, &all, nullptr) == 0);
  CHECK(sigprocmask(SIG_SETMASK, nullptr, &got) == 0);
  CHECK(sigismember(&got, SIGKILL) == 0);
  CHECK(sigismember(&got, SIGSTOP) == 0);
  CHECK(sigismember(&got, SIGTERM) == 1);
  CHECK(sigismember(&got, SIGRTMIN + 1) == 1);
  // SIG_UNBLOCK / SIG_BLOCK / SIG_SETMASK.
  CHECK(sigprocmask(SIG_UNBLOCK, &all, nullptr) == 0);
  CHECK(sigprocmask(SIG_BLOCK, &usr, nullptr) == 0);
  CHECK(sigprocmask(SIG_BLOCK, nullptr, &got) == 0);
  CHECK(sigismember(&got, SIGUSR1) == 1 && sigismember(&got, SIGUSR2) == 1 &&
        sigismember(&got, SIGINT) == 0);
  sigset_t one = SetOf(SIGUSR1);
  CHECK(sigprocmask(SIG_UNBLOCK, &one, &got) == 0);
  CHECK(sigismember(&got, SIGUSR1) == 1);
  CHECK(sigprocmask(SIG_SETMASK, nullptr, &got) == 0);
  CHECK(sigismember(&got, SIGUSR1) == 0 && sigismember(&got, SIGUSR2) == 1);
  CHECK_ERRNO(sigprocmask(12345, &usr, nullptr), EINVAL);
  return nullptr;
}

const char* SigactionErrorsAndQueries() {
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = CountHandler;
  CHECK_ERRNO(sigaction(SIGKILL, &sa, nullptr), EINVAL);
  CHECK_ERRNO(sigaction(SIGSTOP, &sa, nullptr), EINVAL);
  CHECK_ERRNO(sigaction(0, &sa, nullptr), EINVAL);
  CHECK_ERRNO(sigaction(_NSIG, &sa, nullptr), EINVAL);
  CHECK_ERRNO(syscall(SYS_rt_sigaction, SIGUSR1, nullptr, &old, 4), EINVAL);  // wrong sigsetsize
  // Querying SIGKILL is fine; its action is SIG_DFL.
  CHECK(sigaction(SIGKILL, nullptr, &old) == 0 && old.sa_handler == SIG_DFL);
  // The old action comes back as installed.
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGINT);
  CHECK(sigaction(SIGUSR1, &sa, nullptr) == 0);
  CHECK(sigaction(SIGUSR1, nullptr, &old) == 0);
  CHECK(old.sa_handler == CountHandler);
  CHECK((old.sa_flags & SA_RESTART) != 0);
  CHECK(sigismember(&old.sa_mask, SIGINT) == 1);
  return nullptr;
}

volatile int g_usr1_blocked_in_handler = -1;
volatile int g_int_blocked_in_handler = -1;

void MaskProbe(int) {
  g_count = g_count + 1;
  sigset_t cur;
  sigprocmask(SIG_BLOCK, nullptr, &cur);
  g_usr1_blocked_in_handler = sigismember(&cur, SIGUSR1);
  g_int_blocked_in_handler = sigismember(&cur, SIGINT);
}

const char* HandlerMaskAndResethand() {
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = MaskProbe;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGINT);
  CHECK(sigaction(SIGUSR1, &sa, nullptr) == 0);
  CHECK(kill(getpid(), SIGUSR1) == 0);
  CHECK_EQ(g_count, 1);
  CHECK_EQ(g_usr1_blocked_in_handler, 1);  // the signal itself, without SA_NODEFER
  CHECK_EQ(g_int_blocked_in_handler, 1);   // and sa_mask
  sigset_t cur;
  CHECK(sigprocmask(SIG_BLOCK, nullptr, &cur) == 0);
  CHECK(sigismember(&cur, SIGUSR1) == 0 && sigismember(&cur, SIGINT) == 0);  // restored
  // SA_NODEFER | SA_RESETHAND: not blocked inside, and the action is reset.
  sa.sa_flags = SA_NODEFER | SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  CHECK(sigaction(SIGUSR1, &sa, nullptr) == 0);
  CHECK(kill(getpid(), SIGUSR1) == 0);
  CHECK_EQ(g_count, 2);
  CHECK_EQ(g_usr1_blocked_in_handler, 0);
  CHECK(sigaction(SIGUSR1, nullptr, &old) == 0);
  CHECK(old.sa_handler == SIG_DFL);
  return nullptr;
}

const char* IgnoredSignalIsDiscarded() {
  CHECK(signal(SIGUSR1, SIG_IGN) != SIG_ERR);
  CHECK(kill(getpid(), SIGUSR1) == 0);
  sigset_t usr1 = SetOf(SIGUSR1), pending;
  CHECK(sigpending(&pending) == 0);
  CHECK(sigismember(&pending, SIGUSR1) == 0);
  // Blocked and ignored (whether it is queued meanwhile is unspecified):
  // unblocking it does nothing.
  CHECK(sigprocmask(SIG_BLOCK, &usr1, nullptr) == 0);
  CHECK(kill(getpid(), SIGUSR1) == 0);
  CHECK(sigprocmask(SIG_UNBLOCK, &usr1, nullptr) == 0);
  CHECK(sigpending(&pending) == 0);
  CHECK(sigismember(&pending, SIGUSR1) == 0);
  // Setting SIG_IGN discards a pending signal (POSIX): SIGUSR2 pending with
  // its default action (terminate), then ignored, then unblocked: we live.
  sigset_t usr2 = SetOf(SIGUSR2);
  CHECK(sigprocmask(SIG_BLOCK, &usr2, nullptr) == 0);
  CHECK(kill(getpid(), SIGUSR2) == 0);
  CHECK(sigpending(&pending) == 0);
  CHECK(sigismember(&pending, SIGUSR2) == 1);
  CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR);
  CHECK(sigpending(&pending) == 0);
  CHECK(sigismember(&pending, SIGUSR2) == 0);
  CHECK(sigprocmask(SIG_UNBLOCK, &usr2, nullptr) == 0);
  // Signals whose default action is to ignore do nothing by default.
  const int ignored[] = {SIGCHLD, SIGURG, SIGWINCH};
  for (int sig : ignored) CHECK(kill(getpid(), sig) == 0);
  return nullptr;
}

const char* DefaultActionTerminates() {
  // LTP kill02/kill03 style: the child dies of the signal, the parent sees
  // WIFSIGNALED/WTERMSIG, and no core-dump flag for a "terminate" signal.
  const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, SIGKILL, SIGPIPE};
  for (int sig : sigs) {
    pid_t pid = ForkPauser();
    CHECK(pid > 0);
    CHECK(kill(pid, sig) == 0);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != sig || WCOREDUMP(st)) {
      return Fail("signal %d: wait status 0x%x", sig, st);
    }
  }
  return nullptr;
}

// Core dumps off (so the host writes none; Linux then reports no WCOREDUMP).
void NoCore() {
  struct rlimit rl = {0, 0};
  setrlimit(RLIMIT_CORE, &rl);
}

const char* DefaultActionCoreDump() {
  // "Core" signals terminate; WCOREDUMP depends on whether a core was
  // written, so only the signal is checked.
  const int sigs[] = {SIGQUIT, SIGABRT, SIGSEGV, SIGILL, SIGFPE, SIGBUS, SIGSYS, SIGTRAP};
  for (int sig : sigs) {
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      NoCore();
      for (;;) pause();
    }
    CHECK(kill(pid, sig) == 0);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != sig)
      return Fail("signal %d: wait status 0x%x", sig, st);
  }
  return nullptr;
}

const char* RealSegfaultKillsChild() {
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    NoCore();
    volatile uintptr_t address = 0;
    *reinterpret_cast<volatile int*>(address) = 1;
    _exit(0);
  }
  int st;
  CHECK(waitpid(pid, &st, 0) == pid);
  if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV) return Fail("wait status 0x%x", st);
  // Everything else carries on: the next child runs normally.
  pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) _exit(4);
  CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 4);
  return nullptr;
}

sigjmp_buf g_jump;

void SegvJumper(int sig, siginfo_t* info, void* ctx) {
  InfoHandler(sig, info, ctx);
  siglongjmp(g_jump, 1);
}

const char* SegvHandlerSiginfo() {
  CHECK(SetInfoHandler(SIGSEGV, SegvJumper, 0) == 0);
  // An unmapped address: SEGV_MAPERR with si_addr.
  volatile uintptr_t address = 0x10;
  if (sigsetjmp(g_jump, 1) == 0) {
    *reinterpret_cast<volatile int*>(address) = 1;
    return "the write to 0x10 did not fault";
  }
  CHECK_EQ(g_count, 1);
  CHECK_EQ(g_signo, SIGSEGV);
  CHECK_EQ(g_si_code, SEGV_MAPERR);
  CHECK(g_si_addr == reinterpret_cast<void*>(0x10));
  // siglongjmp restored the mask: SIGSEGV is not left blocked.
  sigset_t cur;
  CHECK(sigprocmask(SIG_BLOCK, nullptr, &cur) == 0);
  CHECK(sigismember(&cur, SIGSEGV) == 0);
  // A write to a read-only page: SEGV_ACCERR.
  char* page =
      static_cast<char*>(mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  CHECK(page != MAP_FAILED);
  if (sigsetjmp(g_jump, 1) == 0) {
    *reinterpret_cast<volatile char*>(page + 8) = 1;
    return "the write to a read-only page did not fault";
  }
  CHECK_EQ(g_count, 2);
  CHECK_EQ(g_si_code, SEGV_ACCERR);
  CHECK(g_si_addr == page + 8);
  munmap(page, 4096);
  return nullptr;
}

// waitpid that gives up after `ms` (returns 0 then): a kernel that loses a
// wake-up fails the case with a message instead of hanging it.
pid_t WaitpidWithin(pid_t pid, int* st, int options, int ms) {
  for (int waited = 0;; waited += 5) {
    pid_t got = waitpid(pid, st, options | WNOHANG);
    if (got != 0 || waited >= ms) return got;
    SleepMs(5);
  }
}

const char* StopContinueWait() {
  pid_t pid = ForkPauser();
  CHECK(pid > 0);
  int st;
  CHECK(kill(pid, SIGSTOP) == 0);
  CHECK_EQ(waitpid(pid, &st, WUNTRACED), pid);
  if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP) return Fail("after SIGSTOP: status 0x%x", st);
  // Reported once.
  CHECK_EQ(waitpid(pid, &st, WUNTRACED | WNOHANG), 0);
  CHECK(kill(pid, SIGCONT) == 0);
  CHECK_EQ(waitpid(pid, &st, WCONTINUED), pid);
  if (!WIFCONTINUED(st)) return Fail("after SIGCONT: status 0x%x", st);
  CHECK_EQ(waitpid(pid, &st, WCONTINUED | WNOHANG), 0);
  // SIGTSTP (not caught) stops it too.
  CHECK(kill(pid, SIGTSTP) == 0);
  CHECK_EQ(waitpid(pid, &st, WUNTRACED), pid);
  if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGTSTP) return Fail("after SIGTSTP: status 0x%x", st);
  // Without WUNTRACED a stop is not reported.
  CHECK(kill(pid, SIGCONT) == 0);
  CHECK(kill(pid, SIGSTOP) == 0);
  CHECK_EQ(WaitpidWithin(pid, &st, 0, 200), 0);
  CHECK(kill(pid, SIGCONT) == 0);
  CHECK(kill(pid, SIGTERM) == 0);
  CHECK_EQ(WaitpidWithin(pid, &st, 0, 10000), pid);
  if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGTERM) return Fail("after SIGTERM: status 0x%x", st);
  return nullptr;
}

const char* SignalsToStoppedProcess() {
  // SIGTERM waits while the process is stopped; SIGCONT lets it act.
  pid_t pid = ForkPauser();
  CHECK(pid > 0);
  int st;
  CHECK(kill(pid, SIGSTOP) == 0);
  CHECK_EQ(waitpid(pid, &st, WUNTRACED), pid);
  CHECK(kill(pid, SIGTERM) == 0);
  CHECK_EQ(WaitpidWithin(pid, &st, 0, 200), 0);  // still there, stopped
  CHECK(kill(pid, SIGCONT) == 0);
  CHECK_EQ(WaitpidWithin(pid, &st, 0, 10000), pid);
  if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGTERM)
    return Fail("SIGTERM then SIGCONT: status 0x%x", st);
  // SIGKILL ends a stopped process at once, without SIGCONT.
  pid = ForkPauser();
  CHECK(pid > 0);
  CHECK(kill(pid, SIGSTOP) == 0);
  CHECK_EQ(waitpid(pid, &st, WUNTRACED), pid);
  CHECK(kill(pid, SIGKILL) == 0);
  pid_t got = WaitpidWithin(pid, &st, 0, 10000);
  if (got != pid) {
    kill(pid, SIGCONT);
    waitpid(pid, &st, 0);
    return Fail(
        "SIGKILL did not end a stopped process within 10 s (it ended after SIGCONT: status 0x%x)",
        st);
  }
  if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL) return Fail("after SIGKILL: status 0x%x", st);
  return nullptr;
}

const char* StoppedProcessKeepsSignalsPending() {
  // A stopped process does not run its handler until continued.
  int p[2];
  CHECK(pipe(p) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    SetHandler(SIGUSR1, CountHandler, 0);
    sigset_t none;
    sigemptyset(&none);
    while (g_count == 0) sigsuspend(&none);
    ssize_t unused = write(p[1], "h", 1);
    (void)unused;
    _exit(0);
  }
  close(p[1]);
  int st;
  SleepMs(50);
  CHECK(kill(pid, SIGSTOP) == 0);
  CHECK_EQ(waitpid(pid, &st, WUNTRACED), pid);
  CHECK(WIFSTOPPED(st));
  CHECK(kill(pid, SIGUSR1) == 0);
  struct timespec ts = {0, 200 * 1000000L};
  nanosleep(&ts, nullptr);
  CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0);
  char c;
  CHECK_ERRNO(read(p[0], &c, 1), EAGAIN);  // the handler has not run
  CHECK(kill(pid, SIGCONT) == 0);
  CHECK(fcntl(p[0], F_SETFL, 0) == 0);
  CHECK(read(p[0], &c, 1) == 1 && c == 'h');
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  return nullptr;
}

// The SIGCHLD of the child being waited for (a handler without
// SA_RESTART) does not make wait fail with EINTR: the report wins (Linux
// looks at the children again before giving up for a signal).
const char* WaitReportsTheChildDespiteItsSigchld() {
  g_count = 0;
  CHECK(SetInfoHandler(SIGCHLD, InfoHandler, 0) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    SleepMs(200);  // the parent is asleep in wait by then (or not: either way)
    _exit(5);
  }
  int st;
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5);
  signal(SIGCHLD, SIG_DFL);
  return nullptr;
}

const char* SigchldOnExitSiginfo() {
  sigset_t chld = SetOf(SIGCHLD), none;
  sigemptyset(&none);
  CHECK(sigprocmask(SIG_BLOCK, &chld, nullptr) == 0);
  CHECK(SetInfoHandler(SIGCHLD, InfoHandler, 0) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) _exit(42);
  while (g_count == 0) sigsuspend(&none);
  CHECK_EQ(g_signo, SIGCHLD);
  CHECK_EQ(g_si_code, CLD_EXITED);
  CHECK_EQ(g_si_pid, pid);
  CHECK_EQ(g_si_status, 42);
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 42);
  // Killed: CLD_KILLED with the signal.
  g_count = 0;
  pid = ForkPauser();
  CHECK(pid > 0);
  CHECK(kill(pid, SIGKILL) == 0);
  while (g_count == 0) sigsuspend(&none);
  CHECK_EQ(g_si_code, CLD_KILLED);
  CHECK_EQ(g_si_pid, pid);
  CHECK_EQ(g_si_status, SIGKILL);
  CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st));
  return nullptr;
}

const char* SigchldOnStopAndContinue() {
  sigset_t chld = SetOf(SIGCHLD), none;
  sigemptyset(&none);
  CHECK(sigprocmask(SIG_BLOCK, &chld, nullptr) == 0);
  CHECK(SetInfoHandler(SIGCHLD, InfoHandler, 0) == 0);
  pid_t pid = ForkPauser();
  CHECK(pid > 0);
  CHECK(kill(pid, SIGSTOP) == 0);
  while (g_count == 0) sigsuspend(&none);
  CHECK_EQ(g_si_code, CLD_STOPPED);
  CHECK_EQ(g_si_status, SIGSTOP);
  CHECK_EQ(g_si_pid, pid);
  g_count = 0;
  CHECK(kill(pid, SIGCONT) == 0);
  while (g_count == 0) sigsuspend(&none);
  CHECK_EQ(g_si_code, CLD_CONTINUED);
  CHECK_EQ(g_si_status, SIGCONT);
  // SA_NOCLDSTOP: stops are no longer signalled (the exit still is).
  CHECK(SetInfoHandler(SIGCHLD, InfoHandler, SA_NOCLDSTOP) == 0);
  g_count = 0;
  int st;
  CHECK(kill(pid, SIGSTOP) == 0);
  CHECK_EQ(waitpid(pid, &st, WUNTRACED), pid);
  CHECK(sigprocmask(SIG_UNBLOCK, &chld, nullptr) == 0);
  CHECK_EQ(g_count, 0);
  CHECK(sigprocmask(SIG_BLOCK, &chld, nullptr) == 0);
  CHECK(kill(pid, SIGCONT) == 0);  // (not signalled either with SA_NOCLDSTOP)
  CHECK(kill(pid, SIGKILL) == 0);
  while (g_count == 0) sigsuspend(&none);
  CHECK_EQ(g_si_code, CLD_KILLED);
  CHECK(waitpid(pid, &st, 0) == pid);
  return nullptr;
}

const char* SigchldIgnoredReapsChildren() {
  // SIGCHLD set to SIG_IGN: children leave no zombies, and wait blocks until
  // they are all gone, then fails with ECHILD.
  CHECK(signal(SIGCHLD, SIG_IGN) != SIG_ERR);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    SleepMs(50);
    _exit(1);
  }
  int st;
  CHECK_ERRNO(waitpid(-1, &st, 0), ECHILD);
  CHECK_ERRNO(kill(pid, 0), ESRCH);
  return nullptr;
}

const char* SigsuspendReplacesMaskTemporarily() {
  CHECK(SetHandler(SIGUSR1, CountHandler, 0) == 0);
  sigset_t usr1 = SetOf(SIGUSR1), none, cur;
  sigemptyset(&none);
  CHECK(sigprocmask(SIG_BLOCK, &usr1, nullptr) == 0);
  pid_t child = ForkSignaller(SIGUSR1, 50);
  CHECK(child > 0);
  CHECK_ERRNO(sigsuspend(&none), EINTR);
  CHECK_EQ(g_count, 1);
  CHECK(sigprocmask(SIG_BLOCK, nullptr, &cur) == 0);
  CHECK(sigismember(&cur, SIGUSR1) == 1);  // the old mask is back
  // A signal already pending is taken at once.
  CHECK(kill(getpid(), SIGUSR1) == 0);
  CHECK_ERRNO(sigsuspend(&none), EINTR);
  CHECK_EQ(g_count, 2);
  waitpid(child, nullptr, 0);
  return nullptr;
}

const char* PauseReturnsEintr() {
  CHECK(SetHandler(SIGUSR2, CountHandler, SA_RESTART) == 0);  // pause is never restarted
  pid_t child = ForkSignaller(SIGUSR2, 50);
  CHECK(child > 0);
  CHECK_ERRNO(pause(), EINTR);
  CHECK_EQ(g_count, 1);
  waitpid(child, nullptr, 0);
  return nullptr;
}

const char* NanosleepEintrWithRemaining() {
  CHECK(SetHandler(SIGUSR1, CountHandler, 0) == 0);
  pid_t child = ForkSignaller(SIGUSR1, 100);
  CHECK(child > 0);
  struct timespec req = {5, 0}, rem = {0, 0};
  CHECK_ERRNO(nanosleep(&req, &rem), EINTR);
  CHECK_EQ(g_count, 1);
  // Woken early: most of the 5 s remain.
  CHECK(rem.tv_sec >= 2 && rem.tv_sec <= 5);
  waitpid(child, nullptr, 0);
  return nullptr;
}

volatile uintptr_t g_handler_local;
volatile int g_on_stack_flag = -1;

void AltStackHandler(int) {
  int local;
  g_handler_local = reinterpret_cast<uintptr_t>(&local);
  stack_t cur;
  if (sigaltstack(nullptr, &cur) == 0) g_on_stack_flag = (cur.ss_flags & SS_ONSTACK) != 0;
  g_count = g_count + 1;
}

const char* SigaltstackOnstackHandler() {
  static char alt[64 * 1024] __attribute__((aligned(16)));
  stack_t ss = {}, old = {};
  ss.ss_sp = alt;
  ss.ss_size = sizeof alt;
  ss.ss_flags = 0;
  CHECK(sigaltstack(&ss, &old) == 0);
  CHECK((old.ss_flags & SS_DISABLE) != 0);  // none before
  CHECK(SetHandler(SIGUSR1, AltStackHandler, SA_ONSTACK) == 0);
  CHECK(kill(getpid(), SIGUSR1) == 0);
  CHECK_EQ(g_count, 1);
  uintptr_t base = reinterpret_cast<uintptr_t>(alt);
  if (!(g_handler_local > base && g_handler_local < base + sizeof alt)) {
    return Fail("the handler's local %#lx is not on the alternate stack %#lx..%#lx",
                static_cast<unsigned long>(g_handler_local), static_cast<unsigned long>(base),
                static_cast<unsigned long>(base + sizeof alt));
  }
  CHECK_EQ(g_on_stack_flag, 1);
  stack_t cur;
  CHECK(sigaltstack(nullptr, &cur) == 0);
  CHECK(cur.ss_sp == alt && cur.ss_size == sizeof alt && (cur.ss_flags & SS_ONSTACK) == 0);
  // Without SA_ONSTACK the handler runs on the normal stack.
  CHECK(SetHandler(SIGUSR2, AltStackHandler, 0) == 0);
  CHECK(kill(getpid(), SIGUSR2) == 0);
  CHECK(!(g_handler_local > base && g_handler_local < base + sizeof alt));
  CHECK_EQ(g_on_stack_flag, 0);
  // Errors: a too-small stack, unknown flags.
  ss.ss_size = 512;
  CHECK_ERRNO(sigaltstack(&ss, nullptr), ENOMEM);
  ss.ss_size = sizeof alt;
  ss.ss_flags = 0x4000;
  CHECK_ERRNO(sigaltstack(&ss, nullptr), EINVAL);
  // SS_DISABLE turns it off.
  ss.ss_flags = SS_DISABLE;
  CHECK(sigaltstack(&ss, nullptr) == 0);
  CHECK(sigaltstack(nullptr, &cur) == 0);
  CHECK((cur.ss_flags & SS_DISABLE) != 0);
  return nullptr;
}

const char* SigpipeKillsWriter() {
  int p[2];
  CHECK(pipe(p) == 0);
  close(p[0]);  // before the fork: no reader anywhere
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    ssize_t unused = write(p[1], "x", 1);  // SIGPIPE, default action
    (void)unused;
    _exit(0);
  }
  close(p[1]);
  int st;
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGPIPE) return Fail("writer's status 0x%x", st);
  // With a handler: the handler runs and write fails with EPIPE.
  CHECK(pipe(p) == 0);
  close(p[0]);
  CHECK(SetInfoHandler(SIGPIPE, InfoHandler, 0) == 0);
  CHECK_ERRNO(write(p[1], "x", 1), EPIPE);
  CHECK_EQ(g_count, 1);
  CHECK_EQ(g_signo, SIGPIPE);
  close(p[1]);
  return nullptr;
}

const char* KillProcessGroup() {
  // kill(-pgid) reaches every member of the group and nobody else.
  pid_t a = fork();
  CHECK(a >= 0);
  if (a == 0) {
    setpgid(0, 0);
    for (;;) pause();
  }
  CHECK(setpgid(a, a) == 0);
  pid_t b = fork();
  CHECK(b >= 0);
  if (b == 0) {
    setpgid(0, a);
    for (;;) pause();
  }
  CHECK(setpgid(b, a) == 0);
  pid_t outsider = ForkPauser();  // stays in our group
  CHECK(outsider > 0);
  CHECK_EQ(getpgid(b), a);
  CHECK(kill(-a, SIGUSR1) == 0);
  int st;
  CHECK_EQ(waitpid(a, &st, 0), a);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1);
  CHECK_EQ(waitpid(b, &st, 0), b);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1);
  CHECK_EQ(waitpid(outsider, &st, WNOHANG), 0);
  CHECK(kill(outsider, SIGKILL) == 0);
  CHECK_EQ(waitpid(outsider, &st, 0), outsider);
  CHECK_ERRNO(kill(-a, SIGUSR1), ESRCH);  // the group is gone
  return nullptr;
}

const char* KillOwnGroupWithZero() {
  // kill(0, sig): every process of the caller's group, the caller included.
  // (The harness made this case its own group's leader.)
  pid_t member = ForkPauser();  // same group, default action: dies
  CHECK(member > 0);
  CHECK(SetHandler(SIGUSR2, CountHandler, 0) == 0);
  CHECK(kill(0, SIGUSR2) == 0);
  CHECK_EQ(g_count, 1);
  int st;
  CHECK_EQ(waitpid(member, &st, 0), member);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR2);
  return nullptr;
}

const char* KillSignalZeroAndErrors() {
  // (A zombie still exists for kill: zombie_still_holds_its_group.)
  CHECK(kill(getpid(), 0) == 0);
  pid_t pid = ForkPauser();
  CHECK(pid > 0);
  CHECK(kill(pid, 0) == 0);
  CHECK(kill(pid, SIGKILL) == 0);
  int st;
  CHECK(waitpid(pid, &st, 0) == pid);
  CHECK_ERRNO(kill(pid, 0), ESRCH);  // reaped: gone
  CHECK_ERRNO(kill(999999, SIGUSR1), ESRCH);
  CHECK_ERRNO(kill(-999999, 0), ESRCH);
  CHECK_ERRNO(kill(getpid(), 1000), EINVAL);
  CHECK_ERRNO(kill(getpid(), -1), EINVAL);
  return nullptr;
}

const char* ForkSignalInheritance() {
  // Dispositions and the mask are inherited; pending signals are not.
  CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR);
  CHECK(SetHandler(SIGHUP, CountHandler, 0) == 0);
  sigset_t usr1 = SetOf(SIGUSR1);
  CHECK(sigprocmask(SIG_BLOCK, &usr1, nullptr) == 0);
  CHECK(kill(getpid(), SIGUSR1) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    sigset_t pending, cur;
    sigpending(&pending);
    sigprocmask(SIG_BLOCK, nullptr, &cur);
    struct sigaction a, b;
    sigaction(SIGUSR2, nullptr, &a);
    sigaction(SIGHUP, nullptr, &b);
    if (sigismember(&pending, SIGUSR1)) _exit(1);
    if (!sigismember(&cur, SIGUSR1)) _exit(2);
    if (a.sa_handler != SIG_IGN) _exit(3);
    if (b.sa_handler != CountHandler) _exit(4);
    kill(getpid(), SIGHUP);
    _exit(g_count == 1 ? 0 : 5);
  }
  int st;
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return Fail("child status 0x%x", st);
  sigset_t pending;
  CHECK(sigpending(&pending) == 0 && sigismember(&pending, SIGUSR1) == 1);  // still ours
  return nullptr;
}

const char* WaitidExited() {
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) _exit(7);
  siginfo_t info;
  memset(&info, 0, sizeof info);
  CHECK_OK(waitid(P_PID, pid, &info, WEXITED));
  CHECK_EQ(info.si_signo, SIGCHLD);
  CHECK_EQ(info.si_code, CLD_EXITED);
  CHECK_EQ(info.si_pid, pid);
  CHECK_EQ(info.si_status, 7);
  CHECK_ERRNO(waitid(P_PID, pid, &info, WEXITED), ECHILD);
  return nullptr;
}

const char* WaitidNohangAndNowait() {
  int go[2];
  CHECK_OK(pipe(go));
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    char c;
    close(go[1]);
    (void)read(go[0], &c, 1);
    _exit(3);
  }
  close(go[0]);
  siginfo_t info;
  memset(&info, 0x55, sizeof info);
  // Nothing to report yet: 0 and a zeroed si_pid.
  CHECK_OK(waitid(P_PID, pid, &info, WEXITED | WNOHANG));
  CHECK_EQ(info.si_pid, 0);
  close(go[1]);
  // WNOWAIT reports the zombie and leaves it waitable.
  memset(&info, 0, sizeof info);
  CHECK_OK(waitid(P_ALL, 0, &info, WEXITED | WNOWAIT));
  CHECK_EQ(info.si_pid, pid);
  CHECK_EQ(info.si_status, 3);
  int st;
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
  CHECK_ERRNO(waitid(P_ALL, 0, &info, 0), EINVAL);  // no WEXITED/WSTOPPED/WCONTINUED
  return nullptr;
}

}  // namespace

// A SIGALRM storm (a 1 ms interval timer, an SA_RESTART handler) over the
// path calls: none may fail with EINTR (Linux's file systems wait for the
// disk uninterruptibly). On Tessera's ext2 root every one of them waits for
// the fs server, which is where EINTR leaked out; disk_test runs this case
// there (TEST_TMPDIR=/data).
volatile sig_atomic_t g_storm_alarms = 0;
void StormHandler(int) { g_storm_alarms = g_storm_alarms + 1; }

const char* PathCallsRestartUnderSigalrmStorm() {
  CHECK(SetHandler(SIGALRM, StormHandler, SA_RESTART) == 0);
  char dir[512];
  snprintf(dir, sizeof dir, "%s", TmpPath("storm"));
  CHECK(mkdir(dir, 0755) == 0);
  CHECK(chdir(dir) == 0);
  itimerval every_ms{{0, 1000}, {0, 1000}};
  CHECK(setitimer(ITIMER_REAL, &every_ms, nullptr) == 0);
  const char* failed = nullptr;
  int rounds = 0;
  timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  do {
    char buf[256];
    struct stat st;
#define STORM_STEP(expr)                 \
  if ((expr) < 0 && errno == EINTR) {    \
    failed = #expr " failed with EINTR"; \
    break;                               \
  }
    STORM_STEP(getcwd(buf, sizeof buf) == nullptr ? -1 : 0);
    STORM_STEP(stat(".", &st));
    int fd = open("f", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    STORM_STEP(fd);
    if (fd >= 0) {
      STORM_STEP(write(fd, "storm", 5));
      close(fd);
    }
    fd = open("f", O_RDONLY);
    STORM_STEP(fd);
    if (fd >= 0) {
      STORM_STEP(read(fd, buf, sizeof buf));
      close(fd);
    }
    STORM_STEP(rename("f", "g"));
    STORM_STEP(rename("g", "f"));
    STORM_STEP(mkdir("d", 0755));
    STORM_STEP(rmdir("d"));
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    STORM_STEP(dfd);
    if (dfd >= 0) {
      STORM_STEP(syscall(SYS_getdents64, dfd, buf, sizeof buf));
      close(dfd);
    }
#undef STORM_STEP
    ++rounds;
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while (now.tv_sec - start.tv_sec < 3);
  itimerval off{};
  setitimer(ITIMER_REAL, &off, nullptr);
  unlink("f");
  if (failed != nullptr) return Fail("round %d, %d alarms: %s", rounds, g_storm_alarms, failed);
  CHECK(g_storm_alarms > 0);
  return nullptr;
}

const Case kSignalCases[] = {
    {"sigaction_siginfo_kill_self", HandlerSiginfoKillSelf},
    {"sigaction_siginfo_from_child", HandlerSiginfoFromChild},
    {"raise_runs_handler", RaiseRunsHandler},
    {"gettid_tgkill_self", GettidAndTgkillSelf},
    {"sa_restart_restarts_read", SaRestartRestartsRead},
    {"sigalrm_storm_path_calls", PathCallsRestartUnderSigalrmStorm},
    {"no_sa_restart_read_eintr", NoSaRestartReadIsEintr},
    {"waitpid_eintr_and_restart", WaitpidEintrAndRestart},
    {"blocked_signal_pending", BlockedSignalIsPending},
    {"sigprocmask_semantics", SigprocmaskSemantics},
    {"sigaction_errors_and_queries", SigactionErrorsAndQueries},
    {"handler_mask_and_resethand", HandlerMaskAndResethand},
    {"ignored_signal_discarded", IgnoredSignalIsDiscarded},
    {"default_action_terminates", DefaultActionTerminates},
    {"default_action_core", DefaultActionCoreDump},
    {"real_segfault_kills_child", RealSegfaultKillsChild},
    {"segv_handler_siginfo", SegvHandlerSiginfo},
    {"stop_continue_wait", StopContinueWait},
    {"signals_to_stopped_process", SignalsToStoppedProcess},
    {"stopped_process_keeps_signals_pending", StoppedProcessKeepsSignalsPending},
    {"sigchld_on_exit_siginfo", SigchldOnExitSiginfo},
    {"wait_reports_the_child_despite_its_sigchld", WaitReportsTheChildDespiteItsSigchld},
    {"sigchld_on_stop_and_continue", SigchldOnStopAndContinue},
    {"sigchld_ignored_reaps_children", SigchldIgnoredReapsChildren},
    {"sigsuspend_mask", SigsuspendReplacesMaskTemporarily},
    {"pause_returns_eintr", PauseReturnsEintr},
    {"nanosleep_eintr_remaining", NanosleepEintrWithRemaining},
    {"sigaltstack_onstack_handler", SigaltstackOnstackHandler},
    {"sigpipe_kills_writer", SigpipeKillsWriter},
    {"kill_process_group", KillProcessGroup},
    {"kill_own_group_zero", KillOwnGroupWithZero},
    {"kill_sig0_and_errors", KillSignalZeroAndErrors},
    {"fork_signal_inheritance", ForkSignalInheritance},
    {"waitid_exited", WaitidExited},
    {"waitid_wnohang_wnowait", WaitidNohangAndNowait},
};
const int kSignalCaseCount = sizeof kSignalCases / sizeof kSignalCases[0];

}  // namespace posix_test
