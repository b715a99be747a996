#include "servers/net/lwip_port/siphash.h"

#include <gtest/gtest.h>

namespace lwip_port {
namespace {

constexpr uint8_t kKey[kSipHashKeyBytes] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

// The paper's key 00..0f with messages 00..(n-1); the expected values are the
// paper's and OpenSSL's (`openssl mac -macopt hexkey:0001..0f -macopt size:8
// SIPHASH`), read as little-endian 64-bit numbers.
TEST(SipHash24, EmptyMessage) { EXPECT_EQ(SipHash24(kKey, "", 0), 0x726fdb47dd0e0e31ull); }

TEST(SipHash24, PaperVector15Bytes) {
  uint8_t msg[15];
  for (int i = 0; i < 15; ++i) msg[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(SipHash24(kKey, msg, sizeof(msg)), 0xa129ca6149be45e5ull);
}

TEST(SipHash24, SixtyFourBytesMatchOpenSsl) {
  // Random bytes whose hash OpenSSL 3.0 computed: eight whole words and an
  // empty tail.
  const uint8_t msg[64] = {0xb0, 0xef, 0xa8, 0xea, 0x05, 0x25, 0xc5, 0xf2, 0xa0, 0xde, 0xf4,
                           0x3c, 0x83, 0x4b, 0xe0, 0x0e, 0x0c, 0xfd, 0x5f, 0xdb, 0xfe, 0xb1,
                           0xc9, 0x8f, 0xdd, 0xd4, 0x53, 0xea, 0x4a, 0x89, 0x46, 0xa9, 0xd8,
                           0xbe, 0x97, 0x46, 0xb8, 0x04, 0x34, 0xf5, 0xd9, 0x1f, 0x5b, 0x83,
                           0xb0, 0xad, 0xcb, 0xfb, 0xc4, 0x9c, 0x6c, 0x66, 0x5e, 0xdf, 0x17,
                           0x7a, 0x62, 0xc2, 0x1c, 0x58, 0xb2, 0xe1, 0xdd, 0x7d};
  EXPECT_EQ(SipHash24(kKey, msg, sizeof(msg)), 0x9aa90f4ccc37999cull);
}

TEST(SipHash24, KeyMatters) {
  uint8_t other[kSipHashKeyBytes] = {};
  EXPECT_NE(SipHash24(kKey, "abc", 3), SipHash24(other, "abc", 3));
}

}  // namespace
}  // namespace lwip_port
