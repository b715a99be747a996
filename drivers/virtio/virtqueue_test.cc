#include "drivers/virtio/virtqueue.h"

#include <gtest/gtest.h>
#include <string.h>

#include <algorithm>
#include <deque>
#include <map>
#include <random>
#include <vector>

#include "drivers/virtio/testing/fake_dma.h"

namespace virtio {
namespace {

using testing::FakeDma;
using Segment = SplitVirtqueue::Segment;
using Completion = SplitVirtqueue::Completion;

// The device's side of the rings, read and written through FakeDma.
class RingDevice {
 public:
  RingDevice(FakeDma& dma, const SplitVirtqueue& q) : dma_(dma), q_(q) {}

  uint8_t* Avail() { return dma_.Translate(q_.driver_address(), avail::Size(q_.size())); }
  uint8_t* Used() { return dma_.Translate(q_.device_address(), used::Size(q_.size())); }
  VirtqDesc* Table() {
    return reinterpret_cast<VirtqDesc*>(dma_.Translate(q_.desc_address(), 16 * q_.size()));
  }
  uint16_t Get(uint8_t* p, size_t at) {
    uint16_t v;
    memcpy(&v, p + at, 2);
    return v;
  }
  void Set(uint8_t* p, size_t at, uint16_t v) { memcpy(p + at, &v, 2); }

  uint16_t avail_idx() { return Get(Avail(), avail::kIdx); }
  uint16_t avail_flags() { return Get(Avail(), avail::kFlags); }
  uint16_t used_event() { return Get(Avail(), avail::UsedEventOffset(q_.size())); }
  void set_used_flags(uint16_t v) { Set(Used(), used::kFlags, v); }
  void set_avail_event(uint16_t v) { Set(Used(), used::AvailEventOffset(q_.size()), v); }

  /// The next available chain: its head and descriptors (following `next`).
  bool Take(uint16_t* head, std::vector<VirtqDesc>* chain,
            std::vector<uint16_t>* indices = nullptr) {
    if (last_avail_ == avail_idx()) return false;
    *head = Get(Avail(), avail::kRing + 2 * (last_avail_ % q_.size()));
    ++last_avail_;
    chain->clear();
    uint16_t d = *head;
    for (int n = 0; n <= q_.size(); ++n) {
      EXPECT_LT(d, q_.size());
      VirtqDesc desc = Table()[d];
      chain->push_back(desc);
      if (indices) indices->push_back(d);
      if (!(desc.flags & desc_flag::kNext)) return true;
      d = desc.next;
    }
    ADD_FAILURE() << "descriptor loop";
    return true;
  }

  /// Puts a used element and publishes the index.
  void Complete(uint32_t id, uint32_t len, uint16_t extra_idx = 0) {
    uint8_t* u = Used();
    size_t at = used::kRing + 8 * (used_idx_ % q_.size());
    memcpy(u + at, &id, 4);
    memcpy(u + at + 4, &len, 4);
    used_idx_ = static_cast<uint16_t>(used_idx_ + 1 + extra_idx);
    Set(u, used::kIdx, used_idx_);
  }

 private:
  FakeDma& dma_;
  const SplitVirtqueue& q_;
  uint16_t last_avail_ = 0;
  uint16_t used_idx_ = 0;
};

Segment R(uint64_t addr, uint32_t len) { return Segment{addr, len, false}; }
Segment W(uint64_t addr, uint32_t len) { return Segment{addr, len, true}; }

TEST(Virtqueue, InitChecksSizeAndMemory) {
  FakeDma dma;
  {
    SplitVirtqueue q;
    EXPECT_EQ(q.Init(dma, 0, false).error(), kstd::Error::kInvalid);
    EXPECT_EQ(q.Init(dma, 3, false).error(), kstd::Error::kInvalid);
    EXPECT_EQ(q.Init(dma, 48, false).error(), kstd::Error::kInvalid);
    dma.FailAfter(0);
    EXPECT_EQ(q.Init(dma, 8, false).error(), kstd::Error::kNoMemory);
    dma.FailAfter(-1);
    ASSERT_TRUE(q.Init(dma, 8, false).ok());
    EXPECT_EQ(q.Init(dma, 8, false).error(), kstd::Error::kBusy);
    EXPECT_EQ(dma.live_allocations(), 1u);
  }
  EXPECT_EQ(dma.live_allocations(), 0u);  // the destructor gave the rings back
  EXPECT_EQ(dma.bad_frees(), 0);
  SplitVirtqueue big;
  ASSERT_TRUE(big.Init(dma, 32768, true).ok());
  EXPECT_EQ(big.free_descriptors(), 32768);
}

TEST(Virtqueue, RingLayoutFollowsTheSpec) {
  FakeDma dma;
  for (uint16_t size : {1, 2, 4, 128, 256, 1024}) {
    SplitVirtqueue q;
    ASSERT_TRUE(q.Init(dma, size, true).ok());
    EXPECT_EQ(q.desc_address() % kDescAlign, 0u);
    EXPECT_EQ(q.driver_address() % kAvailAlign, 0u);
    EXPECT_EQ(q.device_address() % kUsedAlign, 0u);
    EXPECT_EQ(q.driver_address(), q.desc_address() + 16u * size);
    EXPECT_GE(q.device_address(), q.driver_address() + avail::Size(size));
    // Every ring lies inside the one allocation.
    EXPECT_NE(dma.Translate(q.desc_address(), 16u * size), nullptr);
    EXPECT_NE(dma.Translate(q.driver_address(), avail::Size(size)), nullptr);
    EXPECT_NE(dma.Translate(q.device_address(), used::Size(size)), nullptr);
  }
}

TEST(Virtqueue, ChainRoundTrip) {
  FakeDma dma;
  SplitVirtqueue q;
  ASSERT_TRUE(q.Init(dma, 8, false).ok());
  RingDevice dev(dma, q);
  Segment segs[] = {R(0x1000, 16), R(0x2000, 512), W(0x3000, 1)};
  auto head = q.Add(kstd::Span<const Segment>(segs), 77);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(q.free_descriptors(), 5);
  EXPECT_EQ(q.chains_in_flight(), 1);
  EXPECT_EQ(dev.avail_idx(), 0);  // not visible before Publish
  EXPECT_TRUE(q.Publish());
  EXPECT_EQ(dev.avail_idx(), 1);

  uint16_t h;
  std::vector<VirtqDesc> chain;
  ASSERT_TRUE(dev.Take(&h, &chain));
  EXPECT_EQ(h, head.value());
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0].addr, 0x1000u);
  EXPECT_EQ(chain[0].len, 16u);
  EXPECT_EQ(chain[0].flags, desc_flag::kNext);
  EXPECT_EQ(chain[1].flags, desc_flag::kNext);
  EXPECT_EQ(chain[2].flags, desc_flag::kWrite);
  EXPECT_EQ(chain[2].addr, 0x3000u);

  Completion c;
  EXPECT_FALSE(q.PopUsed(&c).value());
  dev.Complete(h, 1000);  // more than the 1 writable byte: clamped
  ASSERT_TRUE(q.PopUsed(&c).value());
  EXPECT_EQ(c.token, 77u);
  EXPECT_EQ(c.written, 1u);
  EXPECT_EQ(q.free_descriptors(), 8);
  EXPECT_EQ(q.chains_in_flight(), 0);
  EXPECT_FALSE(q.PopUsed(&c).value());
}

TEST(Virtqueue, AddRejectsBadChainsWithoutSideEffects) {
  FakeDma dma;
  SplitVirtqueue q;
  ASSERT_TRUE(q.Init(dma, 4, false).ok());
  EXPECT_EQ(q.Add(kstd::Span<const Segment>(), 1).error(), kstd::Error::kInvalid);
  Segment zero[] = {R(0x1000, 0)};
  EXPECT_EQ(q.Add(kstd::Span<const Segment>(zero), 1).error(), kstd::Error::kInvalid);
  Segment order[] = {W(0x1000, 4), R(0x2000, 4)};
  EXPECT_EQ(q.Add(kstd::Span<const Segment>(order), 1).error(), kstd::Error::kInvalid);
  Segment five[] = {R(1, 1), R(2, 1), R(3, 1), R(4, 1), R(5, 1)};
  EXPECT_EQ(q.Add(kstd::Span<const Segment>(five), 1).error(), kstd::Error::kInvalid);
  Segment three[] = {R(1, 1), R(2, 1), W(3, 1)};
  ASSERT_TRUE(q.Add(kstd::Span<const Segment>(three), 1).ok());
  Segment two[] = {R(1, 1), W(2, 1)};
  EXPECT_EQ(q.Add(kstd::Span<const Segment>(two), 2).error(), kstd::Error::kAgain);
  EXPECT_EQ(q.free_descriptors(), 1);
  Segment one[] = {W(9, 1)};
  EXPECT_TRUE(q.Add(kstd::Span<const Segment>(one), 3).ok());
  EXPECT_EQ(q.free_descriptors(), 0);
  EXPECT_EQ(q.chains_in_flight(), 2);
}

TEST(Virtqueue, ChainsFollowTheFreeListAcrossTheTable) {
  FakeDma dma;
  SplitVirtqueue q;
  ASSERT_TRUE(q.Init(dma, 8, false).ok());
  RingDevice dev(dma, q);
  Segment a[] = {R(0xA0, 1), R(0xA1, 1), W(0xA2, 1)};
  Segment b[] = {R(0xB0, 1), W(0xB1, 1)};
  Segment c[] = {R(0xC0, 1), R(0xC1, 1), W(0xC2, 1)};
  uint16_t ha = q.Add(kstd::Span<const Segment>(a), 1).value();
  uint16_t hb = q.Add(kstd::Span<const Segment>(b), 2).value();
  uint16_t hc = q.Add(kstd::Span<const Segment>(c), 3).value();
  q.Publish();
  uint16_t h;
  std::vector<VirtqDesc> chain;
  for (int i = 0; i < 3; ++i) dev.Take(&h, &chain);
  // Complete b, then c, then a: the free list is now a's, c's, b's descriptors.
  dev.Complete(hb, 1);
  dev.Complete(hc, 1);
  Completion done;
  ASSERT_TRUE(q.PopUsed(&done).value());
  ASSERT_TRUE(q.PopUsed(&done).value());
  // Six descriptors are free in two runs ({3,4} of b, {5,6,7} of c, then 0..2
  // hold a). A 5-buffer chain takes c's run then b's: it jumps backwards.
  Segment e[] = {R(0xE0, 1), R(0xE1, 1), R(0xE2, 1), R(0xE3, 1), W(0xE4, 8)};
  uint16_t he = q.Add(kstd::Span<const Segment>(e), 5).value();
  q.Publish();
  std::vector<uint16_t> indices;
  ASSERT_TRUE(dev.Take(&h, &chain, &indices));
  EXPECT_EQ(h, he);
  ASSERT_EQ(chain.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(chain[i].addr, 0xE0u + i);
  EXPECT_EQ(chain[4].flags, desc_flag::kWrite);
  bool backwards = false;
  for (size_t i = 1; i < indices.size(); ++i) backwards |= indices[i] < indices[i - 1];
  EXPECT_TRUE(backwards);
  (void)ha;
}

// Many chains, out-of-order completion, indexes wrapping past 65535: every
// token comes back exactly once and the free list ends whole.
TEST(Virtqueue, RandomTrafficWrapsIndexes) {
  for (bool event_idx : {false, true}) {
    FakeDma dma;
    SplitVirtqueue q;
    ASSERT_TRUE(q.Init(dma, 16, event_idx).ok());
    RingDevice dev(dma, q);
    std::mt19937 rng(event_idx ? 11 : 7);
    std::map<uint64_t, uint32_t> outstanding;                 // token -> writable bytes
    std::vector<std::pair<uint16_t, uint64_t>> device_holds;  // head, token
    std::map<uint16_t, uint64_t> head_token;
    uint64_t next_token = 1, completed = 0;
    const uint64_t kTotal = 80000;
    while (completed < kTotal) {
      // Add a few chains.
      int adds = static_cast<int>(rng() % 4);
      for (int i = 0; i < adds && next_token <= kTotal; ++i) {
        int n = 1 + static_cast<int>(rng() % 4);
        std::vector<Segment> segs;
        for (int k = 0; k < n; ++k)
          segs.push_back(k == n - 1 ? W(next_token, 4) : R(next_token, 4));
        auto r = q.Add(kstd::Span<const Segment>(segs.data(), segs.size()), next_token);
        if (r.is_error()) {
          ASSERT_EQ(r.error(), kstd::Error::kAgain);
          break;
        }
        head_token[r.value()] = next_token;
        outstanding[next_token] = 4;
        ++next_token;
      }
      q.Publish();
      // The device takes everything and completes a random subset, any order.
      uint16_t h;
      std::vector<VirtqDesc> chain;
      while (dev.Take(&h, &chain)) {
        ASSERT_EQ(chain.back().addr, head_token[h]);  // the chain is the token's
        device_holds.push_back({h, head_token[h]});
      }
      std::shuffle(device_holds.begin(), device_holds.end(), rng);
      size_t finish = device_holds.empty() ? 0 : rng() % (device_holds.size() + 1);
      for (size_t i = 0; i < finish; ++i) dev.Complete(device_holds[i].first, 4);
      device_holds.erase(device_holds.begin(), device_holds.begin() + finish);
      Completion c;
      while (q.PopUsed(&c).value()) {
        ASSERT_EQ(outstanding.count(c.token), 1u);
        EXPECT_EQ(c.written, 4u);
        outstanding.erase(c.token);
        ++completed;
      }
      if (next_token > kTotal && device_holds.empty() && outstanding.empty()) break;
    }
    EXPECT_EQ(completed, kTotal);
    EXPECT_EQ(q.free_descriptors(), 16);
    EXPECT_EQ(q.chains_in_flight(), 0);
    EXPECT_EQ(dev.avail_idx(), static_cast<uint16_t>(kTotal));  // wrapped at least once
  }
}

TEST(Virtqueue, NotificationSuppressionWithFlags) {
  FakeDma dma;
  SplitVirtqueue q;
  ASSERT_TRUE(q.Init(dma, 8, false).ok());
  RingDevice dev(dma, q);
  Segment s[] = {W(0x10, 1)};
  EXPECT_FALSE(q.Publish());  // nothing new
  q.Add(kstd::Span<const Segment>(s), 1).value();
  EXPECT_TRUE(q.Publish());
  dev.set_used_flags(used::kFlagNoNotify);
  q.Add(kstd::Span<const Segment>(s), 2).value();
  EXPECT_FALSE(q.Publish());
  EXPECT_EQ(dev.avail_idx(), 2);  // published all the same
  dev.set_used_flags(0);
  q.Add(kstd::Span<const Segment>(s), 3).value();
  EXPECT_TRUE(q.Publish());
}

TEST(Virtqueue, NotificationSuppressionWithEventIdx) {
  FakeDma dma;
  SplitVirtqueue q;
  ASSERT_TRUE(q.Init(dma, 16, true).ok());
  RingDevice dev(dma, q);
  dev.set_used_flags(used::kFlagNoNotify);  // ignored with EVENT_IDX
  Segment s[] = {W(0x10, 1)};
  auto add = [&](int n) {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(q.Add(kstd::Span<const Segment>(s), 1).ok());
  };
  dev.set_avail_event(0);
  add(1);
  EXPECT_TRUE(q.Publish());  // 0 -> 1 passes avail_event 0
  dev.set_avail_event(5);
  add(2);
  EXPECT_FALSE(q.Publish());  // 1 -> 3 does not reach index 5
  add(2);
  EXPECT_FALSE(q.Publish());  // 3 -> 5: the device wants to hear after 5 ...
  add(1);
  EXPECT_TRUE(q.Publish());  // ... 5 -> 6 passes it
  dev.set_avail_event(2);    // stale: the device is behind
  add(1);
  EXPECT_FALSE(q.Publish());
}

TEST(Virtqueue, InterruptSuppressionWithFlags) {
  FakeDma dma;
  SplitVirtqueue q;
  ASSERT_TRUE(q.Init(dma, 8, false).ok());
  RingDevice dev(dma, q);
  EXPECT_EQ(dev.avail_flags(), 0);
  q.DisableInterrupts();
  EXPECT_EQ(dev.avail_flags(), avail::kFlagNoInterrupt);
  EXPECT_TRUE(q.EnableInterrupts());  // idle
  EXPECT_EQ(dev.avail_flags(), 0);
  Segment s[] = {W(0x10, 1)};
  q.Add(kstd::Span<const Segment>(s), 1).value();
  q.Publish();
  uint16_t h;
  std::vector<VirtqDesc> chain;
  dev.Take(&h, &chain);
  q.DisableInterrupts();
  dev.Complete(h, 1);
  EXPECT_FALSE(q.EnableInterrupts());  // a completion is already waiting
  Completion c;
  EXPECT_TRUE(q.PopUsed(&c).value());
  EXPECT_TRUE(q.EnableInterrupts());
}

TEST(Virtqueue, InterruptSuppressionWithEventIdx) {
  FakeDma dma;
  SplitVirtqueue q;
  ASSERT_TRUE(q.Init(dma, 8, true).ok());
  RingDevice dev(dma, q);
  Segment s[] = {W(0x10, 1)};
  for (int round = 0; round < 20; ++round) {
    q.Add(kstd::Span<const Segment>(s), round).value();
    q.Publish();
    uint16_t h;
    std::vector<VirtqDesc> chain;
    dev.Take(&h, &chain);
    EXPECT_TRUE(q.EnableInterrupts());
    EXPECT_EQ(dev.used_event(), round);  // interrupt when entry `round` is used
    q.DisableInterrupts();
    EXPECT_EQ(dev.used_event(), static_cast<uint16_t>(round - 1));  // far behind
    EXPECT_EQ(dev.avail_flags(), 0);                                // flags unused with EVENT_IDX
    dev.Complete(h, 1);
    EXPECT_FALSE(q.EnableInterrupts());
    Completion c;
    EXPECT_TRUE(q.PopUsed(&c).value());
  }
}

TEST(Virtqueue, DeviceProtocolViolationsBreakTheQueue) {
  struct Case {
    const char* what;
    uint32_t id;
    uint16_t extra_idx;
  };
  for (Case k : {Case{"id out of range", 99, 0}, Case{"id not a head", 1, 0},
                 Case{"idx jumps past what is in flight", 0, 5}}) {
    FakeDma dma;
    SplitVirtqueue q;
    ASSERT_TRUE(q.Init(dma, 8, false).ok());
    RingDevice dev(dma, q);
    Segment s[] = {R(0x10, 1), W(0x11, 1)};
    ASSERT_EQ(q.Add(kstd::Span<const Segment>(s), 41).value(), 0);
    ASSERT_TRUE(q.Add(kstd::Span<const Segment>(s), 42).ok());
    q.Publish();
    dev.Complete(k.id, 1, k.extra_idx);
    Completion c;
    EXPECT_EQ(q.PopUsed(&c).error(), kstd::Error::kIo) << k.what;
    EXPECT_TRUE(q.broken());
    EXPECT_EQ(q.PopUsed(&c).error(), kstd::Error::kIo);
    EXPECT_EQ(q.Add(kstd::Span<const Segment>(s), 43).error(), kstd::Error::kIo);
    EXPECT_FALSE(q.Publish());

    std::vector<uint64_t> reclaimed;
    q.Reset(
        false, [](void* v, uint64_t t) { static_cast<std::vector<uint64_t>*>(v)->push_back(t); },
        &reclaimed);
    std::sort(reclaimed.begin(), reclaimed.end());
    EXPECT_EQ(reclaimed, (std::vector<uint64_t>{41, 42}));
    EXPECT_FALSE(q.broken());
    EXPECT_EQ(q.free_descriptors(), 8);
    RingDevice fresh(dma, q);
    ASSERT_TRUE(q.Add(kstd::Span<const Segment>(s), 44).ok());
    q.Publish();
    EXPECT_EQ(fresh.avail_idx(), 1);
  }
}

}  // namespace
}  // namespace virtio
