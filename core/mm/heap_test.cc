#include "core/mm/heap.h"

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "core/mm/fake_ram.h"
#include "core/mm/pmm.h"
#include "core/mm/pmm_page_source.h"
#include "gtest/gtest.h"
#include "hal/cpu.h"
#include "hal/host/fake_hal.h"

namespace core::mm {
namespace {

using kstd::Error;

// Page runs from the host heap, with a page budget. Freed runs are kept (and
// poisoned) until the end of the test, so a heap that touches a run it gave back,
// or gives it back twice, is caught rather than crashing.
class FakePageSource final : public PageSource {
 public:
  explicit FakePageSource(size_t page_limit = SIZE_MAX) : page_limit_(page_limit) {}
  ~FakePageSource() {
    for (void* run : all_runs_) free(run);
  }

  kstd::Result<void*> AllocPages(size_t count) override {
    EXPECT_GE(count, 1u);
    if (count > page_limit_ - pages_out_) return Error::kNoMemory;
    void* run = aligned_alloc(kPageSize, count * kPageSize);
    memset(run, 0xcd, count * kPageSize);  // the heap must not rely on zeroed pages
    all_runs_.push_back(run);
    live_[run] = count;
    pages_out_ += count;
    return run;
  }
  void FreePages(void* pages, size_t count) override {
    auto it = live_.find(pages);
    ASSERT_NE(it, live_.end()) << "run freed twice or never allocated";
    ASSERT_EQ(it->second, count);
    memset(pages, 0xdd, count * kPageSize);
    live_.erase(it);
    pages_out_ -= count;
  }

  size_t pages_out() const { return pages_out_; }
  bool Owns(const void* p, size_t size) const {
    for (auto& [run, count] : live_) {
      auto* base = static_cast<const uint8_t*>(run);
      auto* bytes = static_cast<const uint8_t*>(p);
      if (bytes >= base && bytes + size <= base + count * kPageSize) return true;
    }
    return false;
  }

 private:
  size_t page_limit_;
  size_t pages_out_ = 0;
  std::map<void*, size_t> live_;
  std::vector<void*> all_runs_;
};

struct Reported {
  HeapError error;
  const void* pointer;
};

void Record(void* context, HeapError error, const void* pointer) {
  static_cast<std::vector<Reported>*>(context)->push_back({error, pointer});
}

bool Aligned(const void* p, size_t align) { return reinterpret_cast<uintptr_t>(p) % align == 0; }

class HeapTest : public ::testing::Test {
 protected:
  HeapTest() : heap_(&source_) { heap_.SetErrorHandler(&Record, &reported_); }

  void* Alloc(size_t size, size_t align = Heap::kMinAlign) {
    kstd::Result<void*> p = heap_.Allocate(size, align);
    EXPECT_TRUE(p.ok()) << "size " << size << " align " << align;
    return p.ok() ? p.value() : nullptr;
  }

  FakePageSource source_;
  Heap heap_;
  std::vector<Reported> reported_;
};

TEST_F(HeapTest, ManySizesAreAlignedDisjointAndUsable) {
  std::vector<std::pair<uint8_t*, size_t>> blocks;
  size_t bytes = 0;
  for (size_t size = 0; size <= 9000; size += (size < 300 ? 1 : 37)) {
    auto* p = static_cast<uint8_t*>(Alloc(size));
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(Aligned(p, Heap::kMinAlign));
    ASSERT_TRUE(source_.Owns(p, size));
    memset(p, static_cast<int>(blocks.size() & 0xff), size);
    blocks.push_back({p, size});
    bytes += size;
  }
  std::vector<std::pair<uint8_t*, size_t>> sorted = blocks;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 1; i < sorted.size(); ++i) {
    ASSERT_GE(sorted[i].first, sorted[i - 1].first + std::max<size_t>(sorted[i - 1].second, 1));
  }
  HeapStats stats = heap_.Stats();
  EXPECT_EQ(stats.bytes_in_use, bytes);
  EXPECT_EQ(stats.allocations, blocks.size());
  EXPECT_EQ(stats.pages_held, source_.pages_out());
  EXPECT_EQ(stats.pages_held, stats.slab_pages + stats.large_pages);
  for (size_t i = 0; i < blocks.size(); ++i) {
    for (size_t b = 0; b < blocks[i].second; ++b) {
      ASSERT_EQ(blocks[i].first[b], static_cast<uint8_t>(i & 0xff));
    }
    heap_.Free(blocks[i].first);
  }
  stats = heap_.Stats();
  EXPECT_EQ(stats.bytes_in_use, 0u);
  EXPECT_EQ(stats.allocations, 0u);
  EXPECT_EQ(stats.large_pages, 0u);
  heap_.ReleaseCachedSlabs();
  EXPECT_EQ(heap_.Stats().pages_held, 0u);
  EXPECT_EQ(source_.pages_out(), 0u);
  EXPECT_TRUE(reported_.empty());
}

TEST_F(HeapTest, HonoursAlignment) {
  std::vector<void*> blocks;
  for (size_t align = 1; align <= Heap::kMaxAlign; align *= 2) {
    for (size_t size : {1, 16, 17, 100, 1000, 2000, 3000, 5000, 20000}) {
      void* p = Alloc(size, align);
      ASSERT_TRUE(Aligned(p, std::max(align, Heap::kMinAlign))) << size << " @" << align;
      ASSERT_TRUE(source_.Owns(p, size));
      memset(p, 0x11, size);
      blocks.push_back(p);
    }
  }
  for (void* p : blocks) heap_.Free(p);
  EXPECT_EQ(heap_.Stats().allocations, 0u);
  EXPECT_TRUE(reported_.empty());
  for (size_t bad : {3, 24, 100, 8192}) {
    EXPECT_EQ(heap_.Allocate(8, bad).error(), Error::kInvalid) << bad;
  }
}

TEST_F(HeapTest, SlabsArePackedAndRecycled) {
  // 16-byte blocks take 32-byte slots: 126 of them in a one-page slab.
  std::vector<void*> small;
  for (int i = 0; i < 126; ++i) small.push_back(Alloc(16));
  EXPECT_EQ(heap_.Stats().slab_pages, 1u);
  small.push_back(Alloc(16));
  EXPECT_EQ(heap_.Stats().slab_pages, 2u);
  // 2048-byte blocks: 15 per eight-page slab.
  std::vector<void*> big;
  for (int i = 0; i < 15; ++i) big.push_back(Alloc(2048));
  EXPECT_EQ(heap_.Stats().slab_pages, 2u + 8u);
  // Reuse after free: the slot just freed comes back first.
  void* victim = small[40];
  heap_.Free(victim);
  EXPECT_EQ(Alloc(10), victim);
  EXPECT_EQ(heap_.Stats().slab_pages, 10u);
  for (void* p : small) heap_.Free(p);
  for (void* p : big) heap_.Free(p);
  // One empty slab per class stays cached; everything else went back.
  EXPECT_EQ(heap_.Stats().slab_pages, 1u + 8u);
  heap_.ReleaseCachedSlabs();
  EXPECT_EQ(source_.pages_out(), 0u);
}

TEST_F(HeapTest, FragmentationIsReusedNotGrown) {
  std::vector<void*> blocks;
  for (int i = 0; i < 10000; ++i) blocks.push_back(Alloc(100));
  const size_t pages = heap_.Stats().pages_held;
  for (size_t i = 0; i < blocks.size(); i += 2) heap_.Free(blocks[i]);
  EXPECT_EQ(heap_.Stats().pages_held, pages);  // every slab still half used
  for (size_t i = 0; i < blocks.size(); i += 2) blocks[i] = Alloc(120);  // same size class
  EXPECT_EQ(heap_.Stats().pages_held, pages);                            // the holes were refilled
  // Freeing whole slabs' worth gives the pages back.
  for (void* p : blocks) heap_.Free(p);
  EXPECT_EQ(heap_.Stats().pages_held, 1u);  // the cached empty slab
  EXPECT_TRUE(reported_.empty());
}

TEST_F(HeapTest, ExhaustionFailsCleanly) {
  FakePageSource tight(16);
  Heap heap(&tight);
  std::vector<void*> blocks;
  for (;;) {
    kstd::Result<void*> p = heap.Allocate(200);
    if (p.is_error()) {
      EXPECT_EQ(p.error(), Error::kNoMemory);
      break;
    }
    blocks.push_back(p.value());
  }
  EXPECT_EQ(tight.pages_out(), 16u);
  EXPECT_EQ(heap.Allocate(64 * 1024).error(), Error::kNoMemory);
  EXPECT_EQ(heap.Allocate(Heap::kMaxSize + 1).error(), Error::kNoMemory);
  EXPECT_EQ(heap.Stats().allocations, blocks.size());
  heap.Free(blocks.back());
  blocks.pop_back();
  EXPECT_TRUE(heap.Allocate(200).ok());  // the freed slot is usable again
  EXPECT_EQ(heap.Stats().errors, 0u);
}

TEST_F(HeapTest, DoubleFreeAndBadPointersAreReportedNotActedOn) {
  auto* a = static_cast<uint8_t*>(Alloc(64));
  auto* b = static_cast<uint8_t*>(Alloc(64, 256));
  auto* big = static_cast<uint8_t*>(Alloc(10000));
  memset(a, 0, 64);
  heap_.Free(a);
  heap_.Free(a);
  heap_.Free(b);
  heap_.Free(b);
  heap_.Free(big);
  heap_.Free(big);  // its run went back to the source, which poisoned it
  auto* live = static_cast<uint8_t*>(Alloc(200));
  memset(live, 0, 200);
  heap_.Free(live + 32);  // inside a live block
  heap_.Free(live + 3);   // unaligned
  struct alignas(16) Forged {
    uint32_t magic = 0x4c697665;  // a plausible live header...
    uint32_t size = 8;
    void* owner = reinterpret_cast<void*>(0x1000);  // ...naming a wild owner
    uint8_t payload[16] = {};
  } forged;
  heap_.Free(forged.payload);

  ASSERT_EQ(reported_.size(), 6u);
  EXPECT_EQ(reported_[0].error, HeapError::kDoubleFree);
  EXPECT_EQ(reported_[0].pointer, a);
  EXPECT_EQ(reported_[1].error, HeapError::kDoubleFree);
  EXPECT_EQ(reported_[2].error, HeapError::kBadPointer);  // header poisoned
  EXPECT_EQ(reported_[2].pointer, big);
  EXPECT_EQ(reported_[3].error, HeapError::kBadPointer);
  EXPECT_EQ(reported_[4].error, HeapError::kBadPointer);
  EXPECT_EQ(reported_[5].error, HeapError::kCorrupted);
  HeapStats stats = heap_.Stats();
  EXPECT_EQ(stats.errors, 6u);
  EXPECT_EQ(stats.allocations, 1u);
  EXPECT_EQ(stats.bytes_in_use, 200u);
  // The free lists are intact: a and b come back once each, never twice.
  void* x = Alloc(64);
  void* y = Alloc(64);
  EXPECT_NE(x, y);
  heap_.Free(x);
  heap_.Free(y);
  heap_.Free(live);
  EXPECT_EQ(heap_.Stats().allocations, 0u);
  EXPECT_EQ(reported_.size(), 6u);
}

TEST_F(HeapTest, RandomStressMatchesShadowModel) {
  struct Block {
    size_t size;
    uint8_t fill;
  };
  std::map<uint8_t*, Block> shadow;
  size_t bytes = 0;
  std::mt19937_64 rng(99);
  auto check = [](uint8_t* p, const Block& b) {
    for (size_t i = 0; i < b.size; ++i) {
      if (p[i] != b.fill) return false;
    }
    return true;
  };
  for (int step = 0; step < 40000; ++step) {
    if (shadow.empty() || rng() % 100 < 55) {
      const unsigned kind = rng() % 100;
      const size_t size = kind < 80 ? rng() % 256 : kind < 97 ? rng() % 2200 : rng() % 40000;
      const size_t align = rng() % 8 == 0 ? size_t{1} << (rng() % 13) : 16;
      auto* p = static_cast<uint8_t*>(Alloc(size, align));
      ASSERT_NE(p, nullptr);
      ASSERT_TRUE(Aligned(p, std::max(align, Heap::kMinAlign)));
      // No overlap with the neighbours in address order.
      auto next = shadow.lower_bound(p);
      if (next != shadow.end()) ASSERT_LE(p + size, next->first);
      if (next != shadow.begin()) {
        auto prev = std::prev(next);
        ASSERT_LE(prev->first + prev->second.size, p);
      }
      const uint8_t fill = static_cast<uint8_t>(rng());
      memset(p, fill, size);
      shadow[p] = {size, fill};
      bytes += size;
    } else {
      auto it = shadow.lower_bound(reinterpret_cast<uint8_t*>(rng()));
      if (it == shadow.end()) it = shadow.begin();
      ASSERT_TRUE(check(it->first, it->second)) << "block contents changed";
      heap_.Free(it->first);
      bytes -= it->second.size;
      shadow.erase(it);
    }
    const HeapStats stats = heap_.Stats();
    ASSERT_EQ(stats.bytes_in_use, bytes);
    ASSERT_EQ(stats.allocations, shadow.size());
    ASSERT_EQ(stats.pages_held, source_.pages_out());
  }
  for (auto& [p, block] : shadow) {
    ASSERT_TRUE(check(p, block));
    heap_.Free(p);
  }
  heap_.ReleaseCachedSlabs();
  EXPECT_EQ(source_.pages_out(), 0u);
  EXPECT_TRUE(reported_.empty());
}

TEST(HeapOnPmmTest, RunsOnThePageAllocatorOverFakeRam) {
  constexpr PhysAddr kBase = 0x100000;
  FakeRam ram(kBase, 64 << 20);
  const hal::MemoryRange map[] = {
      {0, 0x9fc00, hal::MemoryRange::Type::kUsable},
      {kBase, ram.size(), hal::MemoryRange::Type::kUsable},
  };
  const PhysRange reserved[] = {{0, 0x100000}, {kBase, 0x200000}};  // low 1 MiB, kernel
  PageAllocator pmm;
  ASSERT_TRUE(pmm.Init(map, reserved, ram.phys_map()).ok()) << pmm.InitFailureReason();
  const uint64_t free_at_start = pmm.Stats().free_pages;
  PmmPageSource source(&pmm);
  Heap heap(&source);

  std::vector<std::pair<uint8_t*, size_t>> blocks;
  for (size_t size : {1, 24, 500, 2048, 2049, 8192, 100000, 1 << 20, 4 << 20}) {
    for (int i = 0; i < 20; ++i) {
      kstd::Result<void*> p = heap.Allocate(size);
      if (size == (4 << 20)) {  // needs more than one 4 MiB buddy block
        EXPECT_EQ(p.error(), Error::kNoMemory);
        continue;
      }
      ASSERT_TRUE(p.ok()) << size;
      auto* bytes = static_cast<uint8_t*>(p.value());
      const PhysAddr phys = ram.phys_map().ToPhys(bytes);
      ASSERT_TRUE(ram.Contains(phys, size));
      ASSERT_GE(phys, kBase + 0x200000);  // never inside the kernel image
      memset(bytes, 0x5a, size);
      blocks.push_back({bytes, size});
    }
  }
  EXPECT_LT(pmm.Stats().free_pages, free_at_start);
  EXPECT_EQ(pmm.Stats().allocated_pages, heap.Stats().pages_held);
  for (auto [p, size] : blocks) heap.Free(p);
  heap.ReleaseCachedSlabs();
  EXPECT_EQ(pmm.Stats().free_pages, free_at_start);
  EXPECT_EQ(pmm.Stats().bad_frees, 0u);
  EXPECT_EQ(heap.Stats().errors, 0u);
}

// The kernel is preemptive: an interrupt's exit may switch threads even in
// the middle of a syscall, so a thread can be switched out inside the heap
// while another one enters it. The heap must keep interrupts off (and so
// preemption out) for as long as it touches its lists. The page source is
// called from inside Allocate/Free, so it sees the interrupt state there.
class InterruptCheckingSource final : public PageSource {
 public:
  kstd::Result<void*> AllocPages(size_t count) override {
    if (hal::host::InterruptsEnabled()) ++preemptible_calls_;
    return inner_.AllocPages(count);
  }
  void FreePages(void* pages, size_t count) override {
    if (hal::host::InterruptsEnabled()) ++preemptible_calls_;
    inner_.FreePages(pages, count);
  }
  size_t preemptible_calls() const { return preemptible_calls_; }
  size_t pages_out() const { return inner_.pages_out(); }

 private:
  FakePageSource inner_;
  size_t preemptible_calls_ = 0;
};

void RecordWithInterruptState(void* context, HeapError, const void*) {
  auto* enabled = static_cast<std::vector<bool>*>(context);
  enabled->push_back(hal::host::InterruptsEnabled());
}

TEST(HeapPreemptionTest, InterruptsStayOffInsideTheHeapAndAreRestoredAfter) {
  InterruptCheckingSource source;
  Heap heap(&source);
  std::vector<bool> handler_saw_enabled;
  heap.SetErrorHandler(&RecordWithInterruptState, &handler_saw_enabled);
  hal::EnableInterrupts();  // as in a syscall
  std::vector<void*> blocks;
  // Every class (a fresh slab each), a large run, the 8 KiB class, then frees
  // that empty slabs (released to the source) and a rejected double free.
  for (size_t size : {16, 100, 2048, 3000, 3600, 4097, 8192, 9000, 100000}) {
    for (int i = 0; i < 9; ++i) {
      kstd::Result<void*> p = heap.Allocate(size);
      ASSERT_TRUE(p.ok()) << size;
      EXPECT_TRUE(hal::host::InterruptsEnabled()) << "Allocate left interrupts off";
      blocks.push_back(p.value());
    }
  }
  for (void* p : blocks) {
    heap.Free(p);
    EXPECT_TRUE(hal::host::InterruptsEnabled()) << "Free left interrupts off";
  }
  heap.Free(blocks.back());  // double free: reported
  heap.ReleaseCachedSlabs();
  EXPECT_TRUE(hal::host::InterruptsEnabled());
  (void)heap.Stats();
  EXPECT_TRUE(hal::host::InterruptsEnabled());
  hal::DisableInterrupts();

  EXPECT_EQ(source.pages_out(), 0u);
  EXPECT_EQ(source.preemptible_calls(), 0u)
      << "the heap called its page source with interrupts on: a thread switch there lets "
         "another thread into the heap half-way through an operation";
  ASSERT_EQ(handler_saw_enabled.size(), 1u);
  EXPECT_FALSE(handler_saw_enabled[0]);
  // Interrupts that were off stay off.
  void* p = heap.Allocate(3600).value();
  EXPECT_FALSE(hal::host::InterruptsEnabled());
  heap.Free(p);
  EXPECT_FALSE(hal::host::InterruptsEnabled());
  heap.ReleaseCachedSlabs();
}

// What a preempted allocation did in the kernel (two threads inside one size
// class at once), with real threads: the 4608-byte class is where the
// kernel's wait objects (ipc::MultiWait, ~3.6 KiB) live since the 8 KiB
// classes, and the big-write crashes were two of them given the same slot.
TEST(HeapPreemptionTest, ConcurrentCallersNeverShareABlockOrCorruptTheLists) {
  FakePageSource source;
  Heap heap(&source);
  std::vector<Reported> reported;
  heap.SetErrorHandler(&Record, &reported);
  constexpr int kThreads = 4;
  constexpr int kRounds = 20000;
  std::atomic<int> bad_blocks{0};
  std::atomic<int> waiting{kThreads};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(1234 + t);
      std::vector<std::pair<uint8_t*, uint8_t>> mine;
      waiting.fetch_sub(1);
      while (waiting.load() > 0) {
      }  // all start together
      for (int round = 0; round < kRounds; ++round) {
        if (mine.size() < 8 && (mine.empty() || rng() % 2 == 0)) {
          size_t size = (rng() % 3 == 0) ? 100 : 3600;
          kstd::Result<void*> p = heap.Allocate(size);
          if (!p.ok()) continue;
          auto* bytes = static_cast<uint8_t*>(p.value());
          auto tag = static_cast<uint8_t>(t * 64 + round % 64 + 1);
          memset(bytes, tag, 100);
          mine.push_back({bytes, tag});
        } else {
          size_t i = rng() % mine.size();
          auto [bytes, tag] = mine[i];
          for (int b = 0; b < 100; ++b) {
            if (bytes[b] != tag) {
              ++bad_blocks;
              break;
            }
          }
          heap.Free(bytes);
          mine.erase(mine.begin() + static_cast<long>(i));
        }
      }
      for (auto& [bytes, tag] : mine) heap.Free(bytes);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(bad_blocks.load(), 0) << "a block was handed to two callers";
  EXPECT_TRUE(reported.empty());
  HeapStats stats = heap.Stats();
  EXPECT_EQ(stats.allocations, 0u);
  EXPECT_EQ(stats.bytes_in_use, 0u);
  heap.ReleaseCachedSlabs();
  EXPECT_EQ(source.pages_out(), 0u);
}

}  // namespace
}  // namespace core::mm
