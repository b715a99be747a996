#include "core/posix/wait_status.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "abi/linux/signal.h"
#include "abi/linux/wait.h"
#include "core/posix/testing/child.h"

namespace core::posix {
namespace {

using testing::RunInChild;

// --- Encodings against <sys/wait.h> ---------------------------------------

TEST(WaitStatusTest, ConstantsMatchGlibc) {
  EXPECT_EQ(linux_abi::kWNoHang, static_cast<uint32_t>(WNOHANG));
  EXPECT_EQ(linux_abi::kWUntraced, static_cast<uint32_t>(WUNTRACED));
  EXPECT_EQ(linux_abi::kWStopped, static_cast<uint32_t>(WSTOPPED));
  EXPECT_EQ(linux_abi::kWExited, static_cast<uint32_t>(WEXITED));
  EXPECT_EQ(linux_abi::kWContinued, static_cast<uint32_t>(WCONTINUED));
  EXPECT_EQ(linux_abi::kWNoWait, static_cast<uint32_t>(WNOWAIT));
  EXPECT_EQ(linux_abi::kWNoThread, static_cast<uint32_t>(__WNOTHREAD));
  EXPECT_EQ(linux_abi::kWAll, static_cast<uint32_t>(__WALL));
  EXPECT_EQ(linux_abi::kWClone, static_cast<uint32_t>(__WCLONE));
  EXPECT_EQ(linux_abi::kPAll, static_cast<int32_t>(P_ALL));
  EXPECT_EQ(linux_abi::kPPid, static_cast<int32_t>(P_PID));
  EXPECT_EQ(linux_abi::kPPgid, static_cast<int32_t>(P_PGID));
}

TEST(WaitStatusTest, ExitedDecodesWithGlibcMacros) {
  for (int code = 0; code < 256; ++code) {
    int status = WaitStatusExited(code);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), code);
    EXPECT_FALSE(WIFSIGNALED(status));
    EXPECT_FALSE(WIFSTOPPED(status));
    EXPECT_FALSE(WIFCONTINUED(status));
  }
  EXPECT_EQ(WEXITSTATUS(WaitStatusExited(256 + 7)), 7);  // only the low byte
  EXPECT_EQ(WEXITSTATUS(WaitStatusExited(-1)), 255);
}

TEST(WaitStatusTest, KilledDecodesWithGlibcMacros) {
  for (int signo = 1; signo <= linux_abi::kNumSignals; ++signo) {
    for (bool core : {false, true}) {
      int status = WaitStatusKilled(signo, core);
      EXPECT_TRUE(WIFSIGNALED(status)) << signo;
      EXPECT_EQ(WTERMSIG(status), signo);
      EXPECT_EQ(static_cast<bool>(WCOREDUMP(status)), core);
      EXPECT_FALSE(WIFEXITED(status));
      EXPECT_FALSE(WIFSTOPPED(status));
      EXPECT_FALSE(WIFCONTINUED(status));
    }
  }
  Delivery d;
  d.kind = Delivery::Kind::kCoreDump;
  d.signo = linux_abi::kSigSegv;
  EXPECT_EQ(WaitStatusForDelivery(d), 0x0B);  // no core file, no flag
  EXPECT_EQ(WaitStatusForDelivery(d, /*core_file_written=*/true), 0x8B);
  d.kind = Delivery::Kind::kTerminate;
  d.signo = linux_abi::kSigKill;
  EXPECT_EQ(WaitStatusForDelivery(d), 9);
}

TEST(WaitStatusTest, StoppedAndContinuedDecodeWithGlibcMacros) {
  for (int signo :
       {linux_abi::kSigStop, linux_abi::kSigTstp, linux_abi::kSigTtin, linux_abi::kSigTtou}) {
    int status = WaitStatusStopped(signo);
    EXPECT_TRUE(WIFSTOPPED(status));
    EXPECT_EQ(WSTOPSIG(status), signo);
    EXPECT_FALSE(WIFEXITED(status));
    EXPECT_FALSE(WIFSIGNALED(status));
    EXPECT_FALSE(WIFCONTINUED(status));
  }
  EXPECT_TRUE(WIFCONTINUED(kWaitStatusContinued));
  EXPECT_FALSE(WIFEXITED(kWaitStatusContinued));
  EXPECT_FALSE(WIFSIGNALED(kWaitStatusContinued));
  EXPECT_FALSE(WIFSTOPPED(kWaitStatusContinued));
}

TEST(WaitStatusTest, ChildSigInfo) {
  linux_abi::SigInfo i = ChildSigInfo(42, 1000, WaitStatusExited(3), 7, 8);
  EXPECT_EQ(i.signo, linux_abi::kSigChld);
  EXPECT_EQ(i.code, linux_abi::kCldExited);
  EXPECT_EQ(i.child.status, 3);
  EXPECT_EQ(i.child.pid, 42);
  EXPECT_EQ(i.child.uid, 1000u);
  EXPECT_EQ(i.child.utime, 7);
  EXPECT_EQ(i.child.stime, 8);
  i = ChildSigInfo(42, 0, WaitStatusKilled(linux_abi::kSigTerm, false));
  EXPECT_EQ(i.code, linux_abi::kCldKilled);
  EXPECT_EQ(i.child.status, linux_abi::kSigTerm);
  i = ChildSigInfo(42, 0, WaitStatusKilled(linux_abi::kSigSegv, true));
  EXPECT_EQ(i.code, linux_abi::kCldDumped);
  EXPECT_EQ(i.child.status, linux_abi::kSigSegv);
  i = ChildSigInfo(42, 0, WaitStatusStopped(linux_abi::kSigTstp));
  EXPECT_EQ(i.code, linux_abi::kCldStopped);
  EXPECT_EQ(i.child.status, linux_abi::kSigTstp);
  i = ChildSigInfo(42, 0, kWaitStatusContinued);
  EXPECT_EQ(i.code, linux_abi::kCldContinued);
  EXPECT_EQ(i.child.status, linux_abi::kSigCont);
}

// The host's wait4 statuses and waitid/SIGCHLD siginfos for real children.
TEST(WaitStatusTest, MatchesHostStatusesAndSigInfo) {
  std::string dir = testing::MakeTempDir();
  std::string out = RunInChild([&](std::string* out) {
    static std::vector<siginfo_t> chld;
    static volatile sig_atomic_t continued_seen = 0;
    struct sigaction sa = {};
    sa.sa_flags = SA_SIGINFO;
    sa.sa_sigaction = +[](int, siginfo_t* info, void*) {
      chld.push_back(*info);
      if (info->si_code == CLD_CONTINUED) continued_seen = 1;
    };
    sigaction(SIGCHLD, &sa, nullptr);
    chld.reserve(64);
    auto spawn = [&](int how) {
      pid_t pid = fork();
      if (pid == 0) {
        if (chdir(dir.c_str()) != 0) _exit(90);
        rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};
        setrlimit(RLIMIT_CORE, &unlimited);
        switch (how) {
          case 0: _exit(7);
          case 1: raise(SIGTERM); break;
          case 2: raise(SIGSEGV); break;
          default:
            for (;;) pause();
        }
        _exit(99);
      }
      return pid;
    };
    auto record = [&](const char* what, int model_status, int status, const siginfo_t& info) {
      linux_abi::SigInfo m = ChildSigInfo(info.si_pid, getuid(), model_status);
      *out += std::string(what) + ": " + std::to_string(status == model_status) + " " +
              std::to_string(info.si_signo == m.signo) + std::to_string(info.si_code == m.code) +
              std::to_string(info.si_status == m.child.status) +
              std::to_string(info.si_uid == m.child.uid) + "\n";
    };
    const int kinds[3] = {0, 1, 2};
    const int models[3] = {WaitStatusExited(7), WaitStatusKilled(SIGTERM, false),
                           WaitStatusKilled(SIGSEGV, true)};
    const char* names[3] = {"exit", "term", "segv"};
    for (int k = 0; k < 3; ++k) {
      pid_t pid = spawn(kinds[k]);
      siginfo_t info = {};
      waitid(P_PID, pid, &info, WEXITED | WNOWAIT);
      int status = 0;
      wait4(pid, &status, 0, nullptr);
      record(names[k], models[k], status, info);
    }
    pid_t pid = spawn(3);
    kill(pid, SIGSTOP);
    siginfo_t info = {};
    waitid(P_PID, pid, &info, WSTOPPED | WNOWAIT);
    int status = 0;
    wait4(pid, &status, WUNTRACED, nullptr);
    record("stop", WaitStatusStopped(SIGSTOP), status, info);
    kill(pid, SIGCONT);
    info = {};
    waitid(P_PID, pid, &info, WCONTINUED | WNOWAIT);
    wait4(pid, &status, WCONTINUED, nullptr);
    record("cont", kWaitStatusContinued, status, info);
    // The continued child itself sends CLD_CONTINUED when it next runs;
    // wait for it before killing the child.
    for (int i = 0; i < 5000 && !continued_seen; ++i) usleep(1000);
    kill(pid, SIGKILL);
    wait4(pid, &status, 0, nullptr);
    // The SIGCHLDs the parent got carry the same siginfo.
    sigset_t none;
    sigemptyset(&none);
    for (const siginfo_t& c : chld) {
      int model = c.si_code == CLD_EXITED    ? WaitStatusExited(c.si_status)
                  : c.si_code == CLD_KILLED  ? WaitStatusKilled(c.si_status, false)
                  : c.si_code == CLD_DUMPED  ? WaitStatusKilled(c.si_status, true)
                  : c.si_code == CLD_STOPPED ? WaitStatusStopped(c.si_status)
                                             : kWaitStatusContinued;
      linux_abi::SigInfo m = ChildSigInfo(c.si_pid, getuid(), model);
      *out += "chld " + std::to_string(c.si_code) + ": " +
              std::to_string(c.si_code == m.code && c.si_status == m.child.status) + "\n";
    }
  });
  EXPECT_EQ(out,
            "exit: 1 1111\nterm: 1 1111\nsegv: 1 1111\nstop: 1 1111\ncont: 1 1111\n"
            "chld 1: 1\nchld 2: 1\nchld 3: 1\nchld 5: 1\nchld 6: 1\nchld 2: 1\n");
  testing::RemoveTempDir(dir);
}

// --- Decoding the requests -------------------------------------------------

TEST(WaitDecodeTest, Wait4Selectors) {
  WaitRequest r = DecodeWait4(-1, 0, 77).value();
  EXPECT_EQ(r.select, WaitRequest::Select::kAny);
  EXPECT_EQ(r.options, linux_abi::kWExited);
  r = DecodeWait4(0, linux_abi::kWNoHang, 77).value();
  EXPECT_EQ(r.select, WaitRequest::Select::kPgid);
  EXPECT_EQ(r.id, 77);
  r = DecodeWait4(-55, 0, 77).value();
  EXPECT_EQ(r.select, WaitRequest::Select::kPgid);
  EXPECT_EQ(r.id, 55);
  r = DecodeWait4(12, linux_abi::kWUntraced | linux_abi::kWContinued, 77).value();
  EXPECT_EQ(r.select, WaitRequest::Select::kPid);
  EXPECT_EQ(r.id, 12);
  EXPECT_EQ(r.options, linux_abi::kWUntraced | linux_abi::kWContinued | linux_abi::kWExited);
  EXPECT_EQ(DecodeWait4(INT_MIN, 0, 1).error(), kstd::Error::kSearch);
  EXPECT_EQ(DecodeWait4(1, linux_abi::kWExited, 1).error(), kstd::Error::kInvalid);
  EXPECT_EQ(DecodeWait4(1, linux_abi::kWNoWait, 1).error(), kstd::Error::kInvalid);
  EXPECT_EQ(DecodeWait4(1, 0x10, 1).error(), kstd::Error::kInvalid);
}

TEST(WaitDecodeTest, WaitidSelectors) {
  WaitRequest r = DecodeWaitid(linux_abi::kPAll, 999, linux_abi::kWExited, 5).value();
  EXPECT_EQ(r.select, WaitRequest::Select::kAny);
  EXPECT_TRUE(r.waitid);
  r = DecodeWaitid(linux_abi::kPPgid, 0, linux_abi::kWStopped, 5).value();
  EXPECT_EQ(r.select, WaitRequest::Select::kPgid);
  EXPECT_EQ(r.id, 5);
  EXPECT_EQ(DecodeWaitid(linux_abi::kPPid, 0, linux_abi::kWExited, 5).error(),
            kstd::Error::kInvalid);
  EXPECT_EQ(DecodeWaitid(linux_abi::kPPid, -3, linux_abi::kWExited, 5).error(),
            kstd::Error::kInvalid);
  EXPECT_EQ(DecodeWaitid(linux_abi::kPPgid, -3, linux_abi::kWExited, 5).error(),
            kstd::Error::kInvalid);
  EXPECT_EQ(DecodeWaitid(linux_abi::kPAll, 0, linux_abi::kWNoHang, 5).error(),
            kstd::Error::kInvalid);
  EXPECT_EQ(DecodeWaitid(4, 0, linux_abi::kWExited, 5).error(), kstd::Error::kInvalid);
  EXPECT_EQ(DecodeWaitid(-1, 0, linux_abi::kWExited, 5).error(), kstd::Error::kInvalid);
  EXPECT_EQ(DecodeWaitid(linux_abi::kPPidfd, 3, linux_abi::kWExited, 5).error(),
            kstd::Error::kBadHandle);
  EXPECT_EQ(DecodeWaitid(linux_abi::kPPidfd, -1, linux_abi::kWExited, 5).error(),
            kstd::Error::kInvalid);
}

// Every single option bit, and a few pids, through the host's wait4/waitid
// (in a child without children, so accepted requests end in ECHILD).
TEST(WaitDecodeTest, ErrorsMatchHost) {
  struct Query {
    bool waitid;
    int32_t idtype;
    int32_t id;
    uint32_t options;
  };
  std::vector<Query> queries;
  for (int bit = 0; bit < 32; ++bit) {
    uint32_t opt = 1u << bit;
    queries.push_back({false, 0, -1, opt | linux_abi::kWNoHang});
    queries.push_back({false, 0, 123456, opt});
    queries.push_back({true, linux_abi::kPAll, 0, opt | linux_abi::kWNoHang});
    queries.push_back({true, linux_abi::kPAll, 0, opt | linux_abi::kWExited | linux_abi::kWNoHang});
  }
  for (int32_t pid : {INT_MIN, INT_MIN + 1, -1, 0, 1, 999999}) {
    queries.push_back({false, 0, pid, linux_abi::kWNoHang});
  }
  for (int32_t type = -1; type <= 4; ++type) {
    for (int32_t id : {-1, 0, 1, 999999})
      queries.push_back({true, type, id, linux_abi::kWExited | linux_abi::kWNoHang});
  }
  std::string host = RunInChild([&](std::string* out) {
    for (const Query& q : queries) {
      errno = 0;
      long r;
      if (q.waitid) {
        siginfo_t info;
        r = syscall(SYS_waitid, q.idtype, q.id, &info, q.options, nullptr);
      } else {
        int status;
        r = syscall(SYS_wait4, q.id, &status, q.options, nullptr);
      }
      *out += std::to_string(r < 0 ? errno : 0) + " ";
    }
  });
  std::string model;
  for (const Query& q : queries) {
    auto req =
        q.waitid ? DecodeWaitid(q.idtype, q.id, q.options, 1) : DecodeWait4(q.id, q.options, 1);
    int err = 0;
    if (!req.ok()) {
      err = static_cast<int>(req.error());
    } else {
      auto sel = SelectChild(req.value(), kstd::Span<const WaitChild>());
      err = sel.ok() ? 0 : static_cast<int>(sel.error());
    }
    model += std::to_string(err) + " ";
  }
  EXPECT_EQ(host, model);
}

// --- Selection --------------------------------------------------------------

WaitChild Child(int32_t pid, int32_t pgid) {
  WaitChild c;
  c.pid = pid;
  c.pgid = pgid;
  return c;
}

TEST(WaitSelectTest, BasicRules) {
  std::vector<WaitChild> kids = {Child(10, 1), Child(11, 1), Child(12, 2)};
  kids[1].zombie = true;
  kids[1].exit_status = WaitStatusExited(4);
  kids[2].zombie = true;
  kids[2].exit_status = WaitStatusKilled(9, false);
  kstd::Span<const WaitChild> span(kids.data(), kids.size());

  WaitOutcome o = SelectChild(DecodeWait4(-1, 0, 1).value(), span).value();
  EXPECT_EQ(o.kind, WaitOutcome::Kind::kReport);
  EXPECT_EQ(o.pid, 11);
  EXPECT_EQ(o.index, 1u);
  EXPECT_EQ(o.status, WaitStatusExited(4));
  EXPECT_EQ(o.consume, WaitOutcome::Consume::kReap);
  EXPECT_EQ(o.info.code, linux_abi::kCldExited);

  o = SelectChild(DecodeWait4(-2, 0, 1).value(), span).value();
  EXPECT_EQ(o.pid, 12);
  o = SelectChild(DecodeWait4(10, linux_abi::kWNoHang, 1).value(), span).value();
  EXPECT_EQ(o.kind, WaitOutcome::Kind::kNoneReady);
  EXPECT_EQ(o.info.signo, 0);
  o = SelectChild(DecodeWait4(10, 0, 1).value(), span).value();
  EXPECT_EQ(o.kind, WaitOutcome::Kind::kBlock);
  EXPECT_EQ(SelectChild(DecodeWait4(13, 0, 1).value(), span).error(), kstd::Error::kNoChild);
  EXPECT_EQ(SelectChild(DecodeWait4(-3, 0, 1).value(), span).error(), kstd::Error::kNoChild);

  // WNOWAIT leaves it.
  o = SelectChild(
          DecodeWaitid(linux_abi::kPAll, 0, linux_abi::kWExited | linux_abi::kWNoWait, 1).value(),
          span)
          .value();
  EXPECT_EQ(o.pid, 11);
  EXPECT_EQ(o.consume, WaitOutcome::Consume::kNone);
  // Zombies do not count without WEXITED.
  std::vector<WaitChild> dead = {kids[1]};
  EXPECT_EQ(
      SelectChild(
          DecodeWaitid(linux_abi::kPAll, 0, linux_abi::kWStopped | linux_abi::kWNoHang, 1).value(),
          kstd::Span<const WaitChild>(dead.data(), 1))
          .error(),
      kstd::Error::kNoChild);
}

TEST(WaitSelectTest, StopsContinuesAndCloneChildren) {
  std::vector<WaitChild> kids = {Child(20, 1), Child(21, 1), Child(22, 1)};
  kids[0].stop_unreported = true;
  kids[0].stop_signo = linux_abi::kSigTstp;
  kids[1].continue_unreported = true;
  kids[2].clone_child = true;
  kids[2].zombie = true;
  kids[2].exit_status = WaitStatusExited(1);
  kstd::Span<const WaitChild> span(kids.data(), kids.size());

  WaitOutcome o = SelectChild(DecodeWait4(-1, linux_abi::kWNoHang, 1).value(), span).value();
  EXPECT_EQ(o.kind, WaitOutcome::Kind::kNoneReady);
  o = SelectChild(DecodeWait4(-1, linux_abi::kWUntraced, 1).value(), span).value();
  EXPECT_EQ(o.pid, 20);
  EXPECT_EQ(o.status, WaitStatusStopped(linux_abi::kSigTstp));
  EXPECT_EQ(o.consume, WaitOutcome::Consume::kClearStop);
  EXPECT_EQ(o.info.code, linux_abi::kCldStopped);
  o = SelectChild(DecodeWait4(-1, linux_abi::kWContinued, 1).value(), span).value();
  EXPECT_EQ(o.pid, 21);
  EXPECT_EQ(o.status, kWaitStatusContinued);
  EXPECT_EQ(o.consume, WaitOutcome::Consume::kClearContinue);
  EXPECT_EQ(o.info.code, linux_abi::kCldContinued);
  EXPECT_EQ(o.info.child.status, linux_abi::kSigCont);
  o = SelectChild(DecodeWait4(-1, linux_abi::kWClone, 1).value(), span).value();
  EXPECT_EQ(o.pid, 22);
  o = SelectChild(DecodeWait4(-1, linux_abi::kWAll, 1).value(), span).value();
  EXPECT_EQ(o.pid, 22);
  std::vector<WaitChild> only_clone = {kids[2]};
  EXPECT_EQ(
      SelectChild(DecodeWait4(-1, 0, 1).value(), kstd::Span<const WaitChild>(only_clone.data(), 1))
          .error(),
      kstd::Error::kNoChild);
}

// A scripted process tree run for real (the host is the oracle) and through
// the model: same answers, in the same order, query after query.
TEST(WaitSelectTest, MatchesHostProcessTree) {
  // Roles: A exits 3; B stops itself; C (own group) exits 5; D pauses;
  // E is stopped then continued; F is a clone child (exit signal SIGUSR2)
  // exiting 9.
  enum Role { A, B, C, D, E, F, kRoles };
  struct Step {
    enum Kind { kWait4, kWaitid, kKill } kind;
    int role;  // wait4: -1 any, -2 own group, -3 C's group; waitid P_PID; kill target
    int32_t idtype;
    uint32_t options;
    int signo;
  };
  const std::vector<Step> steps = {
      {Step::kWait4, C, 0, linux_abi::kWNoHang, 0},
      {Step::kWait4, -1, 0, linux_abi::kWNoHang, 0},
      {Step::kWait4, -1, 0, linux_abi::kWNoHang, 0},
      {Step::kWait4, -1, 0, linux_abi::kWNoHang | linux_abi::kWUntraced, 0},
      {Step::kWait4, -1, 0, linux_abi::kWNoHang | linux_abi::kWUntraced, 0},
      {Step::kWaitid, -1, linux_abi::kPAll,
       linux_abi::kWNoHang | linux_abi::kWContinued | linux_abi::kWNoWait, 0},
      {Step::kWait4, -2, 0, linux_abi::kWNoHang | linux_abi::kWContinued, 0},
      {Step::kWait4, -1, 0, linux_abi::kWNoHang | linux_abi::kWContinued, 0},
      {Step::kWait4, -1, 0, linux_abi::kWNoHang | linux_abi::kWClone, 0},
      {Step::kWait4, F, 0, linux_abi::kWNoHang, 0},
      {Step::kWait4, -3, 0, linux_abi::kWNoHang, 0},
      {Step::kWaitid, D, linux_abi::kPPid, linux_abi::kWStopped | linux_abi::kWNoHang, 0},
      {Step::kWaitid, -1, linux_abi::kPPgid, linux_abi::kWExited | linux_abi::kWNoHang, 0},
      {Step::kKill, D, 0, 0, SIGKILL},
      {Step::kWaitid, D, linux_abi::kPPid,
       linux_abi::kWExited | linux_abi::kWNoHang | linux_abi::kWNoWait, 0},
      {Step::kWait4, D, 0, linux_abi::kWNoHang, 0},
      {Step::kWaitid, -1, linux_abi::kPAll, linux_abi::kWStopped | linux_abi::kWNoHang, 0},
      {Step::kKill, B, 0, 0, SIGTERM},  // stopped: SIGTERM stays pending
      {Step::kWait4, -1, 0, linux_abi::kWNoHang | linux_abi::kWUntraced, 0},
      {Step::kKill, B, 0, 0, SIGKILL},
      {Step::kKill, E, 0, 0, SIGKILL},
      {Step::kWaitid, -1, linux_abi::kPAll,
       linux_abi::kWStopped | linux_abi::kWContinued | linux_abi::kWNoHang, 0},
      {Step::kWait4, -1, 0, linux_abi::kWNoHang, 0},
      {Step::kWait4, -1, 0, linux_abi::kWNoHang, 0},
      {Step::kWait4, -1, 0, linux_abi::kWNoHang, 0},
  };
  std::string host = RunInChild([&](std::string* out) {
    setpgid(0, 0);
    signal(SIGUSR2, SIG_IGN);
    pid_t pids[kRoles];
    for (int r = 0; r < kRoles; ++r) {
      pid_t pid;
      if (r == F) {
        pid = static_cast<pid_t>(syscall(SYS_clone, SIGUSR2, nullptr, nullptr, nullptr, nullptr));
      } else {
        pid = fork();
      }
      if (pid == 0) {
        switch (r) {
          case A: _exit(3);
          case B:
            raise(SIGSTOP);
            for (;;) pause();
          case C: setpgid(0, 0); _exit(5);
          case F: _exit(9);
          default:
            for (;;) pause();
        }
      }
      if (r == C) setpgid(pid, pid);
      pids[r] = pid;
    }
    // Let every child reach its state (without consuming anything).
    siginfo_t info;
    waitid(P_PID, pids[A], &info, WEXITED | WNOWAIT);
    waitid(P_PID, pids[B], &info, WSTOPPED | WNOWAIT);
    waitid(P_PID, pids[C], &info, WEXITED | WNOWAIT);
    waitid(P_PID, pids[F], &info, WEXITED | WNOWAIT | __WCLONE);
    kill(pids[E], SIGSTOP);
    waitid(P_PID, pids[E], &info, WSTOPPED);
    kill(pids[E], SIGCONT);
    waitid(P_PID, pids[E], &info, WCONTINUED | WNOWAIT);
    auto role_of = [&](pid_t pid) {
      for (int r = 0; r < kRoles; ++r) {
        if (pids[r] == pid) return std::string(1, static_cast<char>('A' + r));
      }
      return std::to_string(pid);
    };
    for (const Step& s : steps) {
      if (s.kind == Step::kKill) {
        kill(pids[s.role], s.signo);
        if (s.signo == SIGKILL) waitid(P_PID, pids[s.role], &info, WEXITED | WNOWAIT | __WALL);
        continue;
      }
      errno = 0;
      if (s.kind == Step::kWait4) {
        pid_t target = s.role == -1   ? -1
                       : s.role == -2 ? 0
                       : s.role == -3 ? -pids[C]
                                      : pids[s.role];
        int status = 0;
        long r = wait4(target, &status, static_cast<int>(s.options), nullptr);
        *out += "wait4 " +
                (r > 0 ? role_of(static_cast<pid_t>(r)) : std::to_string(r < 0 ? -errno : 0)) +
                " " + std::to_string(status) + "\n";
      } else {
        id_t id = s.idtype == linux_abi::kPPid ? static_cast<id_t>(pids[s.role]) : 0;
        siginfo_t wi = {};
        long r = syscall(SYS_waitid, s.idtype, id, &wi, s.options, nullptr);
        *out += "waitid " + std::to_string(r < 0 ? -errno : 0) + " " + std::to_string(wi.si_signo) +
                " " + std::to_string(wi.si_code) + " " + std::to_string(wi.si_status) + " " +
                (wi.si_pid > 0 ? role_of(wi.si_pid) : "0") + "\n";
      }
    }
  });

  // The model: children oldest first, as their parent's list holds them.
  std::vector<WaitChild> kids;
  const int32_t own_pgid = 1000;
  for (int r = 0; r < kRoles; ++r) {
    WaitChild c = Child(100 + r, r == C ? 100 + C : own_pgid);
    c.clone_child = r == F;
    kids.push_back(c);
  }
  kids[A].zombie = true;
  kids[A].exit_status = WaitStatusExited(3);
  kids[B].stop_unreported = true;
  kids[B].stop_signo = SIGSTOP;
  kids[C].zombie = true;
  kids[C].exit_status = WaitStatusExited(5);
  kids[E].continue_unreported = true;
  kids[F].zombie = true;
  kids[F].exit_status = WaitStatusExited(9);
  auto role_of = [](int32_t pid) { return std::string(1, static_cast<char>('A' + (pid - 100))); };
  std::string model;
  for (const Step& s : steps) {
    if (s.kind == Step::kKill) {
      for (WaitChild& c : kids) {
        if (c.pid != 100 + s.role || s.signo != SIGKILL) continue;
        c.zombie = true;
        c.exit_status = WaitStatusKilled(SIGKILL, false);
        c.stop_unreported = false;
        c.continue_unreported = false;
      }
      continue;
    }
    kstd::Result<WaitRequest> req =
        s.kind == Step::kWait4
            ? DecodeWait4(s.role == -1   ? -1
                          : s.role == -2 ? 0
                          : s.role == -3 ? -(100 + C)
                                         : 100 + s.role,
                          s.options, own_pgid)
            : DecodeWaitid(s.idtype, s.idtype == linux_abi::kPPid ? 100 + s.role : 0, s.options,
                           own_pgid);
    ASSERT_TRUE(req.ok());
    auto sel = SelectChild(req.value(), kstd::Span<const WaitChild>(kids.data(), kids.size()));
    int err = sel.ok() ? 0 : -static_cast<int>(sel.error());
    WaitOutcome o = sel.ok() ? sel.value() : WaitOutcome();
    bool reported = sel.ok() && o.kind == WaitOutcome::Kind::kReport;
    if (s.kind == Step::kWait4) {
      model += "wait4 " + (reported ? role_of(o.pid) : std::to_string(err)) + " " +
               std::to_string(reported ? o.status : 0) + "\n";
    } else {
      model += "waitid " + std::to_string(err) + " " + std::to_string(reported ? o.info.signo : 0) +
               " " + std::to_string(reported ? o.info.code : 0) + " " +
               std::to_string(reported ? o.info.child.status : 0) + " " +
               (reported ? role_of(o.pid) : "0") + "\n";
    }
    if (reported) {
      switch (o.consume) {
        case WaitOutcome::Consume::kReap:
          kids.erase(kids.begin() + static_cast<long>(o.index));
          break;
        case WaitOutcome::Consume::kClearStop: kids[o.index].stop_unreported = false; break;
        case WaitOutcome::Consume::kClearContinue: kids[o.index].continue_unreported = false; break;
        case WaitOutcome::Consume::kNone: break;
      }
    }
  }
  EXPECT_EQ(host, model);
  // The script exercised what it meant to (reports, a quiet WNOHANG, and
  // Linux's ECHILD when only zombies remain and WEXITED is not asked).
  EXPECT_NE(host.find("wait4 C 1280\n"), std::string::npos) << host;
  EXPECT_NE(host.find("wait4 B 4991\n"), std::string::npos) << host;
  EXPECT_NE(host.find("wait4 E 65535\n"), std::string::npos) << host;
  EXPECT_NE(host.find("wait4 F 2304\n"), std::string::npos) << host;
  EXPECT_NE(host.find("waitid -10 0 0 0 0\n"), std::string::npos) << host;
  EXPECT_NE(host.find("wait4 0 0\n"), std::string::npos) << host;
}

}  // namespace
}  // namespace core::posix
