#include "core/ipc/wait_set.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "core/ipc/channel.h"
#include "core/ipc/notification.h"
#include "core/ipc/test_support.h"

namespace core::ipc {
namespace {

using testing::DestructionCounter;

struct WakeLog {
  int calls = 0;
  size_t ready_at_wake = MultiWait::kNotReady;
  MultiWait* wait = nullptr;
};

void RecordWake(void* context) {
  auto* log = static_cast<WakeLog*>(context);
  ++log->calls;
  if (log->wait != nullptr) log->ready_at_wake = log->wait->ready_index();
}

kstd::RefPtr<Notification> MakeNotification() { return Notification::Create().release_value(); }
ChannelPair MakePair() { return Channel::CreatePair().release_value(); }
void WriteBytes(ChannelEndpoint* endpoint, uint32_t size) {
  ASSERT_TRUE(endpoint->Write(MessagePacket::Create(size, 0, {}).value()).ok());
}

TEST(MultiWaitTest, WakesOnceForTheFirstReadyItem) {
  auto n0 = MakeNotification();
  auto n1 = MakeNotification();
  WakeLog log;
  MultiWait wait(RecordWake, &log);
  log.wait = &wait;
  EXPECT_EQ(wait.Add(n0, kSignalNotified).value(), 0u);
  EXPECT_EQ(wait.Add(n1, kSignalNotified).value(), 1u);
  EXPECT_FALSE(wait.ready());
  EXPECT_EQ(wait.ready_index(), MultiWait::kNotReady);

  n1->Signal(0x10);
  EXPECT_EQ(log.calls, 1);
  EXPECT_EQ(log.ready_at_wake, 1u);  // the index is published before wake runs
  EXPECT_TRUE(wait.ready());
  EXPECT_EQ(wait.ready_index(), 1u);
  EXPECT_EQ(wait.observed(1), kSignalNotified);
  EXPECT_EQ(wait.observed(0), 0u);

  n0->Signal(0x1);  // later readiness is observed, but wakes no one
  EXPECT_EQ(log.calls, 1);
  EXPECT_EQ(wait.ready_index(), 1u);
  EXPECT_EQ(wait.observed(0), kSignalNotified);

  wait.Cancel();
  n0->Take();
  EXPECT_EQ(wait.observed(0), kSignalNotified);  // frozen by Cancel
}

TEST(MultiWaitTest, AlreadySatisfiedIsReadyWithoutWake) {
  auto n0 = MakeNotification();
  auto n1 = MakeNotification();
  n1->Signal(1);
  WakeLog log;
  MultiWait wait(RecordWake, &log);
  ASSERT_TRUE(wait.Add(n0, kSignalNotified).ok());
  ASSERT_TRUE(wait.Add(n1, kSignalNotified).ok());
  EXPECT_TRUE(wait.ready());
  EXPECT_EQ(wait.ready_index(), 1u);
  EXPECT_EQ(log.calls, 0);
  n0->Signal(1);
  EXPECT_EQ(log.calls, 0);  // already ready: no wake
  EXPECT_EQ(wait.ready_index(), 1u);
}

TEST(MultiWaitTest, UnwantedSignalsAreObservedButDoNotWake) {
  ChannelPair pair = MakePair();
  WakeLog log;
  MultiWait wait(RecordWake, &log);
  ASSERT_TRUE(wait.Add(pair.first, kSignalReadable | kSignalPeerClosed).ok());
  EXPECT_EQ(wait.observed(0), kSignalWritable);
  EXPECT_FALSE(wait.ready());

  // Filling the peer's queue clears kSignalWritable: observed, not wanted.
  for (size_t i = 0; i < kMaxQueueMessages; ++i) WriteBytes(pair.first.get(), 0);
  EXPECT_EQ(wait.observed(0), 0u);
  EXPECT_FALSE(wait.ready());
  EXPECT_EQ(log.calls, 0);

  WriteBytes(pair.second.get(), 1);
  EXPECT_EQ(log.calls, 1);
  EXPECT_EQ(wait.ready_index(), 0u);
  EXPECT_EQ(wait.observed(0), kSignalReadable);
}

TEST(MultiWaitTest, PeerClosedWakesAChannelWaiter) {
  ChannelPair pair = MakePair();
  auto notification = MakeNotification();
  WakeLog log;
  MultiWait wait(RecordWake, &log);
  ASSERT_TRUE(wait.Add(notification, kSignalNotified).ok());
  ASSERT_TRUE(wait.Add(pair.first, kSignalReadable | kSignalPeerClosed).ok());
  pair.second.reset();
  EXPECT_EQ(log.calls, 1);
  EXPECT_EQ(wait.ready_index(), 1u);
  EXPECT_EQ(wait.observed(1), kSignalPeerClosed);
}

TEST(MultiWaitTest, CancelUnregistersAndDropsReferences) {
  int destroyed = 0;
  auto notification = MakeNotification();
  WakeLog log;
  MultiWait wait(RecordWake, &log);
  ASSERT_TRUE(wait.Add(notification, kSignalNotified).ok());
  ASSERT_TRUE(wait.Add(DestructionCounter::Make(&destroyed), kSignalReadable).ok());
  EXPECT_EQ(destroyed, 0);  // the wait keeps it alive
  EXPECT_EQ(notification->ref_count(), 2);

  wait.Cancel();
  EXPECT_EQ(destroyed, 1);
  EXPECT_EQ(notification->ref_count(), 1);
  notification->Signal(1);
  EXPECT_EQ(log.calls, 0);
  EXPECT_FALSE(wait.ready());
  EXPECT_EQ(wait.size(), 2u);
  wait.Cancel();  // idempotent
  EXPECT_EQ(wait.Add(notification, kSignalNotified).error(), kstd::Error::kInvalid);
}

TEST(MultiWaitTest, DestructorCancels) {
  auto notification = MakeNotification();
  WakeLog log;
  {
    MultiWait wait(RecordWake, &log);
    ASSERT_TRUE(wait.Add(notification, kSignalNotified).ok());
  }
  notification->Signal(1);  // would touch a dead observer if still registered
  EXPECT_EQ(log.calls, 0);
  EXPECT_EQ(notification->ref_count(), 1);
}

TEST(MultiWaitTest, Limits) {
  auto notification = MakeNotification();
  auto wait = std::make_unique<MultiWait>(nullptr, nullptr);  // no wake hook
  EXPECT_EQ(wait->Add(kstd::RefPtr<KernelObject>(), kSignalNotified).error(),
            kstd::Error::kInvalid);
  ChannelPair pairs[kMaxWaitItems];
  for (size_t i = 0; i < kMaxWaitItems; ++i) {
    pairs[i] = MakePair();
    ASSERT_EQ(wait->Add(pairs[i].first, kSignalReadable).value(), i);
  }
  EXPECT_EQ(wait->Add(notification, kSignalNotified).error(), kstd::Error::kInvalid);
  WriteBytes(pairs[63].second.get(), 4);  // the last item, with no wake hook
  EXPECT_EQ(wait->ready_index(), 63u);
  WriteBytes(pairs[5].second.get(), 4);
  EXPECT_EQ(wait->ready_index(), 63u);
  EXPECT_EQ(wait->observed(5), kSignalReadable | kSignalWritable);
}

TEST(MultiWaitTest, ZeroWantedNeverReady) {
  auto notification = MakeNotification();
  WakeLog log;
  MultiWait wait(RecordWake, &log);
  ASSERT_TRUE(wait.Add(notification, 0).ok());
  notification->Signal(1);
  EXPECT_FALSE(wait.ready());
  EXPECT_EQ(wait.observed(0), kSignalNotified);
  EXPECT_EQ(log.calls, 0);
}

// The guarantee a sleeping syscall relies on, raced on a real multi-core host:
// if ready() was false right after Add, wake is called (exactly once) later.
TEST(MultiWaitTest, NoLostWakeupWhenSignalRacesRegistration) {
  int woken_later = 0;
  for (int round = 0; round < 2000; ++round) {
    auto notification = MakeNotification();
    std::atomic<int> wakes{0};
    MultiWait wait([](void* c) { static_cast<std::atomic<int>*>(c)->fetch_add(1); }, &wakes);
    std::thread signaller([&] { notification->Signal(1); });
    ASSERT_TRUE(wait.Add(notification, kSignalNotified).ok());
    bool ready_after_add = wait.ready();
    signaller.join();
    EXPECT_TRUE(wait.ready());
    wait.Cancel();
    if (ready_after_add) {
      EXPECT_LE(wakes.load(), 1);
    } else {
      EXPECT_EQ(wakes.load(), 1);
      ++woken_later;
    }
  }
  RecordProperty("woken_later", woken_later);
}

}  // namespace
}  // namespace core::ipc
