#pragma once

// Linux x86-64 terminal ABI: struct termios/termios2 as the TCGETS/TCGETS2
// ioctls copy them (arch/x86 uses include/uapi/asm-generic/termbits.h), the
// flag bits, the c_cc indices, struct winsize, and the tty ioctl request
// numbers with their argument types (include/uapi/asm-generic/ioctls.h).
// glibc's struct termios is a different, larger user-side struct (c_cc[32]
// and speed fields): glibc converts, the kernel only ever sees the layouts
// below.

#include <stddef.h>
#include <stdint.h>

namespace linux_abi {

// c_cc indices.
inline constexpr int kVIntr = 0;
inline constexpr int kVQuit = 1;
inline constexpr int kVErase = 2;
inline constexpr int kVKill = 3;
inline constexpr int kVEof = 4;
inline constexpr int kVTime = 5;
inline constexpr int kVMin = 6;
inline constexpr int kVSwtc = 7;
inline constexpr int kVStart = 8;
inline constexpr int kVStop = 9;
inline constexpr int kVSusp = 10;
inline constexpr int kVEol = 11;
inline constexpr int kVReprint = 12;
inline constexpr int kVDiscard = 13;
inline constexpr int kVWerase = 14;
inline constexpr int kVLnext = 15;
inline constexpr int kVEol2 = 16;
/// NCCS of the kernel's struct termios.
inline constexpr int kNccs = 19;
/// A c_cc value of 0 disables that character (_POSIX_VDISABLE).
inline constexpr uint8_t kDisabledChar = 0;

// c_iflag.
inline constexpr uint32_t kIgnbrk = 0000001;
inline constexpr uint32_t kBrkint = 0000002;
inline constexpr uint32_t kIgnpar = 0000004;
inline constexpr uint32_t kParmrk = 0000010;
inline constexpr uint32_t kInpck = 0000020;
inline constexpr uint32_t kIstrip = 0000040;
inline constexpr uint32_t kInlcr = 0000100;
inline constexpr uint32_t kIgncr = 0000200;
inline constexpr uint32_t kIcrnl = 0000400;
inline constexpr uint32_t kIuclc = 0001000;
inline constexpr uint32_t kIxon = 0002000;
inline constexpr uint32_t kIxany = 0004000;
inline constexpr uint32_t kIxoff = 0010000;
inline constexpr uint32_t kImaxbel = 0020000;
inline constexpr uint32_t kIutf8 = 0040000;

// c_oflag.
inline constexpr uint32_t kOpost = 0000001;
inline constexpr uint32_t kOlcuc = 0000002;
inline constexpr uint32_t kOnlcr = 0000004;
inline constexpr uint32_t kOcrnl = 0000010;
inline constexpr uint32_t kOnocr = 0000020;
inline constexpr uint32_t kOnlret = 0000040;
inline constexpr uint32_t kOfill = 0000100;
inline constexpr uint32_t kOfdel = 0000200;
inline constexpr uint32_t kNldly = 0000400;
inline constexpr uint32_t kCrdly = 0003000;
inline constexpr uint32_t kTabdly = 0014000;
inline constexpr uint32_t kXtabs = 0014000;  // TAB3: tabs expand to spaces
inline constexpr uint32_t kBsdly = 0020000;
inline constexpr uint32_t kVtdly = 0040000;
inline constexpr uint32_t kFfdly = 0100000;

// c_cflag.
inline constexpr uint32_t kCbaud = 0010017;
inline constexpr uint32_t kB0 = 0000000;
inline constexpr uint32_t kB9600 = 0000015;
inline constexpr uint32_t kB38400 = 0000017;
inline constexpr uint32_t kB115200 = 0010002;
inline constexpr uint32_t kBother = 0010000;
inline constexpr uint32_t kCsize = 0000060;
inline constexpr uint32_t kCs8 = 0000060;
inline constexpr uint32_t kCstopb = 0000100;
inline constexpr uint32_t kCread = 0000200;
inline constexpr uint32_t kParenb = 0000400;
inline constexpr uint32_t kParodd = 0001000;
inline constexpr uint32_t kHupcl = 0002000;
inline constexpr uint32_t kClocal = 0004000;
inline constexpr uint32_t kCibaud = 002003600000;
inline constexpr uint32_t kCmspar = 010000000000;
inline constexpr uint32_t kCrtscts = 020000000000;

// c_lflag.
inline constexpr uint32_t kIsig = 0000001;
inline constexpr uint32_t kIcanon = 0000002;
inline constexpr uint32_t kXcase = 0000004;
inline constexpr uint32_t kEcho = 0000010;
inline constexpr uint32_t kEchoe = 0000020;
inline constexpr uint32_t kEchok = 0000040;
inline constexpr uint32_t kEchonl = 0000100;
inline constexpr uint32_t kNoflsh = 0000200;
inline constexpr uint32_t kTostop = 0000400;
inline constexpr uint32_t kEchoctl = 0001000;
inline constexpr uint32_t kEchoprt = 0002000;
inline constexpr uint32_t kEchoke = 0004000;
inline constexpr uint32_t kFlusho = 0010000;
inline constexpr uint32_t kPendin = 0040000;
inline constexpr uint32_t kIexten = 0100000;
inline constexpr uint32_t kExtproc = 0200000;

/// struct termios as TCGETS/TCSETS* copy it. 36 bytes.
struct KernelTermios {
  uint32_t c_iflag;
  uint32_t c_oflag;
  uint32_t c_cflag;
  uint32_t c_lflag;
  uint8_t c_line;
  uint8_t c_cc[kNccs];
};
static_assert(sizeof(KernelTermios) == 36);

/// struct termios2 as TCGETS2/TCSETS2* copy it (adds explicit speeds). 44 bytes.
struct KernelTermios2 {
  uint32_t c_iflag;
  uint32_t c_oflag;
  uint32_t c_cflag;
  uint32_t c_lflag;
  uint8_t c_line;
  uint8_t c_cc[kNccs];
  uint32_t c_ispeed;
  uint32_t c_ospeed;
};
static_assert(sizeof(KernelTermios2) == 44);
static_assert(offsetof(KernelTermios2, c_ispeed) == 36);

/// struct winsize (TIOCGWINSZ/TIOCSWINSZ). 8 bytes.
struct WinSize {
  uint16_t ws_row;
  uint16_t ws_col;
  uint16_t ws_xpixel;
  uint16_t ws_ypixel;
};
static_assert(sizeof(WinSize) == 8);

// ioctl requests (include/uapi/asm-generic/ioctls.h), with the argument
// `arg` as the syscall receives it.
inline constexpr uint32_t kTcgets = 0x5401;      // KernelTermios* (out)
inline constexpr uint32_t kTcsets = 0x5402;      // const KernelTermios*: now
inline constexpr uint32_t kTcsetsw = 0x5403;     //   ... after output drains
inline constexpr uint32_t kTcsetsf = 0x5404;     //   ... after drain, input flushed
inline constexpr uint32_t kTcsbrk = 0x5409;      // int by value; tcdrain() is TCSBRK 1
inline constexpr uint32_t kTcxonc = 0x540A;      // int by value: kTcooff..kTcion
inline constexpr uint32_t kTcflsh = 0x540B;      // int by value: kTciflush..kTcioflush
inline constexpr uint32_t kTiocsctty = 0x540E;   // int by value (1 = steal, needs root)
inline constexpr uint32_t kTiocgpgrp = 0x540F;   // pid_t* (out): foreground group
inline constexpr uint32_t kTiocspgrp = 0x5410;   // const pid_t*
inline constexpr uint32_t kTiocoutq = 0x5411;    // int* (out): bytes not yet sent
inline constexpr uint32_t kTiocsti = 0x5412;     // const char*: fake input
inline constexpr uint32_t kTiocgwinsz = 0x5413;  // WinSize* (out)
inline constexpr uint32_t kTiocswinsz = 0x5414;  // const WinSize*
inline constexpr uint32_t kFionread = 0x541B;    // int* (out) = TIOCINQ: InputAvailable()
inline constexpr uint32_t kTiocinq = kFionread;
inline constexpr uint32_t kFionbio = 0x5421;      // const int*: O_NONBLOCK on/off (fd layer)
inline constexpr uint32_t kTiocnotty = 0x5422;    // no argument
inline constexpr uint32_t kTiocsetd = 0x5423;     // const int*: line discipline (0 = N_TTY)
inline constexpr uint32_t kTiocgetd = 0x5424;     // int* (out)
inline constexpr uint32_t kTiocgsid = 0x5429;     // pid_t* (out): session of the tty
inline constexpr uint32_t kTcgets2 = 0x802C542A;  // KernelTermios2* (out)
inline constexpr uint32_t kTcsets2 = 0x402C542B;  // const KernelTermios2*
inline constexpr uint32_t kTcsetsw2 = 0x402C542C;
inline constexpr uint32_t kTcsetsf2 = 0x402C542D;
inline constexpr uint32_t kFionclex = 0x5450;  // no argument (fd layer)
inline constexpr uint32_t kFioclex = 0x5451;   // no argument (fd layer)

// TCFLSH arguments.
inline constexpr int kTciflush = 0;
inline constexpr int kTcoflush = 1;
inline constexpr int kTcioflush = 2;
// TCXONC arguments.
inline constexpr int kTcooff = 0;
inline constexpr int kTcoon = 1;
inline constexpr int kTcioff = 2;
inline constexpr int kTcion = 3;

}  // namespace linux_abi
