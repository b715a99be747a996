#include "core/net/unix_address.h"

#include <gtest/gtest.h>

#include <cstring>

namespace core::net {
namespace {

SocketAddress Raw(const void* path, size_t path_len) {
  SocketAddress a;
  a.bytes[0] = linux_abi::kAfUnix;
  std::memcpy(a.bytes + 2, path, path_len);
  a.size = static_cast<uint32_t>(2 + path_len);
  return a;
}

TEST(UnixAddress, PathEndsAtItsNulOrTheLength) {
  auto a = ParseUnixAddress(Raw("/tmp/s\0junk", 11));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.value().kind, UnixAddress::Kind::kPath);
  EXPECT_EQ(a.value().length, 6u);
  EXPECT_STREQ(a.value().name, "/tmp/s");
  auto b = ParseUnixAddress(Raw("/x", 2));  // no NUL at all
  ASSERT_TRUE(b.ok());
  EXPECT_STREQ(b.value().name, "/x");
}

TEST(UnixAddress, AbstractNamesAreBytes) {
  auto a = ParseUnixAddress(Raw("\0ab\0c", 5));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.value().kind, UnixAddress::Kind::kAbstract);
  ASSERT_EQ(a.value().length, 4u);
  EXPECT_EQ(std::memcmp(a.value().name, "ab\0c", 4), 0);
  SocketAddress back;
  FormatUnixAddress(a.value(), &back);
  EXPECT_EQ(back.size, 7u);  // family + NUL + 4 bytes: exactly as bound
  EXPECT_EQ(std::memcmp(back.bytes + 2, "\0ab\0c", 5), 0);
}

TEST(UnixAddress, BadSizesAndFamilies) {
  SocketAddress a = Raw("/p", 2);
  a.size = 1;
  EXPECT_EQ(ParseUnixAddress(a).error(), kstd::Error::kInvalid);
  a.size = 111;
  EXPECT_EQ(ParseUnixAddress(a).error(), kstd::Error::kInvalid);
  a = Raw("/p", 2);
  a.bytes[0] = linux_abi::kAfInet;
  EXPECT_EQ(ParseUnixAddress(a).error(), kstd::Error::kInvalid);
  a = Raw("", 0);
  auto bare = ParseUnixAddress(a);
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare.value().kind, UnixAddress::Kind::kAutobind);
}

TEST(UnixAddress, FormatsPathsWithTheirNulAndUnnamedAsFamilyOnly) {
  auto a = ParseUnixAddress(Raw("/run/x", 6));
  SocketAddress out;
  FormatUnixAddress(a.value(), &out);
  EXPECT_EQ(out.size, 2u + 6u + 1u);
  EXPECT_STREQ(reinterpret_cast<const char*>(out.bytes + 2), "/run/x");
  FormatUnixAddress(UnixAddress{}, &out);
  EXPECT_EQ(out.size, 2u);
  EXPECT_EQ(out.family(), linux_abi::kAfUnix);
  // A 108-byte path has no room for a NUL: 110 bytes, as Linux.
  char longest[108];
  std::memset(longest, 'a', sizeof longest);
  auto l = ParseUnixAddress(Raw(longest, sizeof longest));
  ASSERT_TRUE(l.ok());
  FormatUnixAddress(l.value(), &out);
  EXPECT_EQ(out.size, 110u);
}

TEST(UnixAddress, AutobindNamesAreFiveHexDigits) {
  UnixAddress a = AutobindName(0x1a2b3);
  EXPECT_EQ(a.kind, UnixAddress::Kind::kAbstract);
  ASSERT_EQ(a.length, 5u);
  EXPECT_EQ(std::memcmp(a.name, "1a2b3", 5), 0);
  EXPECT_TRUE(a.SameName(AutobindName(0x1a2b3)));
  EXPECT_FALSE(a.SameName(AutobindName(0x1a2b4)));
}

}  // namespace
}  // namespace core::net
