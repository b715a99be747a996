// The kernel's memory primitives (string.cc), compiled here under other names
// so the host C library's stay in use: every size and alignment around the
// 8-byte steps against a byte-by-byte reference.

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#define memcpy kernel_memcpy
#define memset kernel_memset
#define memmove kernel_memmove
#define memcmp kernel_memcmp
#define strlen kernel_strlen
#include "core/lib/string.cc"  // NOLINT(build/include): the unit under test
#undef memcpy
#undef memset
#undef memmove
#undef memcmp
#undef strlen

namespace {

std::vector<uint8_t> Pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  std::mt19937 rng(seed);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

TEST(KernelString, MemcpyEverySizeAndAlignment) {
  for (size_t size = 0; size <= 70; ++size) {
    for (size_t src_off = 0; src_off < 8; ++src_off) {
      for (size_t dst_off = 0; dst_off < 8; ++dst_off) {
        std::vector<uint8_t> src = Pattern(size + 16, static_cast<uint32_t>(size * 64 + src_off));
        std::vector<uint8_t> dst(size + 16, 0xee);
        std::vector<uint8_t> want = dst;
        for (size_t i = 0; i < size; ++i) want[dst_off + i] = src[src_off + i];
        void* r = kernel_memcpy(dst.data() + dst_off, src.data() + src_off, size);
        ASSERT_EQ(r, dst.data() + dst_off);
        ASSERT_EQ(dst, want) << "size " << size << " src+" << src_off << " dst+" << dst_off;
      }
    }
  }
  std::vector<uint8_t> big = Pattern(65536 + 5, 7), out(65536 + 5);
  kernel_memcpy(out.data(), big.data(), big.size());
  EXPECT_EQ(out, big);
}

TEST(KernelString, MemsetEverySizeAndValue) {
  for (size_t size = 0; size <= 40; ++size) {
    for (int value : {0, 0x5a, 0xff, 0x1ab /* only the low byte counts */}) {
      std::vector<uint8_t> buf(size + 16, 0x11);
      std::vector<uint8_t> want = buf;
      for (size_t i = 0; i < size; ++i) want[3 + i] = static_cast<uint8_t>(value);
      ASSERT_EQ(kernel_memset(buf.data() + 3, value, size), buf.data() + 3);
      ASSERT_EQ(buf, want) << "size " << size << " value " << value;
    }
  }
}

TEST(KernelString, MemmoveOverlapsBothWays) {
  for (size_t size : {0u, 1u, 7u, 8u, 9u, 31u, 100u}) {
    for (int shift : {-9, -1, 1, 8, 13}) {
      std::vector<uint8_t> buf = Pattern(200, static_cast<uint32_t>(size + 1000));
      std::vector<uint8_t> want = buf;
      const size_t from = 50, to = static_cast<size_t>(50 + shift);
      std::vector<uint8_t> piece(buf.begin() + from, buf.begin() + from + size);
      std::copy(piece.begin(), piece.end(), want.begin() + to);
      kernel_memmove(buf.data() + to, buf.data() + from, size);
      ASSERT_EQ(buf, want) << "size " << size << " shift " << shift;
    }
  }
}

}  // namespace
