#pragma once

// The terminal line discipline of the serial console, with Linux N_TTY's
// observable behaviour (drivers/tty/n_tty.c): input processing (ISTRIP,
// IUCLC, IGNCR/ICRNL/INLCR), canonical line editing (ERASE, KILL, WERASE,
// REPRINT, LNEXT, EOF, EOL/EOL2), echo (ECHO, ECHOE, ECHOK, ECHOKE, ECHONL,
// ECHOCTL as ^X, ECHOPRT), signal characters (ISIG), flow control (IXON,
// IXANY), non-canonical reads with VMIN/VTIME, output processing (OPOST,
// ONLCR, OCRNL, ONOCR, ONLRET, OLCUC, XTABS) with the column tracking that
// tab erasure needs, and UTF-8 aware erasure (IUTF8).
//
// The discipline is pure and never blocks: it knows no processes and no
// clock. Input returns events (a signal to send to the foreground process
// group, readers to wake, writers to wake); Read copies what it may and tells
// the caller whether to return, wait (with an optional VTIME timer the caller
// runs), or fail with EAGAIN; Write emits processed output to a sink and
// stops (returns short) while output is stopped by ^S.
//
// Input buffer: 4096 bytes like N_TTY, holding at most 4095 bytes. When it
// is full, a byte arriving in non-canonical mode, or in canonical mode while
// a complete line waits to be read, is dropped (InputEvents::dropped; Linux
// throttles the driver instead, and a UART then drops). In canonical mode
// with no complete line, editing keeps working: each new byte replaces the
// last one, so ERASE, KILL and newline still act and the line stays at 4095
// bytes + its terminator (as Linux).
//
// Locking: none inside; the tty's lock guards every call. Input may be
// called from the UART interrupt path: it does not allocate.

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/termios.h"
#include "core/posix/tty/termios.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core::posix::tty {

/// Where processed output and echo go (the UART transmitter). Accepts
/// everything it is given.
class OutputSink {
 public:
  virtual void Write(const uint8_t* data, size_t size) = 0;

 protected:
  ~OutputSink() = default;
};

/// What one input byte caused.
struct InputEvents {
  /// SIGINT, SIGQUIT or SIGTSTP to send to the terminal's foreground
  /// process group (ISIG), or 0.
  int signal = 0;
  /// Readers may be able to make progress (a line completed, raw data
  /// arrived, or input was flushed): wake them to call Read again.
  bool wake_readers = false;
  /// Output was restarted (^Q, IXANY, ^C): wake blocked writers.
  bool wake_writers = false;
  /// The input buffer was full; the byte was discarded.
  bool dropped = false;
};

/// One read(2) in progress: the syscall layer makes one per read call and
/// passes it to every Read step of that call.
struct ReadCursor {
  /// Bytes this read has returned so far (Read adds to it).
  size_t total = 0;
  /// Set by the caller when the timer Read asked for ran out (and cleared
  /// when it restarts the timer).
  bool timer_expired = false;
  /// Kept by Read: whether a step has run.
  bool started = false;
};

struct ReadStep {
  enum class Next : uint8_t {
    kReturn,  // return cursor.total bytes (0 = end of file in canonical
              // mode, or VMIN/VTIME satisfied with nothing)
    kWait,    // wait for InputEvents::wake_readers (or the timer), then call
              // Read again; on a signal return total, or -ERESTARTSYS if 0
    kAgain,   // O_NONBLOCK with nothing to return: -EAGAIN
  };
  size_t copied = 0;  // bytes placed at the start of `out` by this step
  Next next = Next::kReturn;
  /// For kWait: the VTIME timer in tenths of a second (0: none, wait for
  /// input only). If `restart_timer`, (re)start it now; otherwise keep the
  /// one already running.
  uint32_t timer_ds = 0;
  bool restart_timer = false;
};

/// ReadTimerDeadline's "no timer": wait for input only.
inline constexpr uint64_t kNoTimer = 0;

/// The caller's half of the VTIME timer, on any clock that counts
/// nanoseconds. After `step` (a kWait): the time at which the wait must end,
/// or kNoTimer to wait for input only. `running` is what this returned for
/// the read's previous step (kNoTimer at first); it is kept unless the step
/// restarts the timer. Restarting clears cursor->timer_expired. When a wait
/// reaches the deadline, the caller sets timer_expired and calls Read again.
uint64_t ReadTimerDeadline(const ReadStep& step, uint64_t now_ns, uint64_t running,
                           ReadCursor* cursor);

class LineDiscipline {
 public:
  static constexpr size_t kBufferSize = 4096;  // N_TTY_BUF_SIZE
  static constexpr size_t kHeldOutputSize = 4096;

  LineDiscipline();
  explicit LineDiscipline(const Termios& termios);

  const Termios& termios() const { return termios_; }
  /// TCSETS/TCSETSW (the console's output is synchronous, so "after output
  /// drains" is now) and TCSETS2 & co. Switching ICANON on makes pending raw
  /// input one readable line; switching it off makes a partial line
  /// readable. Turning IXON off restarts stopped output (held bytes go to
  /// `sink`). Returns events (readers/writers to wake).
  InputEvents SetTermios(const Termios& termios, OutputSink& sink);
  /// TCSETSF: flushes the input, then SetTermios.
  InputEvents SetTermiosFlush(const Termios& termios, OutputSink& sink);

  /// Processes one received byte; echo goes to `sink` (or is held while
  /// output is stopped).
  InputEvents Input(uint8_t byte, OutputSink& sink);
  /// A break condition on the line (UART): ignored with IGNBRK; with BRKINT
  /// it is a SIGINT (flushing like ^C); otherwise it reads as \0 (or
  /// \377 \0 \0 with PARMRK).
  InputEvents InputBreak();

  /// One step of read(2) into `out` (the part of the user's buffer still
  /// free; the caller copies out[0..copied) to user memory).
  ///   Canonical: returns as soon as a line (through its newline or EOL
  ///   character) or an end-of-file mark can be copied: at most one line per
  ///   read; a line longer than `out` is returned in pieces. ^D at the start
  ///   of a line makes the read return 0; ^D after text returns the text
  ///   without a newline. A ^D that ends a line of which a previous read
  ///   already took part is consumed silently (it does not look like EOF).
  ///   Non-canonical (MIN = c_cc[VMIN], TIME = c_cc[VTIME], in 0.1 s):
  ///     MIN=0 TIME=0  return what is there, maybe 0, never wait
  ///     MIN>0 TIME=0  wait until MIN bytes (or `out` is full)
  ///     MIN=0 TIME>0  wait up to TIME for the first byte; return 0 on timeout
  ///     MIN>0 TIME>0  wait for the first byte without limit, then until MIN
  ///                   bytes or TIME passes without a new byte (the timer
  ///                   restarts after every byte received)
  ///   With `nonblocking` (O_NONBLOCK), a step that would wait returns what
  ///   it has, or kAgain if the read has nothing (MIN=0 TIME=0 returns 0).
  ReadStep Read(kstd::Span<uint8_t> out, bool nonblocking, ReadCursor* cursor);

  /// write(2): processes `bytes` for output into `sink`. Returns how many
  /// were consumed: all of them, unless output is stopped (^S), in which
  /// case it stops early (the caller waits for wake_writers, or returns
  /// what was written / -EAGAIN).
  size_t Write(kstd::Span<const uint8_t> bytes, OutputSink& sink);

  /// FIONREAD: bytes a read could return (canonical: complete lines without
  /// their end-of-file marks; otherwise everything buffered).
  size_t InputAvailable() const;
  /// poll(POLLIN): a read would not wait (canonical: a line or EOF is ready;
  /// otherwise at least MIN bytes if TIME is 0, else at least one).
  bool Readable() const;
  /// A read that Read told to wait (kWait) can make progress when called
  /// again (Linux's input_available_p(tty, 0)): canonical, a line or EOF is
  /// ready; otherwise any byte is buffered. Unlike Readable it ignores MIN:
  /// a read that already holds some bytes needs only the rest.
  bool ReaderCanProgress() const;
  /// poll(POLLOUT): output is not stopped.
  bool Writable() const { return !output_stopped_; }
  bool output_stopped() const { return output_stopped_; }

  /// TCFLSH: linux_abi::kTciflush drops buffered input, linux_abi::kTcoflush held output,
  /// linux_abi::kTcioflush both. Errors: kInvalid (other selector).
  kstd::Result<void> Flush(int selector);
  /// TCXONC: linux_abi::kTcooff stops output, linux_abi::kTcoon restarts it (held bytes go to
  /// `sink`), linux_abi::kTcioff/linux_abi::kTcion send VSTOP/VSTART to the other side (`sink`).
  /// Errors: kInvalid (other action).
  kstd::Result<InputEvents> FlowControl(int action, OutputSink& sink);

  const linux_abi::WinSize& window_size() const { return window_size_; }
  /// TIOCSWINSZ; true if it changed (the caller then sends SIGWINCH to the
  /// foreground process group).
  bool SetWindowSize(const linux_abi::WinSize& size);

  /// The output column as the discipline tracks it (for tests).
  uint32_t column() const { return column_; }

 private:
  // Input buffer: a ring of kBufferSize bytes with a parallel bit per slot
  // marking a line end. Positions are free-running counters.
  uint8_t BufAt(size_t pos) const { return buf_[pos % kBufferSize]; }
  bool EndAt(size_t pos) const;
  void SetEnd(size_t pos, bool end);
  size_t Buffered() const { return head_ - tail_; }
  void Put(uint8_t c);
  void ResetInput();

  bool Lflag(uint32_t bit) const { return (termios_.c_lflag & bit) != 0; }
  bool Iflag(uint32_t bit) const { return (termios_.c_iflag & bit) != 0; }
  bool Oflag(uint32_t bit) const { return (termios_.c_oflag & bit) != 0; }
  uint8_t Cc(int index) const { return termios_.c_cc[index]; }
  /// `c` equals the enabled control character at `index`.
  bool IsCc(uint8_t c, int index) const { return c != linux_abi::kDisabledChar && c == Cc(index); }
  bool IsContinuation(uint8_t c) const { return Iflag(linux_abi::kIutf8) && (c & 0xC0) == 0x80; }

  // The body of Input after ISTRIP/IUCLC.
  void ReceiveSpecial(uint8_t c, OutputSink& sink, InputEvents* ev);
  void ReceiveOrdinary(uint8_t c, OutputSink& sink, InputEvents* ev);
  void ReceiveSignal(int signo, uint8_t c, OutputSink& sink, InputEvents* ev);
  void Isig(int signo, InputEvents* ev);  // the signal, and the flush unless NOFLSH
  void Erase(uint8_t c, OutputSink& sink);
  void EndLine(uint8_t stored, InputEvents* ev);
  bool IsSpecial(uint8_t c) const;

  // Echo: rendered at once into the output path (held while stopped).
  void EchoChar(uint8_t c, OutputSink& sink);     // ^X form for controls with ECHOCTL
  void EchoRaw(uint8_t c, OutputSink& sink);      // through output processing
  void EchoCtlPair(uint8_t c, OutputSink& sink);  // '^' and c ^ 0100, raw
  void EchoEraseTab(uint32_t num_chars, bool after_tab, OutputSink& sink);
  void FinishErasing(OutputSink& sink);
  void SetCanonColumnIfLineEmpty();

  // Output.
  void OutputByte(uint8_t c, OutputSink& sink);  // OPOST processing
  void Emit(const uint8_t* data, size_t size, OutputSink& sink);
  void StartOutput(OutputSink& sink, InputEvents* ev);
  void StopOutput() { output_stopped_ = true; }

  size_t CanonCopy(kstd::Span<uint8_t> out);
  size_t RawCopy(kstd::Span<uint8_t> out);
  void SkipEofMark();

  Termios termios_;
  linux_abi::WinSize window_size_ = {0, 0, 0, 0};

  uint8_t buf_[kBufferSize];
  uint8_t line_end_[kBufferSize / 8];
  size_t tail_ = 0;        // next byte to read
  size_t canon_head_ = 0;  // end of the complete lines (canonical)
  size_t head_ = 0;        // end of the buffered input
  bool lnext_ = false;     // the previous byte was VLNEXT
  bool erasing_ = false;   // inside an ECHOPRT \...\/ sequence

  bool output_stopped_ = false;  // by VSTOP or TCOOFF
  bool tco_stopped_ = false;     // by TCOOFF: only TCOON restarts it
  uint8_t held_[kHeldOutputSize];
  size_t held_size_ = 0;
  uint32_t column_ = 0;
  uint32_t canon_column_ = 0;
};

}  // namespace core::posix::tty
