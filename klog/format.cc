#include "klog/format.h"

#include <stdint.h>

namespace klog {
namespace {

class Sink {
 public:
  Sink(char* buf, size_t size) : buf_(buf), size_(size) {}
  void Put(char c) {
    if (size_ != 0 && pos_ + 1 < size_) buf_[pos_] = c;
    ++pos_;
  }
  void Finish() {
    if (size_ == 0) return;
    buf_[pos_ < size_ ? pos_ : size_ - 1] = '\0';
  }
  size_t length() const { return pos_; }

 private:
  char* buf_;
  size_t size_;
  size_t pos_ = 0;
};

struct Spec {
  bool zero_pad = false;
  bool left = false;
  unsigned width = 0;
};

void PutPadded(Sink& out, const char* text, size_t len, const Spec& spec, bool numeric) {
  size_t pad = spec.width > len ? spec.width - len : 0;
  char fill = (spec.zero_pad && !spec.left && numeric) ? '0' : ' ';
  // Zero padding goes after a leading minus sign.
  if (fill == '0' && len > 0 && text[0] == '-') {
    out.Put('-');
    ++text;
    --len;
  }
  if (!spec.left)
    for (size_t i = 0; i < pad; ++i) out.Put(fill);
  for (size_t i = 0; i < len; ++i) out.Put(text[i]);
  if (spec.left)
    for (size_t i = 0; i < pad; ++i) out.Put(' ');
}

void PutUnsigned(Sink& out, uint64_t value, unsigned base, bool upper, bool negative,
                 const Spec& spec) {
  char digits[24];
  size_t n = 0;
  const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    digits[n++] = set[value % base];
    value /= base;
  } while (value != 0);
  char text[26];
  size_t len = 0;
  if (negative) text[len++] = '-';
  while (n > 0) text[len++] = digits[--n];
  PutPadded(out, text, len, spec, true);
}

}  // namespace

size_t FormatV(char* buf, size_t size, const char* fmt, va_list args) {
  Sink out(buf, size);
  for (const char* p = fmt; *p != '\0'; ++p) {
    if (*p != '%') {
      out.Put(*p);
      continue;
    }
    const char* start = p++;
    Spec spec;
    for (;; ++p) {
      if (*p == '0')
        spec.zero_pad = true;
      else if (*p == '-')
        spec.left = true;
      else
        break;
    }
    while (*p >= '0' && *p <= '9' && spec.width < 1000) spec.width = spec.width * 10 + (*p++ - '0');
    int longs = 0;
    bool size_t_arg = false;
    while (*p == 'l') {
      ++longs;
      ++p;
    }
    if (*p == 'z') {
      size_t_arg = true;
      ++p;
    }
    bool wide = longs > 0 || size_t_arg;
    switch (*p) {
      case 'd':
      case 'i': {
        int64_t v = wide ? va_arg(args, int64_t) : va_arg(args, int);
        uint64_t magnitude = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
        PutUnsigned(out, magnitude, 10, false, v < 0, spec);
        break;
      }
      case 'u':
      case 'x':
      case 'X': {
        uint64_t v = wide ? va_arg(args, uint64_t) : va_arg(args, unsigned);
        PutUnsigned(out, v, *p == 'u' ? 10 : 16, *p == 'X', false, spec);
        break;
      }
      case 'p': {
        uint64_t v = reinterpret_cast<uintptr_t>(va_arg(args, void*));
        out.Put('0');
        out.Put('x');
        Spec hex = spec;
        hex.zero_pad = true;
        hex.width = 16;
        PutUnsigned(out, v, 16, false, false, hex);
        break;
      }
      case 's': {
        const char* s = va_arg(args, const char*);
        if (s == nullptr) s = "(null)";
        size_t len = 0;
        while (s[len] != '\0') ++len;
        PutPadded(out, s, len, spec, false);
        break;
      }
      case 'c': {
        char c = static_cast<char>(va_arg(args, int));
        PutPadded(out, &c, 1, spec, false);
        break;
      }
      case '%': out.Put('%'); break;
      default:
        // Unknown conversion (or the string ended): print it as written.
        for (const char* q = start; q <= p && *q != '\0'; ++q) out.Put(*q);
        if (*p == '\0') --p;
        break;
    }
  }
  out.Finish();
  return out.length();
}

size_t Format(char* buf, size_t size, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  size_t n = FormatV(buf, size, fmt, args);
  va_end(args);
  return n;
}

}  // namespace klog
