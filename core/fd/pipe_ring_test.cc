#include "core/fd/pipe_ring.h"

#include <gtest/gtest.h>

#include <string>

namespace core::fd {
namespace {

struct Ring : PipeRing {
  Ring() { data = new uint8_t[kPipeCapacity]; }
  void PutString(const std::string& s) {
    Put(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  std::string TakeString(size_t n) {
    std::string s(n, '\0');
    Take(reinterpret_cast<uint8_t*>(s.data()), n);
    return s;
  }
};

TEST(PipeRingTest, ResizeKeepsWrappedBytesInOrder) {
  Ring r;
  SpinLock lock;
  std::string filler(kPipeCapacity - 3, 'x');
  r.PutString(filler);
  r.TakeString(filler.size());
  r.PutString("abcdefgh");  // wraps: 3 bytes at the end, 5 at the start
  int published = 0;
  ASSERT_TRUE(ResizeRing(r, lock, 4096, [&] { ++published; }).ok());
  EXPECT_EQ(published, 1);
  EXPECT_EQ(r.capacity, 4096u);
  EXPECT_EQ(r.space(), 4096u - 8);
  EXPECT_EQ(r.TakeString(8), "abcdefgh");
}

TEST(PipeRingTest, ResizeBelowTheContentIsBusy) {
  Ring r;
  SpinLock lock;
  r.PutString(std::string(5000, 'y'));
  int published = 0;
  EXPECT_EQ(ResizeRing(r, lock, 4096, [&] { ++published; }).error(), kstd::Error::kBusy);
  EXPECT_EQ(published, 0);
  EXPECT_EQ(r.capacity, kPipeCapacity);
  EXPECT_EQ(r.used, 5000u);
  EXPECT_EQ(g_pipe_extra_bytes, 0u);  // nothing stays charged
}

TEST(PipeRingTest, GrowthIsChargedAndLimited) {
  SpinLock lock;
  {
    Ring a;
    ASSERT_TRUE(ResizeRing(a, lock, kPipeMaxSize, [] {}).ok());
    EXPECT_EQ(g_pipe_extra_bytes, kPipeMaxSize - kPipeCapacity);
    ASSERT_TRUE(ResizeRing(a, lock, 4096, [] {}).ok());  // shrinking gives it back
    EXPECT_EQ(g_pipe_extra_bytes, 0u);
    ASSERT_TRUE(ResizeRing(a, lock, 2 * kPipeCapacity, [] {}).ok());
    EXPECT_EQ(g_pipe_extra_bytes, kPipeCapacity);
  }
  EXPECT_EQ(g_pipe_extra_bytes, 0u);  // and so does the ring's end
  // Past the limit: EPERM, as Linux past pipe-user-pages-soft.
  constexpr size_t kEach = kPipeMaxSize - kPipeCapacity;
  constexpr size_t kFit = kPipeExtraLimit / kEach;
  auto* rings = new Ring[kFit + 1];
  for (size_t i = 0; i < kFit; ++i)
    ASSERT_TRUE(ResizeRing(rings[i], lock, kPipeMaxSize, [] {}).ok());
  EXPECT_EQ(ResizeRing(rings[kFit], lock, kPipeMaxSize, [] {}).error(), kstd::Error::kPermission);
  EXPECT_EQ(rings[kFit].capacity, kPipeCapacity);
  delete[] rings;
  EXPECT_EQ(g_pipe_extra_bytes, 0u);
}

}  // namespace
}  // namespace core::fd
