#include "core/posix/tty/line_discipline.h"

#include <gtest/gtest.h>
#include <pty.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <string>

#include "abi/linux/signal.h"
#include "abi/linux/termios.h"
#include "core/posix/signals.h"

namespace core::posix::tty {
namespace {

struct StringSink : OutputSink {
  std::string out;
  void Write(const uint8_t* data, size_t size) override {
    out.append(reinterpret_cast<const char*>(data), size);
  }
  std::string Take() {
    std::string s = out;
    out.clear();
    return s;
  }
};

class LineDisciplineTest : public ::testing::Test {
 protected:
  InputEvents Type(const std::string& bytes) {
    InputEvents all;
    for (char c : bytes) {
      InputEvents ev = ld_.Input(static_cast<uint8_t>(c), sink_);
      if (ev.signal) all.signal = ev.signal;
      all.wake_readers |= ev.wake_readers;
      all.wake_writers |= ev.wake_writers;
      all.dropped |= ev.dropped;
    }
    return all;
  }
  // A non-blocking read of up to n bytes: the bytes, "<EAGAIN>" or "<0>".
  std::string ReadNow(size_t n = 1024) {
    std::string buf(n, '\0');
    ReadCursor cursor;
    ReadStep step = ld_.Read(
        kstd::Span<uint8_t>(reinterpret_cast<uint8_t*>(buf.data()), buf.size()), true, &cursor);
    if (step.next == ReadStep::Next::kAgain) return "<EAGAIN>";
    if (step.copied == 0) return "<0>";
    return buf.substr(0, step.copied);
  }
  void Set(uint32_t Termios::*field, uint32_t set, uint32_t clear) {
    Termios t = ld_.termios();
    t.*field = (t.*field | set) & ~clear;
    ld_.SetTermios(t, sink_);
  }
  void SetCc(int index, uint8_t value) {
    Termios t = ld_.termios();
    t.c_cc[index] = value;
    ld_.SetTermios(t, sink_);
  }
  void Raw(uint8_t vmin, uint8_t vtime) {
    Termios t = ld_.termios();
    t.c_lflag &= ~linux_abi::kIcanon;
    t.c_cc[linux_abi::kVMin] = vmin;
    t.c_cc[linux_abi::kVTime] = vtime;
    ld_.SetTermios(t, sink_);
  }

  LineDiscipline ld_;
  StringSink sink_;
};

// --- ABI -------------------------------------------------------------------------

// The kernel reads and writes exactly our structs through TCGETS/TCGETS2.
TEST(TermiosAbiTest, HostTcgetsFillsOurStructs) {
  int master, slave;
  ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  struct {
    linux_abi::KernelTermios t;
    uint8_t canary[16];
  } k;
  memset(&k, 0xEE, sizeof(k));
  ASSERT_EQ(ioctl(slave, TCGETS, &k.t), 0);
  for (uint8_t c : k.canary) EXPECT_EQ(c, 0xEE);  // 36 bytes, no more
  struct termios g;
  ASSERT_EQ(tcgetattr(slave, &g), 0);
  EXPECT_EQ(k.t.c_iflag, g.c_iflag);
  EXPECT_EQ(k.t.c_oflag, g.c_oflag);
  EXPECT_EQ(k.t.c_cflag, g.c_cflag);
  EXPECT_EQ(k.t.c_lflag, g.c_lflag);
  EXPECT_EQ(memcmp(k.t.c_cc, g.c_cc, linux_abi::kNccs), 0);
  struct {
    linux_abi::KernelTermios2 t;
    uint8_t canary[16];
  } k2;
  memset(&k2, 0xEE, sizeof(k2));
  ASSERT_EQ(ioctl(slave, linux_abi::kTcgets2, &k2.t), 0);
  for (uint8_t c : k2.canary) EXPECT_EQ(c, 0xEE);  // 44 bytes
  EXPECT_EQ(k2.t.c_ospeed, BaudCodeToSpeed(k2.t.c_cflag));
  // A set through our struct reads back through glibc.
  linux_abi::KernelTermios mine = ToKernelTermios(DefaultSerialTermios());
  mine.c_cflag = linux_abi::kB9600 | linux_abi::kCs8 | linux_abi::kCread;
  mine.c_cc[linux_abi::kVEol] = ';';
  ASSERT_EQ(ioctl(slave, TCSETS, &mine), 0);
  ASSERT_EQ(tcgetattr(slave, &g), 0);
  EXPECT_EQ(g.c_cc[VEOL], ';');
  EXPECT_EQ(cfgetospeed(&g), static_cast<speed_t>(B9600));
  // Window size.
  linux_abi::WinSize ws = {24, 80, 0, 0};
  ASSERT_EQ(ioctl(slave, TIOCSWINSZ, &ws), 0);
  struct winsize gw;
  ASSERT_EQ(ioctl(slave, TIOCGWINSZ, &gw), 0);
  EXPECT_EQ(gw.ws_row, 24);
  EXPECT_EQ(gw.ws_col, 80);
  close(master);
  close(slave);
}

// A fresh pty gets Linux's tty_std_termios: the same as our serial default
// but for the line settings (c_cflag).
TEST(TermiosAbiTest, DefaultsMatchHostPty) {
  int master, slave;
  ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  linux_abi::KernelTermios host;
  ASSERT_EQ(ioctl(slave, TCGETS, &host), 0);
  Termios ours = DefaultSerialTermios();
  EXPECT_EQ(ours.c_iflag, host.c_iflag);
  EXPECT_EQ(ours.c_oflag, host.c_oflag);
  EXPECT_EQ(ours.c_lflag, host.c_lflag);
  EXPECT_EQ(ours.c_line, host.c_line);
  for (int i = 0; i < linux_abi::kNccs; ++i)
    EXPECT_EQ(ours.c_cc[i], host.c_cc[i]) << "c_cc[" << i << "]";
  EXPECT_EQ(ours.c_cflag, linux_abi::kB115200 | linux_abi::kCs8 | linux_abi::kCread |
                              linux_abi::kHupcl | linux_abi::kClocal);
  EXPECT_EQ(ours.c_ispeed, 115200u);
  close(master);
  close(slave);
}

TEST(TermiosAbiTest, SpeedsAndConversions) {
  EXPECT_EQ(BaudCodeToSpeed(linux_abi::kB9600), 9600u);
  EXPECT_EQ(BaudCodeToSpeed(linux_abi::kB38400), 38400u);
  EXPECT_EQ(BaudCodeToSpeed(linux_abi::kB115200), 115200u);
  EXPECT_EQ(BaudCodeToSpeed(linux_abi::kB0), 0u);
  EXPECT_EQ(BaudCodeToSpeed(B4000000), 4000000u);
  EXPECT_EQ(BaudCodeToSpeed(linux_abi::kBother), 0u);
  linux_abi::KernelTermios k = ToKernelTermios(DefaultSerialTermios());
  k.c_cflag = (k.c_cflag & ~linux_abi::kCbaud) | linux_abi::kB9600 | (linux_abi::kB38400 << 16);
  Termios t = FromKernelTermios(k);
  EXPECT_EQ(t.c_ospeed, 9600u);
  EXPECT_EQ(t.c_ispeed, 38400u);
  EXPECT_EQ(memcmp(t.c_cc, k.c_cc, linux_abi::kNccs), 0);
}

// --- Canonical mode ----------------------------------------------------------------

TEST_F(LineDisciplineTest, LineIsReadableOnlyWhenComplete) {
  InputEvents ev = Type("hello");
  EXPECT_FALSE(ev.wake_readers);
  EXPECT_EQ(ReadNow(), "<EAGAIN>");
  EXPECT_FALSE(ld_.Readable());
  EXPECT_EQ(ld_.InputAvailable(), 0u);
  ev = Type("\r");  // ICRNL
  EXPECT_TRUE(ev.wake_readers);
  EXPECT_TRUE(ld_.Readable());
  EXPECT_EQ(ld_.InputAvailable(), 6u);
  EXPECT_EQ(sink_.Take(), "hello\r\n");
  EXPECT_EQ(ReadNow(), "hello\n");
  EXPECT_EQ(ReadNow(), "<EAGAIN>");
}

TEST_F(LineDisciplineTest, OneLinePerReadAndLongLinesInPieces) {
  Type("a\nbb\nccc\n");
  EXPECT_EQ(ReadNow(), "a\n");
  EXPECT_EQ(ReadNow(), "bb\n");
  EXPECT_EQ(ReadNow(2), "cc");
  EXPECT_EQ(ReadNow(2), "c\n");
  EXPECT_EQ(ReadNow(), "<EAGAIN>");
}

TEST_F(LineDisciplineTest, EraseKillAndWordErase) {
  Type(
      "abc\x7f\x7f"
      "d\n");
  EXPECT_EQ(sink_.Take(), "abc\b \b\b \bd\r\n");
  EXPECT_EQ(ReadNow(), "ad\n");
  Type(
      "xyz\x15"
      "k\n");
  EXPECT_EQ(sink_.Take(), "xyz\b \b\b \b\b \bk\r\n");
  EXPECT_EQ(ReadNow(), "k\n");
  Type(
      "foo bar  \x17"
      "baz\n");
  EXPECT_EQ(ReadNow(), "foo baz\n");
  Type("foo-bar_1\x17\n");
  EXPECT_EQ(ReadNow(), "foo-\n");
  Type("\x7f\x15\x17\n");  // nothing to erase: no echo
  EXPECT_EQ(sink_.Take(),
            "foo bar  \b \b\b \b\b \b\b \b\b \bbaz\r\nfoo-bar_1\b \b\b \b\b \b\b \b\b \b\r\n\r\n");
  EXPECT_EQ(ReadNow(), "\n");
}

TEST_F(LineDisciplineTest, ControlCharactersEchoAsCaretAndEraseTwoColumns) {
  Type("\x01\x1b[A");
  EXPECT_EQ(sink_.Take(), "^A^[[A");
  Type("\x7f\x7f\x7f");
  EXPECT_EQ(sink_.Take(), "\b \b\b \b\b \b\b \b");  // [ A, then ^[ takes two
  Type("\n");
  EXPECT_EQ(ReadNow(), "\x01\n");
}

TEST_F(LineDisciplineTest, EndOfFile) {
  Type("\x04");
  EXPECT_EQ(sink_.Take(), "");  // ^D is not echoed
  EXPECT_TRUE(ld_.Readable());
  EXPECT_EQ(ld_.InputAvailable(), 0u);
  EXPECT_EQ(ReadNow(), "<0>");  // end of file
  EXPECT_EQ(ReadNow(), "<EAGAIN>");
  Type("abc\x04");
  EXPECT_EQ(ld_.InputAvailable(), 3u);
  EXPECT_EQ(ReadNow(), "abc");  // no newline
  EXPECT_EQ(ReadNow(), "<EAGAIN>");
  // A read that stops right before the ^D takes the ^D with it.
  Type("xyz\x04");
  EXPECT_EQ(ReadNow(3), "xyz");
  EXPECT_EQ(ReadNow(), "<EAGAIN>");
  Type("xyz\x04");
  EXPECT_EQ(ReadNow(2), "xy");
  EXPECT_EQ(ReadNow(2), "z");
  EXPECT_EQ(ReadNow(), "<EAGAIN>");
}

TEST_F(LineDisciplineTest, ReprintAndLiteralNext) {
  Type("ab\x12");
  EXPECT_EQ(sink_.Take(), "ab^R\r\nab");
  Type(
      "\x16\x03"
      "c\n");
  EXPECT_EQ(sink_.Take(), "^\b^Cc\r\n");
  EXPECT_EQ(ReadNow(),
            "ab\x03"
            "c\n");
}

TEST_F(LineDisciplineTest, TabErasureUsesColumns) {
  Type("ab\t\x7f");
  EXPECT_EQ(sink_.Take(), "ab\t\b\b\b\b\b\b");  // back to column 2
  Type("\x15\n");
  sink_.Take();
  ReadNow();
  const uint8_t prompt[] = {'$', ' ', ' '};
  EXPECT_EQ(ld_.Write(kstd::Span<const uint8_t>(prompt, 3), sink_), 3u);
  Type("\t\x7f");
  EXPECT_EQ(sink_.Take(), "$  \t\b\b\b\b\b");  // the tab took 5 columns from column 3
}

TEST_F(LineDisciplineTest, SignalCharactersFlushAndReport) {
  Type("abc");
  InputEvents ev = Type("\x03");
  EXPECT_EQ(ev.signal, linux_abi::kSigInt);
  EXPECT_EQ(sink_.Take(), "abc^C");
  EXPECT_EQ(ReadNow(), "<EAGAIN>");  // flushed
  EXPECT_EQ(Type("\x1c").signal, linux_abi::kSigQuit);
  EXPECT_EQ(Type("\x1a").signal, linux_abi::kSigTstp);
  EXPECT_EQ(sink_.Take(), "^\\^Z");
  Set(&Termios::c_lflag, linux_abi::kNoflsh, 0);
  Type("xy\x03\n");
  EXPECT_EQ(ReadNow(), "xy\n");
  Set(&Termios::c_lflag, 0, linux_abi::kIsig);
  EXPECT_EQ(Type("\x03").signal, 0);
  Type("\n");
  EXPECT_EQ(ReadNow(), "\x03\n");
}

TEST_F(LineDisciplineTest, EchoVariants) {
  Set(&Termios::c_lflag, 0, linux_abi::kEcho);
  Type("secret\n");
  EXPECT_EQ(sink_.Take(), "");
  Set(&Termios::c_lflag, linux_abi::kEchonl, 0);
  Type("pw\n");
  EXPECT_EQ(sink_.Take(), "\r\n");
  EXPECT_EQ(ReadNow(), "secret\n");
  EXPECT_EQ(ReadNow(), "pw\n");
  Set(&Termios::c_lflag, linux_abi::kEcho, linux_abi::kEchoctl | linux_abi::kEchoe);
  Type("\x01x\x7f\n");
  EXPECT_EQ(sink_.Take(), "\x01x\x7f\r\n");
  Set(&Termios::c_lflag, linux_abi::kEchoctl, linux_abi::kEchoke);
  Type("abc\x15");
  EXPECT_EQ(sink_.Take(), "abc^U\r\n");
  Set(&Termios::c_lflag, linux_abi::kEchoprt | linux_abi::kEchoe | linux_abi::kEchoke, 0);
  Type("xyz\x7f\x7fq");
  EXPECT_EQ(sink_.Take(), "xyz\\zy/q");
}

TEST_F(LineDisciplineTest, Utf8Erase) {
  Type("a\xc3\xa9\x7f\n");
  EXPECT_EQ(ReadNow(), "a\xc3\n");  // without IUTF8: one byte
  Set(&Termios::c_iflag, linux_abi::kIutf8, 0);
  Type("a\xc3\xa9\x7f\n");
  EXPECT_EQ(ReadNow(), "a\n");
}

TEST_F(LineDisciplineTest, EolCharactersAndDisabledCharacters) {
  SetCc(linux_abi::kVEol, ';');
  Type("ab;cd\n");
  EXPECT_EQ(ReadNow(), "ab;");
  EXPECT_EQ(ReadNow(), "cd\n");
  SetCc(linux_abi::kVIntr, linux_abi::kDisabledChar);
  EXPECT_EQ(Type(std::string("\x03\0\n", 3)).signal, 0);
  EXPECT_EQ(ReadNow(), std::string("\x03\0\n", 3));
}

TEST_F(LineDisciplineTest, CanonicalOverflowKeepsEditing) {
  Set(&Termios::c_lflag, 0, linux_abi::kEcho);
  for (int i = 0; i < 5000; ++i) Type("a");
  EXPECT_EQ(ld_.InputAvailable(), 0u);
  Type("\x7f");  // still editable
  Type("b\n");
  std::string line;
  for (;;) {
    std::string r = ReadNow(4096);
    if (r == "<EAGAIN>") break;
    line += r;
  }
  ASSERT_EQ(line.size(), LineDiscipline::kBufferSize);
  EXPECT_EQ(line.substr(line.size() - 3), "ab\n");  // the erase also lost the replaced byte
  // With a complete line waiting, further input is dropped.
  for (int i = 0; i < 4094; ++i) Type("c");
  Type("\n");
  EXPECT_TRUE(Type("d").dropped);
}

// --- Non-canonical mode ------------------------------------------------------------

TEST_F(LineDisciplineTest, RawModeBasics) {
  Raw(1, 0);
  InputEvents ev = Type("ab\x01\n\r");
  EXPECT_TRUE(ev.wake_readers);
  EXPECT_EQ(sink_.Take(), "ab^A^J\r\n");  // ^J is not special here; CR->NL is
  EXPECT_EQ(ReadNow(), "ab\x01\n\n");
  EXPECT_EQ(ReadNow(), "<EAGAIN>");
  Raw(0, 0);
  EXPECT_EQ(ReadNow(), "<0>");  // MIN 0 TIME 0: never waits
  Type("\x7f\x15\x04");         // no editing in raw mode
  EXPECT_EQ(ReadNow(), "\x7f\x15\x04");
}

TEST_F(LineDisciplineTest, FullyRawDropsWhenFull) {
  Termios t = ld_.termios();
  t.c_iflag = 0;
  t.c_oflag = 0;
  t.c_lflag = 0;
  ld_.SetTermios(t, sink_);
  for (size_t i = 0; i < LineDiscipline::kBufferSize - 1; ++i) {
    ASSERT_FALSE(Type("x").dropped) << i;
  }
  EXPECT_TRUE(Type("y").dropped);
  EXPECT_EQ(ld_.InputAvailable(), LineDiscipline::kBufferSize - 1);
  EXPECT_EQ(sink_.Take(), "");
}

// The read protocol: what each step asks of the caller.
TEST_F(LineDisciplineTest, VminVtimeProtocol) {
  uint8_t buf[16];
  kstd::Span<uint8_t> out(buf, sizeof(buf));
  {  // MIN 0, TIME 5: one timer for the whole read, from its start.
    Raw(0, 5);
    ReadCursor c;
    ReadStep s = ld_.Read(out, false, &c);
    EXPECT_EQ(s.next, ReadStep::Next::kWait);
    EXPECT_EQ(s.timer_ds, 5u);
    EXPECT_TRUE(s.restart_timer);
    s = ld_.Read(out, false, &c);  // a spurious wake: keep the timer
    EXPECT_EQ(s.next, ReadStep::Next::kWait);
    EXPECT_FALSE(s.restart_timer);
    c.timer_expired = true;
    s = ld_.Read(out, false, &c);
    EXPECT_EQ(s.next, ReadStep::Next::kReturn);
    EXPECT_EQ(c.total, 0u);
    ReadCursor c2;
    Type("z");
    s = ld_.Read(out, false, &c2);
    EXPECT_EQ(s.next, ReadStep::Next::kReturn);
    EXPECT_EQ(s.copied, 1u);
    ReadCursor c3;
    EXPECT_EQ(ld_.Read(out, true, &c3).next, ReadStep::Next::kAgain);
  }
  {  // MIN 3, TIME 0: wait for three bytes, no timer.
    Raw(3, 0);
    ReadCursor c;
    Type("ab");
    ReadStep s = ld_.Read(out, false, &c);
    EXPECT_EQ(s.copied, 2u);
    EXPECT_EQ(s.next, ReadStep::Next::kWait);
    EXPECT_EQ(s.timer_ds, 0u);
    Type("c");
    s = ld_.Read(kstd::Span<uint8_t>(buf + 2, sizeof(buf) - 2), false, &c);
    EXPECT_EQ(s.copied, 1u);
    EXPECT_EQ(s.next, ReadStep::Next::kReturn);
    EXPECT_EQ(c.total, 3u);
    // A buffer smaller than MIN returns when full.
    ReadCursor c2;
    Type("de");
    s = ld_.Read(kstd::Span<uint8_t>(buf, 2), false, &c2);
    EXPECT_EQ(s.next, ReadStep::Next::kReturn);
    EXPECT_EQ(c2.total, 2u);
  }
  {  // MIN 3, TIME 2: no timer until the first byte; restarted by each byte.
    Raw(3, 2);
    ReadCursor c;
    ReadStep s = ld_.Read(out, false, &c);
    EXPECT_EQ(s.next, ReadStep::Next::kWait);
    EXPECT_EQ(s.timer_ds, 0u);
    Type("a");
    s = ld_.Read(out, false, &c);
    EXPECT_EQ(s.copied, 1u);
    EXPECT_EQ(s.next, ReadStep::Next::kWait);
    EXPECT_EQ(s.timer_ds, 2u);
    EXPECT_TRUE(s.restart_timer);
    s = ld_.Read(out, false, &c);  // no new byte: keep the timer
    EXPECT_EQ(s.timer_ds, 2u);
    EXPECT_FALSE(s.restart_timer);
    c.timer_expired = true;
    s = ld_.Read(out, false, &c);
    EXPECT_EQ(s.next, ReadStep::Next::kReturn);
    EXPECT_EQ(c.total, 1u);
  }
  {  // Non-blocking with fewer than MIN: what there is, else EAGAIN.
    Raw(5, 0);
    ReadCursor c;
    EXPECT_EQ(ld_.Read(out, true, &c).next, ReadStep::Next::kAgain);
    Type("xy");
    ReadStep s = ld_.Read(out, true, &c);
    EXPECT_EQ(s.next, ReadStep::Next::kReturn);
    EXPECT_EQ(s.copied, 2u);
  }
}

// A waiting reader wakes on any byte in non-canonical mode (it may hold
// some bytes already), while poll(POLLIN) wants MIN of them when TIME is 0.
TEST_F(LineDisciplineTest, ReaderCanProgressIgnoresMin) {
  uint8_t buf[16];
  Raw(4, 0);
  EXPECT_FALSE(ld_.ReaderCanProgress());
  Type("ab");
  EXPECT_FALSE(ld_.Readable());
  EXPECT_TRUE(ld_.ReaderCanProgress());
  ReadCursor c;
  ReadStep s = ld_.Read(kstd::Span<uint8_t>(buf, sizeof(buf)), false, &c);
  EXPECT_EQ(s.next, ReadStep::Next::kWait);
  EXPECT_FALSE(ld_.ReaderCanProgress());
  Type("c");
  EXPECT_FALSE(ld_.Readable());
  EXPECT_TRUE(ld_.ReaderCanProgress());
  s = ld_.Read(kstd::Span<uint8_t>(buf + c.total, sizeof(buf) - c.total), false, &c);
  EXPECT_EQ(s.next, ReadStep::Next::kWait);
  Type("d");
  s = ld_.Read(kstd::Span<uint8_t>(buf + c.total, sizeof(buf) - c.total), false, &c);
  EXPECT_EQ(s.next, ReadStep::Next::kReturn);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), c.total), "abcd");

  Raw(0, 3);  // MIN 0: one byte is enough for both
  EXPECT_FALSE(ld_.ReaderCanProgress());
  Type("x");
  EXPECT_TRUE(ld_.Readable());
  EXPECT_TRUE(ld_.ReaderCanProgress());
  EXPECT_EQ(ReadNow(), "x");

  Set(&Termios::c_lflag, linux_abi::kIcanon, 0);  // canonical: only a complete line
  Type("ab");
  EXPECT_FALSE(ld_.ReaderCanProgress());
  Type("\n");
  EXPECT_TRUE(ld_.ReaderCanProgress());
  EXPECT_EQ(ld_.ReaderCanProgress(), ld_.Readable());
}

// The caller's half of the timer: absolute deadlines from the steps.
TEST_F(LineDisciplineTest, ReadTimerDeadlines) {
  constexpr uint64_t kDs = 100'000'000;  // ns per tenth of a second
  ReadCursor c;
  ReadStep wait_no_timer;
  wait_no_timer.next = ReadStep::Next::kWait;
  EXPECT_EQ(ReadTimerDeadline(wait_no_timer, 1000, kNoTimer, &c), kNoTimer);
  EXPECT_EQ(ReadTimerDeadline(wait_no_timer, 1000, 5000, &c), kNoTimer);  // TIME set to 0
  ReadStep done;
  done.timer_ds = 5;
  EXPECT_EQ(ReadTimerDeadline(done, 1000, 5000, &c), kNoTimer);  // not a wait

  ReadStep restart;
  restart.next = ReadStep::Next::kWait;
  restart.timer_ds = 5;
  restart.restart_timer = true;
  c.timer_expired = true;
  EXPECT_EQ(ReadTimerDeadline(restart, 1000, 7, &c), 1000 + 5 * kDs);
  EXPECT_FALSE(c.timer_expired);  // a new timer has not run out

  ReadStep keep = restart;
  keep.restart_timer = false;
  EXPECT_EQ(ReadTimerDeadline(keep, 9000, 1234, &c), 1234u);               // the running one
  EXPECT_EQ(ReadTimerDeadline(keep, 9000, kNoTimer, &c), 9000 + 5 * kDs);  // none ran yet

  restart.timer_ds = 255;  // the largest VTIME, at the end of the clock
  EXPECT_EQ(ReadTimerDeadline(restart, UINT64_MAX - 10, kNoTimer, &c), UINT64_MAX);
  EXPECT_EQ(ReadTimerDeadline(restart, 0, kNoTimer, &c), 255 * kDs);
}

// The steps of real reads with their timers, on a clock the test moves.
TEST_F(LineDisciplineTest, TimedReadsOnAModelClock) {
  constexpr uint64_t kMs = 1'000'000;
  uint8_t buf[16];
  struct TimedRead {
    LineDiscipline* ld;
    ReadCursor cursor;
    uint64_t deadline = kNoTimer;
    uint8_t* buf;
    ReadStep Step(uint64_t now) {
      ReadStep s =
          ld->Read(kstd::Span<uint8_t>(buf + cursor.total, 16 - cursor.total), false, &cursor);
      deadline = ReadTimerDeadline(s, now, deadline, &cursor);
      return s;
    }
  };
  {  // MIN 0, TIME 2: 0 bytes when 200 ms pass without input.
    Raw(0, 2);
    TimedRead r{&ld_, {}, kNoTimer, buf};
    EXPECT_EQ(r.Step(10 * kMs).next, ReadStep::Next::kWait);
    EXPECT_EQ(r.deadline, 210 * kMs);
    EXPECT_EQ(r.Step(100 * kMs).next, ReadStep::Next::kWait);  // woken for nothing
    EXPECT_EQ(r.deadline, 210 * kMs);                          // the same timer
    r.cursor.timer_expired = true;
    ReadStep s = r.Step(210 * kMs);
    EXPECT_EQ(s.next, ReadStep::Next::kReturn);
    EXPECT_EQ(r.cursor.total, 0u);
  }
  {  // MIN 3, TIME 5: each byte restarts the 500 ms timer; it runs out at 2 bytes.
    Raw(3, 5);
    TimedRead r{&ld_, {}, kNoTimer, buf};
    EXPECT_EQ(r.Step(0).next, ReadStep::Next::kWait);
    EXPECT_EQ(r.deadline, kNoTimer);  // no limit before the first byte
    Type("a");
    EXPECT_EQ(r.Step(1000 * kMs).next, ReadStep::Next::kWait);
    EXPECT_EQ(r.deadline, 1500 * kMs);
    Type("b");
    EXPECT_EQ(r.Step(1400 * kMs).next, ReadStep::Next::kWait);
    EXPECT_EQ(r.deadline, 1900 * kMs);
    r.cursor.timer_expired = true;
    EXPECT_EQ(r.Step(1900 * kMs).next, ReadStep::Next::kReturn);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), r.cursor.total), "ab");
  }
  {  // The timer ran out but a byte came meanwhile: it is read and the timer restarts.
    Raw(3, 5);
    TimedRead r{&ld_, {}, kNoTimer, buf};
    Type("x");
    EXPECT_EQ(r.Step(0).next, ReadStep::Next::kWait);
    Type("y");
    r.cursor.timer_expired = true;
    EXPECT_EQ(r.Step(600 * kMs).next, ReadStep::Next::kWait);
    EXPECT_FALSE(r.cursor.timer_expired);
    EXPECT_EQ(r.deadline, 1100 * kMs);
    EXPECT_EQ(r.cursor.total, 2u);
  }
}

TEST_F(LineDisciplineTest, ModeSwitchesKeepPendingInput) {
  Type("abc");
  Raw(1, 0);
  EXPECT_EQ(ReadNow(), "abc");  // the partial line became raw input
  Type("xyz");
  Set(&Termios::c_lflag, linux_abi::kIcanon, 0);
  EXPECT_TRUE(ld_.Readable());
  EXPECT_EQ(ReadNow(), "xyz");  // raw input became a line
  EXPECT_EQ(ReadNow(), "<EAGAIN>");
}

// --- Output --------------------------------------------------------------------------

TEST_F(LineDisciplineTest, OutputProcessing) {
  auto write = [&](const std::string& s) {
    ld_.Write(kstd::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()),
              sink_);
    return sink_.Take();
  };
  EXPECT_EQ(write("a\nb"), "a\r\nb");
  EXPECT_EQ(ld_.column(), 1u);
  EXPECT_EQ(write("\tx"), "\tx");
  EXPECT_EQ(ld_.column(), 9u);
  Set(&Termios::c_oflag, linux_abi::kXtabs, 0);
  EXPECT_EQ(write("\r\tx"), "\r        x");
  Set(&Termios::c_oflag, linux_abi::kOcrnl | linux_abi::kOlcuc,
      linux_abi::kXtabs | linux_abi::kOnlcr);
  EXPECT_EQ(write("ab\rc\n"), "AB\nC\n");
  Set(&Termios::c_oflag, linux_abi::kOnocr, linux_abi::kOcrnl | linux_abi::kOlcuc);
  EXPECT_EQ(write("\r\rx\r"), "\rx\r");  // a CR at column 0 is dropped
  Set(&Termios::c_oflag, 0, linux_abi::kOpost);
  EXPECT_EQ(write("a\nb\t"), "a\nb\t");
}

TEST_F(LineDisciplineTest, FlowControl) {
  EXPECT_EQ(Type("\x13").signal, 0);
  EXPECT_TRUE(ld_.output_stopped());
  EXPECT_FALSE(ld_.Writable());
  const uint8_t hi[] = {'h', 'i'};
  EXPECT_EQ(ld_.Write(kstd::Span<const uint8_t>(hi, 2), sink_), 0u);
  Type("ab");
  EXPECT_EQ(sink_.Take(), "");  // echo held
  InputEvents ev = Type("\x11");
  EXPECT_TRUE(ev.wake_writers);
  EXPECT_EQ(sink_.Take(), "ab");
  EXPECT_EQ(ld_.Write(kstd::Span<const uint8_t>(hi, 2), sink_), 2u);
  EXPECT_EQ(sink_.Take(), "hi");
  // IXANY: any byte restarts.
  Set(&Termios::c_iflag, linux_abi::kIxany, 0);
  Type(
      "\x13"
      "c");
  EXPECT_FALSE(ld_.output_stopped());
  EXPECT_EQ(sink_.Take(), "c");
  // TCOOFF is only undone by TCOON.
  ASSERT_TRUE(ld_.FlowControl(linux_abi::kTcooff, sink_).ok());
  Type(
      "\x11"
      "d");
  EXPECT_TRUE(ld_.output_stopped());
  ASSERT_TRUE(ld_.FlowControl(linux_abi::kTcoon, sink_).ok());
  EXPECT_EQ(sink_.Take(), "d");
  ASSERT_TRUE(ld_.FlowControl(linux_abi::kTcioff, sink_).ok());
  ASSERT_TRUE(ld_.FlowControl(linux_abi::kTcion, sink_).ok());
  EXPECT_EQ(sink_.Take(), "\x13\x11");
  EXPECT_EQ(ld_.FlowControl(7, sink_).error(), kstd::Error::kInvalid);
  // ^C restarts output too.
  Type("\x13\x03");
  EXPECT_FALSE(ld_.output_stopped());
}

TEST_F(LineDisciplineTest, FlushAndWindowSize) {
  Type("abc\ndef");
  ASSERT_TRUE(ld_.Flush(linux_abi::kTciflush).ok());
  EXPECT_EQ(ReadNow(), "<EAGAIN>");
  EXPECT_EQ(ld_.Flush(3).error(), kstd::Error::kInvalid);
  Type("x\n");
  Termios t = ld_.termios();
  ld_.SetTermiosFlush(t, sink_);
  EXPECT_EQ(ReadNow(), "<EAGAIN>");
  linux_abi::WinSize ws = {24, 80, 0, 0};
  EXPECT_TRUE(ld_.SetWindowSize(ws));
  EXPECT_FALSE(ld_.SetWindowSize(ws));
  EXPECT_EQ(ld_.window_size().ws_col, 80);
}

TEST_F(LineDisciplineTest, BreakCondition) {
  EXPECT_EQ(ld_.InputBreak().signal, 0);  // reads as \0
  Raw(1, 0);
  EXPECT_EQ(ReadNow(), std::string("\0", 1));
  Set(&Termios::c_iflag, linux_abi::kBrkint, 0);
  EXPECT_EQ(ld_.InputBreak().signal, linux_abi::kSigInt);
  Set(&Termios::c_iflag, linux_abi::kIgnbrk, 0);
  EXPECT_EQ(ld_.InputBreak().signal, 0);
  EXPECT_EQ(ReadNow(), "<EAGAIN>");
}

}  // namespace
}  // namespace core::posix::tty
