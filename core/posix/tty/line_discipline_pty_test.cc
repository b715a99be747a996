// The line discipline against the host's own (Linux N_TTY on a pty): the same
// settings, the same keystrokes typed one at a time, the same reads and
// writes; what each read returns, what is echoed and what output looks like
// must be identical.

#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "abi/linux/signal.h"
#include "abi/linux/termios.h"
#include "core/posix/signals.h"
#include "core/posix/tty/line_discipline.h"

namespace core::posix::tty {
namespace {

struct StringSink : OutputSink {
  std::string out;
  void Write(const uint8_t* data, size_t size) override {
    out.append(reinterpret_cast<const char*>(data), size);
  }
};

std::string Escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

// One step of a script.
struct Op {
  enum Kind { kType, kRead, kWrite, kSet, kFionread, kFlush } kind;
  std::string bytes;
  size_t n = 0;
  std::function<void(Termios&)> change;
  int arg = 0;
};

Op Type(const std::string& s) { return {Op::kType, s, 0, nullptr, 0}; }
Op Read(size_t n = 512) { return {Op::kRead, "", n, nullptr, 0}; }
Op Write(const std::string& s) { return {Op::kWrite, s, 0, nullptr, 0}; }
Op Set(std::function<void(Termios&)> f) { return {Op::kSet, "", 0, std::move(f), 0}; }
Op Fionread() { return {Op::kFionread, "", 0, nullptr, 0}; }
Op Flush(int selector) { return {Op::kFlush, "", 0, nullptr, selector}; }

Termios StartTermios() {
  Termios t = DefaultSerialTermios();
  t.c_cflag = linux_abi::kB38400 | linux_abi::kCs8 |
              linux_abi::kCread;  // what a pty accepts; the discipline ignores it
  t.c_ispeed = t.c_ospeed = 38400;
  return t;
}

// --- The host side ----------------------------------------------------------------

class HostPty {
 public:
  HostPty() {
    EXPECT_EQ(openpty(&master_, &slave_, nullptr, nullptr, nullptr), 0);
    fcntl(master_, F_SETFL, O_NONBLOCK);
    fcntl(slave_, F_SETFL, O_NONBLOCK);
    SetTermios(StartTermios());
  }
  ~HostPty() {
    close(master_);
    close(slave_);
  }
  void SetTermios(const Termios& t) {
    linux_abi::KernelTermios k = ToKernelTermios(t);
    EXPECT_EQ(ioctl(slave_, TCSETS, &k), 0);
  }
  // Everything the slave side has output so far (echo and writes).
  std::string Drain() {
    std::string out;
    char buf[4096];
    int idle = 0;
    while (idle < 3) {
      ssize_t n = read(master_, buf, sizeof(buf));
      if (n > 0) {
        out.append(buf, static_cast<size_t>(n));
        idle = 0;
        continue;
      }
      ++idle;
      usleep(300);
    }
    return out;
  }
  // Types one byte and lets the tty process it.
  std::string TypeByte(char c) {
    EXPECT_EQ(write(master_, &c, 1), 1);
    pollfd p = {slave_, POLLIN, 0};
    poll(&p, 1, 0);  // runs the pending receive work if no input is ready yet
    usleep(200);
    return Drain();
  }
  // Waits until the tty has been quiet for a while (a loaded machine may
  // run the receive work late: with sanitized tests running in parallel on
  // two CPUs, three quiet rounds were sometimes too few).
  std::string Settle() {
    std::string out;
    for (int quiet = 0; quiet < 10;) {
      pollfd p = {slave_, POLLIN, 0};
      poll(&p, 1, 0);
      usleep(1000);
      std::string more = Drain();
      if (more.empty()) {
        ++quiet;
      } else {
        out += more;
        quiet = 0;
      }
    }
    return out;
  }
  int master() const { return master_; }
  int slave() const { return slave_; }

 private:
  int master_ = -1;
  int slave_ = -1;
};

std::string RunHost(const std::vector<Op>& ops) {
  HostPty pty;
  Termios current = StartTermios();
  std::string log;
  for (const Op& op : ops) {
    switch (op.kind) {
      case Op::kType: {
        std::string echo;
        for (char c : op.bytes) echo += pty.TypeByte(c);
        echo += pty.Settle();
        log += "type -> " + Escape(echo) + "\n";
        break;
      }
      case Op::kRead: {
        std::string buf(op.n, '\0');
        ssize_t n = read(pty.slave(), buf.data(), buf.size());
        log += "read(" + std::to_string(op.n) + ") -> " +
               (n < 0 ? (errno == EAGAIN ? std::string("EAGAIN") : "errno " + std::to_string(errno))
                      : "[" + Escape(buf.substr(0, static_cast<size_t>(n))) + "]") +
               "\n";
        break;
      }
      case Op::kWrite: {
        ssize_t n = write(pty.slave(), op.bytes.data(), op.bytes.size());
        std::string out = pty.Drain();
        log += "write -> " + (n < 0 ? std::string("EAGAIN") : std::to_string(n)) + " " +
               Escape(out) + "\n";
        break;
      }
      case Op::kSet:
        op.change(current);
        pty.SetTermios(current);
        log += "set -> " + Escape(pty.Drain()) + "\n";
        break;
      case Op::kFionread: {
        int n = -1;
        ioctl(pty.slave(), FIONREAD, &n);
        log += "fionread -> " + std::to_string(n) + "\n";
        break;
      }
      case Op::kFlush:
        tcflush(pty.slave(), op.arg);
        log += "flush\n";
        break;
    }
  }
  return log;
}

// --- The model side ---------------------------------------------------------------

std::string RunModel(const std::vector<Op>& ops) {
  Termios current = StartTermios();
  LineDiscipline ld(current);
  StringSink sink;
  std::string log;
  for (const Op& op : ops) {
    switch (op.kind) {
      case Op::kType:
        for (char c : op.bytes) ld.Input(static_cast<uint8_t>(c), sink);
        log += "type -> " + Escape(sink.out) + "\n";
        sink.out.clear();
        break;
      case Op::kRead: {
        std::string buf(op.n, '\0');
        ReadCursor cursor;
        ReadStep step = ld.Read(
            kstd::Span<uint8_t>(reinterpret_cast<uint8_t*>(buf.data()), buf.size()), true, &cursor);
        log +=
            "read(" + std::to_string(op.n) + ") -> " +
            (step.next == ReadStep::Next::kAgain ? std::string("EAGAIN")
                                                 : "[" + Escape(buf.substr(0, step.copied)) + "]") +
            "\n";
        break;
      }
      case Op::kWrite: {
        size_t n = ld.Write(kstd::Span<const uint8_t>(
                                reinterpret_cast<const uint8_t*>(op.bytes.data()), op.bytes.size()),
                            sink);
        log += "write -> " +
               (n == 0 && !op.bytes.empty() ? std::string("EAGAIN") : std::to_string(n)) + " " +
               Escape(sink.out) + "\n";
        sink.out.clear();
        break;
      }
      case Op::kSet:
        op.change(current);
        ld.SetTermios(current, sink);
        log += "set -> " + Escape(sink.out) + "\n";
        sink.out.clear();
        break;
      case Op::kFionread: log += "fionread -> " + std::to_string(ld.InputAvailable()) + "\n"; break;
      case Op::kFlush:
        EXPECT_TRUE(ld.Flush(op.arg).ok());
        log += "flush\n";
        break;
    }
  }
  return log;
}

// Runs the script on both; returns the host's log (for spot checks).
std::string Compare(const std::vector<Op>& ops) {
  std::string host = RunHost(ops);
  std::string model = RunModel(ops);
  EXPECT_EQ(host, model);
  if (getenv("PTY_DIFF_VERBOSE") != nullptr) printf("%s\n", host.c_str());
  return host;
}

// Setting helpers.
std::function<void(Termios&)> Lflag(uint32_t set, uint32_t clear) {
  return [=](Termios& t) { t.c_lflag = (t.c_lflag | set) & ~clear; };
}
std::function<void(Termios&)> Iflag(uint32_t set, uint32_t clear) {
  return [=](Termios& t) { t.c_iflag = (t.c_iflag | set) & ~clear; };
}
std::function<void(Termios&)> Oflag(uint32_t set, uint32_t clear) {
  return [=](Termios& t) { t.c_oflag = (t.c_oflag | set) & ~clear; };
}
std::function<void(Termios&)> Cc(int index, uint8_t value) {
  return [=](Termios& t) { t.c_cc[index] = value; };
}
std::function<void(Termios&)> RawMode(uint8_t vmin, uint8_t vtime) {
  return [=](Termios& t) {
    t.c_lflag &= ~linux_abi::kIcanon;
    t.c_cc[linux_abi::kVMin] = vmin;
    t.c_cc[linux_abi::kVTime] = vtime;
  };
}

// --- Canonical editing ----------------------------------------------------------------

TEST(PtyDiffTest, SimpleLines) {
  std::string host = Compare({Type("hello\r"), Read(), Read(), Type("a\nbb\nccc\n"), Fionread(),
                              Read(), Read(2), Read(2), Read(2), Read()});
  // The harness really talked to a tty.
  EXPECT_NE(host.find("type -> hello\\x0d\\x0a\n"), std::string::npos) << host;
  EXPECT_NE(host.find("read(512) -> [hello\\x0a]\n"), std::string::npos) << host;
  EXPECT_NE(host.find("read(512) -> EAGAIN\n"), std::string::npos) << host;
  EXPECT_NE(host.find("fionread -> 9\n"), std::string::npos) << host;
}

TEST(PtyDiffTest, Erase) {
  Compare({Type("abc\x7f\x7f"
                "d\r"),
           Read(), Type("\x7f\x7fx\x7f\r"), Read(), Type("\x01\x1b[A\x7f\x7f\x7f\x7f\r"), Read()});
}

TEST(PtyDiffTest, KillAndWordErase) {
  Compare({Type("xyz\x15"
                "k\r"),
           Read(),
           Type("foo bar  \x17"
                "baz\r"),
           Read(), Type("foo-bar_1\x17\r"), Read(), Type("\x17\x15 \x17\r"), Read(),
           Type("a\x01\x02\x15\r"), Read()});
}

TEST(PtyDiffTest, EndOfFile) {
  Compare({Type("\x04"),
           Fionread(),
           Read(),
           Read(),
           Type("abc\x04"),
           Fionread(),
           Read(),
           Read(),
           Type("xyz\x04"),
           Read(3),
           Read(),
           Type("xyz\x04"),
           Read(2),
           Read(2),
           Read(),
           Type("\x04\x04"),
           Read(),
           Read(),
           Read(),
           Type("ab\x04"
                "cd\n"),
           Read(),
           Read()});
}

TEST(PtyDiffTest, ReprintAndLiteralNext) {
  Compare({Type("ab\x12"),
           Type("\x16\x03"
                "c\x16\x7f\x16\x15\r"),
           Read(), Type("x\x16"), Type("\x7f\x7f\x7f\r"), Read()});
}

TEST(PtyDiffTest, TabErasure) {
  Compare({Type("ab\t\x7f\r"), Read(), Type("\t\x7f\r"), Read(), Type("abcdefgh\t\x7f\r"), Read(),
           Type("a\tb\t\x7f\x7f\x7f\x7f\r"), Read(), Type("\x01\t\x7f\r"), Read(), Write("$  "),
           Type("\tx\x7f\x7f\r"), Read(), Write("prompt> "), Type("ab\tc\x7f\x7f\x7f\r"), Read()});
}

TEST(PtyDiffTest, SignalCharacters) {
  Compare({Type("abc\x03"), Read(), Type("x\r"), Read(), Type("q\x1c"), Read(), Type("z\x1a"),
           Read(), Set(Lflag(linux_abi::kNoflsh, 0)), Type("xy\x03\r"), Read(),
           Set(Lflag(0, linux_abi::kIsig)), Type("\x03\x1c\x1a\r"), Read()});
}

TEST(PtyDiffTest, EchoVariants) {
  Compare(
      {Set(Lflag(0, linux_abi::kEcho)),
       Type("secret\r"),
       Set(Lflag(linux_abi::kEchonl, 0)),
       Type("pw\r"),
       Read(),
       Read(),
       Set(Lflag(linux_abi::kEcho, linux_abi::kEchoctl | linux_abi::kEchoe)),
       Type("\x01x\x7f\r"),
       Read(),
       Set(Lflag(linux_abi::kEchoctl, linux_abi::kEchoke)),
       Type("abc\x15\r"),
       Read(),
       Set(Lflag(0, linux_abi::kEchok)),
       Type("abc\x15\r"),
       Read(),
       Set(Lflag(linux_abi::kEchoprt | linux_abi::kEchoe | linux_abi::kEchoke | linux_abi::kEchok,
                 0)),
       Type("xyz\x7f\x7fq\x7f\x15\r"),
       Read(),
       Type("ab\x17\r"),
       Read()});
}

TEST(PtyDiffTest, Utf8AndHighBytes) {
  Compare({Type("a\xc3\xa9\x7f\r"), Read(), Set(Iflag(linux_abi::kIutf8, 0)),
           Type("a\xc3\xa9\x7f\r"), Read(), Type("\xe2\x82\xac\x7f\r"), Read(),
           Type("caf\xc3\xa9 \x17\r"), Read(), Type("\x85\x9b\xa0\xff\x7f\x7f\r"), Read(),
           Set(Iflag(0, linux_abi::kIutf8)), Type("caf\xc3\xa9\x17\r"), Read(),
           Type("\xc0\xd7\xf7\xdf\x17\r"), Read()});
}

TEST(PtyDiffTest, CarriageReturnHandling) {
  Compare({Type("a\rb\n"), Read(), Read(), Set(Iflag(linux_abi::kIgncr, 0)), Type("a\rb\n"), Read(),
           Set(Iflag(linux_abi::kInlcr, linux_abi::kIgncr | linux_abi::kIcrnl)), Type("a\rb\n"),
           Read(), Read(), Set(Iflag(linux_abi::kIcrnl, linux_abi::kInlcr)), Type("x\r"), Read()});
}

TEST(PtyDiffTest, SpecialCharacterSettings) {
  Compare({Set(Cc(linux_abi::kVEol, ';')),
           Type("ab;cd\r"),
           Read(),
           Read(),
           Set(Cc(linux_abi::kVEol2, '|')),
           Type("x|y\r"),
           Read(),
           Read(),
           Set(Cc(linux_abi::kVErase, '\b')),
           Type("ab\b\x7f\r"),
           Read(),
           Set(Cc(linux_abi::kVIntr, 0)),
           Type(std::string("\x03\0\r", 3)),
           Read(),
           Set(Cc(linux_abi::kVKill, '@')),
           Type("abc@d\r"),
           Read(),
           Set(Cc(linux_abi::kVEof, 'Z')),
           Type("abZ"),
           Read(),
           Type("Z"),
           Read(),
           Set(Lflag(0, linux_abi::kIexten)),
           Type("a\x17\x16\x12\r"),
           Read()});
}

TEST(PtyDiffTest, InputFlags) {
  Compare({Set(Iflag(linux_abi::kIstrip, 0)), Type("\xe1\xe2\r"), Read(),
           Set(Iflag(linux_abi::kIuclc, linux_abi::kIstrip)), Type("AbC\r"), Read(),
           Set(Lflag(0, linux_abi::kIexten)), Type("AbC\r"), Read(),
           Set(Lflag(linux_abi::kIexten, 0)), Set(Iflag(linux_abi::kParmrk, linux_abi::kIuclc)),
           Type("a\xff"
                "b\r"),
           Read()});
}

// --- Non-canonical ---------------------------------------------------------------------

TEST(PtyDiffTest, RawMode) {
  Compare({Set(RawMode(1, 0)), Type("ab\x01\n\r\x7f\x15\x04\x12\x16"), Fionread(), Read(), Read(),
           Set(RawMode(0, 0)), Read(), Type("xyz"), Read(2), Read(2), Read(2), Set(RawMode(5, 0)),
           Read(), Type("ab"), Read(), Set(RawMode(0, 3)), Read()});
}

TEST(PtyDiffTest, RawModeWithoutEchoOrSignals) {
  Compare({Set([](Termios& t) {
             t.c_iflag = 0;
             t.c_oflag = 0;
             t.c_lflag = 0;
             t.c_cc[linux_abi::kVMin] = 1;
             t.c_cc[linux_abi::kVTime] = 0;
           }),
           Type("\x03\x1a\x13\x11\r\n\x7f"), Read(), Write("a\nb\tc\r\n"),
           Set(Lflag(linux_abi::kIsig, 0)), Type("q\x03"), Read()});
}

TEST(PtyDiffTest, ModeSwitches) {
  Compare({Type("abc"), Set(RawMode(1, 0)), Fionread(), Read(), Type("xyz"),
           Set(Lflag(linux_abi::kIcanon, 0)), Fionread(), Read(), Read(), Type("12"),
           Set(RawMode(1, 0)), Set(Lflag(linux_abi::kIcanon, 0)), Type("3\r"), Read(), Read(),
           Type("\x04"), Set(RawMode(1, 0)), Read()});
}

// --- Output ------------------------------------------------------------------------------

TEST(PtyDiffTest, OutputProcessing) {
  Compare({Write("a\nb\tc\r\n"), Write("col\t\tx\n"), Set(Oflag(linux_abi::kXtabs, 0)),
           Write("\tx\ty\n"),
           Set(Oflag(linux_abi::kOcrnl | linux_abi::kOlcuc, linux_abi::kXtabs | linux_abi::kOnlcr)),
           Write("ab\rc\n"),
           Set(Oflag(linux_abi::kOnocr | linux_abi::kOnlcr, linux_abi::kOcrnl | linux_abi::kOlcuc)),
           Write("\r\rx\r\n\r"), Set(Oflag(linux_abi::kOnlret, linux_abi::kOnocr)),
           Write("ab\ncd\r"), Set(Oflag(0, linux_abi::kOpost)), Write("a\nb\t\r"),
           Set(Oflag(linux_abi::kOpost | linux_abi::kOlcuc, 0)), Write("caf\xc3\xa9\n")});
}

TEST(PtyDiffTest, EchoAndOutputShareTheColumn) {
  Compare({Write("abc"), Type("\t\x7f"), Write("\n"), Type("x\t"), Write("yz"), Type("\x7f\r"),
           Read(), Set(Oflag(linux_abi::kXtabs, 0)), Type("a\t\x7f\r"), Read()});
}

TEST(PtyDiffTest, FlowControl) {
  Compare({Type("\x13"), Write("hi"), Type("ab"), Type("\x11"), Write("hi"),
           Set(Iflag(linux_abi::kIxany, 0)),
           Type("\x13"
                "c"),
           Write("ok"), Type("\x13\x03"), Write("x"), Set(Iflag(0, linux_abi::kIxany)),
           Type("\x13"), Set(Iflag(0, linux_abi::kIxon)), Write("y"), Type("\x13\x11\r"), Read()});
}

TEST(PtyDiffTest, Flushes) {
  Compare({Type("abc\rdef"), Flush(linux_abi::kTciflush), Fionread(), Read(), Type("x\r"), Read(),
           Type("abc\r"), Flush(linux_abi::kTcioflush), Read()});
}

// Overflow of a canonical line (typed in bulk: no echo compared).
TEST(PtyDiffTest, CanonicalOverflow) {
  std::string line(5000, 'a');
  line +=
      "\x7f"
      "b\r";
  HostPty pty;
  Termios t = StartTermios();
  t.c_lflag &= ~linux_abi::kEcho;
  pty.SetTermios(t);
  ASSERT_EQ(write(pty.master(), line.data(), line.size()), static_cast<ssize_t>(line.size()));
  std::string host;
  for (int tries = 0; tries < 200 && host.find('\n') == std::string::npos; ++tries) {
    char buf[8192];
    ssize_t n = read(pty.slave(), buf, sizeof(buf));
    if (n > 0) host.append(buf, static_cast<size_t>(n));
    if (n <= 0) usleep(2000);
  }
  LineDiscipline ld(t);
  StringSink sink;
  for (char c : line) ld.Input(static_cast<uint8_t>(c), sink);
  std::string model(8192, '\0');
  ReadCursor cursor;
  ReadStep step = ld.Read(
      kstd::Span<uint8_t>(reinterpret_cast<uint8_t*>(model.data()), model.size()), true, &cursor);
  model.resize(step.copied);
  EXPECT_EQ(host.size(), model.size());
  EXPECT_EQ(host, model);
}

// --- Signals reach the foreground process group ---------------------------------------

TEST(PtyDiffTest, SignalsGoToTheForegroundGroup) {
  int master, slave;
  ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(master);
    setsid();
    ioctl(slave, TIOCSCTTY, 0);
    static int pipe_fd;
    pipe_fd = fds[1];
    struct sigaction sa = {};
    sa.sa_handler = +[](int signo) {
      char c = static_cast<char>(signo);
      (void)!write(pipe_fd, &c, 1);
    };
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGQUIT, &sa, nullptr);
    sigaction(SIGTSTP, &sa, nullptr);
    char ready = 0;
    (void)!write(fds[1], &ready, 1);
    for (;;) pause();
  }
  close(fds[1]);
  close(slave);
  char c;
  ASSERT_EQ(read(fds[0], &c, 1), 1);  // the child owns the terminal now
  std::string host;
  for (char key : {'\x03', '\x1c', '\x1a'}) {
    ASSERT_EQ(write(master, &key, 1), 1);
    ASSERT_EQ(read(fds[0], &c, 1), 1);
    host += std::to_string(c) + " ";
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  close(master);
  close(fds[0]);
  LineDiscipline ld;
  StringSink sink;
  std::string model;
  for (char key : {'\x03', '\x1c', '\x1a'}) {
    model += std::to_string(ld.Input(static_cast<uint8_t>(key), sink).signal) + " ";
  }
  EXPECT_EQ(host, model);
  EXPECT_EQ(model, std::to_string(linux_abi::kSigInt) + " " + std::to_string(linux_abi::kSigQuit) +
                       " " + std::to_string(linux_abi::kSigTstp) + " ");
}

// --- VMIN/VTIME with real time: blocking host reads vs the model's protocol --------------

// Drives a model read the way the console does, with the input arriving at
// the given times (ms) and a clock: Read steps; between them a wait that
// ends when ReaderCanProgress() (the console's wake signal) or at the
// deadline from ReadTimerDeadline. Returns (bytes, ms taken).
std::pair<std::string, int> ModelTimedRead(const Termios& t,
                                           const std::vector<std::pair<int, char>>& input,
                                           size_t n) {
  constexpr uint64_t kMs = 1'000'000;
  LineDiscipline ld(t);
  StringSink sink;
  std::string buf(n, '\0');
  ReadCursor cursor;
  uint64_t now = 0;
  size_t next_input = 0;
  uint64_t deadline = kNoTimer;
  auto to_ms = [&] { return static_cast<int>(now / kMs); };
  for (;;) {
    ReadStep s = ld.Read(kstd::Span<uint8_t>(reinterpret_cast<uint8_t*>(buf.data()) + cursor.total,
                                             n - cursor.total),
                         false, &cursor);
    if (s.next == ReadStep::Next::kReturn) return {buf.substr(0, cursor.total), to_ms()};
    deadline = ReadTimerDeadline(s, now, deadline, &cursor);
    // Wait: input arrives byte by byte until the reader can progress, unless
    // the timer runs out first.
    for (;;) {
      if (next_input == input.size() && deadline == kNoTimer) return {"<hung>", to_ms()};
      uint64_t arrival = next_input < input.size()
                             ? static_cast<uint64_t>(input[next_input].first) * kMs
                             : UINT64_MAX;
      if (deadline != kNoTimer && deadline <= arrival) {
        now = deadline;
        cursor.timer_expired = true;
        break;
      }
      now = arrival;
      ld.Input(static_cast<uint8_t>(input[next_input].second), sink);
      ++next_input;
      if (ld.ReaderCanProgress()) break;
    }
  }
}

std::pair<std::string, int> HostTimedRead(const Termios& t,
                                          const std::vector<std::pair<int, char>>& input,
                                          size_t n) {
  int master, slave;
  EXPECT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  linux_abi::KernelTermios k = ToKernelTermios(t);
  EXPECT_EQ(ioctl(slave, TCSETS, &k), 0);
  auto start = std::chrono::steady_clock::now();
  std::thread typist([&] {
    for (const auto& [ms, c] : input) {
      std::this_thread::sleep_until(start + std::chrono::milliseconds(ms));
      (void)!write(master, &c, 1);
    }
  });
  std::string buf(n, '\0');
  ssize_t got = read(slave, buf.data(), n);
  int took = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - start)
                                  .count());
  typist.join();
  close(master);
  close(slave);
  return {buf.substr(0, got > 0 ? static_cast<size_t>(got) : 0), took};
}

void CompareTimed(uint8_t vmin, uint8_t vtime, const std::vector<std::pair<int, char>>& input,
                  size_t n) {
  Termios t = StartTermios();
  t.c_lflag &= ~(linux_abi::kIcanon | linux_abi::kEcho);
  t.c_cc[linux_abi::kVMin] = vmin;
  t.c_cc[linux_abi::kVTime] = vtime;
  auto model = ModelTimedRead(t, input, n);
  auto host = HostTimedRead(t, input, n);
  EXPECT_EQ(host.first, model.first) << "MIN " << int(vmin) << " TIME " << int(vtime);
  // Timing: the host takes at least the model's time, and not much more.
  EXPECT_GE(host.second + 5, model.second) << "MIN " << int(vmin) << " TIME " << int(vtime);
  EXPECT_LE(host.second, model.second + 250) << "MIN " << int(vmin) << " TIME " << int(vtime);
}

TEST(PtyTimedTest, MinZeroTimePositive) {
  CompareTimed(0, 2, {}, 10);                      // times out: 0 bytes after 200 ms
  CompareTimed(0, 3, {{50, 'a'}, {60, 'b'}}, 10);  // the first byte ends it
}

TEST(PtyTimedTest, MinPositiveTimeZero) {
  CompareTimed(3, 0, {{20, 'a'}, {40, 'b'}, {150, 'c'}, {160, 'd'}}, 10);
  CompareTimed(3, 0, {{20, 'a'}, {40, 'b'}}, 2);  // buffer smaller than MIN
  // One byte at a time: the read holds what came and needs only the rest.
  CompareTimed(4, 0, {{20, 'a'}, {60, 'b'}, {100, 'c'}, {140, 'd'}, {300, 'e'}}, 10);
}

TEST(PtyTimedTest, MinPositiveTimePositive) {
  CompareTimed(3, 2, {{30, 'a'}, {60, 'b'}}, 10);  // inter-byte timer ends it
  CompareTimed(3, 2, {{30, 'a'}, {120, 'b'}, {210, 'c'}, {220, 'd'}}, 10);  // MIN reached
  CompareTimed(5, 1, {{30, 'a'}, {80, 'b'}, {250, 'c'}}, 10);  // timer restarts per byte
}

}  // namespace
}  // namespace core::posix::tty
