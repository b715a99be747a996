#include "core/kmsg/record_format.h"

namespace core::kmsg {
namespace {

// Appends to `out` while there is room and counts every byte.
class Writer {
 public:
  explicit Writer(kstd::Span<char> out) : out_(out) {}
  void Put(char c) {
    if (length_ < out_.size()) out_.data()[length_] = c;
    ++length_;
  }
  // Reads `text` only where there is room (counting needs no text).
  void Put(const char* text, size_t n) {
    for (size_t i = 0; i < n; ++i, ++length_) {
      if (length_ < out_.size()) out_.data()[length_] = text[i];
    }
  }
  // Decimal, at least `width` digits wide (padded with `pad`).
  void Number(uint64_t value, int width = 0, char pad = ' ') {
    char digits[20];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value != 0);
    for (int i = n; i < width; ++i) Put(pad);
    while (n > 0) Put(digits[--n]);
  }
  size_t length() const { return length_; }

 private:
  kstd::Span<char> out_;
  size_t length_ = 0;
};

uint32_t Priority(const klog::RecordInfo& info) {
  return (static_cast<uint32_t>(info.facility) << 3) | info.level;
}

}  // namespace

size_t FormatSyslogRecord(const klog::RecordInfo& info, const char* text, kstd::Span<char> out) {
  Writer w(out);
  w.Put('<');
  w.Number(Priority(info));
  w.Put(">[", 2);
  w.Number(info.usec / 1000000, 5, ' ');
  w.Put('.');
  w.Number(info.usec % 1000000, 6, '0');
  w.Put("] ", 2);
  w.Put(text, info.length);
  w.Put('\n');
  return w.length();
}

size_t FormatKmsgRecord(const klog::RecordInfo& info, const char* text, kstd::Span<char> out) {
  static constexpr char kHex[] = "0123456789abcdef";
  Writer w(out);
  w.Number(Priority(info));
  w.Put(',');
  w.Number(info.seq);
  w.Put(',');
  w.Number(info.usec);
  w.Put(",-;", 3);
  for (size_t i = 0; i < info.length; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < ' ' || c >= 127 || c == '\\') {
      w.Put("\\x", 2);
      w.Put(kHex[c >> 4]);
      w.Put(kHex[c & 15]);
    } else {
      w.Put(static_cast<char>(c));
    }
  }
  w.Put('\n');
  return w.length();
}

KmsgMessage ParseKmsgWrite(kstd::Span<const char> in) {
  KmsgMessage m;
  size_t n = in.size();
  const char* p = in.data();
  if (n >= 3 && p[0] == '<') {
    size_t i = 1;
    uint32_t value = 0;
    while (i < n && i < 12 && p[i] >= '0' && p[i] <= '9') {
      value = value * 10 + static_cast<uint32_t>(p[i] - '0');
      ++i;
    }
    if (i > 1 && i < n && p[i] == '>') {
      m.level = static_cast<uint8_t>(value & 7);
      if ((value >> 3) != 0) m.facility = static_cast<uint8_t>((value >> 3) & 0xff);
      m.text_offset = i + 1;
    }
  }
  m.text_length = n - m.text_offset;
  if (m.text_length > 0 && p[n - 1] == '\n') --m.text_length;
  return m;
}

}  // namespace core::kmsg
