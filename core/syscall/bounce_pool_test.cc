#include "core/syscall/bounce_pool.h"

#include <memory>
#include <vector>

#include "gtest/gtest.h"

namespace core::syscall {
namespace {

TEST(BouncePoolTest, SmallTransfersKeepTheFallback) {
  uint8_t stack[4096];
  BounceBuffer b(4096, stack, sizeof stack);
  EXPECT_EQ(b.data(), stack);
  EXPECT_EQ(b.size(), sizeof stack);
  EXPECT_FALSE(b.pooled());
  EXPECT_EQ(BounceBuffersInUse(), 0u);
}

TEST(BouncePoolTest, LargeTransfersBorrowUntilThePoolIsEmpty) {
  uint8_t stack[4096];
  std::vector<std::unique_ptr<BounceBuffer>> held;
  for (size_t i = 0; i < kBounceBuffers; ++i) {
    held.push_back(std::make_unique<BounceBuffer>(1 << 20, stack, sizeof stack));
    EXPECT_TRUE(held.back()->pooled());
    EXPECT_EQ(held.back()->size(), kBounceBytes);
    held.back()->data()[kBounceBytes - 1] = 1;  // the whole buffer is usable
  }
  EXPECT_EQ(BounceBuffersInUse(), kBounceBuffers);
  BounceBuffer extra(1 << 20, stack, sizeof stack);  // none left: the fallback
  EXPECT_FALSE(extra.pooled());
  EXPECT_EQ(extra.data(), stack);
  uint8_t* first = held[0]->data();
  held.clear();
  EXPECT_EQ(BounceBuffersInUse(), 0u);
  BounceBuffer again(kBounceBytes, stack, sizeof stack);  // buffers are reused
  EXPECT_EQ(again.data(), first);
}

}  // namespace
}  // namespace core::syscall
