#include "core/posix/signals.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "abi/linux/signal.h"
#include "core/posix/testing/child.h"

namespace core::posix {
namespace {

using testing::RunInChild;

constexpr uint64_t kHandler = 0x401000;  // a user address standing for a handler
constexpr uint64_t kRestorer = 0x401800;

linux_abi::KSigAction Handler(uint64_t flags = 0, SigSet mask = 0) {
  linux_abi::KSigAction a;
  a.handler = kHandler;
  a.flags = flags | linux_abi::kSaRestorer;
  a.restorer = kRestorer;
  a.mask = mask;
  return a;
}

linux_abi::KSigAction Ignore() {
  linux_abi::KSigAction a;
  a.handler = linux_abi::kSigIgn;
  return a;
}

linux_abi::SigInfo Kill(int signo) { return linux_abi::SigInfo::FromKill(signo, 100, 1000); }

linux_abi::SigInfo Queue(int signo, uint64_t value) {
  linux_abi::SigInfo info;
  info.signo = signo;
  info.code = linux_abi::kSiQueue;
  info.rt.pid = 100;
  info.rt.uid = 1000;
  info.rt.value = value;
  return info;
}

SendResult SendOk(ProcessSignals& p, const linux_abi::SigInfo& info) {
  auto r = p.Send(info);
  EXPECT_TRUE(r.ok()) << kstd::ErrorName(r.error());
  return r.ok() ? r.value() : SendResult();
}

// --- Names and set helpers (the ABI's values: abi/linux/signal_test.cc) -----

TEST(SignalAbiTest, GlibcSigRtMin) { EXPECT_EQ(kSigRtMinGlibc, SIGRTMIN); }

TEST(SignalAbiTest, NamesMatchGlibcAbbreviations) {
  for (int signo = 1; signo < linux_abi::kSigRtMinKernel; ++signo) {
    const char* abbrev = sigabbrev_np(signo);
    ASSERT_NE(abbrev, nullptr) << signo;
    std::string glibc = std::string("SIG") + abbrev;
    if (glibc == "SIGPOLL") glibc = "SIGIO";  // two names of 29; Linux's kill -l says IO
    EXPECT_EQ(glibc, SignalName(signo));
  }
  EXPECT_STREQ(SignalName(32), "SIGRTMIN");
  EXPECT_STREQ(SignalName(35), "SIGRTMIN+3");
  EXPECT_STREQ(SignalName(64), "SIGRTMAX");
  EXPECT_STREQ(SignalName(0), "SIG?");
  EXPECT_STREQ(SignalName(65), "SIG?");
}

TEST(SignalAbiTest, SigSetHelpers) {
  EXPECT_EQ(SigMask(1), 1u);
  EXPECT_EQ(SigMask(64), uint64_t{1} << 63);
  EXPECT_TRUE(SigSetHas(SigMask(linux_abi::kSigInt), linux_abi::kSigInt));
  EXPECT_FALSE(SigSetHas(SigMask(linux_abi::kSigInt), linux_abi::kSigQuit));
  EXPECT_FALSE(SigSetHas(kAllSignals, 0));
  EXPECT_FALSE(SigSetHas(kAllSignals, 65));
  EXPECT_EQ(SigSetLowest(0), 0);
  EXPECT_EQ(SigSetLowest(SigMask(5) | SigMask(40)), 5);
  EXPECT_EQ(SigSetLowest(SigMask(64)), 64);
  EXPECT_TRUE(CheckSigSetSize(8).ok());
  EXPECT_EQ(CheckSigSetSize(4).error(), kstd::Error::kInvalid);
  EXPECT_EQ(CheckSigSetSize(128).error(), kstd::Error::kInvalid);
  EXPECT_TRUE(IsRealtimeSignal(32));
  EXPECT_FALSE(IsRealtimeSignal(31));
  // glibc's sigset_t stores the kernel's word first, bit (signo - 1).
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, 40);
  uint64_t word;
  memcpy(&word, &set, sizeof(word));
  EXPECT_EQ(word, SigMask(linux_abi::kSigInt) | SigMask(40));
}

// --- Default actions, checked against what the host kernel does ------------

TEST(SignalDefaultActionTest, TableMatchesSignal7) {
  const std::map<int, DefaultAction> core = {
      {linux_abi::kSigQuit, DefaultAction::kCoreDump},
      {linux_abi::kSigIll, DefaultAction::kCoreDump},
      {linux_abi::kSigTrap, DefaultAction::kCoreDump},
      {linux_abi::kSigAbrt, DefaultAction::kCoreDump},
      {linux_abi::kSigBus, DefaultAction::kCoreDump},
      {linux_abi::kSigFpe, DefaultAction::kCoreDump},
      {linux_abi::kSigSegv, DefaultAction::kCoreDump},
      {linux_abi::kSigXcpu, DefaultAction::kCoreDump},
      {linux_abi::kSigXfsz, DefaultAction::kCoreDump},
      {linux_abi::kSigSys, DefaultAction::kCoreDump},
      {linux_abi::kSigChld, DefaultAction::kIgnore},
      {linux_abi::kSigUrg, DefaultAction::kIgnore},
      {linux_abi::kSigWinch, DefaultAction::kIgnore},
      {linux_abi::kSigCont, DefaultAction::kContinue},
      {linux_abi::kSigStop, DefaultAction::kStop},
      {linux_abi::kSigTstp, DefaultAction::kStop},
      {linux_abi::kSigTtin, DefaultAction::kStop},
      {linux_abi::kSigTtou, DefaultAction::kStop},
  };
  for (int signo = 1; signo <= linux_abi::kNumSignals; ++signo) {
    auto it = core.find(signo);
    DefaultAction want = it == core.end() ? DefaultAction::kTerminate : it->second;
    EXPECT_EQ(DefaultActionOf(signo), want) << SignalName(signo);
  }
  EXPECT_EQ(DefaultActionOf(0), DefaultAction::kIgnore);
  EXPECT_EQ(DefaultActionOf(65), DefaultAction::kIgnore);
}

// Each catchable signal with SIG_DFL, raised in a child: what the host's
// wait status says must be what DefaultActionOf says. Core dumps are allowed
// (RLIMIT_CORE unlimited, in the test's temporary directory) so that the
// 0x80 flag tells core from terminate.
TEST(SignalDefaultActionTest, MatchesHostKernel) {
  std::string dir = testing::MakeTempDir();
  for (int signo = 1; signo <= linux_abi::kNumSignals; ++signo) {
    if (signo == 32 || signo == 33) continue;  // glibc-internal signals
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      if (chdir(dir.c_str()) != 0) _exit(90);
      rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};
      setrlimit(RLIMIT_CORE, &unlimited);
      signal(signo, SIG_DFL);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      kill(getpid(), signo);
      _exit(77);  // still alive: ignored (or continued)
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, WUNTRACED), pid);
    DefaultAction seen;
    if (WIFSTOPPED(status)) {
      seen = DefaultAction::kStop;
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    } else if (WIFSIGNALED(status)) {
      EXPECT_EQ(WTERMSIG(status), signo);
      seen = WCOREDUMP(status) ? DefaultAction::kCoreDump : DefaultAction::kTerminate;
    } else {
      ASSERT_TRUE(WIFEXITED(status));
      ASSERT_EQ(WEXITSTATUS(status), 77);
      seen = DefaultAction::kIgnore;
    }
    DefaultAction want = DefaultActionOf(signo);
    if (want == DefaultAction::kContinue) want = DefaultAction::kIgnore;  // nothing to continue
    EXPECT_EQ(seen, want) << SignalName(signo);
  }
  testing::RemoveTempDir(dir);
}

// --- rt_sigaction ------------------------------------------------------------

TEST(SigActionTest, SetAndGet) {
  ProcessSignals p;
  linux_abi::KSigAction old;
  ASSERT_TRUE(p.SetAction(linux_abi::kSigUsr1, nullptr, &old).ok());
  EXPECT_EQ(old.handler, linux_abi::kSigDfl);
  linux_abi::KSigAction act =
      Handler(linux_abi::kSaSigInfo | linux_abi::kSaRestart, SigMask(linux_abi::kSigUsr2));
  ASSERT_TRUE(p.SetAction(linux_abi::kSigUsr1, &act, &old).ok());
  EXPECT_EQ(old.handler, linux_abi::kSigDfl);
  EXPECT_EQ(p.action(linux_abi::kSigUsr1).handler, kHandler);
  EXPECT_EQ(p.action(linux_abi::kSigUsr1).flags,
            linux_abi::kSaSigInfo | linux_abi::kSaRestart | linux_abi::kSaRestorer);
  EXPECT_EQ(p.action(linux_abi::kSigUsr1).restorer, kRestorer);
  EXPECT_EQ(p.action(linux_abi::kSigUsr1).mask, SigMask(linux_abi::kSigUsr2));
  linux_abi::KSigAction back;
  ASSERT_TRUE(p.SetAction(linux_abi::kSigUsr1, nullptr, &back).ok());
  EXPECT_EQ(back.handler, kHandler);
}

TEST(SigActionTest, KillAndStopCannotBeChangedButCanBeRead) {
  ProcessSignals p;
  linux_abi::KSigAction act = Handler();
  linux_abi::KSigAction ign = Ignore();
  linux_abi::KSigAction old;
  EXPECT_EQ(p.SetAction(linux_abi::kSigKill, &act, nullptr).error(), kstd::Error::kInvalid);
  EXPECT_EQ(p.SetAction(linux_abi::kSigStop, &act, nullptr).error(), kstd::Error::kInvalid);
  EXPECT_EQ(p.SetAction(linux_abi::kSigKill, &ign, nullptr).error(), kstd::Error::kInvalid);
  EXPECT_TRUE(p.SetAction(linux_abi::kSigKill, nullptr, &old).ok());
  EXPECT_EQ(old.handler, linux_abi::kSigDfl);
  EXPECT_EQ(p.SetAction(0, nullptr, &old).error(), kstd::Error::kInvalid);
  EXPECT_EQ(p.SetAction(65, nullptr, &old).error(), kstd::Error::kInvalid);
  EXPECT_EQ(p.SetAction(-1, &act, nullptr).error(), kstd::Error::kInvalid);
}

TEST(SigActionTest, MaskDropsKillStopAndUnknownFlagsAreCleared) {
  ProcessSignals p;
  linux_abi::KSigAction act = Handler(linux_abi::kSaUnsupported | (1u << 20), kAllSignals);
  ASSERT_TRUE(p.SetAction(linux_abi::kSigUsr1, &act, nullptr).ok());
  EXPECT_EQ(p.action(linux_abi::kSigUsr1).mask, kAllSignals & ~kUnblockableSignals);
  EXPECT_EQ(p.action(linux_abi::kSigUsr1).flags, linux_abi::kSaRestorer);
}

// The same calls through the host's rt_sigaction, with linux_abi::KSigAction as the
// argument struct: the kernel must read and write it as we lay it out.
TEST(SigActionTest, MatchesHostRtSigaction) {
  std::string out = RunInChild([](std::string* out) {
    std::ostringstream s;
    linux_abi::KSigAction act;
    act.handler = reinterpret_cast<uint64_t>(+[](int) {});
    act.flags = linux_abi::kSaSigInfo | linux_abi::kSaRestorer | linux_abi::kSaRestart |
                linux_abi::kSaUnsupported | (1u << 20) | linux_abi::kSaNoDefer;
    act.restorer = 0x12345678;
    act.mask = kAllSignals;
    linux_abi::KSigAction old;
    long r = syscall(SYS_rt_sigaction, SIGUSR1, &act, &old, 8);
    linux_abi::KSigAction back;
    long r2 = syscall(SYS_rt_sigaction, SIGUSR1, nullptr, &back, 8);
    s << r << " " << r2 << " " << std::hex << back.handler << " " << back.flags << " "
      << back.restorer << " " << back.mask << std::dec;
    // The same sequence in the model.
    ProcessSignals p;
    linux_abi::KSigAction mback;
    (void)p.SetAction(linux_abi::kSigUsr1, &act, nullptr);
    (void)p.SetAction(linux_abi::kSigUsr1, nullptr, &mback);
    s << " | " << std::hex << mback.handler << " " << mback.flags << " " << mback.restorer << " "
      << mback.mask << std::dec;
    // Errors.
    s << " kill:" << syscall(SYS_rt_sigaction, SIGKILL, &act, nullptr, 8) << "/" << errno;
    errno = 0;
    s << " killread:" << syscall(SYS_rt_sigaction, SIGKILL, nullptr, &old, 8);
    s << " zero:" << syscall(SYS_rt_sigaction, 0, nullptr, &old, 8) << "/" << errno;
    s << " 65:" << syscall(SYS_rt_sigaction, 65, nullptr, &old, 8) << "/" << errno;
    errno = 0;
    s << " size4:" << syscall(SYS_rt_sigaction, SIGUSR1, nullptr, &old, 4) << "/" << errno;
    *out = s.str();
  });
  size_t bar = out.find(" | ");
  ASSERT_NE(bar, std::string::npos) << out;
  std::string host = out.substr(0, bar);
  std::string rest = out.substr(bar + 3);
  std::string model = rest.substr(0, rest.find(" kill:"));
  ASSERT_EQ(host.substr(0, 4), "0 0 ");
  EXPECT_EQ(host.substr(4), model) << out;
  EXPECT_NE(out.find(" kill:-1/22"), std::string::npos) << out;
  EXPECT_NE(out.find(" killread:0"), std::string::npos) << out;
  EXPECT_NE(out.find(" zero:-1/22"), std::string::npos) << out;
  EXPECT_NE(out.find(" 65:-1/22"), std::string::npos) << out;
  EXPECT_NE(out.find(" size4:-1/22"), std::string::npos) << out;
}

TEST(SigActionTest, IgnoringDiscardsPendingEverywhere) {
  ProcessSignals p;
  ThreadSignals t1(p), t2(p);
  t1.SetBlocked(kAllSignals);
  t2.SetBlocked(kAllSignals);
  SendOk(p, Kill(linux_abi::kSigUsr1));
  ASSERT_TRUE(p.SendToThread(t2, Kill(linux_abi::kSigUsr1)).ok());
  ASSERT_TRUE(p.SendToThread(t2, Kill(linux_abi::kSigUsr2)).ok());
  EXPECT_EQ(p.shared_pending(), SigMask(linux_abi::kSigUsr1));
  EXPECT_EQ(p.queued_entries(), 3u);
  linux_abi::KSigAction ign = Ignore();
  ASSERT_TRUE(p.SetAction(linux_abi::kSigUsr1, &ign, nullptr).ok());
  EXPECT_EQ(p.shared_pending(), 0u);
  EXPECT_EQ(t2.own_pending(), SigMask(linux_abi::kSigUsr2));
  EXPECT_EQ(p.queued_entries(), 1u);
  // SIG_DFL of a default-ignore signal discards too.
  p.SendToThread(t1, Kill(linux_abi::kSigChld)).value();
  EXPECT_EQ(t1.own_pending(), SigMask(linux_abi::kSigChld));
  linux_abi::KSigAction dfl;
  ASSERT_TRUE(p.SetAction(linux_abi::kSigChld, &dfl, nullptr).ok());
  EXPECT_EQ(t1.own_pending(), 0u);
}

// --- Sending -----------------------------------------------------------------

TEST(SignalSendTest, IgnoredSignalsAreDiscardedUnlessBlocked) {
  ProcessSignals p;
  ThreadSignals t(p);
  linux_abi::KSigAction ign = Ignore();
  ASSERT_TRUE(p.SetAction(linux_abi::kSigUsr1, &ign, nullptr).ok());
  SendResult r = SendOk(p, Kill(linux_abi::kSigUsr1));
  EXPECT_FALSE(r.queued);
  EXPECT_EQ(p.shared_pending(), 0u);
  r = SendOk(p, Kill(linux_abi::kSigChld));  // default ignore
  EXPECT_FALSE(r.queued);
  r = SendOk(p, Kill(linux_abi::kSigWinch));
  EXPECT_FALSE(r.queued);
  // Blocked: kept, since the action may change before it is unblocked.
  t.SetBlocked(SigMask(linux_abi::kSigUsr1) | SigMask(linux_abi::kSigChld));
  r = SendOk(p, Kill(linux_abi::kSigUsr1));
  EXPECT_TRUE(r.queued);
  EXPECT_EQ(r.wake, nullptr);
  r = SendOk(p, Kill(linux_abi::kSigChld));
  EXPECT_TRUE(r.queued);
  EXPECT_EQ(p.shared_pending(), SigMask(linux_abi::kSigUsr1) | SigMask(linux_abi::kSigChld));
  // Unblocked later, the ignored action consumes them silently.
  t.SetBlocked(0);
  EXPECT_TRUE(t.HasDeliverable());
  EXPECT_EQ(t.Dequeue(false).kind, Delivery::Kind::kNone);
  EXPECT_EQ(p.shared_pending(), 0u);
  EXPECT_EQ(p.queued_entries(), 0u);
}

TEST(SignalSendTest, StandardSignalsCoalesceKeepingTheFirstInfo) {
  ProcessSignals p;
  ThreadSignals t(p);
  linux_abi::KSigAction act = Handler();
  ASSERT_TRUE(p.SetAction(linux_abi::kSigUsr1, &act, nullptr).ok());
  t.SetBlocked(SigMask(linux_abi::kSigUsr1));
  EXPECT_TRUE(SendOk(p, linux_abi::SigInfo::FromKill(linux_abi::kSigUsr1, 1, 0)).queued);
  EXPECT_FALSE(SendOk(p, linux_abi::SigInfo::FromKill(linux_abi::kSigUsr1, 2, 0)).queued);
  EXPECT_FALSE(SendOk(p, linux_abi::SigInfo::FromKill(linux_abi::kSigUsr1, 3, 0)).queued);
  EXPECT_EQ(p.queued_entries(), 1u);
  t.SetBlocked(0);
  Delivery d = t.Dequeue(false);
  EXPECT_EQ(d.kind, Delivery::Kind::kHandler);
  EXPECT_EQ(d.info.kill.pid, 1);
  EXPECT_EQ(t.Dequeue(false).kind, Delivery::Kind::kNone);
}

TEST(SignalSendTest, RealtimeSignalsQueueInOrder) {
  ProcessSignals p;
  ThreadSignals t(p);
  linux_abi::KSigAction act = Handler(linux_abi::kSaSigInfo);
  for (int s : {34, 40, 64}) ASSERT_TRUE(p.SetAction(s, &act, nullptr).ok());
  t.SetBlocked(kAllSignals);
  SendOk(p, Queue(40, 1));
  SendOk(p, Queue(34, 2));
  SendOk(p, Queue(40, 3));
  SendOk(p, Queue(64, 4));
  SendOk(p, Queue(34, 5));
  EXPECT_EQ(p.queued_entries(), 5u);
  t.SetBlocked(0);
  std::vector<std::pair<int, uint64_t>> got;
  for (;;) {
    Delivery d = t.Dequeue(false);
    if (d.kind == Delivery::Kind::kNone) break;
    got.push_back({d.signo, d.info.rt.value});
  }
  std::vector<std::pair<int, uint64_t>> want = {{34, 2}, {34, 5}, {40, 1}, {40, 3}, {64, 4}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(p.queued_entries(), 0u);
}

TEST(SignalSendTest, RealtimeQueueIsBounded) {
  ProcessSignals p;
  ThreadSignals t(p);
  t.SetBlocked(kAllSignals);
  for (uint32_t i = 0; i < kMaxQueuedSignals; ++i) ASSERT_TRUE(p.Send(Queue(40, i)).ok()) << i;
  EXPECT_EQ(p.queued_entries(), kMaxQueuedSignals);
  // sigqueue() learns that the queue is full.
  EXPECT_EQ(p.Send(Queue(41, 0)).error(), kstd::Error::kAgain);
  EXPECT_EQ(p.SendToThread(t, Queue(41, 0)).error(), kstd::Error::kAgain);
  EXPECT_FALSE(SigSetHas(p.shared_pending(), 41));
  // kill() of a realtime signal still makes it pending, without its info.
  SendResult r = SendOk(p, Kill(42));
  EXPECT_TRUE(r.queued);
  EXPECT_TRUE(SigSetHas(p.shared_pending(), 42));
  // A standard signal from the kernel or kill() is never refused.
  ASSERT_TRUE(p.Send(linux_abi::SigInfo::FromKernel(linux_abi::kSigPipe)).ok());
  ASSERT_TRUE(p.SendToThread(t, linux_abi::SigInfo::FromFault(linux_abi::kSigSegv,
                                                              linux_abi::kSegvMapErr, 0x10))
                  .ok());
  // But a standard signal from sigqueue() obeys the limit, like Linux.
  linux_abi::SigInfo q = Queue(linux_abi::kSigUsr1, 9);
  EXPECT_TRUE(p.Send(q).ok());  // kept without its info (not realtime)
  linux_abi::KSigAction act = Handler(linux_abi::kSaSigInfo);
  ASSERT_TRUE(p.SetAction(42, &act, nullptr).ok());
  ASSERT_TRUE(p.SetAction(linux_abi::kSigUsr1, &act, nullptr).ok());
  t.SetBlocked(~(SigMask(42) | SigMask(linux_abi::kSigUsr1)));
  Delivery d = t.Dequeue(false);
  EXPECT_EQ(d.signo, linux_abi::kSigUsr1);
  EXPECT_EQ(d.info.code, linux_abi::kSiUser);  // info lost: synthesized
  EXPECT_EQ(d.info.kill.pid, 0);
  d = t.Dequeue(false);
  EXPECT_EQ(d.signo, 42);
  EXPECT_EQ(d.info.code, linux_abi::kSiUser);
  EXPECT_EQ(d.info.kill.pid, 0);
}

TEST(SignalSendTest, StopAndContinueCancelEachOther) {
  ProcessSignals p;
  ThreadSignals t(p);
  t.SetBlocked(kAllSignals);
  SendOk(p, Kill(linux_abi::kSigTstp));
  p.SendToThread(t, Kill(linux_abi::kSigTtin)).value();
  EXPECT_EQ(p.shared_pending() | t.own_pending(),
            SigMask(linux_abi::kSigTstp) | SigMask(linux_abi::kSigTtin));
  SendResult r = SendOk(p, Kill(linux_abi::kSigCont));
  EXPECT_FALSE(r.continued);  // it was not stopped
  EXPECT_EQ(p.shared_pending() | t.own_pending(), SigMask(linux_abi::kSigCont));
  r = SendOk(p, Kill(linux_abi::kSigStop));
  EXPECT_EQ(p.shared_pending(), SigMask(linux_abi::kSigStop));
  EXPECT_EQ(p.queued_entries(), 1u);  // SIGSTOP's own entry
}

TEST(SignalSendTest, ContinueResumesAStoppedProcessEvenIfIgnored) {
  ProcessSignals p;
  ThreadSignals t(p);
  SendOk(p, Kill(linux_abi::kSigTstp));
  Delivery d = t.Dequeue(/*pgrp_orphaned=*/false);
  ASSERT_EQ(d.kind, Delivery::Kind::kStop);
  EXPECT_EQ(d.signo, linux_abi::kSigTstp);
  p.EnterStop(d.signo);
  EXPECT_TRUE(p.stopped());
  EXPECT_EQ(p.stop_signal(), linux_abi::kSigTstp);
  linux_abi::KSigAction ign = Ignore();
  ASSERT_TRUE(p.SetAction(linux_abi::kSigCont, &ign, nullptr).ok());
  SendResult r = SendOk(p, Kill(linux_abi::kSigCont));
  EXPECT_TRUE(r.continued);
  EXPECT_FALSE(r.queued);
  EXPECT_FALSE(p.stopped());
  // Blocked SIGCONT continues too, and stays pending for its handler.
  SendOk(p, Kill(linux_abi::kSigStop));
  p.EnterStop(t.Dequeue(false).signo);
  linux_abi::KSigAction act = Handler();
  ASSERT_TRUE(p.SetAction(linux_abi::kSigCont, &act, nullptr).ok());
  t.SetBlocked(SigMask(linux_abi::kSigCont));
  r = SendOk(p, Kill(linux_abi::kSigCont));
  EXPECT_TRUE(r.continued);
  EXPECT_TRUE(r.queued);
  EXPECT_EQ(r.wake, nullptr);
}

TEST(SignalSendTest, DefaultContinueIsConsumedSilently) {
  ProcessSignals p;
  ThreadSignals t(p);
  t.SetBlocked(SigMask(linux_abi::kSigCont));
  SendOk(p, Kill(linux_abi::kSigCont));
  t.SetBlocked(0);
  EXPECT_EQ(t.Dequeue(false).kind, Delivery::Kind::kNone);
}

TEST(SignalSendTest, KillAndStopCannotBeBlocked) {
  ProcessSignals p;
  ThreadSignals t(p);
  t.SetBlocked(kAllSignals);
  EXPECT_EQ(t.blocked(), kAllSignals & ~kUnblockableSignals);
  SendResult r = SendOk(p, Kill(linux_abi::kSigKill));
  EXPECT_EQ(r.wake, &t);
  EXPECT_TRUE(r.fatal);
  Delivery d = t.Dequeue(false);
  EXPECT_EQ(d.kind, Delivery::Kind::kTerminate);
  EXPECT_EQ(d.signo, linux_abi::kSigKill);
  auto old = t.ProcMask(linux_abi::kSigBlock, &kAllSignals);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(t.blocked(), kAllSignals & ~kUnblockableSignals);
}

TEST(SignalSendTest, FatalAndWakeReporting) {
  ProcessSignals p;
  ThreadSignals main_thread(p), worker(p);
  main_thread.SetBlocked(SigMask(linux_abi::kSigTerm));
  SendResult r = SendOk(p, Kill(linux_abi::kSigTerm));
  EXPECT_EQ(r.wake, &worker);  // the main thread blocks it
  EXPECT_TRUE(r.fatal);
  // Nobody can take it now: pending, nobody woken, not (yet) fatal.
  worker.SetBlocked(SigMask(linux_abi::kSigUsr1));
  r = SendOk(p, Kill(linux_abi::kSigUsr1));
  EXPECT_TRUE(r.queued);
  EXPECT_EQ(r.wake, &main_thread);
  main_thread.SetBlocked(SigMask(linux_abi::kSigUsr1));
  r = SendOk(p, Kill(linux_abi::kSigUsr2));
  EXPECT_EQ(r.wake, &main_thread);
  linux_abi::KSigAction act = Handler();
  ASSERT_TRUE(p.SetAction(linux_abi::kSigUsr2, &act, nullptr).ok());
  r = SendOk(p, Kill(linux_abi::kSigUsr2));
  EXPECT_FALSE(r.fatal);  // caught
  SigSet both = SigMask(linux_abi::kSigHup);
  main_thread.SetBlocked(both);
  worker.SetBlocked(both);
  r = SendOk(p, Kill(linux_abi::kSigHup));
  EXPECT_TRUE(r.queued);
  EXPECT_EQ(r.wake, nullptr);
  EXPECT_FALSE(r.fatal);
  // Default-ignore and stop signals are never "fatal".
  worker.SetBlocked(0);
  EXPECT_FALSE(SendOk(p, Kill(linux_abi::kSigTstp)).fatal);
}

TEST(SignalSendTest, ThreadDirectedSignalsStayWithTheirThread) {
  ProcessSignals p;
  ThreadSignals a(p), b(p);
  linux_abi::KSigAction act = Handler();
  ASSERT_TRUE(p.SetAction(linux_abi::kSigUsr1, &act, nullptr).ok());
  b.SetBlocked(SigMask(linux_abi::kSigUsr1));
  SendResult r = p.SendToThread(b, Kill(linux_abi::kSigUsr1)).value();
  EXPECT_TRUE(r.queued);
  EXPECT_EQ(r.wake, nullptr);  // b blocks it and only b may take it
  EXPECT_EQ(a.Dequeue(false).kind, Delivery::Kind::kNone);
  EXPECT_EQ(b.PendingBlocked(), SigMask(linux_abi::kSigUsr1));
  EXPECT_EQ(a.PendingBlocked(), 0u);
  b.SetBlocked(0);
  r = p.SendToThread(b, Kill(linux_abi::kSigUsr2)).value();
  EXPECT_EQ(r.wake, &b);
  EXPECT_EQ(b.Dequeue(false).signo, linux_abi::kSigUsr1);
  EXPECT_EQ(b.Dequeue(false).signo, linux_abi::kSigUsr2);
}

TEST(SignalDequeueTest, SynchronousSignalsFirstThenLowest) {
  ProcessSignals p;
  ThreadSignals t(p);
  linux_abi::KSigAction act = Handler();
  for (int s = 1; s <= linux_abi::kNumSignals; ++s) (void)p.SetAction(s, &act, nullptr);
  t.SetBlocked(kAllSignals);
  SendOk(p, Kill(linux_abi::kSigInt));
  SendOk(p, Kill(linux_abi::kSigFpe));
  p.SendToThread(t, Kill(linux_abi::kSigTerm)).value();
  p.SendToThread(t,
                 linux_abi::SigInfo::FromFault(linux_abi::kSigSegv, linux_abi::kSegvMapErr, 0x1234))
      .value();
  p.SendToThread(t, Kill(linux_abi::kSigHup)).value();
  SendOk(p, Kill(34));
  t.SetBlocked(0);
  std::vector<int> order;
  for (Delivery d = t.Dequeue(false); d.kind != Delivery::Kind::kNone; d = t.Dequeue(false)) {
    order.push_back(d.signo);
    if (d.signo == linux_abi::kSigSegv) {
      EXPECT_EQ(d.info.code, linux_abi::kSegvMapErr);
      EXPECT_EQ(d.info.fault.addr, 0x1234u);
    }
  }
  // The thread's own first (fault first), then the process's (fault first).
  std::vector<int> want = {linux_abi::kSigSegv, linux_abi::kSigHup, linux_abi::kSigTerm,
                           linux_abi::kSigFpe,  linux_abi::kSigInt, 34};
  EXPECT_EQ(order, want);
}

TEST(SignalDequeueTest, DefaultActions) {
  ProcessSignals p;
  ThreadSignals t(p);
  SendOk(p, Kill(linux_abi::kSigQuit));
  Delivery d = t.Dequeue(false);
  EXPECT_EQ(d.kind, Delivery::Kind::kCoreDump);
  EXPECT_EQ(d.signo, linux_abi::kSigQuit);
  SendOk(p, Kill(linux_abi::kSigTerm));
  EXPECT_EQ(t.Dequeue(false).kind, Delivery::Kind::kTerminate);
  SendOk(p, Kill(50));
  EXPECT_EQ(t.Dequeue(false).kind, Delivery::Kind::kTerminate);
  SendOk(p, Kill(linux_abi::kSigStop));
  EXPECT_EQ(t.Dequeue(true).kind, Delivery::Kind::kStop);  // SIGSTOP stops even orphans
  // An orphaned process group ignores the terminal stop signals.
  for (int s : {linux_abi::kSigTstp, linux_abi::kSigTtin, linux_abi::kSigTtou}) {
    SendOk(p, Kill(s));
    EXPECT_EQ(t.Dequeue(true).kind, Delivery::Kind::kNone) << s;
    SendOk(p, Kill(s));
    EXPECT_EQ(t.Dequeue(false).kind, Delivery::Kind::kStop) << s;
  }
}

TEST(SignalDequeueTest, HandlerDeliveryBlocksAndResets) {
  ProcessSignals p;
  ThreadSignals t(p);
  linux_abi::KSigAction a1 =
      Handler(linux_abi::kSaResetHand | linux_abi::kSaSigInfo, SigMask(linux_abi::kSigUsr2));
  ASSERT_TRUE(p.SetAction(linux_abi::kSigUsr1, &a1, nullptr).ok());
  linux_abi::KSigAction a2 = Handler(linux_abi::kSaNoDefer, SigMask(linux_abi::kSigHup));
  ASSERT_TRUE(p.SetAction(linux_abi::kSigUsr2, &a2, nullptr).ok());
  t.SetBlocked(SigMask(linux_abi::kSigInt));

  SendOk(p, Kill(linux_abi::kSigUsr1));
  Delivery d = t.Dequeue(false);
  ASSERT_EQ(d.kind, Delivery::Kind::kHandler);
  EXPECT_EQ(d.action.handler, kHandler);
  EXPECT_EQ(d.action.flags & linux_abi::kSaResetHand, linux_abi::kSaResetHand);
  EXPECT_EQ(p.action(linux_abi::kSigUsr1).handler,
            linux_abi::kSigDfl);  // SA_RESETHAND applied at dequeue
  EXPECT_EQ(t.MaskToSave(), SigMask(linux_abi::kSigInt));
  t.CommitHandler(d);
  EXPECT_EQ(t.blocked(), SigMask(linux_abi::kSigInt) | SigMask(linux_abi::kSigUsr2) |
                             SigMask(linux_abi::kSigUsr1));

  t.SetBlocked(0);
  SendOk(p, Kill(linux_abi::kSigUsr2));
  d = t.Dequeue(false);
  ASSERT_EQ(d.kind, Delivery::Kind::kHandler);
  t.CommitHandler(d);
  EXPECT_EQ(t.blocked(), SigMask(linux_abi::kSigHup));  // SA_NODEFER: not itself
}

TEST(SignalDequeueTest, TemporaryMaskOfSigsuspend) {
  ProcessSignals p;
  ThreadSignals t(p);
  linux_abi::KSigAction act = Handler();
  ASSERT_TRUE(p.SetAction(linux_abi::kSigUsr1, &act, nullptr).ok());
  t.SetBlocked(SigMask(linux_abi::kSigUsr1) | SigMask(linux_abi::kSigUsr2));
  t.SetTemporaryMask(SigMask(linux_abi::kSigUsr2) | SigMask(linux_abi::kSigKill));
  EXPECT_TRUE(t.has_saved_mask());
  EXPECT_EQ(t.blocked(), SigMask(linux_abi::kSigUsr2));
  EXPECT_EQ(t.MaskToSave(), SigMask(linux_abi::kSigUsr1) | SigMask(linux_abi::kSigUsr2));
  SendOk(p, Kill(linux_abi::kSigUsr1));
  Delivery d = t.Dequeue(false);
  ASSERT_EQ(d.kind, Delivery::Kind::kHandler);
  t.CommitHandler(d);
  // The frame holds the old mask; the handler runs with the temporary one + itself.
  EXPECT_FALSE(t.has_saved_mask());
  EXPECT_EQ(t.blocked(), SigMask(linux_abi::kSigUsr1) | SigMask(linux_abi::kSigUsr2));
  // Without a handler the remembered mask comes back on the way out.
  t.SetBlocked(0);
  t.SetTemporaryMask(kAllSignals);
  t.RestoreSavedMask();
  EXPECT_EQ(t.blocked(), 0u);
  EXPECT_FALSE(t.has_saved_mask());
  t.RestoreSavedMask();  // no-op
  EXPECT_EQ(t.blocked(), 0u);
}

TEST(SignalDequeueTest, ProcMask) {
  ProcessSignals p;
  ThreadSignals t(p);
  SigSet s1 = SigMask(linux_abi::kSigInt) | SigMask(linux_abi::kSigKill);
  EXPECT_EQ(t.ProcMask(linux_abi::kSigBlock, &s1).value(), 0u);
  EXPECT_EQ(t.blocked(), SigMask(linux_abi::kSigInt));
  SigSet s2 = SigMask(linux_abi::kSigQuit);
  EXPECT_EQ(t.ProcMask(linux_abi::kSigBlock, &s2).value(), SigMask(linux_abi::kSigInt));
  EXPECT_EQ(t.ProcMask(linux_abi::kSigUnblock, &s1).value(),
            SigMask(linux_abi::kSigInt) | SigMask(linux_abi::kSigQuit));
  EXPECT_EQ(t.blocked(), SigMask(linux_abi::kSigQuit));
  EXPECT_EQ(t.ProcMask(linux_abi::kSigSetMask, &s1).value(), SigMask(linux_abi::kSigQuit));
  EXPECT_EQ(t.blocked(), SigMask(linux_abi::kSigInt));
  EXPECT_EQ(t.ProcMask(3, &s1).error(), kstd::Error::kInvalid);
  EXPECT_EQ(t.ProcMask(-1, &s1).error(), kstd::Error::kInvalid);
  EXPECT_EQ(t.blocked(), SigMask(linux_abi::kSigInt));
  EXPECT_EQ(t.ProcMask(99, nullptr).value(),
            SigMask(linux_abi::kSigInt));  // how unused without set
}

// Linux accepts any `how` when set is NULL; check that the host agrees.
TEST(SignalDequeueTest, ProcMaskMatchesHost) {
  std::string out = RunInChild([](std::string* out) {
    uint64_t old = 0;
    uint64_t set = SigMask(linux_abi::kSigInt);
    long a = syscall(SYS_rt_sigprocmask, 99, nullptr, &old, 8);
    long b = syscall(SYS_rt_sigprocmask, 3, &set, &old, 8);
    int eb = errno;
    long c = syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, &old, 4);
    int ec = errno;
    *out = std::to_string(a) + " " + std::to_string(b) + "/" + std::to_string(eb) + " " +
           std::to_string(c) + "/" + std::to_string(ec);
  });
  EXPECT_EQ(out, "0 -1/22 -1/22");
}

TEST(SignalForceTest, FaultOverridesBlockAndIgnore) {
  ProcessSignals p;
  ThreadSignals t(p);
  linux_abi::KSigAction ign = Ignore();
  ASSERT_TRUE(p.SetAction(linux_abi::kSigSegv, &ign, nullptr).ok());
  SendResult r = p.ForceFault(
      t, linux_abi::SigInfo::FromFault(linux_abi::kSigSegv, linux_abi::kSegvMapErr, 8));
  EXPECT_TRUE(r.queued);
  EXPECT_TRUE(r.fatal);
  EXPECT_EQ(p.action(linux_abi::kSigSegv).handler, linux_abi::kSigDfl);
  EXPECT_EQ(t.Dequeue(false).kind, Delivery::Kind::kCoreDump);

  linux_abi::KSigAction act = Handler();
  ASSERT_TRUE(p.SetAction(linux_abi::kSigFpe, &act, nullptr).ok());
  t.SetBlocked(SigMask(linux_abi::kSigFpe));
  r = p.ForceFault(t, linux_abi::SigInfo::FromFault(linux_abi::kSigFpe, linux_abi::kFpeIntDiv, 8));
  EXPECT_FALSE(SigSetHas(t.blocked(), linux_abi::kSigFpe));
  EXPECT_EQ(p.action(linux_abi::kSigFpe).handler, linux_abi::kSigDfl);  // blocked + caught -> reset
  EXPECT_EQ(t.Dequeue(false).kind, Delivery::Kind::kCoreDump);

  // Caught and not blocked: the handler runs.
  ASSERT_TRUE(p.SetAction(linux_abi::kSigIll, &act, nullptr).ok());
  r = p.ForceFault(t, linux_abi::SigInfo::FromFault(linux_abi::kSigIll, linux_abi::kIllIllOpc, 8));
  EXPECT_FALSE(r.fatal);
  EXPECT_EQ(t.Dequeue(false).kind, Delivery::Kind::kHandler);
}

TEST(SignalForceTest, BadFrameKillsWithSegv) {
  ProcessSignals p;
  ThreadSignals t(p);
  linux_abi::KSigAction act = Handler();
  ASSERT_TRUE(p.SetAction(linux_abi::kSigSegv, &act, nullptr).ok());
  ASSERT_TRUE(p.SetAction(linux_abi::kSigUsr1, &act, nullptr).ok());
  // A failed SIGUSR1 frame: SIGSEGV goes to its handler.
  p.ForceSegvForBadFrame(t, linux_abi::kSigUsr1);
  Delivery d = t.Dequeue(false);
  EXPECT_EQ(d.kind, Delivery::Kind::kHandler);
  EXPECT_EQ(d.signo, linux_abi::kSigSegv);
  EXPECT_EQ(d.info.code, linux_abi::kSiKernel);
  // A failed SIGSEGV frame: the process dies.
  p.ForceSegvForBadFrame(t, linux_abi::kSigSegv);
  EXPECT_EQ(t.Dequeue(false).kind, Delivery::Kind::kCoreDump);
}

TEST(SignalForceTest, InitIsUnkillableFromUserSpace) {
  ProcessSignals p;
  ThreadSignals t(p);
  p.set_unkillable(true);
  EXPECT_FALSE(SendOk(p, Kill(linux_abi::kSigTerm)).queued);
  EXPECT_FALSE(SendOk(p, Kill(linux_abi::kSigKill)).queued);
  EXPECT_FALSE(SendOk(p, Kill(linux_abi::kSigStop)).queued);
  EXPECT_EQ(p.shared_pending(), 0u);
  // A handler is honoured.
  linux_abi::KSigAction act = Handler();
  ASSERT_TRUE(p.SetAction(linux_abi::kSigTerm, &act, nullptr).ok());
  EXPECT_TRUE(SendOk(p, Kill(linux_abi::kSigTerm)).queued);
  EXPECT_EQ(t.Dequeue(false).kind, Delivery::Kind::kHandler);
  // Blocked SIG_DFL signals may queue but do nothing when taken.
  t.SetBlocked(SigMask(linux_abi::kSigHup));
  EXPECT_TRUE(SendOk(p, Kill(linux_abi::kSigHup)).queued);
  t.SetBlocked(0);
  EXPECT_EQ(t.Dequeue(false).kind, Delivery::Kind::kNone);
  // The kernel may force SIGKILL.
  SendResult r = p.Send(Kill(linux_abi::kSigKill), /*force=*/true).value();
  EXPECT_TRUE(r.queued);
  EXPECT_TRUE(r.fatal);
  EXPECT_EQ(t.Dequeue(false).kind, Delivery::Kind::kTerminate);
  // A fault with SIG_DFL makes init killable (it would loop otherwise).
  p.ForceFault(t, linux_abi::SigInfo::FromFault(linux_abi::kSigSegv, linux_abi::kSegvMapErr, 0));
  EXPECT_FALSE(p.unkillable());
  EXPECT_EQ(t.Dequeue(false).kind, Delivery::Kind::kCoreDump);
}

TEST(SignalStateTest, ExitingProcessDiscards) {
  ProcessSignals p;
  ThreadSignals t(p);
  p.MarkExiting();
  EXPECT_FALSE(SendOk(p, Kill(linux_abi::kSigKill)).queued);
  EXPECT_EQ(p.shared_pending(), 0u);
}

TEST(SignalStateTest, ForkAndExec) {
  ProcessSignals parent;
  ThreadSignals pt(parent);
  linux_abi::KSigAction act =
      Handler(linux_abi::kSaRestart | linux_abi::kSaSigInfo, SigMask(linux_abi::kSigInt));
  linux_abi::KSigAction ign = Ignore();
  ASSERT_TRUE(parent.SetAction(linux_abi::kSigUsr1, &act, nullptr).ok());
  ASSERT_TRUE(parent.SetAction(linux_abi::kSigPipe, &ign, nullptr).ok());
  pt.SetBlocked(SigMask(linux_abi::kSigUsr2));
  linux_abi::StackT alt;
  alt.sp = 0x10000;
  alt.size = 8192;
  alt.flags = 0;
  ASSERT_TRUE(pt.SigAltStack(&alt, nullptr, 0x7fff0000).ok());
  parent.set_unkillable(false);
  pt.SetBlocked(kAllSignals);
  SendOk(parent, Kill(linux_abi::kSigHup));
  pt.SetBlocked(SigMask(linux_abi::kSigUsr2));

  ProcessSignals child;
  ThreadSignals ct(child);
  child.InheritFrom(parent);
  ct.InheritFrom(pt, /*keep_alt_stack=*/true);
  EXPECT_EQ(child.action(linux_abi::kSigUsr1).handler, kHandler);
  EXPECT_EQ(ct.blocked(), SigMask(linux_abi::kSigUsr2));
  EXPECT_EQ(ct.alt_stack().sp, 0x10000u);
  EXPECT_EQ(child.shared_pending(), 0u);  // pending signals are not inherited

  ThreadSignals sibling(child);
  sibling.InheritFrom(ct, /*keep_alt_stack=*/false);
  EXPECT_EQ(sibling.alt_stack().size, 0u);
  EXPECT_EQ(sibling.alt_stack().flags, linux_abi::kSsDisable);

  SendOk(child, Kill(linux_abi::kSigHup));
  ct.SetBlocked(SigMask(linux_abi::kSigHup) | SigMask(linux_abi::kSigUsr2));
  sibling.SetBlocked(SigMask(linux_abi::kSigHup));
  child.ResetForExec();
  ct.ResetForExec();
  EXPECT_EQ(child.action(linux_abi::kSigUsr1).handler, linux_abi::kSigDfl);
  EXPECT_EQ(child.action(linux_abi::kSigUsr1).flags, 0u);
  EXPECT_EQ(child.action(linux_abi::kSigUsr1).mask, 0u);
  EXPECT_EQ(child.action(linux_abi::kSigUsr1).restorer, 0u);
  EXPECT_EQ(child.action(linux_abi::kSigPipe).handler, linux_abi::kSigIgn);
  EXPECT_EQ(ct.blocked(), SigMask(linux_abi::kSigHup) | SigMask(linux_abi::kSigUsr2));
  EXPECT_EQ(child.shared_pending(), SigMask(linux_abi::kSigHup));  // kept across exec
  EXPECT_EQ(ct.alt_stack().size, 0u);
}

TEST(SignalStateTest, ChildPolicyQueries) {
  ProcessSignals p;
  EXPECT_TRUE(p.WantsChildStopSignals());
  EXPECT_FALSE(p.AutoReapsChildren());
  linux_abi::KSigAction a = Handler(linux_abi::kSaNoCldStop);
  ASSERT_TRUE(p.SetAction(linux_abi::kSigChld, &a, nullptr).ok());
  EXPECT_FALSE(p.WantsChildStopSignals());
  EXPECT_FALSE(p.AutoReapsChildren());
  a = Handler(linux_abi::kSaNoCldWait);
  ASSERT_TRUE(p.SetAction(linux_abi::kSigChld, &a, nullptr).ok());
  EXPECT_TRUE(p.AutoReapsChildren());
  a = Ignore();
  ASSERT_TRUE(p.SetAction(linux_abi::kSigChld, &a, nullptr).ok());
  EXPECT_TRUE(p.AutoReapsChildren());
  EXPECT_TRUE(p.IsIgnored(linux_abi::kSigChld));
  EXPECT_FALSE(p.IsIgnored(linux_abi::kSigTerm));
  EXPECT_TRUE(p.IsIgnored(linux_abi::kSigCont));
  EXPECT_FALSE(p.IsIgnored(0));
}

TEST(SignalStateTest, ThreadExitReturnsItsQueueBudget) {
  ProcessSignals p;
  {
    ThreadSignals t(p);
    t.SetBlocked(kAllSignals);
    for (int i = 0; i < 10; ++i) p.SendToThread(t, Queue(40, i)).value();
    EXPECT_EQ(p.queued_entries(), 10u);
    EXPECT_EQ(p.thread_count(), 1u);
  }
  EXPECT_EQ(p.queued_entries(), 0u);
  EXPECT_EQ(p.thread_count(), 0u);
}

TEST(SignalStateTest, CheckUserSigInfo) {
  linux_abi::SigInfo info = Queue(40, 1);
  EXPECT_TRUE(CheckUserSigInfo(info, false).ok());
  info.code = linux_abi::kSiUser;
  EXPECT_EQ(CheckUserSigInfo(info, false).error(), kstd::Error::kPermission);
  EXPECT_TRUE(CheckUserSigInfo(info, true).ok());
  info.code = linux_abi::kSiTkill;
  EXPECT_EQ(CheckUserSigInfo(info, false).error(), kstd::Error::kPermission);
  info.code = linux_abi::kSiKernel;
  EXPECT_EQ(CheckUserSigInfo(info, false).error(), kstd::Error::kPermission);
}

// --- sigaltstack ----------------------------------------------------------------

TEST(SigAltStackTest, Rules) {
  ProcessSignals p;
  ThreadSignals t(p);
  const uint64_t sp = 0x7ffff000;
  linux_abi::StackT old;
  ASSERT_TRUE(t.SigAltStack(nullptr, &old, sp).ok());
  EXPECT_EQ(old.flags, linux_abi::kSsDisable);
  EXPECT_EQ(old.sp, 0u);
  EXPECT_EQ(old.size, 0u);

  linux_abi::StackT ss;
  ss.sp = 0x100000;
  ss.size = linux_abi::kMinSigStackSize - 1;
  ss.flags = 0;
  EXPECT_EQ(t.SigAltStack(&ss, nullptr, sp).error(), kstd::Error::kNoMemory);
  ss.size = linux_abi::kMinSigStackSize;
  ss.flags = 4;
  EXPECT_EQ(t.SigAltStack(&ss, nullptr, sp).error(), kstd::Error::kInvalid);
  ss.flags = linux_abi::kSsOnStack;  // accepted, like 0
  ASSERT_TRUE(t.SigAltStack(&ss, nullptr, sp).ok());
  ASSERT_TRUE(t.SigAltStack(nullptr, &old, sp).ok());
  EXPECT_EQ(old.flags, 0);
  EXPECT_EQ(old.sp, 0x100000u);
  EXPECT_EQ(old.size, linux_abi::kMinSigStackSize);
  // On it: reported, and it cannot be changed.
  ASSERT_TRUE(t.SigAltStack(nullptr, &old, 0x100000 + 100).ok());
  EXPECT_EQ(old.flags, linux_abi::kSsOnStack);
  ss.flags = linux_abi::kSsDisable;
  EXPECT_EQ(t.SigAltStack(&ss, nullptr, 0x100000 + 100).error(), kstd::Error::kPermission);
  // Boundaries: (sp, sp + size] is on it.
  EXPECT_FALSE(OnAltStack(t.alt_stack(), 0x100000));
  EXPECT_TRUE(OnAltStack(t.alt_stack(), 0x100000 + linux_abi::kMinSigStackSize));
  EXPECT_FALSE(OnAltStack(t.alt_stack(), 0x100000 + linux_abi::kMinSigStackSize + 1));
  // SS_AUTODISARM: never "on" it, so it may be changed from a handler.
  ss.flags = linux_abi::kSsAutoDisarm;
  ss.sp = 0x200000;
  ss.size = 65536;
  ASSERT_TRUE(t.SigAltStack(&ss, nullptr, sp).ok());
  ASSERT_TRUE(t.SigAltStack(nullptr, &old, 0x200000 + 10).ok());
  EXPECT_EQ(old.flags, linux_abi::kSsAutoDisarm);
  ss.flags = linux_abi::kSsDisable;
  ASSERT_TRUE(t.SigAltStack(&ss, nullptr, 0x200000 + 10).ok());
  ASSERT_TRUE(t.SigAltStack(nullptr, &old, sp).ok());
  EXPECT_EQ(old.flags, linux_abi::kSsDisable);
  EXPECT_EQ(old.sp, 0u);
}

TEST(SigAltStackTest, AutoDisarmOnHandlerDelivery) {
  ProcessSignals p;
  ThreadSignals t(p);
  linux_abi::StackT ss;
  ss.sp = 0x200000;
  ss.size = 65536;
  ss.flags = linux_abi::kSsAutoDisarm;
  ASSERT_TRUE(t.SigAltStack(&ss, nullptr, 0x7fff0000).ok());
  linux_abi::KSigAction act = Handler(linux_abi::kSaOnStack);
  ASSERT_TRUE(p.SetAction(linux_abi::kSigUsr1, &act, nullptr).ok());
  SendOk(p, Kill(linux_abi::kSigUsr1));
  Delivery d = t.Dequeue(false);
  t.CommitHandler(d);
  EXPECT_EQ(t.alt_stack().size, 0u);
  EXPECT_EQ(t.alt_stack().flags, linux_abi::kSsDisable);
  // rt_sigreturn puts it back from uc_stack.
  t.RestoreAltStack(ss, 0x200000 + 100);
  EXPECT_EQ(t.alt_stack().sp, 0x200000u);
  EXPECT_EQ(t.alt_stack().flags, linux_abi::kSsAutoDisarm);
}

// A sequence of sigaltstack calls through the host and through the model
// gives the same results and the same reported stacks.
TEST(SigAltStackTest, MatchesHostSequence) {
  std::mt19937 rng(7);
  struct Call {
    bool set, get;
    linux_abi::StackT ss;
  };
  std::vector<Call> calls;
  const int32_t flag_choices[] = {0,
                                  linux_abi::kSsOnStack,
                                  linux_abi::kSsDisable,
                                  linux_abi::kSsAutoDisarm,
                                  linux_abi::kSsAutoDisarm | linux_abi::kSsDisable,
                                  4,
                                  3,
                                  linux_abi::kSsAutoDisarm | 4};
  const uint64_t size_choices[] = {0, 1, 2047, 2048, 4096, 1 << 20};
  for (int i = 0; i < 300; ++i) {
    Call c;
    c.set = rng() % 4 != 0;
    c.get = rng() % 3 != 0;
    c.ss.sp = 0x10000000 + (rng() % 16) * 0x100000;
    c.ss.flags = flag_choices[rng() % 8];
    c.ss.size = size_choices[rng() % 6];
    calls.push_back(c);
  }
  auto format = [](long r, int err, const linux_abi::StackT& old) {
    return std::to_string(r) + "/" + std::to_string(r < 0 ? err : 0) + ":" +
           std::to_string(old.sp) + "," + std::to_string(old.flags) + "," +
           std::to_string(old.size) + ";";
  };
  std::string host = RunInChild([&](std::string* out) {
    for (const Call& c : calls) {
      linux_abi::StackT old = {};
      errno = 0;
      long r = syscall(SYS_sigaltstack, c.set ? &c.ss : nullptr, c.get ? &old : nullptr);
      *out += format(r, errno, old);
    }
    // Leave none of the made-up stacks behind: under AddressSanitizer the
    // child's _exit unpoisons the alternate stack and checks its address.
    linux_abi::StackT off = {};
    off.flags = linux_abi::kSsDisable;
    syscall(SYS_sigaltstack, &off, nullptr);
  });
  ProcessSignals p;
  ThreadSignals t(p);
  std::string model;
  // Any sp outside the stacks above (the host's real sp is far away).
  const uint64_t sp = 0x7ffd00000000;
  for (const Call& c : calls) {
    linux_abi::StackT old = {};
    auto r = t.SigAltStack(c.set ? &c.ss : nullptr, c.get ? &old : nullptr, sp);
    model += format(r.ok() ? 0 : -1, r.ok() ? 0 : static_cast<int>(r.error()), old);
  }
  EXPECT_EQ(host, model);
}

// --- Dequeue order against the host kernel ---------------------------------

// Random sends (kill, tgkill, sigqueue, rt_tgsigqueueinfo) while everything
// is blocked, then the host's sigtimedwait order vs the model's Dequeue
// order, with signo, code and value.
TEST(SignalDequeueTest, MatchesHostOrder) {
  std::mt19937 rng(1234);
  struct Send {
    int signo;
    int how;  // 0 kill, 1 tgkill, 2 sigqueue, 3 rt_tgsigqueueinfo
    uint64_t value;
  };
  for (int round = 0; round < 20; ++round) {
    std::vector<Send> sends;
    int count = 5 + static_cast<int>(rng() % 40);
    for (int i = 0; i < count; ++i) {
      Send s;
      do {
        s.signo = 1 + static_cast<int>(rng() % 64);
      } while (s.signo == linux_abi::kSigKill || s.signo == linux_abi::kSigStop || s.signo == 32 ||
               s.signo == 33);
      s.how = static_cast<int>(rng() % 4);
      s.value = rng() % 1000;
      sends.push_back(s);
    }
    std::string host = RunInChild([&](std::string* out) {
      sigset_t all;
      sigfillset(&all);
      sigprocmask(SIG_SETMASK, &all, nullptr);
      struct sigaction sa = {};
      sa.sa_handler = +[](int) {};
      for (int s = 1; s <= 64; ++s) sigaction(s, &sa, nullptr);
      pid_t pid = getpid();
      pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
      for (const Send& s : sends) {
        siginfo_t info = {};
        info.si_signo = s.signo;
        info.si_code = SI_QUEUE;
        info.si_pid = pid;
        info.si_uid = getuid();
        info.si_value.sival_ptr = reinterpret_cast<void*>(s.value);
        switch (s.how) {
          case 0: kill(pid, s.signo); break;
          case 1: syscall(SYS_tgkill, pid, tid, s.signo); break;
          case 2: syscall(SYS_rt_sigqueueinfo, pid, s.signo, &info); break;
          case 3: syscall(SYS_rt_tgsigqueueinfo, pid, tid, s.signo, &info); break;
        }
      }
      timespec zero = {0, 0};
      siginfo_t info;
      // The raw syscall: glibc's sigtimedwait folds SI_TKILL into SI_USER.
      while (syscall(SYS_rt_sigtimedwait, &all, &info, &zero, 8) > 0) {
        *out += std::to_string(info.si_signo) + "/" + std::to_string(info.si_code) + "/" +
                std::to_string(info.si_code == SI_QUEUE
                                   ? reinterpret_cast<uint64_t>(info.si_value.sival_ptr)
                                   : 0) +
                " ";
      }
    });
    ProcessSignals p;
    ThreadSignals t(p);
    linux_abi::KSigAction act = Handler();
    for (int s = 1; s <= 64; ++s) (void)p.SetAction(s, &act, nullptr);
    t.SetBlocked(kAllSignals);
    for (const Send& s : sends) {
      linux_abi::SigInfo info;
      if (s.how <= 1) {
        info = linux_abi::SigInfo::FromKill(s.signo, 1, 0,
                                            s.how == 0 ? linux_abi::kSiUser : linux_abi::kSiTkill);
      } else {
        info = Queue(s.signo, s.value);
      }
      auto r = s.how % 2 == 0 ? p.Send(info) : p.SendToThread(t, info);
      ASSERT_TRUE(r.ok());
    }
    t.SetBlocked(0);
    std::string model;
    for (Delivery d = t.Dequeue(false); d.kind != Delivery::Kind::kNone; d = t.Dequeue(false)) {
      model += std::to_string(d.signo) + "/" + std::to_string(d.info.code) + "/" +
               std::to_string(d.info.code == linux_abi::kSiQueue ? d.info.rt.value : 0) + " ";
    }
    EXPECT_EQ(host, model) << "round " << round;
  }
}

// The siginfo the host kernel delivers for kill, tgkill, sigqueue and a
// fault, read through our linux_abi::SigInfo layout.
TEST(SignalAbiTest, HostSigInfoReadsThroughOurLayout) {
  static linux_abi::SigInfo captured[4];
  static int n = 0;
  std::string out = RunInChild([](std::string* out) {
    struct sigaction sa = {};
    sa.sa_flags = SA_SIGINFO;
    sa.sa_sigaction = +[](int, siginfo_t* info, void*) {
      if (n < 4) memcpy(&captured[n++], info, sizeof(linux_abi::SigInfo));
    };
    sigaction(SIGUSR1, &sa, nullptr);
    sigaction(SIGRTMIN + 1, &sa, nullptr);
    kill(getpid(), SIGUSR1);
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
    sigval v;
    v.sival_ptr = reinterpret_cast<void*>(0xabcdef);
    sigqueue(getpid(), SIGRTMIN + 1, v);
    std::ostringstream s;
    for (int i = 0; i < n; ++i) {
      const linux_abi::SigInfo& c = captured[i];
      s << c.signo << "," << c.code << "," << (c.kill.pid == getpid()) << "," << c.kill.uid << ","
        << std::hex << c.rt.value << std::dec << ";";
    }
    *out = s.str();
  });
  std::string uid = std::to_string(getuid());
  EXPECT_EQ(out, "10,0,1," + uid + ",0;10,-6,1," + uid + ",0;35,-1,1," + uid + ",abcdef;");
}

}  // namespace
}  // namespace core::posix

namespace core::posix {
namespace {

TEST(SignalfdModelTest, TakeFromMaskTakesOwnThenSharedWhateverTheMask) {
  ProcessSignals p;
  ThreadSignals t(p);
  t.SetBlocked(SigMask(linux_abi::kSigUsr1) | SigMask(linux_abi::kSigUsr2));
  ASSERT_TRUE(p.Send(linux_abi::SigInfo::FromKill(linux_abi::kSigUsr2, 100, 1000)).ok());
  ASSERT_TRUE(p.SendToThread(
                   t, linux_abi::SigInfo::FromKill(linux_abi::kSigUsr1, 7, 0, linux_abi::kSiTkill))
                  .ok());
  SigSet both = SigMask(linux_abi::kSigUsr1) | SigMask(linux_abi::kSigUsr2);
  EXPECT_EQ(t.PendingIn(both), both);
  EXPECT_EQ(t.PendingIn(SigMask(linux_abi::kSigTerm)), 0u);
  linux_abi::SigInfo info;
  EXPECT_FALSE(t.TakeFromMask(SigMask(linux_abi::kSigTerm), &info));
  ASSERT_TRUE(t.TakeFromMask(both, &info));
  EXPECT_EQ(info.signo, linux_abi::kSigUsr1);  // the thread's own first
  EXPECT_EQ(info.code, linux_abi::kSiTkill);
  ASSERT_TRUE(t.TakeFromMask(both, &info));
  EXPECT_EQ(info.signo, linux_abi::kSigUsr2);
  EXPECT_EQ(info.kill.pid, 100);
  EXPECT_EQ(t.PendingIn(both), 0u);
  EXPECT_EQ(p.queued_entries(), 0u);
}

}  // namespace
}  // namespace core::posix
