#include "core/ipc/notification.h"

#include <gtest/gtest.h>

#include "core/ipc/test_support.h"

namespace core::ipc {
namespace {

using testing::CountingObserver;

kstd::RefPtr<Notification> MakeNotification() {
  auto created = Notification::Create();
  EXPECT_TRUE(created.ok());
  return created.release_value();
}

TEST(NotificationTest, StartsEmpty) {
  auto notification = MakeNotification();
  EXPECT_EQ(notification->type(), ObjectType::kNotification);
  EXPECT_EQ(notification->signals(), 0u);
  EXPECT_EQ(notification->Peek(), 0u);
  EXPECT_EQ(notification->Take(), 0u);
}

TEST(NotificationTest, SignalAccumulatesAndTakeClears) {
  auto notification = MakeNotification();
  notification->Signal(1u << 3);
  notification->Signal(1ull << 63);
  notification->Signal(1u << 3);
  EXPECT_EQ(notification->signals(), kSignalNotified);
  EXPECT_EQ(notification->Peek(), (1u << 3) | (1ull << 63));
  EXPECT_EQ(notification->Peek(), (1u << 3) | (1ull << 63));  // Peek leaves them
  EXPECT_EQ(notification->Take(), (1u << 3) | (1ull << 63));
  EXPECT_EQ(notification->signals(), 0u);
  EXPECT_EQ(notification->Take(), 0u);
}

TEST(NotificationTest, ZeroBitsChangeNothing) {
  auto notification = MakeNotification();
  notification->Signal(0);
  EXPECT_EQ(notification->signals(), 0u);
  EXPECT_EQ(notification->Peek(), 0u);
}

TEST(NotificationTest, ObserversSeeEdgesOnly) {
  auto notification = MakeNotification();
  CountingObserver observer;
  EXPECT_EQ(notification->AddObserver(&observer), 0u);

  notification->Signal(0x1);
  EXPECT_EQ(observer.calls, 1);
  EXPECT_EQ(observer.last, kSignalNotified);
  notification->Signal(0x2);  // already notified: no change, no call
  EXPECT_EQ(observer.calls, 1);

  EXPECT_EQ(notification->Take(), 0x3u);
  EXPECT_EQ(observer.calls, 2);
  EXPECT_EQ(observer.last, 0u);
  notification->Take();  // nothing pending: no call
  EXPECT_EQ(observer.calls, 2);

  notification->RemoveObserver(&observer);
  notification->Signal(0x4);
  EXPECT_EQ(observer.calls, 2);
  EXPECT_EQ(notification->AddObserver(&observer), kSignalNotified);
  notification->RemoveObserver(&observer);
}

}  // namespace
}  // namespace core::ipc
