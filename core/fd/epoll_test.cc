#include "core/fd/epoll.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "abi/linux/poll.h"

namespace core::fd {
namespace {

using linux_abi::EpollEvent;

// A pollable file whose readiness the test sets; counts how often it is polled.
class FakeFile final : public FileDescription {
 public:
  explicit FakeFile(bool pollable = true)
      : FileDescription(linux_abi::kORdWr), pollable_(pollable) {}
  kstd::Result<size_t> Read(kstd::Span<uint8_t>) override { return kstd::Error::kInvalid; }
  kstd::Result<size_t> Write(kstd::Span<const uint8_t>) override { return kstd::Error::kInvalid; }
  int16_t PollEvents() override {
    SpinLockGuard guard(lock_);
    ++polls;
    return events_;
  }
  KernelObject* WaitTarget() override { return pollable_ ? this : nullptr; }
  const char* Describe() const override { return "fake"; }

  // Sets the readiness; `arrival`: something new came in (an edge).
  void Set(int16_t events, bool arrival = false) {
    SpinLockGuard guard(lock_);
    events_ = events;
    SyncSignalsLocked(events, arrival);
  }
  int polls = 0;

 private:
  bool pollable_;
  int16_t events_ = 0;
};

constexpr int16_t kIn = linux_abi::kPollIn;

kstd::RefPtr<EpollInstance> NewEpoll() { return EpollInstance::Create().release_value(); }
kstd::RefPtr<FakeFile> NewFile() { return kstd::AdoptRef(new FakeFile()); }

kstd::Result<void> Ctl(EpollInstance* ep, int op, int fd, FileDescription* f, uint32_t events,
                       uint64_t data = 0) {
  EpollEvent ev;
  ev.events = events;
  ev.data = data;
  return ep->Control(op, fd, f, ev);
}

size_t Harvest(EpollInstance* ep, std::vector<EpollEvent>* out, size_t max = 16) {
  out->assign(max, EpollEvent{});
  size_t n = ep->Harvest(kstd::Span<EpollEvent>(out->data(), max));
  out->resize(n);
  return n;
}

TEST(EpollTest, LevelTriggeredReportsUntilNotReady) {
  auto ep = NewEpoll();
  auto f = NewFile();
  ASSERT_TRUE(Ctl(ep.get(), linux_abi::kEpollCtlAdd, 3, f.get(), linux_abi::kEpollIn, 77).ok());
  std::vector<EpollEvent> out;
  EXPECT_EQ(Harvest(ep.get(), &out), 0u);
  EXPECT_EQ(ep->signals() & kSignalReadable, 0u);
  f->Set(kIn);
  EXPECT_NE(ep->signals() & kSignalReadable, 0u);  // the callback queued it
  ASSERT_EQ(Harvest(ep.get(), &out), 1u);
  EXPECT_EQ(out[0].events, linux_abi::kEpollIn);
  EXPECT_EQ(out[0].data, 77u);
  ASSERT_EQ(Harvest(ep.get(), &out), 1u);  // still ready: reported again
  f->Set(0);
  EXPECT_EQ(Harvest(ep.get(), &out), 0u);
  EXPECT_EQ(ep->signals() & kSignalReadable, 0u);
}

TEST(EpollTest, ReadyAtAddIsQueued) {
  auto ep = NewEpoll();
  auto f = NewFile();
  f->Set(kIn | linux_abi::kPollOut);
  ASSERT_TRUE(Ctl(ep.get(), linux_abi::kEpollCtlAdd, 3, f.get(), linux_abi::kEpollOut).ok());
  std::vector<EpollEvent> out;
  ASSERT_EQ(Harvest(ep.get(), &out), 1u);
  EXPECT_EQ(out[0].events, linux_abi::kEpollOut);  // only what was asked
}

TEST(EpollTest, EdgeTriggeredReportsEachArrivalOnce) {
  auto ep = NewEpoll();
  auto f = NewFile();
  ASSERT_TRUE(
      Ctl(ep.get(), linux_abi::kEpollCtlAdd, 3, f.get(), linux_abi::kEpollIn | linux_abi::kEpollEt)
          .ok());
  std::vector<EpollEvent> out;
  f->Set(kIn, true);
  EXPECT_EQ(Harvest(ep.get(), &out), 1u);
  EXPECT_EQ(Harvest(ep.get(), &out), 0u);  // no new edge
  f->Set(kIn, true);                       // more data on a readable file
  EXPECT_EQ(Harvest(ep.get(), &out), 1u);
  f->Set(kIn, false);  // no arrival, no change: nothing new
  EXPECT_EQ(Harvest(ep.get(), &out), 0u);
}

TEST(EpollTest, OneShotIsDisabledUntilModified) {
  auto ep = NewEpoll();
  auto f = NewFile();
  ASSERT_TRUE(Ctl(ep.get(), linux_abi::kEpollCtlAdd, 3, f.get(),
                  linux_abi::kEpollIn | linux_abi::kEpollOneShot, 1)
                  .ok());
  std::vector<EpollEvent> out;
  f->Set(kIn, true);
  EXPECT_EQ(Harvest(ep.get(), &out), 1u);
  f->Set(kIn, true);
  EXPECT_EQ(Harvest(ep.get(), &out), 0u);
  ASSERT_TRUE(Ctl(ep.get(), linux_abi::kEpollCtlMod, 3, f.get(),
                  linux_abi::kEpollIn | linux_abi::kEpollOneShot, 2)
                  .ok());
  ASSERT_EQ(Harvest(ep.get(), &out), 1u);  // re-armed and ready at once
  EXPECT_EQ(out[0].data, 2u);
}

TEST(EpollTest, TenThousandItemsCostOnlyTheReadyOne) {
  auto ep = NewEpoll();
  std::vector<kstd::RefPtr<FakeFile>> files;
  for (int i = 0; i < 10000; ++i) {
    files.push_back(NewFile());
    ASSERT_TRUE(Ctl(ep.get(), linux_abi::kEpollCtlAdd, i, files.back().get(), linux_abi::kEpollIn,
                    static_cast<uint64_t>(i))
                    .ok());
  }
  EXPECT_EQ(ep->size(), 10000u);
  for (auto& f : files) f->polls = 0;
  files[4321]->Set(kIn);
  std::vector<EpollEvent> out;
  ASSERT_EQ(Harvest(ep.get(), &out, 64), 1u);
  EXPECT_EQ(out[0].data, 4321u);
  int polls = 0;
  for (auto& f : files) polls += f->polls;
  EXPECT_EQ(polls, 1);
}

TEST(EpollTest, ReleaseOfTheFileRemovesItsItems) {
  auto ep = NewEpoll();
  auto f = NewFile();
  ASSERT_TRUE(Ctl(ep.get(), linux_abi::kEpollCtlAdd, 3, f.get(), linux_abi::kEpollIn).ok());
  ASSERT_TRUE(Ctl(ep.get(), linux_abi::kEpollCtlAdd, 4, f.get(), linux_abi::kEpollIn).ok());
  EXPECT_EQ(f->ref_count(), 1);  // the epoll holds no reference
  f->Set(kIn);
  EXPECT_EQ(ep->size(), 2u);
  f.reset();
  EXPECT_EQ(ep->size(), 0u);
  std::vector<EpollEvent> out;
  EXPECT_EQ(Harvest(ep.get(), &out), 0u);
}

TEST(EpollTest, DestroyingTheEpollUnregisters) {
  auto f = NewFile();
  {
    auto ep = NewEpoll();
    ASSERT_TRUE(Ctl(ep.get(), linux_abi::kEpollCtlAdd, 3, f.get(), linux_abi::kEpollIn).ok());
  }
  f->Set(kIn);  // no observer left to call
  SUCCEED();
}

TEST(EpollTest, ControlErrors) {
  auto ep = NewEpoll();
  auto f = NewFile();
  auto regular = kstd::AdoptRef(new FakeFile(false));
  EXPECT_EQ(Ctl(ep.get(), linux_abi::kEpollCtlAdd, 3, regular.get(), linux_abi::kEpollIn).error(),
            kstd::Error::kPermission);
  EXPECT_EQ(Ctl(ep.get(), linux_abi::kEpollCtlAdd, 3, ep.get(), linux_abi::kEpollIn).error(),
            kstd::Error::kInvalid);
  EXPECT_EQ(Ctl(ep.get(), linux_abi::kEpollCtlMod, 3, f.get(), linux_abi::kEpollIn).error(),
            kstd::Error::kNotFound);
  EXPECT_EQ(Ctl(ep.get(), linux_abi::kEpollCtlDel, 3, f.get(), 0).error(), kstd::Error::kNotFound);
  EXPECT_EQ(Ctl(ep.get(), 9, 3, f.get(), 0).error(), kstd::Error::kInvalid);
  ASSERT_TRUE(Ctl(ep.get(), linux_abi::kEpollCtlAdd, 3, f.get(), linux_abi::kEpollIn).ok());
  EXPECT_EQ(Ctl(ep.get(), linux_abi::kEpollCtlAdd, 3, f.get(), linux_abi::kEpollIn).error(),
            kstd::Error::kExists);
  EXPECT_TRUE(Ctl(ep.get(), linux_abi::kEpollCtlDel, 3, f.get(), 0).ok());
  EXPECT_EQ(ep->size(), 0u);
  // EPOLLEXCLUSIVE: ADD only, not with EPOLLONESHOT, never on MOD.
  EXPECT_EQ(Ctl(ep.get(), linux_abi::kEpollCtlAdd, 3, f.get(),
                linux_abi::kEpollIn | linux_abi::kEpollExclusive | linux_abi::kEpollOneShot)
                .error(),
            kstd::Error::kInvalid);
  ASSERT_TRUE(Ctl(ep.get(), linux_abi::kEpollCtlAdd, 3, f.get(),
                  linux_abi::kEpollIn | linux_abi::kEpollExclusive)
                  .ok());
  EXPECT_EQ(Ctl(ep.get(), linux_abi::kEpollCtlMod, 3, f.get(), linux_abi::kEpollIn).error(),
            kstd::Error::kInvalid);
}

TEST(EpollTest, NestingAndLoops) {
  auto outer = NewEpoll();
  auto inner = NewEpoll();
  auto f = NewFile();
  ASSERT_TRUE(Ctl(inner.get(), linux_abi::kEpollCtlAdd, 3, f.get(), linux_abi::kEpollIn).ok());
  ASSERT_TRUE(Ctl(outer.get(), linux_abi::kEpollCtlAdd, 4, inner.get(), linux_abi::kEpollIn).ok());
  EXPECT_EQ(outer->PollEvents(), 0);
  std::vector<EpollEvent> out;
  EXPECT_EQ(Harvest(outer.get(), &out), 0u);
  f->Set(kIn);
  ASSERT_EQ(Harvest(outer.get(), &out), 1u);
  EXPECT_EQ(out[0].events, linux_abi::kEpollIn);
  f->Set(0);
  EXPECT_EQ(Harvest(outer.get(), &out), 0u);  // inner's item is no longer ready
  // A cycle: outer inside inner.
  EXPECT_EQ(Ctl(inner.get(), linux_abi::kEpollCtlAdd, 5, outer.get(), linux_abi::kEpollIn).error(),
            kstd::Error::kLoop);
  // Too deep: a chain of more than kEpMaxNests.
  std::vector<kstd::RefPtr<EpollInstance>> chain;
  chain.push_back(NewEpoll());
  kstd::Result<void> r = kstd::Ok();
  for (int i = 0; i < 8 && r.ok(); ++i) {
    chain.push_back(NewEpoll());
    r = Ctl(chain[chain.size() - 1].get(), linux_abi::kEpollCtlAdd, i,
            chain[chain.size() - 2].get(), linux_abi::kEpollIn);
  }
  EXPECT_EQ(r.error(), kstd::Error::kLoop);
}

TEST(EpollTest, CheckingAnInnerEpollIsNotANewEdge) {
  auto outer = NewEpoll();
  auto inner = NewEpoll();
  auto f = NewFile();
  ASSERT_TRUE(Ctl(inner.get(), linux_abi::kEpollCtlAdd, 3, f.get(), linux_abi::kEpollIn).ok());
  ASSERT_TRUE(Ctl(outer.get(), linux_abi::kEpollCtlAdd, 4, inner.get(),
                  linux_abi::kEpollIn | linux_abi::kEpollEt)
                  .ok());
  f->Set(kIn, true);
  std::vector<EpollEvent> out;
  EXPECT_EQ(Harvest(outer.get(), &out), 1u);
  EXPECT_EQ(inner->PollEvents(), static_cast<int16_t>(linux_abi::kPollIn | linux_abi::kPollRdNorm));
  EXPECT_EQ(Harvest(outer.get(), &out), 0u);  // a poll of the inner one changed nothing
  f->Set(kIn, true);                          // new data: a new edge all the way up
  EXPECT_EQ(Harvest(outer.get(), &out), 1u);
}

// Readiness changes, harvests (also through an outer epoll), ADD/DEL and
// files released while registered, all at once on several threads: no
// crash, no deadlock (the lock order holds), and the books balance.
TEST(EpollTest, ConcurrentChangesHarvestsAndReleases) {
  auto ep = NewEpoll();
  auto outer = NewEpoll();
  ASSERT_TRUE(Ctl(outer.get(), linux_abi::kEpollCtlAdd, 1000, ep.get(), linux_abi::kEpollIn).ok());
  constexpr int kFiles = 32;
  std::vector<kstd::RefPtr<FakeFile>> files;
  for (int i = 0; i < kFiles; ++i) {
    files.push_back(NewFile());
    ASSERT_TRUE(Ctl(ep.get(), linux_abi::kEpollCtlAdd, i, files[i].get(),
                    i % 2 ? linux_abi::kEpollIn : linux_abi::kEpollIn | linux_abi::kEpollEt)
                    .ok());
  }
  std::atomic<bool> stop{false};
  std::atomic<long> reported{0};
  std::vector<std::thread> threads;
  threads.emplace_back([&] {  // readiness flips, with arrivals
    for (int n = 0; !stop; ++n) files[n % kFiles]->Set(n % 3 ? kIn : 0, true);
  });
  threads.emplace_back([&] {  // harvests
    EpollEvent out[8];
    while (!stop) reported += ep->Harvest(kstd::Span<EpollEvent>(out, 8));
  });
  threads.emplace_back([&] {  // the outer epoll looks at the inner one
    EpollEvent out[8];
    while (!stop) outer->Harvest(kstd::Span<EpollEvent>(out, 8));
  });
  threads.emplace_back([&] {  // DEL and ADD again
    for (int n = 0; !stop; ++n) {
      int i = n % kFiles;
      EXPECT_TRUE(Ctl(ep.get(), linux_abi::kEpollCtlDel, i, files[i].get(), 0).ok());
      EXPECT_TRUE(
          Ctl(ep.get(), linux_abi::kEpollCtlAdd, i, files[i].get(), linux_abi::kEpollIn).ok());
    }
  });
  threads.emplace_back([&] {  // files released while registered and ready
    for (int n = 0; !stop; ++n) {
      auto f = NewFile();
      EXPECT_TRUE(
          Ctl(ep.get(), linux_abi::kEpollCtlAdd, 5000 + n, f.get(), linux_abi::kEpollIn).ok());
      f->Set(kIn, true);
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(ep->size(), static_cast<size_t>(kFiles));  // the released ones are gone
  EXPECT_GT(reported.load(), 0);
  for (auto& f : files) EXPECT_EQ(f->ref_count(), 1);
}

}  // namespace
}  // namespace core::fd
