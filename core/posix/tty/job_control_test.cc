#include "core/posix/tty/job_control.h"

#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "abi/linux/signal.h"
#include "core/posix/signals.h"
#include "core/posix/testing/child.h"

namespace core::posix::tty {
namespace {

using Kind = JobControlVerdict::Kind;

JobControlFacts Background() {
  JobControlFacts f;
  f.is_controlling_tty = true;
  f.caller_pgid = 20;
  f.foreground_pgid = 10;
  return f;
}

TEST(JobControlTest, Rules) {
  JobControlFacts f = Background();
  EXPECT_EQ(CheckJobControl(TtyAccess::kRead, f).kind, Kind::kStopGroup);
  EXPECT_EQ(CheckJobControl(TtyAccess::kRead, f).signal, linux_abi::kSigTtin);
  EXPECT_EQ(CheckJobControl(TtyAccess::kWrite, f).kind, Kind::kAllow);  // no TOSTOP
  EXPECT_EQ(CheckJobControl(TtyAccess::kChangeSettings, f).signal, linux_abi::kSigTtou);
  f.tostop = true;
  EXPECT_EQ(CheckJobControl(TtyAccess::kWrite, f).signal, linux_abi::kSigTtou);
  f.signal_blocked_or_ignored = true;
  EXPECT_EQ(CheckJobControl(TtyAccess::kRead, f).kind, Kind::kIoError);
  EXPECT_EQ(CheckJobControl(TtyAccess::kWrite, f).kind, Kind::kAllow);
  EXPECT_EQ(CheckJobControl(TtyAccess::kChangeSettings, f).kind, Kind::kAllow);
  f.signal_blocked_or_ignored = false;
  f.pgrp_orphaned = true;
  EXPECT_EQ(CheckJobControl(TtyAccess::kRead, f).kind, Kind::kIoError);
  EXPECT_EQ(CheckJobControl(TtyAccess::kWrite, f).kind, Kind::kIoError);
  f = Background();
  f.foreground_pgid = 20;
  EXPECT_EQ(CheckJobControl(TtyAccess::kRead, f).kind, Kind::kAllow);
  f = Background();
  f.foreground_pgid = 0;
  EXPECT_EQ(CheckJobControl(TtyAccess::kRead, f).kind, Kind::kAllow);
  f = Background();
  f.is_controlling_tty = false;
  EXPECT_EQ(CheckJobControl(TtyAccess::kRead, f).kind, Kind::kAllow);
}

// A background process group of a real session on a host pty.
struct Case {
  const char* name;
  TtyAccess access;
  enum Op { kRead, kWrite, kTcsetattr, kTcflush } op;
  bool tostop;
  enum Disposition { kDefault, kIgnore, kBlock } disposition;
  bool orphaned;
};

std::string Describe(const JobControlVerdict& v) {
  switch (v.kind) {
    case Kind::kAllow: return "ok";
    case Kind::kIoError: return "EIO";
    case Kind::kStopGroup: return "stopped " + std::to_string(v.signal);
  }
  return "?";
}

TEST(JobControlTest, MatchesHostSession) {
  const std::vector<Case> cases = {
      {"read", TtyAccess::kRead, Case::kRead, false, Case::kDefault, false},
      {"read ignored", TtyAccess::kRead, Case::kRead, false, Case::kIgnore, false},
      {"read blocked", TtyAccess::kRead, Case::kRead, false, Case::kBlock, false},
      {"write", TtyAccess::kWrite, Case::kWrite, false, Case::kDefault, false},
      {"write tostop", TtyAccess::kWrite, Case::kWrite, true, Case::kDefault, false},
      {"write tostop ignored", TtyAccess::kWrite, Case::kWrite, true, Case::kIgnore, false},
      {"write tostop blocked", TtyAccess::kWrite, Case::kWrite, true, Case::kBlock, false},
      {"tcsetattr", TtyAccess::kChangeSettings, Case::kTcsetattr, false, Case::kDefault, false},
      {"tcsetattr ignored", TtyAccess::kChangeSettings, Case::kTcsetattr, false, Case::kIgnore,
       false},
      {"tcflush", TtyAccess::kChangeSettings, Case::kTcflush, false, Case::kDefault, false},
      {"read orphaned", TtyAccess::kRead, Case::kRead, false, Case::kDefault, true},
      {"write tostop orphaned", TtyAccess::kWrite, Case::kWrite, true, Case::kDefault, true},
  };
  std::string host = testing::RunInChild([&](std::string* out) {
    setsid();
    int master, slave;
    if (openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) _exit(2);
    ioctl(slave, TIOCSCTTY, 0);
    for (const Case& c : cases) {
      struct termios t;
      tcgetattr(slave, &t);
      if (c.tostop) {
        t.c_lflag |= TOSTOP;
      } else {
        t.c_lflag &= ~TOSTOP;
      }
      tcsetattr(slave, TCSANOW, &t);
      int fds[2];
      if (pipe(fds) != 0) _exit(3);
      pid_t g = fork();
      if (g == 0) {
        setpgid(0, 0);
        int sig = c.access == TtyAccess::kRead ? SIGTTIN : SIGTTOU;
        if (c.disposition == Case::kIgnore) signal(sig, SIG_IGN);
        if (c.disposition == Case::kBlock) {
          sigset_t set;
          sigemptyset(&set);
          sigaddset(&set, sig);
          sigprocmask(SIG_BLOCK, &set, nullptr);
        }
        if (c.orphaned) {
          // A grandchild whose group loses its last outside parent.
          const pid_t parent = getpid();
          pid_t h = fork();
          if (h != 0) _exit(0);
          setpgid(0, 0);
          while (getppid() == parent) usleep(1000);
        }
        fcntl(slave, F_SETFL, O_NONBLOCK);  // a permitted read must not block
        errno = 0;
        long r = 0;
        char buf[4] = {'x', 0, 0, 0};
        switch (c.op) {
          case Case::kRead: r = read(slave, buf, 1); break;
          case Case::kWrite: r = write(slave, buf, 1); break;
          case Case::kTcsetattr: r = tcsetattr(slave, TCSANOW, &t); break;
          case Case::kTcflush: r = tcflush(slave, TCIFLUSH); break;
        }
        std::string res = r >= 0 || errno == EAGAIN ? "ok" : errno == EIO ? "EIO" : "errno";
        (void)!write(fds[1], res.data(), res.size());
        _exit(0);
      }
      close(fds[1]);
      std::string result;
      int status = 0;
      waitpid(g, &status, WUNTRACED);
      if (WIFSTOPPED(status)) {
        result = "stopped " + std::to_string(WSTOPSIG(status));
        kill(g, SIGKILL);
        waitpid(g, &status, 0);
      } else {
        char buf[16];
        ssize_t n = read(fds[0], buf, sizeof(buf));
        result = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "<nothing>";
      }
      close(fds[0]);
      *out += std::string(c.name) + ": " + result + "\n";
      tcflush(slave, TCIOFLUSH);
    }
  });
  std::string model;
  for (const Case& c : cases) {
    JobControlFacts f = Background();
    f.tostop = c.tostop;
    f.signal_blocked_or_ignored = c.disposition != Case::kDefault;
    f.pgrp_orphaned = c.orphaned;
    model += std::string(c.name) + ": " + Describe(CheckJobControl(c.access, f)) + "\n";
  }
  EXPECT_EQ(host, model);
  EXPECT_NE(host.find("read: stopped " + std::to_string(SIGTTIN) + "\n"), std::string::npos);
  EXPECT_NE(host.find("read orphaned: EIO\n"), std::string::npos);
  EXPECT_NE(host.find("write tostop ignored: ok\n"), std::string::npos);
}

}  // namespace
}  // namespace core::posix::tty
