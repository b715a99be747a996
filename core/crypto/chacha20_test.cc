#include "core/crypto/chacha20.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>
#include <vector>

namespace core::crypto {
namespace {

std::string Hex(const uint8_t* p, size_t n) {
  std::string s;
  char b[3];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof(b), "%02x", p[i]);
    s += b;
  }
  return s;
}

void KeyFromBytes(const uint8_t bytes[32], uint32_t key[8]) {
  for (int i = 0; i < 8; ++i) {
    key[i] = bytes[4 * i] | (bytes[4 * i + 1] << 8) | (bytes[4 * i + 2] << 16) |
             (static_cast<uint32_t>(bytes[4 * i + 3]) << 24);
  }
}

// RFC 8439 §2.3.2: key 00..1f, counter 1, nonce 00:00:00:09:00:00:00:4a:00:00:00:00.
TEST(ChaCha20Test, Rfc8439BlockFunctionVector) {
  uint8_t key_bytes[32];
  for (int i = 0; i < 32; ++i) key_bytes[i] = static_cast<uint8_t>(i);
  uint32_t key[8];
  KeyFromBytes(key_bytes, key);
  const uint32_t nonce[3] = {0x09000000, 0x4a000000, 0x00000000};
  uint8_t out[64];
  ChaCha20Block(key, 1, nonce, out);
  EXPECT_EQ(Hex(out, 64),
            "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
            "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e");
}

// More vectors, cross-checked with `openssl enc -chacha20` on the host.
TEST(ChaCha20Test, MoreVectorsAgreeWithOpenSsl) {
  uint32_t zero_key[8] = {};
  uint32_t zero_nonce[3] = {};
  uint8_t out[64];
  ChaCha20Block(zero_key, 0, zero_nonce, out);
  EXPECT_EQ(Hex(out, 64),
            "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
            "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586");

  uint8_t one[32] = {};
  one[31] = 1;
  uint32_t key[8];
  KeyFromBytes(one, key);
  ChaCha20Block(key, 1, zero_nonce, out);
  EXPECT_EQ(Hex(out, 64),
            "3aeb5224ecf849929b9d828db1ced4dd832025e8018b8160b82284f3c949aa5a"
            "8eca00bbb4a73bdad192b5c42f73f2fd4e273644c8b36125a64addeb006c13a0");

  uint32_t ff_key[8];
  for (uint32_t& w : ff_key) w = 0xffffffff;
  const uint32_t nonce[3] = {0x04030201, 0x08070605, 0x0c0b0a09};
  ChaCha20Block(ff_key, 0xfffffffe, nonce, out);
  EXPECT_EQ(Hex(out, 64),
            "89ee49da085c5a5024ba4f53f777f910515ac2c8d745a111a7c3169b72d04091"
            "7ca701de8b88ff3e6897a085f35eb49e460c4da361825ea4032a3a18c6e21730");
}

class FixedEntropy final : public EntropySource {
 public:
  explicit FixedEntropy(uint8_t seed, size_t credit = 64) : seed_(seed), credit_(credit) {}
  size_t Gather(kstd::Span<uint8_t> out) override {
    ++calls;
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(seed_ + i * 13 + calls);
    return credit_ < out.size() ? credit_ : out.size();
  }
  int calls = 0;

 private:
  uint8_t seed_;
  size_t credit_;
};

std::vector<uint8_t> Draw(Csprng& rng, size_t n) {
  std::vector<uint8_t> v(n);
  rng.Generate(kstd::Span<uint8_t>(v.data(), n));
  return v;
}

TEST(CsprngTest, SameSeedSameStreamDifferentSeedDifferentStream) {
  FixedEntropy e1(1), e2(1), e3(2);
  Csprng a(&e1), b(&e2), c(&e3);
  ASSERT_TRUE(a.Seed());
  ASSERT_TRUE(b.Seed());
  ASSERT_TRUE(c.Seed());
  EXPECT_EQ(Draw(a, 100), Draw(b, 100));
  EXPECT_NE(Draw(a, 100), Draw(c, 100));
}

TEST(CsprngTest, SuccessiveOutputsDiffer) {
  FixedEntropy e(7);
  Csprng rng(&e);
  std::set<std::vector<uint8_t>> seen;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(seen.insert(Draw(rng, 16)).second);
  // Any length works, including less than one block and odd sizes.
  for (size_t n : {0u, 1u, 31u, 32u, 33u, 64u, 65u, 1000u}) EXPECT_EQ(Draw(rng, n).size(), n);
}

TEST(CsprngTest, OutputLooksUniform) {
  FixedEntropy e(9);
  Csprng rng(&e);
  std::vector<uint8_t> v = Draw(rng, 1 << 18);
  std::vector<int> counts(256);
  for (uint8_t b : v) ++counts[b];
  double expected = v.size() / 256.0;
  double chi2 = 0;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  // 255 degrees of freedom: mean 255, sd ~22.6; 400 is > 6 sd.
  EXPECT_LT(chi2, 400.0);
}

TEST(CsprngTest, SeededOnlyAfterEnoughEntropy) {
  FixedEntropy weak(3, /*credit=*/10);
  Csprng rng(&weak);
  EXPECT_FALSE(rng.seeded());
  EXPECT_FALSE(rng.Seed());  // 10 bytes
  EXPECT_FALSE(rng.Seed());  // 20
  EXPECT_FALSE(rng.Seed());  // 30
  EXPECT_TRUE(rng.Seed());   // 40 >= 32
  Csprng none(nullptr);
  EXPECT_FALSE(none.Seed());
  EXPECT_EQ(Draw(none, 8).size(), 8u);  // still produces output
}

TEST(CsprngTest, MixChangesTheStream) {
  FixedEntropy e1(5), e2(5);
  Csprng a(&e1), b(&e2);
  a.Seed();
  b.Seed();
  const uint8_t extra[] = {1, 2, 3};
  a.Mix(kstd::Span<const uint8_t>(extra, 3));
  EXPECT_NE(Draw(a, 64), Draw(b, 64));
}

TEST(CsprngTest, ReseedsFromTheSourcePeriodically) {
  FixedEntropy e(11);
  Csprng rng(&e);
  rng.Seed();
  int before = e.calls;
  std::vector<uint8_t> big(Csprng::kReseedInterval + 1);
  rng.Generate(kstd::Span<uint8_t>(big.data(), big.size()));
  Draw(rng, 1);
  EXPECT_GT(e.calls, before);
}

}  // namespace
}  // namespace core::crypto
