#include "core/posix/tty/line_discipline.h"

#include "abi/linux/signal.h"
#include "abi/linux/termios.h"
#include "core/posix/signals.h"
#include "kstd/utility.h"

namespace core::posix::tty {
namespace {

// Character classes as the Linux kernel's ctype table (lib/ctype.c) has
// them: ASCII plus Latin-1 letters; 128..159 are not control characters.
bool IsCntrl(uint8_t c) { return c < 0x20 || c == 0x7F; }
bool IsUpper(uint8_t c) { return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7); }
bool IsLower(uint8_t c) { return (c >= 'a' && c <= 'z') || (c >= 0xDF && c != 0xF7); }
bool IsAlnum(uint8_t c) { return (c >= '0' && c <= '9') || IsUpper(c) || IsLower(c); }
uint8_t ToLower(uint8_t c) { return IsUpper(c) ? static_cast<uint8_t>(c + 0x20) : c; }
uint8_t ToUpper(uint8_t c) { return IsLower(c) ? static_cast<uint8_t>(c - 0x20) : c; }

}  // namespace

LineDiscipline::LineDiscipline() : LineDiscipline(DefaultSerialTermios()) {}

LineDiscipline::LineDiscipline(const Termios& termios) : termios_(termios) {
  __builtin_memset(buf_, 0, sizeof(buf_));
  __builtin_memset(line_end_, 0, sizeof(line_end_));
}

// --- Input buffer -----------------------------------------------------------

bool LineDiscipline::EndAt(size_t pos) const {
  size_t slot = pos % kBufferSize;
  return (line_end_[slot / 8] >> (slot % 8)) & 1;
}

void LineDiscipline::SetEnd(size_t pos, bool end) {
  size_t slot = pos % kBufferSize;
  uint8_t bit = static_cast<uint8_t>(1u << (slot % 8));
  if (end) {
    line_end_[slot / 8] |= bit;
  } else {
    line_end_[slot / 8] &= static_cast<uint8_t>(~bit);
  }
}

void LineDiscipline::Put(uint8_t c) {
  buf_[head_ % kBufferSize] = c;
  SetEnd(head_, false);
  ++head_;
}

void LineDiscipline::ResetInput() {
  tail_ = canon_head_ = head_ = 0;
  erasing_ = false;
  __builtin_memset(line_end_, 0, sizeof(line_end_));
}

// --- Output -----------------------------------------------------------------

void LineDiscipline::Emit(const uint8_t* data, size_t size, OutputSink& sink) {
  if (!output_stopped_) {
    sink.Write(data, size);
    return;
  }
  // Held until output restarts; beyond the hold buffer, echo is lost.
  for (size_t i = 0; i < size && held_size_ < kHeldOutputSize; ++i) held_[held_size_++] = data[i];
}

void LineDiscipline::OutputByte(uint8_t c, OutputSink& sink) {
  if (!Oflag(linux_abi::kOpost)) {
    Emit(&c, 1, sink);
    return;
  }
  switch (c) {
    case '\n':
      if (Oflag(linux_abi::kOnlret)) column_ = 0;
      if (Oflag(linux_abi::kOnlcr)) {
        canon_column_ = column_ = 0;
        static constexpr uint8_t kCrLf[2] = {'\r', '\n'};
        Emit(kCrLf, 2, sink);
        return;
      }
      canon_column_ = column_;
      break;
    case '\r':
      if (Oflag(linux_abi::kOnocr) && column_ == 0) return;
      if (Oflag(linux_abi::kOcrnl)) {
        c = '\n';
        if (Oflag(linux_abi::kOnlret)) canon_column_ = column_ = 0;
        break;
      }
      canon_column_ = column_ = 0;
      break;
    case '\t': {
      uint32_t spaces = 8 - (column_ & 7);
      column_ += spaces;
      if ((termios_.c_oflag & linux_abi::kTabdly) == linux_abi::kXtabs) {
        static constexpr uint8_t kSpaces[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
        Emit(kSpaces, spaces, sink);
        return;
      }
      break;
    }
    case '\b':
      if (column_ > 0) --column_;
      break;
    default:
      if (!IsCntrl(c)) {
        if (Oflag(linux_abi::kOlcuc)) c = ToUpper(c);
        if (!IsContinuation(c)) ++column_;
      }
      break;
  }
  Emit(&c, 1, sink);
}

void LineDiscipline::StartOutput(OutputSink& sink, InputEvents* ev) {
  if (!output_stopped_ || tco_stopped_) return;
  output_stopped_ = false;
  if (held_size_ > 0) sink.Write(held_, held_size_);
  held_size_ = 0;
  ev->wake_writers = true;
}

size_t LineDiscipline::Write(kstd::Span<const uint8_t> bytes, OutputSink& sink) {
  if (output_stopped_) return 0;
  for (uint8_t c : bytes) OutputByte(c, sink);
  return bytes.size();
}

// --- Echo -------------------------------------------------------------------

void LineDiscipline::EchoRaw(uint8_t c, OutputSink& sink) { OutputByte(c, sink); }

void LineDiscipline::EchoCtlPair(uint8_t c, OutputSink& sink) {
  const uint8_t pair[2] = {'^', static_cast<uint8_t>(c ^ 0100)};
  Emit(pair, 2, sink);
  column_ += 2;
}

void LineDiscipline::EchoChar(uint8_t c, OutputSink& sink) {
  if (Lflag(linux_abi::kEchoctl) && IsCntrl(c) && c != '\t') {
    EchoCtlPair(c, sink);
  } else {
    EchoRaw(c, sink);
  }
}

void LineDiscipline::EchoEraseTab(uint32_t num_chars, bool after_tab, OutputSink& sink) {
  // Columns the tab took: from the previous tab stop, counted from the last
  // tab in the line or else from where the line started on screen.
  uint32_t n = num_chars & 7;
  if (!after_tab) n += canon_column_;
  uint32_t backspaces = 8 - (n & 7);
  static constexpr uint8_t kBackspace = '\b';
  for (uint32_t i = 0; i < backspaces; ++i) {
    Emit(&kBackspace, 1, sink);
    if (column_ > 0) --column_;
  }
}

void LineDiscipline::FinishErasing(OutputSink& sink) {
  if (!erasing_) return;
  EchoRaw('/', sink);
  erasing_ = false;
}

void LineDiscipline::SetCanonColumnIfLineEmpty() {
  if (canon_head_ == head_) canon_column_ = column_;
}

// --- Input ------------------------------------------------------------------

bool LineDiscipline::IsSpecial(uint8_t c) const {
  if (c == linux_abi::kDisabledChar) return false;
  if (!(Iflag(linux_abi::kIstrip) || Iflag(linux_abi::kIuclc) || Iflag(linux_abi::kIgncr) ||
        Iflag(linux_abi::kIcrnl) || Iflag(linux_abi::kInlcr) || Lflag(linux_abi::kIcanon) ||
        Iflag(linux_abi::kIxon) || Lflag(linux_abi::kIsig) || Lflag(linux_abi::kEcho) ||
        Iflag(linux_abi::kParmrk))) {
    return false;  // raw: every byte goes straight to the buffer
  }
  if (c == '\r' && (Iflag(linux_abi::kIgncr) || Iflag(linux_abi::kIcrnl))) return true;
  if (c == '\n' && Iflag(linux_abi::kInlcr)) return true;
  if (Lflag(linux_abi::kIcanon)) {
    if (c == Cc(linux_abi::kVErase) || c == Cc(linux_abi::kVKill) || c == Cc(linux_abi::kVEof) ||
        c == '\n' || c == Cc(linux_abi::kVEol)) {
      return true;
    }
    if (Lflag(linux_abi::kIexten)) {
      if (c == Cc(linux_abi::kVWerase) || c == Cc(linux_abi::kVLnext) ||
          c == Cc(linux_abi::kVEol2)) {
        return true;
      }
      if (Lflag(linux_abi::kEcho) && c == Cc(linux_abi::kVReprint)) return true;
    }
  }
  if (Iflag(linux_abi::kIxon) && (c == Cc(linux_abi::kVStart) || c == Cc(linux_abi::kVStop))) {
    return true;
  }
  if (Lflag(linux_abi::kIsig) &&
      (c == Cc(linux_abi::kVIntr) || c == Cc(linux_abi::kVQuit) || c == Cc(linux_abi::kVSusp))) {
    return true;
  }
  return false;
}

InputEvents LineDiscipline::Input(uint8_t byte, OutputSink& sink) {
  InputEvents ev;
  const bool canonical = Lflag(linux_abi::kIcanon);
  // Room: keep one slot free; with PARMRK a byte may take three.
  int64_t room = static_cast<int64_t>(kBufferSize) - static_cast<int64_t>(Buffered());
  if (Iflag(linux_abi::kParmrk)) room = (room + 2) / 3;
  --room;
  if (room <= 0) {
    // Full. An unfinished canonical line keeps accepting edits: each byte
    // takes the place of the last one.
    bool overflow = canonical && canon_head_ == tail_;
    if (!overflow) {
      ev.dropped = true;
      return ev;
    }
    if (room < 0) --head_;
  }

  uint8_t c = byte;
  if (lnext_) {
    lnext_ = false;
    if (Iflag(linux_abi::kIstrip)) c &= 0x7F;
    if (Iflag(linux_abi::kIuclc) && Lflag(linux_abi::kIexten)) c = ToLower(c);
    ReceiveOrdinary(c, sink, &ev);
    return ev;
  }
  if (Iflag(linux_abi::kIstrip)) c &= 0x7F;
  if (Iflag(linux_abi::kIuclc) && Lflag(linux_abi::kIexten)) c = ToLower(c);
  if (IsSpecial(c)) {
    ReceiveSpecial(c, sink, &ev);
  } else {
    ReceiveOrdinary(c, sink, &ev);
  }
  return ev;
}

InputEvents LineDiscipline::InputBreak() {
  InputEvents ev;
  if (Iflag(linux_abi::kIgnbrk)) return ev;
  if (Iflag(linux_abi::kBrkint)) {
    Isig(linux_abi::kSigInt, &ev);
    return ev;
  }
  if (Iflag(linux_abi::kParmrk)) {
    Put(0xFF);
    Put(0);
  }
  Put(0);
  if (!Lflag(linux_abi::kIcanon)) ev.wake_readers = true;
  return ev;
}

void LineDiscipline::ReceiveOrdinary(uint8_t c, OutputSink& sink, InputEvents* ev) {
  if (output_stopped_ && !tco_stopped_ && Iflag(linux_abi::kIxon) && Iflag(linux_abi::kIxany)) {
    StartOutput(sink, ev);
  }
  if (Lflag(linux_abi::kEcho)) {
    FinishErasing(sink);
    SetCanonColumnIfLineEmpty();
    EchoChar(c, sink);
  }
  if (c == 0xFF && Iflag(linux_abi::kParmrk)) Put(c);
  Put(c);
  if (!Lflag(linux_abi::kIcanon)) ev->wake_readers = true;
}

void LineDiscipline::Isig(int signo, InputEvents* ev) {
  ev->signal = signo;
  if (!Lflag(linux_abi::kNoflsh)) {
    // Flush: pending echo and output, and all buffered input.
    held_size_ = 0;
    ResetInput();
    ev->wake_readers = true;
  }
}

void LineDiscipline::ReceiveSignal(int signo, uint8_t c, OutputSink& sink, InputEvents* ev) {
  Isig(signo, ev);
  if (Iflag(linux_abi::kIxon)) StartOutput(sink, ev);
  if (Lflag(linux_abi::kEcho)) EchoChar(c, sink);
}

void LineDiscipline::EndLine(uint8_t stored, InputEvents* ev) {
  Put(stored);
  SetEnd(head_ - 1, true);
  canon_head_ = head_;
  ev->wake_readers = true;
}

void LineDiscipline::ReceiveSpecial(uint8_t c, OutputSink& sink, InputEvents* ev) {
  if (Iflag(linux_abi::kIxon)) {
    if (IsCc(c, linux_abi::kVStart)) {
      StartOutput(sink, ev);
      return;
    }
    if (IsCc(c, linux_abi::kVStop)) {
      StopOutput();
      return;
    }
  }
  if (Lflag(linux_abi::kIsig)) {
    if (IsCc(c, linux_abi::kVIntr)) return ReceiveSignal(linux_abi::kSigInt, c, sink, ev);
    if (IsCc(c, linux_abi::kVQuit)) return ReceiveSignal(linux_abi::kSigQuit, c, sink, ev);
    if (IsCc(c, linux_abi::kVSusp)) return ReceiveSignal(linux_abi::kSigTstp, c, sink, ev);
  }
  if (output_stopped_ && !tco_stopped_ && Iflag(linux_abi::kIxon) && Iflag(linux_abi::kIxany)) {
    StartOutput(sink, ev);
  }

  if (c == '\r') {
    if (Iflag(linux_abi::kIgncr)) return;
    if (Iflag(linux_abi::kIcrnl)) c = '\n';
  } else if (c == '\n' && Iflag(linux_abi::kInlcr)) {
    c = '\r';
  }

  if (Lflag(linux_abi::kIcanon)) {
    if (IsCc(c, linux_abi::kVErase) || IsCc(c, linux_abi::kVKill) ||
        (IsCc(c, linux_abi::kVWerase) && Lflag(linux_abi::kIexten))) {
      Erase(c, sink);
      return;
    }
    if (IsCc(c, linux_abi::kVLnext) && Lflag(linux_abi::kIexten)) {
      lnext_ = true;
      if (Lflag(linux_abi::kEcho)) {
        FinishErasing(sink);
        if (Lflag(linux_abi::kEchoctl)) {
          // Shows "^" with the cursor on it until the next byte replaces it.
          EchoRaw('^', sink);
          EchoRaw('\b', sink);
        }
      }
      return;
    }
    if (IsCc(c, linux_abi::kVReprint) && Lflag(linux_abi::kEcho) && Lflag(linux_abi::kIexten)) {
      FinishErasing(sink);
      EchoChar(c, sink);
      EchoRaw('\n', sink);
      for (size_t pos = canon_head_; pos != head_; ++pos) EchoChar(BufAt(pos), sink);
      return;
    }
    if (c == '\n') {
      if (Lflag(linux_abi::kEcho) || Lflag(linux_abi::kEchonl)) EchoRaw('\n', sink);
      EndLine(c, ev);
      return;
    }
    if (IsCc(c, linux_abi::kVEof)) {
      // The line ends here without a terminator byte: a 0 marks the spot.
      EndLine(linux_abi::kDisabledChar, ev);
      return;
    }
    if (IsCc(c, linux_abi::kVEol) || (IsCc(c, linux_abi::kVEol2) && Lflag(linux_abi::kIexten))) {
      if (Lflag(linux_abi::kEcho)) {
        SetCanonColumnIfLineEmpty();
        EchoChar(c, sink);
      }
      if (c == 0xFF && Iflag(linux_abi::kParmrk)) Put(c);
      EndLine(c, ev);
      return;
    }
  }

  if (Lflag(linux_abi::kEcho)) {
    FinishErasing(sink);
    if (c == '\n') {
      EchoRaw('\n', sink);
    } else {
      SetCanonColumnIfLineEmpty();
      EchoChar(c, sink);
    }
  }
  if (c == 0xFF && Iflag(linux_abi::kParmrk)) Put(c);
  Put(c);
  if (!Lflag(linux_abi::kIcanon)) ev->wake_readers = true;
}

void LineDiscipline::Erase(uint8_t c, OutputSink& sink) {
  if (head_ == canon_head_) return;  // nothing typed on this line
  enum class Kind { kErase, kWordErase, kKill };
  Kind kind;
  if (IsCc(c, linux_abi::kVErase)) {
    kind = Kind::kErase;
  } else if (IsCc(c, linux_abi::kVWerase)) {
    kind = Kind::kWordErase;
  } else {
    if (!Lflag(linux_abi::kEcho)) {
      head_ = canon_head_;
      return;
    }
    if (!Lflag(linux_abi::kEchok) || !Lflag(linux_abi::kEchoke) || !Lflag(linux_abi::kEchoe)) {
      // Kill without visual erasure: show the KILL character (and a newline
      // with ECHOK).
      head_ = canon_head_;
      FinishErasing(sink);
      EchoChar(Cc(linux_abi::kVKill), sink);
      if (Lflag(linux_abi::kEchok)) EchoRaw('\n', sink);
      return;
    }
    kind = Kind::kKill;
  }

  int seen_alnums = 0;
  while (head_ != canon_head_) {
    // One character, which may be several UTF-8 bytes.
    size_t pos = head_;
    uint8_t ch;
    do {
      --pos;
      ch = BufAt(pos);
    } while (IsContinuation(ch) && pos != canon_head_);
    if (IsContinuation(ch)) break;  // never erase part of a character

    if (kind == Kind::kWordErase) {
      // Trailing non-word bytes go with the word before them.
      if (IsAlnum(ch) || ch == '_') {
        ++seen_alnums;
      } else if (seen_alnums > 0) {
        break;
      }
    }
    size_t count = head_ - pos;
    head_ = pos;
    if (Lflag(linux_abi::kEcho)) {
      if (Lflag(linux_abi::kEchoprt)) {
        if (!erasing_) {
          EchoRaw('\\', sink);
          erasing_ = true;
        }
        EchoChar(ch, sink);
        while (--count > 0) {
          ++pos;
          EchoRaw(BufAt(pos), sink);
          if (column_ > 0) --column_;
        }
      } else if (kind == Kind::kErase && !Lflag(linux_abi::kEchoe)) {
        EchoChar(Cc(linux_abi::kVErase), sink);
      } else if (ch == '\t') {
        uint32_t num_chars = 0;
        bool after_tab = false;
        for (size_t t = head_; t != canon_head_;) {
          --t;
          uint8_t x = BufAt(t);
          if (x == '\t') {
            after_tab = true;
            break;
          }
          if (IsCntrl(x)) {
            if (Lflag(linux_abi::kEchoctl)) num_chars += 2;
          } else if (!IsContinuation(x)) {
            ++num_chars;
          }
        }
        EchoEraseTab(num_chars, after_tab, sink);
      } else {
        // "\b \b" per screen column the character took.
        if (IsCntrl(ch) && Lflag(linux_abi::kEchoctl)) {
          EchoRaw('\b', sink);
          EchoRaw(' ', sink);
          EchoRaw('\b', sink);
        }
        if (!IsCntrl(ch) || Lflag(linux_abi::kEchoctl)) {
          EchoRaw('\b', sink);
          EchoRaw(' ', sink);
          EchoRaw('\b', sink);
        }
      }
    }
    if (kind == Kind::kErase) break;
  }
  if (head_ == canon_head_ && Lflag(linux_abi::kEcho)) FinishErasing(sink);
}

// --- Reading ----------------------------------------------------------------

size_t LineDiscipline::CanonCopy(kstd::Span<uint8_t> out) {
  size_t n = kstd::Min(out.size(), canon_head_ - tail_);
  size_t consumed = n;
  size_t count = n;
  bool found = false;
  for (size_t i = 0; i < n; ++i) {
    if (EndAt(tail_ + i)) {
      found = true;
      consumed = i + 1;
      // An end-of-file mark is consumed but not returned.
      count = BufAt(tail_ + i) == linux_abi::kDisabledChar ? i : i + 1;
      SetEnd(tail_ + i, false);
      break;
    }
  }
  for (size_t i = 0; i < count; ++i) out[i] = BufAt(tail_ + i);
  tail_ += consumed;
  if (!found && count == out.size()) SkipEofMark();
  return count;
}

void LineDiscipline::SkipEofMark() {
  // The user's buffer ended right before the line's ^D: that ^D only ended
  // the line; it must not read as end of file next time.
  if (tail_ == canon_head_) return;
  if (!EndAt(tail_) || BufAt(tail_) != linux_abi::kDisabledChar) return;
  SetEnd(tail_, false);
  ++tail_;
}

size_t LineDiscipline::RawCopy(kstd::Span<uint8_t> out) {
  size_t n = kstd::Min(out.size(), Buffered());
  for (size_t i = 0; i < n; ++i) out[i] = BufAt(tail_ + i);
  tail_ += n;
  if (canon_head_ < tail_) canon_head_ = tail_;
  return n;
}

ReadStep LineDiscipline::Read(kstd::Span<uint8_t> out, bool nonblocking, ReadCursor* cursor) {
  ReadStep step;
  const bool first = !cursor->started;
  cursor->started = true;
  if (out.size() == 0) return step;

  if (Lflag(linux_abi::kIcanon)) {
    if (canon_head_ != tail_) {
      step.copied = CanonCopy(out);
      cursor->total += step.copied;
      return step;
    }
    step.next = nonblocking ? (cursor->total > 0 ? ReadStep::Next::kReturn : ReadStep::Next::kAgain)
                            : ReadStep::Next::kWait;
    return step;
  }

  const uint8_t vmin = Cc(linux_abi::kVMin);
  const uint8_t vtime = Cc(linux_abi::kVTime);
  const size_t minimum = vmin > 0 ? vmin : 1;
  if (Buffered() > 0) {
    step.copied = RawCopy(out);
    cursor->total += step.copied;
    if (cursor->total >= minimum || step.copied == out.size() || nonblocking) return step;
    // Fewer than MIN: wait for more; with TIME the inter-byte timer restarts.
    step.next = ReadStep::Next::kWait;
    step.timer_ds = vtime;
    step.restart_timer = vtime > 0;
    return step;
  }
  // Nothing buffered.
  if (vmin == 0 && vtime == 0) return step;             // poll: return at once
  if (vtime > 0 && cursor->timer_expired) return step;  // TIME ran out
  if (nonblocking) {
    step.next = cursor->total > 0 ? ReadStep::Next::kReturn : ReadStep::Next::kAgain;
    return step;
  }
  step.next = ReadStep::Next::kWait;
  if (vmin == 0) {
    // TIME bounds the whole read, from its first step.
    step.timer_ds = vtime;
    step.restart_timer = first;
  } else if (vtime > 0 && cursor->total > 0) {
    step.timer_ds = vtime;  // the inter-byte timer keeps running
  }
  return step;
}

uint64_t ReadTimerDeadline(const ReadStep& step, uint64_t now_ns, uint64_t running,
                           ReadCursor* cursor) {
  if (step.next != ReadStep::Next::kWait || step.timer_ds == 0) return kNoTimer;
  if (!step.restart_timer && running != kNoTimer) return running;
  constexpr uint64_t kNanosPerDecisecond = 100'000'000;
  cursor->timer_expired = false;
  uint64_t span = uint64_t{step.timer_ds} * kNanosPerDecisecond;
  return now_ns > UINT64_MAX - span ? UINT64_MAX : now_ns + span;
}

// --- Control ----------------------------------------------------------------

InputEvents LineDiscipline::SetTermios(const Termios& termios, OutputSink& sink) {
  InputEvents ev;
  const bool was_canonical = Lflag(linux_abi::kIcanon);
  const bool had_ixon = Iflag(linux_abi::kIxon);
  termios_ = termios;
  const bool canonical = Lflag(linux_abi::kIcanon);
  if (was_canonical != canonical) {
    __builtin_memset(line_end_, 0, sizeof(line_end_));
    if (!canonical || Buffered() == 0) {
      canon_head_ = tail_;
    } else {
      // What was typed in raw mode becomes one line.
      SetEnd(head_ - 1, true);
      canon_head_ = head_;
    }
    erasing_ = false;
    lnext_ = false;
  }
  if (had_ixon && !Iflag(linux_abi::kIxon)) StartOutput(sink, &ev);
  ev.wake_readers = true;
  ev.wake_writers = ev.wake_writers || !output_stopped_;
  return ev;
}

InputEvents LineDiscipline::SetTermiosFlush(const Termios& termios, OutputSink& sink) {
  ResetInput();
  return SetTermios(termios, sink);
}

size_t LineDiscipline::InputAvailable() const {
  if (!Lflag(linux_abi::kIcanon)) return Buffered();
  size_t n = 0;
  for (size_t pos = tail_; pos != canon_head_; ++pos) {
    if (!(EndAt(pos) && BufAt(pos) == linux_abi::kDisabledChar)) ++n;
  }
  return n;
}

bool LineDiscipline::Readable() const {
  if (Lflag(linux_abi::kIcanon)) return canon_head_ != tail_;
  size_t amount =
      (Cc(linux_abi::kVTime) == 0 && Cc(linux_abi::kVMin) > 0) ? Cc(linux_abi::kVMin) : 1;
  return Buffered() >= amount;
}

bool LineDiscipline::ReaderCanProgress() const {
  if (Lflag(linux_abi::kIcanon)) return canon_head_ != tail_;
  return Buffered() > 0;
}

kstd::Result<void> LineDiscipline::Flush(int selector) {
  switch (selector) {
    case linux_abi::kTciflush: ResetInput(); break;
    case linux_abi::kTcoflush: held_size_ = 0; break;
    case linux_abi::kTcioflush:
      ResetInput();
      held_size_ = 0;
      break;
    default: return kstd::Error::kInvalid;
  }
  return kstd::Ok();
}

kstd::Result<InputEvents> LineDiscipline::FlowControl(int action, OutputSink& sink) {
  InputEvents ev;
  switch (action) {
    case linux_abi::kTcooff:
      if (!tco_stopped_) {
        tco_stopped_ = true;
        StopOutput();
      }
      break;
    case linux_abi::kTcoon:
      if (tco_stopped_) {
        tco_stopped_ = false;
        StartOutput(sink, &ev);
      }
      break;
    case linux_abi::kTcioff:
      if (Cc(linux_abi::kVStop) != linux_abi::kDisabledChar) {
        uint8_t c = Cc(linux_abi::kVStop);
        sink.Write(&c, 1);
      }
      break;
    case linux_abi::kTcion:
      if (Cc(linux_abi::kVStart) != linux_abi::kDisabledChar) {
        uint8_t c = Cc(linux_abi::kVStart);
        sink.Write(&c, 1);
      }
      break;
    default: return kstd::Error::kInvalid;
  }
  return ev;
}

bool LineDiscipline::SetWindowSize(const linux_abi::WinSize& size) {
  bool changed = size.ws_row != window_size_.ws_row || size.ws_col != window_size_.ws_col ||
                 size.ws_xpixel != window_size_.ws_xpixel ||
                 size.ws_ypixel != window_size_.ws_ypixel;
  window_size_ = size;
  return changed;
}

}  // namespace core::posix::tty
