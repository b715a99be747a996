// abi/linux/termios.h against glibc's headers (user programs compile
// against them): the c_cc indices, the flag bits, the start of glibc's
// struct termios, struct winsize and the tty ioctls. The kernel's own
// termios/termios2 and every ioctl number are checked against <asm/*.h> in
// kernel_uapi_test.cc.

#include <gtest/gtest.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "abi/linux/termios.h"

namespace linux_abi {
namespace {

TEST(TermiosAbiTest, GlibcTermiosStartsLikeTheKernels) {
  // glibc's struct termios starts like the kernel's (then grows c_cc to 32).
  EXPECT_EQ(offsetof(KernelTermios, c_iflag), offsetof(struct termios, c_iflag));
  EXPECT_EQ(offsetof(KernelTermios, c_oflag), offsetof(struct termios, c_oflag));
  EXPECT_EQ(offsetof(KernelTermios, c_cflag), offsetof(struct termios, c_cflag));
  EXPECT_EQ(offsetof(KernelTermios, c_lflag), offsetof(struct termios, c_lflag));
  EXPECT_EQ(offsetof(KernelTermios, c_line), offsetof(struct termios, c_line));
  EXPECT_EQ(offsetof(KernelTermios, c_cc), offsetof(struct termios, c_cc));
  EXPECT_EQ(sizeof(WinSize), sizeof(struct winsize));
  EXPECT_EQ(offsetof(WinSize, ws_row), offsetof(struct winsize, ws_row));
  EXPECT_EQ(offsetof(WinSize, ws_col), offsetof(struct winsize, ws_col));
  EXPECT_EQ(offsetof(WinSize, ws_xpixel), offsetof(struct winsize, ws_xpixel));
  EXPECT_EQ(offsetof(WinSize, ws_ypixel), offsetof(struct winsize, ws_ypixel));
}

TEST(TermiosAbiTest, FlagsAndIndicesMatchGlibc) {
  EXPECT_EQ(kVIntr, VINTR);
  EXPECT_EQ(kVQuit, VQUIT);
  EXPECT_EQ(kVErase, VERASE);
  EXPECT_EQ(kVKill, VKILL);
  EXPECT_EQ(kVEof, VEOF);
  EXPECT_EQ(kVTime, VTIME);
  EXPECT_EQ(kVMin, VMIN);
  EXPECT_EQ(kVSwtc, VSWTC);
  EXPECT_EQ(kVStart, VSTART);
  EXPECT_EQ(kVStop, VSTOP);
  EXPECT_EQ(kVSusp, VSUSP);
  EXPECT_EQ(kVEol, VEOL);
  EXPECT_EQ(kVReprint, VREPRINT);
  EXPECT_EQ(kVDiscard, VDISCARD);
  EXPECT_EQ(kVWerase, VWERASE);
  EXPECT_EQ(kVLnext, VLNEXT);
  EXPECT_EQ(kVEol2, VEOL2);
  EXPECT_EQ(kIgnbrk, static_cast<uint32_t>(IGNBRK));
  EXPECT_EQ(kBrkint, static_cast<uint32_t>(BRKINT));
  EXPECT_EQ(kIgnpar, static_cast<uint32_t>(IGNPAR));
  EXPECT_EQ(kParmrk, static_cast<uint32_t>(PARMRK));
  EXPECT_EQ(kInpck, static_cast<uint32_t>(INPCK));
  EXPECT_EQ(kIstrip, static_cast<uint32_t>(ISTRIP));
  EXPECT_EQ(kInlcr, static_cast<uint32_t>(INLCR));
  EXPECT_EQ(kIgncr, static_cast<uint32_t>(IGNCR));
  EXPECT_EQ(kIcrnl, static_cast<uint32_t>(ICRNL));
  EXPECT_EQ(kIuclc, static_cast<uint32_t>(IUCLC));
  EXPECT_EQ(kIxon, static_cast<uint32_t>(IXON));
  EXPECT_EQ(kIxany, static_cast<uint32_t>(IXANY));
  EXPECT_EQ(kIxoff, static_cast<uint32_t>(IXOFF));
  EXPECT_EQ(kImaxbel, static_cast<uint32_t>(IMAXBEL));
  EXPECT_EQ(kIutf8, static_cast<uint32_t>(IUTF8));
  EXPECT_EQ(kOpost, static_cast<uint32_t>(OPOST));
  EXPECT_EQ(kOlcuc, static_cast<uint32_t>(OLCUC));
  EXPECT_EQ(kOnlcr, static_cast<uint32_t>(ONLCR));
  EXPECT_EQ(kOcrnl, static_cast<uint32_t>(OCRNL));
  EXPECT_EQ(kOnocr, static_cast<uint32_t>(ONOCR));
  EXPECT_EQ(kOnlret, static_cast<uint32_t>(ONLRET));
  EXPECT_EQ(kOfill, static_cast<uint32_t>(OFILL));
  EXPECT_EQ(kOfdel, static_cast<uint32_t>(OFDEL));
  EXPECT_EQ(kNldly, static_cast<uint32_t>(NLDLY));
  EXPECT_EQ(kCrdly, static_cast<uint32_t>(CRDLY));
  EXPECT_EQ(kTabdly, static_cast<uint32_t>(TABDLY));
  EXPECT_EQ(kXtabs, static_cast<uint32_t>(TAB3));
  EXPECT_EQ(kBsdly, static_cast<uint32_t>(BSDLY));
  EXPECT_EQ(kVtdly, static_cast<uint32_t>(VTDLY));
  EXPECT_EQ(kFfdly, static_cast<uint32_t>(FFDLY));
  EXPECT_EQ(kCbaud, static_cast<uint32_t>(CBAUD));
  EXPECT_EQ(kB0, static_cast<uint32_t>(B0));
  EXPECT_EQ(kB9600, static_cast<uint32_t>(B9600));
  EXPECT_EQ(kB38400, static_cast<uint32_t>(B38400));
  EXPECT_EQ(kB115200, static_cast<uint32_t>(B115200));
  EXPECT_EQ(kCsize, static_cast<uint32_t>(CSIZE));
  EXPECT_EQ(kCs8, static_cast<uint32_t>(CS8));
  EXPECT_EQ(kCstopb, static_cast<uint32_t>(CSTOPB));
  EXPECT_EQ(kCread, static_cast<uint32_t>(CREAD));
  EXPECT_EQ(kParenb, static_cast<uint32_t>(PARENB));
  EXPECT_EQ(kParodd, static_cast<uint32_t>(PARODD));
  EXPECT_EQ(kHupcl, static_cast<uint32_t>(HUPCL));
  EXPECT_EQ(kClocal, static_cast<uint32_t>(CLOCAL));
  EXPECT_EQ(kCmspar, static_cast<uint32_t>(CMSPAR));
  EXPECT_EQ(kCrtscts, static_cast<uint32_t>(CRTSCTS));
  EXPECT_EQ(kIsig, static_cast<uint32_t>(ISIG));
  EXPECT_EQ(kIcanon, static_cast<uint32_t>(ICANON));
  EXPECT_EQ(kXcase, static_cast<uint32_t>(XCASE));
  EXPECT_EQ(kEcho, static_cast<uint32_t>(ECHO));
  EXPECT_EQ(kEchoe, static_cast<uint32_t>(ECHOE));
  EXPECT_EQ(kEchok, static_cast<uint32_t>(ECHOK));
  EXPECT_EQ(kEchonl, static_cast<uint32_t>(ECHONL));
  EXPECT_EQ(kNoflsh, static_cast<uint32_t>(NOFLSH));
  EXPECT_EQ(kTostop, static_cast<uint32_t>(TOSTOP));
  EXPECT_EQ(kEchoctl, static_cast<uint32_t>(ECHOCTL));
  EXPECT_EQ(kEchoprt, static_cast<uint32_t>(ECHOPRT));
  EXPECT_EQ(kEchoke, static_cast<uint32_t>(ECHOKE));
  EXPECT_EQ(kFlusho, static_cast<uint32_t>(FLUSHO));
  EXPECT_EQ(kPendin, static_cast<uint32_t>(PENDIN));
  EXPECT_EQ(kIexten, static_cast<uint32_t>(IEXTEN));
  EXPECT_EQ(kExtproc, static_cast<uint32_t>(EXTPROC));
  EXPECT_EQ(kTciflush, TCIFLUSH);
  EXPECT_EQ(kTcoflush, TCOFLUSH);
  EXPECT_EQ(kTcioflush, TCIOFLUSH);
  EXPECT_EQ(kTcooff, TCOOFF);
  EXPECT_EQ(kTcoon, TCOON);
  EXPECT_EQ(kTcioff, TCIOFF);
  EXPECT_EQ(kTcion, TCION);
}

TEST(TermiosAbiTest, IoctlNumbersMatchGlibc) {
  // And glibc's <sys/ioctl.h>, which user programs compile against.
  EXPECT_EQ(kTcgets, static_cast<uint32_t>(TCGETS));
  EXPECT_EQ(kTiocgwinsz, static_cast<uint32_t>(TIOCGWINSZ));
  EXPECT_EQ(kTiocspgrp, static_cast<uint32_t>(TIOCSPGRP));
  EXPECT_EQ(kFionread, static_cast<uint32_t>(FIONREAD));
}

}  // namespace
}  // namespace linux_abi
