// POSIX-suite cases for Linux's event files: epoll (level and edge
// triggered, one-shot, nesting, loops, close while registered, fork,
// epoll_pwait's mask, argument errors, many fds), eventfd, timerfd,
// signalfd, pidfd, and ppoll/pselect6 with a temporary signal mask. Modelled
// on LTP's epoll*, eventfd*, timerfd*, signalfd* and pidfd* tests.

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

namespace posix_test {
namespace {

// --- helpers -----------------------------------------------------------------

int EpollAdd(int ep, int fd, uint32_t events, uint64_t data) {
  struct epoll_event ev = {};
  ev.events = events;
  ev.data.u64 = data;
  return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

int EpollMod(int ep, int fd, uint32_t events, uint64_t data) {
  struct epoll_event ev = {};
  ev.events = events;
  ev.data.u64 = data;
  return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

// epoll_wait into `out` (8 entries) with `timeout_ms`.
int Wait(int ep, struct epoll_event* out, int timeout_ms) {
  return epoll_wait(ep, out, 8, timeout_ms);
}

int64_t NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK  // <sys/pidfd.h> is newer than this musl
#endif

constexpr int kPPidfd = 3;  // waitid's P_PIDFD

bool HasCloexec(int fd) { return (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }

int PidfdOpen(pid_t pid, unsigned flags) {
  return static_cast<int>(syscall(SYS_pidfd_open, pid, flags));
}
int PidfdSendSignal(int pidfd, int sig, siginfo_t* info, unsigned flags) {
  return static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags));
}

// An epoll and a pipe whose read end is registered with `events` (if not
// 0), all closed when the case returns.
struct EpollPipe {
  explicit EpollPipe(uint32_t events = 0, uint64_t data = 0) {
    if (ok && events != 0) ok = EpollAdd(ep, p[0], events, data) == 0;
  }
  // epoll_wait into out[] with `timeout_ms`.
  int Wait(int timeout_ms) { return epoll_wait(ep, out, 8, timeout_ms); }
  // Writes one byte into the pipe.
  bool Put() { return write(p[1], "x", 1) == 1; }
  bool Take() {
    char c;
    return read(p[0], &c, 1) == 1;
  }

  int ep = epoll_create1(0);
  int p[2] = {-1, -1};
  bool ok = ep >= 0 && pipe(p) == 0;
  struct epoll_event out[8];
  ~EpollPipe() {
    close(p[0]);
    close(p[1]);
    close(ep);
  }
};

volatile sig_atomic_t g_usr1_count = 0;
void CountUsr1(int) { g_usr1_count = g_usr1_count + 1; }

// Blocks `sig` for the calling thread.
void Block(int sig) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, sig);
  sigprocmask(SIG_BLOCK, &s, nullptr);
}

bool IsBlocked(int sig) {
  sigset_t s;
  sigprocmask(SIG_BLOCK, nullptr, &s);
  return sigismember(&s, sig) == 1;
}

bool IsPending(int sig) {
  sigset_t s;
  sigpending(&s);
  return sigismember(&s, sig) == 1;
}

// --- epoll -------------------------------------------------------------------

const char* EpollCreateFlags() {
  // The raw call: musl's epoll_create() does not look at its size.
  CHECK_ERRNO(syscall(SYS_epoll_create, 0), EINVAL);
  CHECK_ERRNO(syscall(SYS_epoll_create, -1), EINVAL);
  CHECK_ERRNO(epoll_create1(1), EINVAL);
  int a = epoll_create(1);
  CHECK_OK(a);
  CHECK(!HasCloexec(a));
  int b = epoll_create1(EPOLL_CLOEXEC);
  CHECK_OK(b);
  CHECK(HasCloexec(b));
  char c;
  CHECK_ERRNO(read(a, &c, 1), EINVAL);
  close(a);
  close(b);
  return nullptr;
}

const char* EpollCtlErrors() {
  int ep = epoll_create1(0);
  CHECK_OK(ep);
  int p[2];
  CHECK(pipe(p) == 0);
  struct epoll_event ev = {};
  ev.events = EPOLLIN;
  CHECK_ERRNO(epoll_ctl(12345, EPOLL_CTL_ADD, p[0], &ev), EBADF);
  CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, 12345, &ev), EBADF);
  // A regular file cannot be polled: EPERM.
  int reg = open(TmpPath("epoll_regular"), O_CREAT | O_RDWR, 0600);
  CHECK_OK(reg);
  CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, reg, &ev), EPERM);
  // Into itself, or on something that is not an epoll: EINVAL.
  CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
  CHECK_ERRNO(epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &ev), EINVAL);
  CHECK_ERRNO(epoll_ctl(ep, 99, p[0], &ev), EINVAL);
  CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), ENOENT);
  CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], &ev), ENOENT);
  CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], reinterpret_cast<struct epoll_event*>(16)),
              EFAULT);
  CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
  CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
  CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], nullptr));  // DEL ignores the event
  // EPOLLEXCLUSIVE: on ADD only, not with EPOLLONESHOT.
  ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
  CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EINVAL);
  ev.events = EPOLLIN | EPOLLEXCLUSIVE;
  CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
  ev.events = EPOLLIN;
  CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), EINVAL);
  close(reg);
  close(p[0]);
  close(p[1]);
  close(ep);
  return nullptr;
}

const char* EpollLevelTriggered() {
  EpollPipe fx(EPOLLIN, 0x1122334455667788ULL);
  CHECK(fx.ok);
  CHECK_EQ(fx.Wait(0), 0);
  CHECK(fx.Put() && fx.Put());
  CHECK_EQ(fx.Wait(0), 1);
  CHECK_EQ(fx.out[0].events, EPOLLIN);
  CHECK(fx.out[0].data.u64 == 0x1122334455667788ULL);
  CHECK_EQ(fx.Wait(0), 1);  // still readable: reported again
  CHECK(fx.Take());
  CHECK_EQ(fx.Wait(0), 1);
  CHECK(fx.Take());
  CHECK_EQ(fx.Wait(0), 0);
  // The write end: EPOLLOUT at once.
  CHECK_OK(EpollAdd(fx.ep, fx.p[1], EPOLLOUT, 7));
  CHECK_EQ(fx.Wait(0), 1);
  CHECK(fx.out[0].events == EPOLLOUT && fx.out[0].data.u64 == 7);
  return nullptr;
}

const char* EpollEdgeTriggered() {
  EpollPipe fx(EPOLLIN | EPOLLET, 1);
  CHECK(fx.ok && fx.Put());
  CHECK_EQ(fx.Wait(0), 1);
  CHECK_EQ(fx.Wait(0), 0);  // no new edge while nothing arrives
  // New data on a pipe that is still readable is a new edge (as Linux).
  CHECK(fx.Put());
  CHECK_EQ(fx.Wait(0), 1);
  CHECK_EQ(fx.Wait(0), 0);
  CHECK(fx.Take());  // reading does not make an edge
  CHECK_EQ(fx.Wait(0), 0);
  return nullptr;
}

const char* EpollOneShot() {
  EpollPipe fx(EPOLLIN | EPOLLONESHOT, 1);
  CHECK(fx.ok && fx.Put());
  CHECK_EQ(fx.Wait(0), 1);
  CHECK_EQ(fx.Wait(0), 0);  // disabled
  CHECK(fx.Put());
  CHECK_EQ(fx.Wait(0), 0);
  CHECK_OK(EpollMod(fx.ep, fx.p[0], EPOLLIN | EPOLLONESHOT, 2));  // re-armed
  CHECK_EQ(fx.Wait(0), 1);
  CHECK(fx.out[0].data.u64 == 2);
  CHECK_EQ(fx.Wait(0), 0);
  return nullptr;
}

const char* EpollHangupAndErrors() {
  int ep = epoll_create1(0);
  int p[2], q[2];
  CHECK(ep >= 0 && pipe(p) == 0 && pipe(q) == 0);
  // EPOLLRDHUP is accepted; a pipe's hang-up is EPOLLHUP (never asked for).
  CHECK_OK(EpollAdd(ep, p[0], EPOLLIN | EPOLLRDHUP, 1));
  close(p[1]);
  struct epoll_event out[8];
  CHECK_EQ(Wait(ep, out, 0), 1);
  CHECK_EQ(out[0].events, EPOLLHUP);
  // A write end without a reader: EPOLLERR, and EPOLLOUT while there is room.
  CHECK_OK(EpollAdd(ep, q[1], EPOLLOUT, 2));
  close(q[0]);
  CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], nullptr));
  CHECK_EQ(Wait(ep, out, 0), 1);
  CHECK_EQ(out[0].events, EPOLLOUT | EPOLLERR);
  close(p[0]);
  close(q[1]);
  close(ep);
  return nullptr;
}

const char* EpollNested() {
  int outer = epoll_create1(0);
  int inner = epoll_create1(0);
  int p[2];
  CHECK(outer >= 0 && inner >= 0 && pipe(p) == 0);
  CHECK_OK(EpollAdd(inner, p[0], EPOLLIN, 5));
  CHECK_OK(EpollAdd(outer, inner, EPOLLIN, 9));
  struct epoll_event out[8];
  CHECK_EQ(Wait(outer, out, 0), 0);
  struct pollfd pf = {inner, POLLIN, 0};
  CHECK_EQ(poll(&pf, 1, 0), 0);
  CHECK(write(p[1], "x", 1) == 1);
  CHECK_EQ(poll(&pf, 1, 0), 1);  // an epoll is readable when it has events
  CHECK_EQ(Wait(outer, out, 0), 1);
  CHECK(out[0].events == EPOLLIN && out[0].data.u64 == 9);
  CHECK_EQ(Wait(inner, out, 0), 1);
  CHECK(out[0].data.u64 == 5);
  char c;
  CHECK(read(p[0], &c, 1) == 1);
  CHECK_EQ(Wait(outer, out, 0), 0);  // the inner item is no longer ready
  CHECK_EQ(poll(&pf, 1, 0), 0);
  close(p[0]);
  close(p[1]);
  close(inner);
  close(outer);
  return nullptr;
}

const char* EpollLoops() {
  int a = epoll_create1(0);
  int b = epoll_create1(0);
  CHECK(a >= 0 && b >= 0);
  CHECK_OK(EpollAdd(a, b, EPOLLIN, 0));
  CHECK_ERRNO(EpollAdd(b, a, EPOLLIN, 0), ELOOP);
  // The same epoll under another fd is still itself: EINVAL.
  int a2 = dup(a);
  CHECK_ERRNO(EpollAdd(a, a2, EPOLLIN, 0), EINVAL);
  // A chain deeper than Linux's nesting limit (EP_MAX_NESTS, 4) fails with ELOOP.
  int chain[8];
  chain[0] = epoll_create1(0);
  int r = 0, i = 1;
  for (; i < 8 && r == 0; ++i) {
    chain[i] = epoll_create1(0);
    r = EpollAdd(chain[i], chain[i - 1], EPOLLIN, 0);
  }
  CHECK(r == -1 && errno == ELOOP);
  for (int k = 0; k < i; ++k) close(chain[k]);
  close(a2);
  close(a);
  close(b);
  return nullptr;
}

const char* EpollCloseWhileRegistered() {
  int ep = epoll_create1(0);
  int p[2];
  CHECK(ep >= 0 && pipe(p) == 0);
  int r = p[0];
  int r2 = dup(r);
  CHECK_OK(r2);
  CHECK_OK(EpollAdd(ep, r, EPOLLIN, static_cast<uint64_t>(r)));
  // Closing one fd keeps the item: the description is still open (via r2).
  CHECK_OK(close(r));
  CHECK(write(p[1], "x", 1) == 1);
  struct epoll_event out[8];
  CHECK_EQ(Wait(ep, out, 0), 1);
  CHECK_EQ(out[0].data.u64, static_cast<uint64_t>(r));
  CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, r, nullptr), EBADF);
  // The last close releases the description, and the item goes with it.
  CHECK_OK(close(r2));
  CHECK_EQ(Wait(ep, out, 0), 0);
  // The epoll does not keep the pipe's read end alive: the writer sees EPIPE.
  signal(SIGPIPE, SIG_IGN);
  CHECK_ERRNO(write(p[1], "y", 1), EPIPE);
  close(p[1]);
  close(ep);
  return nullptr;
}

const char* EpollAcrossFork() {
  EpollPipe fx;
  CHECK(fx.ok);
  int ep = fx.ep;
  int* p = fx.p;
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    // The child registers in the shared epoll and exits.
    _exit(EpollAdd(ep, p[0], EPOLLIN, 42) == 0 ? 0 : 1);
  }
  int st;
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  CHECK(write(p[1], "x", 1) == 1);
  struct epoll_event out[8];
  CHECK_EQ(Wait(ep, out, 0), 1);
  CHECK_EQ(out[0].data.u64, 42);
  return nullptr;
}

const char* EpollWaitBlocks() {
  EpollPipe fx;
  CHECK(fx.ok);
  int ep = fx.ep;
  int* p = fx.p;
  CHECK_OK(EpollAdd(ep, p[0], EPOLLIN, 3));
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    usleep(50 * 1000);
    _exit(write(p[1], "w", 1) == 1 ? 0 : 1);
  }
  struct epoll_event out[8];
  CHECK_EQ(Wait(ep, out, 5000), 1);
  CHECK_EQ(out[0].data.u64, 3);
  int st;
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  // A timeout with nothing ready returns 0 after about the time asked.
  char c;
  CHECK(read(p[0], &c, 1) == 1);
  int64_t t0 = NowMs();
  CHECK_EQ(Wait(ep, out, 50), 0);
  CHECK(NowMs() - t0 >= 40);
  struct timespec ts = {0, 30 * 1000 * 1000};
  t0 = NowMs();
  CHECK_EQ(syscall(SYS_epoll_pwait2, ep, out, 8, &ts, nullptr, 8), 0);
  CHECK(NowMs() - t0 >= 20);
  return nullptr;
}

const char* EpollWaitArgumentErrors() {
  EpollPipe fx;
  CHECK(fx.ok);
  int ep = fx.ep;
  int* p = fx.p;
  struct epoll_event out[8];
  CHECK_ERRNO(epoll_wait(ep, out, 0, 0), EINVAL);
  CHECK_ERRNO(epoll_wait(ep, out, -1, 0), EINVAL);
  CHECK_ERRNO(epoll_wait(ep, out, static_cast<int>(INT_MAX / sizeof(struct epoll_event)) + 1, 0),
              EINVAL);
  CHECK_ERRNO(epoll_wait(12345, out, 8, 0), EBADF);
  CHECK_ERRNO(epoll_wait(p[0], out, 8, 0), EINVAL);
  // A bad buffer fails once there is something to write to it.
  CHECK_OK(EpollAdd(ep, p[1], EPOLLOUT, 1));
  CHECK_ERRNO(epoll_wait(ep, reinterpret_cast<struct epoll_event*>(16), 8, 0), EFAULT);
  // A buffer outside user space fails even with nothing to report.
  CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], nullptr));
  CHECK_ERRNO(epoll_wait(ep, reinterpret_cast<struct epoll_event*>(~0UL - 64), 8, 0), EFAULT);
  CHECK_ERRNO(epoll_ctl(ep, 99, p[0], nullptr), EFAULT);  // the event is read for any op but DEL
  struct timespec bad = {0, 1000000000};
  CHECK_ERRNO(syscall(SYS_epoll_pwait2, ep, out, 8, &bad, nullptr, 8), EINVAL);
  sigset_t empty;
  sigemptyset(&empty);
  CHECK_ERRNO(syscall(SYS_epoll_pwait, ep, out, 8, 0, &empty, 4), EINVAL);
  return nullptr;
}

const char* EpollPwaitMask() {
  CHECK_OK(SetHandler(SIGUSR1, CountUsr1, 0));
  Block(SIGUSR1);
  EpollPipe fx;
  CHECK(fx.ok);
  int ep = fx.ep;
  int* p = fx.p;
  CHECK_OK(EpollAdd(ep, p[0], EPOLLIN, 1));
  raise(SIGUSR1);  // pending, blocked
  struct epoll_event out[8];
  sigset_t keep_blocked, empty;
  sigemptyset(&empty);
  sigemptyset(&keep_blocked);
  sigaddset(&keep_blocked, SIGUSR1);
  // A mask that blocks it: a plain timeout, nothing delivered.
  CHECK_EQ(epoll_pwait(ep, out, 8, 20, &keep_blocked), 0);
  CHECK_EQ(g_usr1_count, 0);
  // Events ready: they are returned and the mask comes back before the
  // signal could be taken (Linux's restore_saved_sigmask_unless).
  CHECK(write(p[1], "x", 1) == 1);
  CHECK_EQ(epoll_pwait(ep, out, 8, 1000, &empty), 1);
  CHECK_EQ(g_usr1_count, 0);
  CHECK(IsPending(SIGUSR1) && IsBlocked(SIGUSR1));
  // Nothing ready: the signal the temporary mask lets in interrupts the wait.
  char c;
  CHECK(read(p[0], &c, 1) == 1);
  CHECK_ERRNO(epoll_pwait(ep, out, 8, 5000, &empty), EINTR);
  CHECK_EQ(g_usr1_count, 1);
  CHECK(IsBlocked(SIGUSR1));  // the caller's mask is back
  CHECK(!IsPending(SIGUSR1));
  return nullptr;
}

const char* EpollManyFds() {
  // 10,000 registered eventfds with one ready return exactly that one. The
  // count is bounded by RLIMIT_NOFILE (raised to its hard limit if allowed).
  struct rlimit rl;
  CHECK_OK(getrlimit(RLIMIT_NOFILE, &rl));
  rlim_t want = 10000 + 64;
  if (rl.rlim_cur < want && rl.rlim_max > rl.rlim_cur) {
    rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
    CHECK_OK(getrlimit(RLIMIT_NOFILE, &rl));
  }
  int n = 10000;
  if (rl.rlim_cur < static_cast<rlim_t>(n) + 64) n = static_cast<int>(rl.rlim_cur) - 64;
  CHECK(n >= 500);
  if (OnTessera()) CHECK_EQ(n, 10000);  // its fd table grows to RLIMIT_NOFILE (16384)
  int ep = epoll_create1(0);
  CHECK_OK(ep);
  static int fds[10000];
  for (int i = 0; i < n; ++i) {
    fds[i] = eventfd(0, EFD_NONBLOCK);
    if (fds[i] < 0) return Fail("eventfd #%d: errno %d", i, errno);
    if (EpollAdd(ep, fds[i], EPOLLIN, static_cast<uint64_t>(i)) != 0)
      return Fail("epoll_ctl #%d: errno %d", i, errno);
  }
  struct epoll_event out[64];
  CHECK_EQ(epoll_wait(ep, out, 64, 0), 0);
  uint64_t one = 1;
  int pick = n * 2 / 3;
  CHECK(write(fds[pick], &one, sizeof one) == sizeof one);
  int64_t t0 = NowMs();
  for (int round = 0; round < 100; ++round) {
    int got = epoll_wait(ep, out, 64, 0);
    if (got != 1) return Fail("round %d: %d events", round, got);
    if (out[0].data.u64 != static_cast<uint64_t>(pick)) return Fail("wrong item");
  }
  int64_t spent = NowMs() - t0;
  // 100 waits that each scanned every fd would take seconds here; ready-list
  // waits take a few ms (generous bound for an emulated CPU).
  CHECK(spent < 3000);
  for (int i = 0; i < n; ++i) close(fds[i]);
  close(ep);
  return nullptr;
}

// --- eventfd -----------------------------------------------------------------

const char* EventfdCounter() {
  int fd = eventfd(3, 0);
  CHECK_OK(fd);
  CHECK(!HasCloexec(fd));
  uint64_t v = 4;
  CHECK(write(fd, &v, 8) == 8);
  CHECK(read(fd, &v, 8) == 8);
  CHECK_EQ(v, 7);
  struct stat st;
  CHECK_OK(fstat(fd, &st));
  CHECK_EQ(st.st_mode, 0600);  // an anonymous inode: no file type
  int nb = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  CHECK_OK(nb);
  CHECK(HasCloexec(nb));
  CHECK_ERRNO(read(nb, &v, 8), EAGAIN);
  CHECK_ERRNO(eventfd(0, 0x10), EINVAL);
  close(fd);
  close(nb);
  return nullptr;
}

const char* EventfdSemaphore() {
  int fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
  CHECK_OK(fd);
  uint64_t v = 0;
  CHECK(read(fd, &v, 8) == 8 && v == 1);
  CHECK(read(fd, &v, 8) == 8 && v == 1);
  CHECK_ERRNO(read(fd, &v, 8), EAGAIN);
  close(fd);
  return nullptr;
}

const char* EventfdLimitsAndPoll() {
  int fd = eventfd(0, EFD_NONBLOCK);
  CHECK_OK(fd);
  uint32_t small = 1;
  CHECK_ERRNO(read(fd, &small, 4), EINVAL);
  CHECK_ERRNO(write(fd, &small, 4), EINVAL);
  uint64_t v = ~0ULL;
  CHECK_ERRNO(write(fd, &v, 8), EINVAL);
  struct pollfd pf = {fd, POLLIN | POLLOUT, 0};
  CHECK_EQ(poll(&pf, 1, 0), 1);
  CHECK_EQ(pf.revents, POLLOUT);
  v = 0xfffffffffffffffeULL;  // the largest count
  CHECK(write(fd, &v, 8) == 8);
  CHECK_EQ(poll(&pf, 1, 0), 1);
  CHECK_EQ(pf.revents, POLLIN);  // full: not writable, and never POLLERR
  v = 1;
  CHECK_ERRNO(write(fd, &v, 8), EAGAIN);
  v = 0;
  CHECK(write(fd, &v, 8) == 8);  // adding 0 always fits
  CHECK(read(fd, &v, 8) == 8 && v == 0xfffffffffffffffeULL);
  CHECK_EQ(poll(&pf, 1, 0), 1);
  CHECK_EQ(pf.revents, POLLOUT);
  close(fd);
  return nullptr;
}

const char* EventfdBlocking() {
  int fd = eventfd(0, 0);
  CHECK_OK(fd);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    usleep(50 * 1000);
    uint64_t v = 5;
    _exit(write(fd, &v, 8) == 8 ? 0 : 1);
  }
  uint64_t v = 0;
  CHECK(read(fd, &v, 8) == 8);
  CHECK_EQ(v, 5);
  int st;
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  // A writer blocks while the sum would overflow, until a read makes room.
  v = 0xfffffffffffffffeULL;
  CHECK(write(fd, &v, 8) == 8);
  pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    usleep(50 * 1000);
    uint64_t r;
    _exit(read(fd, &r, 8) == 8 ? 0 : 1);
  }
  v = 1;
  CHECK(write(fd, &v, 8) == 8);
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  close(fd);
  return nullptr;
}

const char* EventfdEdgeTriggered() {
  int fd = eventfd(0, EFD_NONBLOCK);
  int ep = epoll_create1(0);
  CHECK(fd >= 0 && ep >= 0);
  CHECK_OK(EpollAdd(ep, fd, EPOLLIN | EPOLLET, 1));
  struct epoll_event out[8];
  uint64_t v = 1;
  CHECK(write(fd, &v, 8) == 8);
  CHECK_EQ(Wait(ep, out, 0), 1);
  CHECK_EQ(Wait(ep, out, 0), 0);
  CHECK(write(fd, &v, 8) == 8);  // each write is a new edge
  CHECK_EQ(Wait(ep, out, 0), 1);
  CHECK_EQ(out[0].events, EPOLLIN);
  close(fd);
  close(ep);
  return nullptr;
}

// --- timerfd -----------------------------------------------------------------

struct itimerspec Spec(long value_ms, long interval_ms) {
  struct itimerspec s = {};
  s.it_value.tv_sec = value_ms / 1000;
  s.it_value.tv_nsec = (value_ms % 1000) * 1000000L;
  s.it_interval.tv_sec = interval_ms / 1000;
  s.it_interval.tv_nsec = (interval_ms % 1000) * 1000000L;
  return s;
}

const char* TimerfdOneShot() {
  int fd = timerfd_create(CLOCK_MONOTONIC, 0);
  CHECK_OK(fd);
  uint64_t n = 0;
  struct itimerspec s = Spec(50, 0);
  int64_t t0 = NowMs();
  CHECK_OK(timerfd_settime(fd, 0, &s, nullptr));
  CHECK(read(fd, &n, 8) == 8);  // blocks until it expires
  CHECK_EQ(n, 1);
  CHECK(NowMs() - t0 >= 40);
  struct itimerspec cur;
  CHECK_OK(timerfd_gettime(fd, &cur));
  CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
  CHECK_ERRNO(read(fd, &n, 4), EINVAL);
  close(fd);
  return nullptr;
}

const char* TimerfdPeriodic() {
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  CHECK_OK(fd);
  uint64_t n = 0;
  CHECK_ERRNO(read(fd, &n, 8), EAGAIN);
  struct itimerspec s = Spec(20, 20);
  int64_t t0 = NowMs();
  CHECK_OK(timerfd_settime(fd, 0, &s, nullptr));
  SleepMs(110);
  CHECK(read(fd, &n, 8) == 8);
  // Every period that passed counts, however late the reader (a busy host
  // may sleep longer than asked).
  int64_t spent = NowMs() - t0;
  if (n < 4 || static_cast<int64_t>(n) > spent / 20 + 1) {
    return Fail("%llu expirations in %lld ms of a 20 ms timer", static_cast<unsigned long long>(n),
                static_cast<long long>(spent));
  }
  CHECK_ERRNO(read(fd, &n, 8), EAGAIN);  // the count was taken
  struct pollfd pf = {fd, POLLIN, 0};
  CHECK_EQ(poll(&pf, 1, 1000), 1);  // the next period
  CHECK_EQ(pf.revents, POLLIN);
  close(fd);
  return nullptr;
}

const char* TimerfdAbsoluteAndGettime() {
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  CHECK_OK(fd);
  CHECK(HasCloexec(fd));
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  struct itimerspec s = {};
  s.it_value = now;
  s.it_value.tv_nsec += 40 * 1000000L;
  if (s.it_value.tv_nsec >= 1000000000L) {
    s.it_value.tv_sec += 1;
    s.it_value.tv_nsec -= 1000000000L;
  }
  int64_t t0 = NowMs();
  CHECK_OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &s, nullptr));
  uint64_t n;
  CHECK(read(fd, &n, 8) == 8 && n == 1);
  CHECK(NowMs() - t0 >= 30);
  // gettime: the time left and the interval; settime reports the old one.
  struct itimerspec ten = Spec(10000, 1000), old, cur;
  CHECK_OK(timerfd_settime(fd, 0, &ten, &old));
  CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_nsec == 0);
  CHECK_OK(timerfd_gettime(fd, &cur));
  CHECK(cur.it_value.tv_sec == 9 || (cur.it_value.tv_sec == 10 && cur.it_value.tv_nsec == 0));
  CHECK(cur.it_interval.tv_sec == 1 && cur.it_interval.tv_nsec == 0);
  struct itimerspec off = Spec(0, 0);
  CHECK_OK(timerfd_settime(fd, 0, &off, &old));
  CHECK(old.it_value.tv_sec == 9 || old.it_value.tv_sec == 10);
  CHECK(old.it_interval.tv_sec == 1);
  close(fd);
  return nullptr;
}

const char* TimerfdDisarm() {
  int fd = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK);
  CHECK_OK(fd);
  struct itimerspec s = Spec(30, 0), off = Spec(0, 500);
  CHECK_OK(timerfd_settime(fd, 0, &s, nullptr));
  CHECK_OK(timerfd_settime(fd, 0, &off, nullptr));  // a zero value disarms
  struct pollfd pf = {fd, POLLIN, 0};
  CHECK_EQ(poll(&pf, 1, 80), 0);
  uint64_t n;
  CHECK_ERRNO(read(fd, &n, 8), EAGAIN);
  struct itimerspec cur;
  CHECK_OK(timerfd_gettime(fd, &cur));
  CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
  CHECK(cur.it_interval.tv_nsec == 500 * 1000000L);  // kept, as Linux reports it
  // Setting again forgets expirations not read yet.
  CHECK_OK(timerfd_settime(fd, 0, &s, nullptr));
  SleepMs(60);
  CHECK_OK(timerfd_settime(fd, 0, &off, nullptr));
  CHECK_ERRNO(read(fd, &n, 8), EAGAIN);
  close(fd);
  return nullptr;
}

const char* TimerfdRealtime() {
  int fd = timerfd_create(CLOCK_REALTIME, 0);
  CHECK_OK(fd);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  struct itimerspec s = {};
  s.it_value.tv_sec = now.tv_sec + 1;  // at most a second away
  s.it_value.tv_nsec = 0;
  CHECK_OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &s, nullptr));
  uint64_t n;
  CHECK(read(fd, &n, 8) == 8 && n == 1);
  struct timespec after;
  clock_gettime(CLOCK_REALTIME, &after);
  CHECK(after.tv_sec >= s.it_value.tv_sec);
  // Relative on the realtime clock, through epoll.
  int ep = epoll_create1(0);
  CHECK_OK(EpollAdd(ep, fd, EPOLLIN, 4));
  struct itimerspec rel = Spec(30, 0);
  CHECK_OK(timerfd_settime(fd, 0, &rel, nullptr));
  struct epoll_event out[8];
  CHECK_EQ(Wait(ep, out, 0), 0);
  CHECK_EQ(Wait(ep, out, 2000), 1);
  CHECK_EQ(out[0].data.u64, 4);
  close(ep);
  close(fd);
  return nullptr;
}

const char* TimerfdErrors() {
  CHECK_ERRNO(timerfd_create(42, 0), EINVAL);
  CHECK_ERRNO(timerfd_create(CLOCK_MONOTONIC, 0x10), EINVAL);
  int fd = timerfd_create(CLOCK_MONOTONIC, 0);
  CHECK_OK(fd);
  struct itimerspec bad = Spec(10, 0);
  bad.it_value.tv_nsec = 1000000000L;
  CHECK_ERRNO(timerfd_settime(fd, 0, &bad, nullptr), EINVAL);
  bad = Spec(10, 0);
  bad.it_interval.tv_sec = -1;
  CHECK_ERRNO(timerfd_settime(fd, 0, &bad, nullptr), EINVAL);
  struct itimerspec ok = Spec(10, 0);
  CHECK_ERRNO(timerfd_settime(fd, 0x10, &ok, nullptr), EINVAL);
  CHECK_ERRNO(timerfd_settime(fd, 0, nullptr, nullptr), EFAULT);
  CHECK_ERRNO(timerfd_settime(12345, 0, &ok, nullptr), EBADF);
  int efd = eventfd(0, 0);
  CHECK_ERRNO(timerfd_settime(efd, 0, &ok, nullptr), EINVAL);
  struct itimerspec cur;
  CHECK_ERRNO(timerfd_gettime(efd, &cur), EINVAL);
  close(efd);
  close(fd);
  return nullptr;
}

// --- signalfd ----------------------------------------------------------------

const char* SignalfdReadsBlockedSignals() {
  Block(SIGUSR1);
  Block(SIGUSR2);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  sigaddset(&mask, SIGUSR2);
  int fd = signalfd(-1, &mask, 0);
  CHECK_OK(fd);
  CHECK(!HasCloexec(fd));
  CHECK_OK(kill(getpid(), SIGUSR1));
  struct signalfd_siginfo si[2];
  CHECK(read(fd, si, sizeof si) == sizeof si[0]);
  CHECK_EQ(si[0].ssi_signo, SIGUSR1);
  CHECK_EQ(si[0].ssi_code, SI_USER);
  CHECK_EQ(si[0].ssi_pid, getpid());
  CHECK_EQ(si[0].ssi_uid, getuid());
  CHECK(!IsPending(SIGUSR1));  // dequeued
  // raise() is tgkill: SI_TKILL. Two pending: one read takes both, the
  // thread's own signals before the process's (as Linux's dequeue_signal).
  CHECK_OK(kill(getpid(), SIGUSR1));
  CHECK_OK(raise(SIGUSR2));
  CHECK(read(fd, si, sizeof si) == 2 * sizeof si[0]);
  CHECK_EQ(si[0].ssi_signo, SIGUSR2);
  CHECK_EQ(si[0].ssi_code, SI_TKILL);
  CHECK_EQ(si[0].ssi_pid, getpid());
  CHECK_EQ(si[1].ssi_signo, SIGUSR1);
  // sigqueue: SI_QUEUE with its value.
  union sigval value;
  value.sival_int = 42;
  CHECK_OK(sigqueue(getpid(), SIGUSR1, value));
  CHECK(read(fd, si, sizeof si) == sizeof si[0]);
  CHECK_EQ(si[0].ssi_signo, SIGUSR1);
  CHECK_EQ(si[0].ssi_code, SI_QUEUE);
  CHECK_EQ(si[0].ssi_int, 42);
  CHECK_EQ(si[0].ssi_pid, getpid());
  CHECK_EQ(si[0].ssi_uid, getuid());
  char small[64];
  CHECK_ERRNO(read(fd, small, sizeof small), EINVAL);
  close(fd);
  return nullptr;
}

const char* SignalfdNonblockAndPoll() {
  Block(SIGUSR1);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  int fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  CHECK_OK(fd);
  CHECK(HasCloexec(fd));
  struct signalfd_siginfo si;
  CHECK_ERRNO(read(fd, &si, sizeof si), EAGAIN);
  struct pollfd pf = {fd, POLLIN, 0};
  CHECK_EQ(poll(&pf, 1, 0), 0);
  int ep = epoll_create1(0);
  CHECK_OK(EpollAdd(ep, fd, EPOLLIN, 8));
  struct epoll_event out[8];
  CHECK_EQ(Wait(ep, out, 0), 0);
  CHECK_OK(kill(getpid(), SIGUSR1));
  CHECK_EQ(poll(&pf, 1, 0), 1);
  CHECK_EQ(pf.revents, POLLIN);
  CHECK_EQ(Wait(ep, out, 0), 1);
  CHECK_EQ(out[0].data.u64, 8);
  CHECK(read(fd, &si, sizeof si) == sizeof si && si.ssi_signo == SIGUSR1);
  CHECK_EQ(poll(&pf, 1, 0), 0);
  CHECK_EQ(Wait(ep, out, 0), 0);
  close(ep);
  close(fd);
  return nullptr;
}

const char* SignalfdMaskUpdate() {
  Block(SIGUSR1);
  Block(SIGUSR2);
  sigset_t m1, m2;
  sigemptyset(&m1);
  sigaddset(&m1, SIGUSR1);
  sigemptyset(&m2);
  sigaddset(&m2, SIGUSR2);
  int fd = signalfd(-1, &m1, SFD_NONBLOCK);
  CHECK_OK(fd);
  CHECK_EQ(signalfd(fd, &m2, 0), fd);  // the same fd, a new mask
  CHECK_OK(kill(getpid(), SIGUSR1));
  CHECK_OK(kill(getpid(), SIGUSR2));
  struct signalfd_siginfo si[2];
  CHECK(read(fd, si, sizeof si) == sizeof si[0]);
  CHECK_EQ(si[0].ssi_signo, SIGUSR2);
  CHECK(IsPending(SIGUSR1));  // not in the mask: left alone
  int p[2];
  CHECK(pipe(p) == 0);
  CHECK_ERRNO(signalfd(p[0], &m1, 0), EINVAL);
  CHECK_ERRNO(signalfd(12345, &m1, 0), EBADF);
  CHECK_ERRNO(syscall(SYS_signalfd4, -1, &m1, 4, 0), EINVAL);
  CHECK_ERRNO(signalfd(-1, &m1, 0x10), EINVAL);
  close(p[0]);
  close(p[1]);
  close(fd);
  return nullptr;
}

const char* SignalfdBlockingReadWakes() {
  Block(SIGUSR1);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  int fd = signalfd(-1, &mask, 0);
  CHECK_OK(fd);
  pid_t parent = getpid();
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    usleep(50 * 1000);
    _exit(kill(parent, SIGUSR1) == 0 ? 0 : 1);
  }
  struct signalfd_siginfo si;
  CHECK(read(fd, &si, sizeof si) == sizeof si);
  CHECK_EQ(si.ssi_signo, SIGUSR1);
  CHECK_EQ(si.ssi_pid, pid);
  int st;
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  close(fd);
  return nullptr;
}

// --- pidfd -------------------------------------------------------------------

const char* PidfdPollsForExit() {
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    usleep(60 * 1000);
    _exit(7);
  }
  int fd = PidfdOpen(pid, 0);
  CHECK_OK(fd);
  CHECK(HasCloexec(fd));  // always close-on-exec
  struct pollfd pf = {fd, POLLIN, 0};
  CHECK_EQ(poll(&pf, 1, 0), 0);
  CHECK_EQ(poll(&pf, 1, 5000), 1);
  CHECK(pf.revents & POLLIN);
  // waitid(P_PIDFD) reaps it through the pidfd.
  siginfo_t info = {};
  CHECK_OK(waitid(static_cast<idtype_t>(kPPidfd), static_cast<id_t>(fd), &info, WEXITED));
  CHECK_EQ(info.si_pid, pid);
  CHECK_EQ(info.si_code, CLD_EXITED);
  CHECK_EQ(info.si_status, 7);
  CHECK_ERRNO(waitid(static_cast<idtype_t>(kPPidfd), static_cast<id_t>(fd), &info, WEXITED),
              ECHILD);
  int p[2];
  CHECK(pipe(p) == 0);
  CHECK_ERRNO(waitid(static_cast<idtype_t>(kPPidfd), static_cast<id_t>(p[0]), &info, WEXITED),
              EBADF);
  close(p[0]);
  close(p[1]);
  // Reaped: signals to it fail with ESRCH.
  CHECK_ERRNO(PidfdSendSignal(fd, 0, nullptr, 0), ESRCH);
  close(fd);
  int nb = PidfdOpen(getpid(), PIDFD_NONBLOCK);
  CHECK_OK(nb);
  CHECK_OK(PidfdSendSignal(nb, 0, nullptr, 0));
  close(nb);
  return nullptr;
}

const char* PidfdSendsSignals() {
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    for (;;) pause();
  }
  int fd = PidfdOpen(pid, 0);
  CHECK_OK(fd);
  int ep = epoll_create1(0);
  CHECK_OK(EpollAdd(ep, fd, EPOLLIN, 11));
  struct epoll_event out[8];
  CHECK_EQ(Wait(ep, out, 0), 0);
  CHECK_ERRNO(PidfdSendSignal(fd, SIGTERM, nullptr, 0x100), EINVAL);  // unknown flag
  CHECK_ERRNO(PidfdSendSignal(fd, 99, nullptr, 0), EINVAL);
  siginfo_t wrong = {};
  wrong.si_signo = SIGUSR1;
  wrong.si_code = SI_QUEUE;
  CHECK_ERRNO(PidfdSendSignal(fd, SIGTERM, &wrong, 0), EINVAL);  // signo differs
  CHECK_OK(PidfdSendSignal(fd, SIGTERM, nullptr, 0));
  CHECK_EQ(Wait(ep, out, 5000), 1);  // readable once it has exited
  CHECK_EQ(out[0].data.u64, 11);
  int st;
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
  int p[2];
  CHECK(pipe(p) == 0);
  CHECK_ERRNO(PidfdSendSignal(p[0], SIGTERM, nullptr, 0), EBADF);
  close(p[0]);
  close(p[1]);
  close(ep);
  close(fd);
  return nullptr;
}

const char* PidfdOpenErrors() {
  CHECK_ERRNO(PidfdOpen(-1, 0), EINVAL);
  CHECK_ERRNO(PidfdOpen(0, 0), EINVAL);
  CHECK_ERRNO(PidfdOpen(getpid(), 1), EINVAL);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) _exit(0);
  int st;
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  CHECK_ERRNO(PidfdOpen(pid, 0), ESRCH);
  return nullptr;
}

// --- ppoll / pselect6 with a mask --------------------------------------------

const char* PpollTemporaryMask() {
  CHECK_OK(SetHandler(SIGUSR1, CountUsr1, 0));
  Block(SIGUSR1);
  raise(SIGUSR1);
  sigset_t keep_blocked, empty;
  sigemptyset(&empty);
  sigemptyset(&keep_blocked);
  sigaddset(&keep_blocked, SIGUSR1);
  struct timespec ts = {0, 20 * 1000 * 1000};
  CHECK_EQ(ppoll(nullptr, 0, &ts, &keep_blocked), 0);
  CHECK_EQ(g_usr1_count, 0);
  ts.tv_sec = 5;
  CHECK_ERRNO(ppoll(nullptr, 0, &ts, &empty), EINTR);  // let in for the wait only
  CHECK_EQ(g_usr1_count, 1);
  CHECK(IsBlocked(SIGUSR1));
  // pselect6 the same way.
  raise(SIGUSR1);
  ts.tv_sec = 0;
  CHECK_EQ(pselect(0, nullptr, nullptr, nullptr, &ts, &keep_blocked), 0);
  CHECK_EQ(g_usr1_count, 1);
  ts.tv_sec = 5;
  CHECK_ERRNO(pselect(0, nullptr, nullptr, nullptr, &ts, &empty), EINTR);
  CHECK_EQ(g_usr1_count, 2);
  CHECK(IsBlocked(SIGUSR1));
  // A ready fd wins: the signal stays pending and blocked.
  raise(SIGUSR1);
  int p[2];
  CHECK(pipe(p) == 0);
  struct pollfd pf = {p[1], POLLOUT, 0};
  CHECK_EQ(ppoll(&pf, 1, &ts, &empty), 1);
  CHECK_EQ(g_usr1_count, 2);
  CHECK(IsPending(SIGUSR1));
  close(p[0]);
  close(p[1]);
  return nullptr;
}

// poll on more idle fds than one kernel wait item list holds (64): a write to
// the last one still wakes it.
const char* PollManyIdleFds() {
  constexpr int kIdle = 150;
  int idle[kIdle];
  for (int& fd : idle) {
    fd = eventfd(0, 0);
    CHECK_OK(fd);
  }
  int p[2];
  CHECK(pipe(p) == 0);
  struct pollfd pfds[kIdle + 1];
  for (int i = 0; i < kIdle; ++i) pfds[i] = {idle[i], POLLIN, 0};
  pfds[kIdle] = {p[0], POLLIN, 0};
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    usleep(50 * 1000);
    _exit(write(p[1], "w", 1) == 1 ? 0 : 1);
  }
  CHECK_EQ(poll(pfds, kIdle + 1, 5000), 1);
  CHECK_EQ(pfds[kIdle].revents, POLLIN);
  CHECK_EQ(pfds[0].revents, 0);
  int st;
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  for (int fd : idle) close(fd);
  close(p[0]);
  close(p[1]);
  return nullptr;
}

}  // namespace

const Case kEventCases[] = {
    {"epoll_create_flags", EpollCreateFlags},
    {"epoll_ctl_errors", EpollCtlErrors},
    {"epoll_level_triggered", EpollLevelTriggered},
    {"epoll_edge_triggered", EpollEdgeTriggered},
    {"epoll_oneshot", EpollOneShot},
    {"epoll_hangup_and_errors", EpollHangupAndErrors},
    {"epoll_nested", EpollNested},
    {"epoll_loops", EpollLoops},
    {"epoll_close_while_registered", EpollCloseWhileRegistered},
    {"epoll_across_fork", EpollAcrossFork},
    {"epoll_wait_blocks", EpollWaitBlocks},
    {"epoll_wait_argument_errors", EpollWaitArgumentErrors},
    {"epoll_pwait_mask", EpollPwaitMask},
    {"epoll_many_fds", EpollManyFds},
    {"eventfd_counter", EventfdCounter},
    {"eventfd_semaphore", EventfdSemaphore},
    {"eventfd_limits_and_poll", EventfdLimitsAndPoll},
    {"eventfd_blocking", EventfdBlocking},
    {"eventfd_edge_triggered", EventfdEdgeTriggered},
    {"timerfd_oneshot", TimerfdOneShot},
    {"timerfd_periodic", TimerfdPeriodic},
    {"timerfd_absolute_and_gettime", TimerfdAbsoluteAndGettime},
    {"timerfd_disarm", TimerfdDisarm},
    {"timerfd_realtime", TimerfdRealtime},
    {"timerfd_errors", TimerfdErrors},
    {"signalfd_reads_blocked_signals", SignalfdReadsBlockedSignals},
    {"signalfd_nonblock_and_poll", SignalfdNonblockAndPoll},
    {"signalfd_mask_update", SignalfdMaskUpdate},
    {"signalfd_blocking_read_wakes", SignalfdBlockingReadWakes},
    {"pidfd_polls_for_exit", PidfdPollsForExit},
    {"pidfd_sends_signals", PidfdSendsSignals},
    {"pidfd_open_errors", PidfdOpenErrors},
    {"ppoll_pselect_temporary_mask", PpollTemporaryMask},
    {"poll_many_idle_fds", PollManyIdleFds},
};
const int kEventCaseCount = sizeof kEventCases / sizeof kEventCases[0];

}  // namespace posix_test
