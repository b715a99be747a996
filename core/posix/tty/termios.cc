#include "core/posix/tty/termios.h"

#include "abi/linux/termios.h"

namespace core::posix::tty {
namespace {

// Bits per second of CBAUD codes 0..15 and CBAUDEX|1 .. CBAUDEX|15.
constexpr uint32_t kBaseSpeeds[16] = {0,   50,   75,   110,  134,  150,  200,   300,
                                      600, 1200, 1800, 2400, 4800, 9600, 19200, 38400};
constexpr uint32_t kExtendedSpeeds[16] = {0,       57600,   115200,  230400,  460800,  500000,
                                          576000,  921600,  1000000, 1152000, 1500000, 2000000,
                                          2500000, 3000000, 3500000, 4000000};
constexpr int kCibaudShift = 16;  // CIBAUD = CBAUD << 16

}  // namespace

uint32_t BaudCodeToSpeed(uint32_t cbaud) {
  cbaud &= linux_abi::kCbaud;
  if (cbaud & linux_abi::kBother) return kExtendedSpeeds[cbaud & 017];
  return kBaseSpeeds[cbaud & 017];
}

Termios DefaultSerialTermios() {
  Termios t = {};
  t.c_iflag = linux_abi::kIcrnl | linux_abi::kIxon;
  t.c_oflag = linux_abi::kOpost | linux_abi::kOnlcr;
  t.c_cflag = linux_abi::kB115200 | linux_abi::kCs8 | linux_abi::kCread | linux_abi::kHupcl |
              linux_abi::kClocal;
  t.c_lflag = linux_abi::kIsig | linux_abi::kIcanon | linux_abi::kEcho | linux_abi::kEchoe |
              linux_abi::kEchok | linux_abi::kEchoctl | linux_abi::kEchoke | linux_abi::kIexten;
  t.c_line = 0;                       // N_TTY
  t.c_cc[linux_abi::kVIntr] = 0x03;   // ^C
  t.c_cc[linux_abi::kVQuit] = 0x1C;   // ^\ (FS)
  t.c_cc[linux_abi::kVErase] = 0x7F;  // DEL
  t.c_cc[linux_abi::kVKill] = 0x15;   // ^U
  t.c_cc[linux_abi::kVEof] = 0x04;    // ^D
  t.c_cc[linux_abi::kVTime] = 0;
  t.c_cc[linux_abi::kVMin] = 1;
  t.c_cc[linux_abi::kVSwtc] = 0;
  t.c_cc[linux_abi::kVStart] = 0x11;  // ^Q
  t.c_cc[linux_abi::kVStop] = 0x13;   // ^S
  t.c_cc[linux_abi::kVSusp] = 0x1A;   // ^Z
  t.c_cc[linux_abi::kVEol] = 0;
  t.c_cc[linux_abi::kVReprint] = 0x12;  // ^R
  t.c_cc[linux_abi::kVDiscard] = 0x0F;  // ^O
  t.c_cc[linux_abi::kVWerase] = 0x17;   // ^W
  t.c_cc[linux_abi::kVLnext] = 0x16;    // ^V
  t.c_cc[linux_abi::kVEol2] = 0;
  t.c_ispeed = 115200;
  t.c_ospeed = 115200;
  return t;
}

linux_abi::KernelTermios ToKernelTermios(const Termios& t) {
  linux_abi::KernelTermios k;
  k.c_iflag = t.c_iflag;
  k.c_oflag = t.c_oflag;
  k.c_cflag = t.c_cflag;
  k.c_lflag = t.c_lflag;
  k.c_line = t.c_line;
  for (int i = 0; i < linux_abi::kNccs; ++i) k.c_cc[i] = t.c_cc[i];
  return k;
}

Termios FromKernelTermios(const linux_abi::KernelTermios& k) {
  Termios t;
  t.c_iflag = k.c_iflag;
  t.c_oflag = k.c_oflag;
  t.c_cflag = k.c_cflag;
  t.c_lflag = k.c_lflag;
  t.c_line = k.c_line;
  for (int i = 0; i < linux_abi::kNccs; ++i) t.c_cc[i] = k.c_cc[i];
  t.c_ospeed = BaudCodeToSpeed(k.c_cflag);
  uint32_t input_code = (k.c_cflag & linux_abi::kCibaud) >> kCibaudShift;
  t.c_ispeed = input_code == 0 ? t.c_ospeed : BaudCodeToSpeed(input_code);
  return t;
}

}  // namespace core::posix::tty
