// POSIX cases for interval timers and alarm, modelled on LTP's alarm0*,
// setitimer0* and getitimer0* tests.

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
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

volatile sig_atomic_t g_alarms;

void CountAlarm(int) { g_alarms = g_alarms + 1; }

void CatchAlarms() {
  g_alarms = 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = CountAlarm;
  sigaction(SIGALRM, &sa, nullptr);
}

void RestoreAlarmDefault() {
  struct itimerval off;
  memset(&off, 0, sizeof off);
  setitimer(ITIMER_REAL, &off, nullptr);
  signal(SIGALRM, SIG_DFL);
}

long MillisSince(const struct timespec& start) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
}

const char* AlarmInterruptsPause() {
  CatchAlarms();
  CHECK(alarm(1) == 0);
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  CHECK(pause() == -1 && errno == EINTR);
  CHECK(g_alarms == 1);
  // Never early (the clock only moves forward; no upper bound is asserted).
  CHECK(MillisSince(start) >= 990);
  RestoreAlarmDefault();
  return nullptr;
}

const char* AlarmReturnsSecondsLeftAndZeroCancels() {
  CatchAlarms();
  CHECK(alarm(100) == 0);
  unsigned left = alarm(50);
  CHECK(left == 100 || left == 99);
  left = alarm(0);
  CHECK(left == 50 || left == 49);
  CHECK(alarm(0) == 0);
  struct timespec nap = {0, 50 * 1000 * 1000};
  nanosleep(&nap, nullptr);
  CHECK(g_alarms == 0);
  RestoreAlarmDefault();
  return nullptr;
}

const char* AlarmDefaultActionTerminates() {
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    alarm(1);
    for (;;) pause();
  }
  int st;
  CHECK(waitpid(pid, &st, 0) == pid);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM);
  return nullptr;
}

const char* AlarmIsNotInheritedByForkChild() {
  CatchAlarms();
  CHECK(alarm(100) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) _exit(alarm(0) == 0 ? 0 : 1);
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  CHECK(alarm(0) > 0);
  RestoreAlarmDefault();
  return nullptr;
}

const char* SetitimerPeriodicFiresRepeatedly() {
  CatchAlarms();
  struct itimerval every = {{0, 20000}, {0, 20000}};  // 20 ms
  CHECK(setitimer(ITIMER_REAL, &every, nullptr) == 0);
  while (g_alarms < 3) pause();
  struct itimerval now;
  CHECK(getitimer(ITIMER_REAL, &now) == 0);
  CHECK(now.it_interval.tv_sec == 0 && now.it_interval.tv_usec == 20000);
  CHECK(now.it_value.tv_sec == 0 && now.it_value.tv_usec > 0 && now.it_value.tv_usec <= 20000);
  RestoreAlarmDefault();
  return nullptr;
}

const char* SetitimerReturnsOldValueAndGetitimerReadsIt() {
  CatchAlarms();
  struct itimerval set = {{1, 0}, {30, 0}};
  struct itimerval old;
  CHECK(setitimer(ITIMER_REAL, &set, &old) == 0);
  CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0);
  struct itimerval got;
  CHECK(getitimer(ITIMER_REAL, &got) == 0);
  CHECK(got.it_interval.tv_sec == 1 && got.it_interval.tv_usec == 0);
  CHECK(got.it_value.tv_sec == 29 || got.it_value.tv_sec == 30);
  struct itimerval off;
  memset(&off, 0, sizeof off);
  CHECK(setitimer(ITIMER_REAL, &off, &old) == 0);
  CHECK(old.it_value.tv_sec == 29 || old.it_value.tv_sec == 30);
  CHECK(getitimer(ITIMER_REAL, &got) == 0);
  CHECK(got.it_value.tv_sec == 0 && got.it_value.tv_usec == 0);
  RestoreAlarmDefault();
  return nullptr;
}

const char* SetitimerBadArgumentsAreEinval() {
  struct itimerval bad = {{0, 0}, {0, 1000000}};  // tv_usec out of range
  errno = 0;
  CHECK(setitimer(ITIMER_REAL, &bad, nullptr) == -1 && errno == EINVAL);
  struct itimerval neg = {{0, 0}, {-1, 0}};
  errno = 0;
  CHECK(setitimer(ITIMER_REAL, &neg, nullptr) == -1 && errno == EINVAL);
  struct itimerval got;
  errno = 0;
  CHECK(getitimer(42, &got) == -1 && errno == EINVAL);
  return nullptr;
}

const char* AlarmSurvivesExecve() {
  // The exec'd shell waits; the inherited alarm must kill it with SIGALRM.
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    alarm(1);
    execl("/bin/sh", "sh", "-c", "while :; do :; done", static_cast<char*>(nullptr));
    _exit(127);
  }
  int st;
  CHECK(waitpid(pid, &st, 0) == pid);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM);
  return nullptr;
}

const char* WallClockIsRealAndConsistent() {
  // The RTC gives real time: anything before 2024 means the clock started at
  // the epoch (or at boot).
  time_t t = time(nullptr);
  CHECK(t > 1704067200);
  struct timeval tv;
  CHECK(gettimeofday(&tv, nullptr) == 0);
  struct timespec ts;
  CHECK(clock_gettime(CLOCK_REALTIME, &ts) == 0);
  CHECK(tv.tv_sec >= t && tv.tv_sec - t <= 2);
  CHECK(ts.tv_sec >= tv.tv_sec && ts.tv_sec - tv.tv_sec <= 2);
  CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
  time_t via_arg = 0;
  CHECK(time(&via_arg) >= t && via_arg >= t);
  return nullptr;
}

const char* ClockSettimeRefusesOtherClocks() {
  struct timespec ts = {1, 0};
  errno = 0;
  CHECK(clock_settime(CLOCK_MONOTONIC, &ts) == -1 && errno == EINVAL);
  struct timespec bad = {0, 1000000000};
  errno = 0;
  CHECK(clock_settime(CLOCK_REALTIME, &bad) == -1 && errno == EINVAL);
  return nullptr;
}

const char* AbsoluteRealtimeSleepWakesAtTheWallTime() {
  struct timespec now;
  CHECK(clock_gettime(CLOCK_REALTIME, &now) == 0);
  struct timespec until = now;
  until.tv_nsec += 100 * 1000 * 1000;
  if (until.tv_nsec >= 1000000000) {
    until.tv_sec += 1;
    until.tv_nsec -= 1000000000;
  }
  CHECK(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &until, nullptr) == 0);
  struct timespec after;
  CHECK(clock_gettime(CLOCK_REALTIME, &after) == 0);
  CHECK(after.tv_sec > until.tv_sec ||
        (after.tv_sec == until.tv_sec && after.tv_nsec >= until.tv_nsec));
  return nullptr;
}

// ITIMER_VIRTUAL and ITIMER_PROF count CPU time: a process spinning in user
// mode gets SIGVTALRM and SIGPROF (the spin is bounded by the signals
// arriving, not by time: a kernel that never sends them fails by alarm).
volatile sig_atomic_t g_vtalrm = 0, g_prof = 0;
void OnVtalrm(int) { g_vtalrm = g_vtalrm + 1; }
void OnProf(int) { g_prof = g_prof + 1; }

const char* CpuTimersFireWhileSpinning() {
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    alarm(60);  // SIGALRM's default ends a child whose timers never fire
    SetHandler(SIGVTALRM, OnVtalrm, SA_RESTART);
    SetHandler(SIGPROF, OnProf, SA_RESTART);
    struct itimerval v = {{0, 20000}, {0, 20000}};  // every 20 ms of CPU
    if (setitimer(ITIMER_VIRTUAL, &v, nullptr) != 0) _exit(10);
    if (setitimer(ITIMER_PROF, &v, nullptr) != 0) _exit(11);
    struct itimerval now;
    if (getitimer(ITIMER_VIRTUAL, &now) != 0) _exit(12);
    // Armed, with the interval as set (Linux may round the value up to its
    // tick: 24000 µs at 250 Hz).
    if (now.it_interval.tv_usec != 20000 ||
        (now.it_value.tv_sec == 0 && now.it_value.tv_usec == 0)) {
      _exit(13);
    }
    volatile uint64_t spin = 0;
    while (g_vtalrm < 3 || g_prof < 3) spin = spin + 1;
    struct itimerval off = {};
    struct itimerval old;
    if (setitimer(ITIMER_VIRTUAL, &off, &old) != 0 || old.it_interval.tv_usec != 20000) _exit(14);
    if (getitimer(ITIMER_VIRTUAL, &now) != 0 || now.it_value.tv_usec != 0) _exit(15);
    _exit(0);
  }
  int status;
  CHECK(waitpid(pid, &status, 0) == pid);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Fail("child status %#x (exit %d, signal %d)", status, WEXITSTATUS(status),
                WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  }
  CHECK_ERRNO(setitimer(3, nullptr, nullptr), EINVAL);
  return nullptr;
}

// RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL at the hard one.
volatile sig_atomic_t g_xcpu = 0;
void OnXcpu(int) { g_xcpu = g_xcpu + 1; }

const char* CpuLimitSignalsThenKills() {
  int p[2];
  CHECK(pipe(p) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    alarm(60);
    SetHandler(SIGXCPU, OnXcpu, SA_RESTART);
    struct rlimit limit = {1, 2};  // seconds of CPU time
    if (setrlimit(RLIMIT_CPU, &limit) != 0) _exit(10);
    volatile uint64_t spin = 0;
    for (;;) {
      spin = spin + 1;
      if (g_xcpu == 1) {
        char c = 'x';
        (void)!write(p[1], &c, 1);
        g_xcpu = 2;
      }
    }
  }
  close(p[1]);
  int status;
  CHECK(waitpid(pid, &status, 0) == pid);
  char c = 0;
  const bool warned = read(p[0], &c, 1) == 1 && c == 'x';
  close(p[0]);
  CHECK(warned);  // SIGXCPU came first
  if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
    return Fail("child status %#x: want killed by SIGKILL", status);
  }
  return nullptr;
}

long long NanosOf(const struct timespec& ts) {
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

long long Now(clockid_t clock) {
  struct timespec ts = {-1, -1};
  if (clock_gettime(clock, &ts) != 0) return -1;
  return NanosOf(ts);
}

// clock_getres: 1 ns for the high-resolution clocks, the tick (here at most
// 10 ms: HZ >= 100) for the _COARSE ones, EINVAL for an unknown id; a null
// result only checks the id.
const char* ClockGetresReportsEachClock() {
  const clockid_t kClocks1[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_TAI,
                                CLOCK_MONOTONIC_RAW};
  for (clockid_t c : kClocks1) {
    struct timespec res = {-1, -1};
    CHECK_OK(clock_getres(c, &res));
    if (res.tv_sec != 0 || res.tv_nsec != 1) {
      return Fail("clock %d: resolution %ld.%09ld, want 1 ns", static_cast<int>(c),
                  static_cast<long>(res.tv_sec), res.tv_nsec);
    }
  }
  const clockid_t kClocks2[] = {CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE,
                                CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID};
  for (clockid_t c : kClocks2) {
    struct timespec res = {-1, -1};
    CHECK_OK(clock_getres(c, &res));
    CHECK_EQ(res.tv_sec, 0);
    CHECK(res.tv_nsec >= 1 && res.tv_nsec <= 10 * 1000 * 1000);
  }
  struct timespec coarse, fine;
  CHECK_OK(clock_getres(CLOCK_MONOTONIC_COARSE, &coarse));
  CHECK_OK(clock_getres(CLOCK_REALTIME_COARSE, &fine));
  CHECK_EQ(coarse.tv_nsec, fine.tv_nsec);  // both are the tick
  CHECK(coarse.tv_nsec > 1);
  CHECK_OK(clock_getres(CLOCK_BOOTTIME, nullptr));
  struct timespec res;
  const clockid_t kClocks3[] = {10, 12, 15, 16, 100};
  for (clockid_t bad : kClocks3) {
    CHECK_ERRNO(syscall(SYS_clock_getres, bad, &res), EINVAL);
    CHECK_ERRNO(syscall(SYS_clock_gettime, bad, &res), EINVAL);
  }
  return nullptr;
}

// The other clocks read consistently with the ones they derive from: a
// _COARSE clock lags its clock by less than a tick, CLOCK_BOOTTIME is never
// behind CLOCK_MONOTONIC, CLOCK_TAI is CLOCK_REALTIME plus the TAI offset
// (0 unless set; 37 s where NTP set it), and every one moves forward.
const char* DerivedClocksAreConsistent() {
  struct timespec res;
  CHECK_OK(clock_getres(CLOCK_MONOTONIC_COARSE, &res));
  const long long tick = res.tv_nsec;
  for (int round = 0; round < 3; ++round) {
    long long mono = Now(CLOCK_MONOTONIC);
    long long coarse = Now(CLOCK_MONOTONIC_COARSE);
    long long mono_after = Now(CLOCK_MONOTONIC);
    CHECK(mono >= 0 && coarse >= 0);
    CHECK(coarse <= mono_after);
    CHECK(coarse > mono - 2 * tick);
    long long real = Now(CLOCK_REALTIME);
    long long real_coarse = Now(CLOCK_REALTIME_COARSE);
    long long tai = Now(CLOCK_TAI);
    long long real_after = Now(CLOCK_REALTIME);
    CHECK(real_coarse <= real_after);
    CHECK(real_coarse > real - 2 * tick);
    long long tai_offset = tai - real_after;  // read before real_after: at most the offset
    CHECK(tai_offset <= 37LL * 1000000000LL);
    CHECK(tai - real >= 0);
    long long boot_before = Now(CLOCK_MONOTONIC);
    long long boot = Now(CLOCK_BOOTTIME);
    CHECK(boot >= boot_before);
    long long raw = Now(CLOCK_MONOTONIC_RAW);
    long long raw_after = Now(CLOCK_MONOTONIC_RAW);
    CHECK(raw >= 0 && raw_after >= raw);
    long long c1 = Now(CLOCK_MONOTONIC_COARSE);
    struct timespec nap = {0, 3 * tick};
    nanosleep(&nap, nullptr);
    CHECK(Now(CLOCK_MONOTONIC_COARSE) > c1);  // a tick has passed
  }
  return nullptr;
}

// clock_nanosleep (which returns the error number itself) sleeps on
// CLOCK_TAI and CLOCK_BOOTTIME, relative and absolute; the clocks without a
// sleep (_RAW, _COARSE, the thread's CPU clock) give EOPNOTSUPP (musl's
// wrapper answers EINVAL itself for the thread's), unknown ids EINVAL.
const char* ClockNanosleepOnEachClock() {
  struct timespec nap = {0, 2 * 1000 * 1000};
  CHECK_EQ(clock_nanosleep(CLOCK_TAI, 0, &nap, nullptr), 0);
  CHECK_EQ(clock_nanosleep(CLOCK_BOOTTIME, 0, &nap, nullptr), 0);
  const clockid_t kClocks4[] = {CLOCK_TAI, CLOCK_BOOTTIME};
  for (clockid_t c : kClocks4) {
    long long deadline = Now(c) + 3 * 1000 * 1000;
    struct timespec at = {static_cast<time_t>(deadline / 1000000000LL),
                          static_cast<long>(deadline % 1000000000LL)};
    CHECK_EQ(clock_nanosleep(c, TIMER_ABSTIME, &at, nullptr), 0);
    CHECK(Now(c) >= deadline);
  }
  CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC_RAW, 0, &nap, nullptr), EOPNOTSUPP);
  CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC_COARSE, 0, &nap, nullptr), EOPNOTSUPP);
  CHECK_EQ(clock_nanosleep(CLOCK_REALTIME_COARSE, 0, &nap, nullptr), EOPNOTSUPP);
  CHECK_ERRNO(syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &nap, nullptr), EOPNOTSUPP);
  CHECK_ERRNO(syscall(SYS_clock_nanosleep, 12, 0, &nap, nullptr), EINVAL);
  return nullptr;
}

}  // namespace

extern const Case kTimerCases[] = {
    {"clock_getres_each_clock", ClockGetresReportsEachClock},
    {"clock_gettime_derived_clocks", DerivedClocksAreConsistent},
    {"clock_nanosleep_each_clock", ClockNanosleepOnEachClock},
    {"itimer_virtual_and_prof_fire", CpuTimersFireWhileSpinning},
    {"rlimit_cpu_xcpu_then_kill", CpuLimitSignalsThenKills},
    {"wall_clock_real_and_consistent", WallClockIsRealAndConsistent},
    {"clock_settime_other_clocks_einval", ClockSettimeRefusesOtherClocks},
    {"clock_nanosleep_realtime_abstime", AbsoluteRealtimeSleepWakesAtTheWallTime},
    {"alarm_interrupts_pause", AlarmInterruptsPause},
    {"alarm_returns_seconds_left", AlarmReturnsSecondsLeftAndZeroCancels},
    {"alarm_default_terminates", AlarmDefaultActionTerminates},
    {"alarm_not_inherited_by_fork", AlarmIsNotInheritedByForkChild},
    {"alarm_survives_execve", AlarmSurvivesExecve},
    {"setitimer_periodic", SetitimerPeriodicFiresRepeatedly},
    {"setitimer_old_value_getitimer", SetitimerReturnsOldValueAndGetitimerReadsIt},
    {"setitimer_bad_args_einval", SetitimerBadArgumentsAreEinval},
};
extern const int kTimerCaseCount = sizeof kTimerCases / sizeof kTimerCases[0];

}  // namespace posix_test
