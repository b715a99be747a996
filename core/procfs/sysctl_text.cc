#include "core/procfs/sysctl_text.h"

namespace core::procfs {
namespace {

bool IsSpace(uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}
// What may follow a number (Linux's proc_wspace_sep).
bool IsSeparator(uint8_t c) { return c == ' ' || c == '\t' || c == '\n'; }

int DigitValue(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;
}

// Linux copies at most this many bytes of one number (TMPBUFLEN - 1).
constexpr size_t kMaxNumberLength = 21;

}  // namespace

kstd::Result<size_t> ParseIntVector(kstd::Span<const uint8_t> in, int64_t min, int64_t max,
                                    kstd::Span<int64_t> out, size_t* count) {
  size_t at = 0;
  size_t n = 0;
  const size_t size = in.size();
  while (at < size && IsSpace(in[at])) ++at;
  while (n < out.size() && at < size) {
    size_t start = at;
    bool negative = false;
    if (in[at] == '-') {
      negative = true;
      ++at;
    }
    unsigned base = 10;
    if (at < size && in[at] == '0') {
      base = 8;
      if (at + 1 < size && (in[at + 1] == 'x' || in[at + 1] == 'X') && at + 2 < size &&
          DigitValue(in[at + 2]) < 16) {
        base = 16;
        at += 2;
      }
    }
    uint64_t value = 0;
    size_t digits = 0;
    while (at < size && DigitValue(in[at]) < static_cast<int>(base)) {
      const uint64_t digit = static_cast<uint64_t>(DigitValue(in[at]));
      if (value > (UINT64_MAX - digit) / base) return kstd::Error::kInvalid;  // overflow
      value = value * base + digit;
      ++digits;
      ++at;
    }
    if (digits == 0) return kstd::Error::kInvalid;
    if (at - start >= kMaxNumberLength) return kstd::Error::kInvalid;
    if (at < size && !IsSeparator(in[at])) return kstd::Error::kInvalid;
    // An int (proc_dointvec): at most INT_MAX, or INT_MAX + 1 below zero.
    if (value > (negative ? uint64_t{1} << 31 : (uint64_t{1} << 31) - 1)) {
      return kstd::Error::kInvalid;
    }
    int64_t v = negative ? -static_cast<int64_t>(value) : static_cast<int64_t>(value);
    if (v < min || v > max) return kstd::Error::kInvalid;
    out[n++] = v;
    while (at < size && IsSpace(in[at])) ++at;
  }
  if (n == 0) return kstd::Error::kInvalid;
  *count = n;
  return at;
}

size_t WriteString(kstd::Span<char> field, uint64_t offset, kstd::Span<const uint8_t> in) {
  if (field.empty()) return in.size();
  size_t length = 0;
  while (length + 1 < field.size() && field[length] != 0) ++length;
  if (offset > length) return in.size();  // strict mode: past the end, ignored
  size_t at = static_cast<size_t>(offset);
  for (size_t i = 0; i < in.size() && at + 1 < field.size(); ++i) {
    if (in[i] == '\n' || in[i] == 0) break;
    field[at++] = static_cast<char>(in[i]);
  }
  field[at] = 0;
  return in.size();
}

void FormatUuid(const uint8_t random[16], char out[37]) {
  uint8_t b[16];
  for (int i = 0; i < 16; ++i) b[i] = random[i];
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // the RFC 4122 variant
  static const char kHex[] = "0123456789abcdef";
  size_t at = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[at++] = '-';
    out[at++] = kHex[b[i] >> 4];
    out[at++] = kHex[b[i] & 15];
  }
  out[at] = 0;
}

}  // namespace core::procfs
