#include "core/object/handle_table.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "kstd/new.h"

namespace core {
namespace {

constexpr uint64_t kSecret = 0x1234'5678'9ABC'DEF0ull;

// A kernel object that counts its destructions.
class TestObject final : public KernelObject {
 public:
  explicit TestObject(int* destroyed, ObjectType type = ObjectType::kNotification)
      : KernelObject(type), destroyed_(destroyed) {}
  ~TestObject() override { ++*destroyed_; }

 private:
  int* destroyed_;
};

kstd::RefPtr<TestObject> MakeObject(int* destroyed, ObjectType type = ObjectType::kNotification) {
  return kstd::AdoptRef(new (kstd::nothrow) TestObject(destroyed, type));
}

TEST(HandleTableTest, AddGetClose) {
  int destroyed = 0;
  HandleTable table(kSecret);
  {
    auto object = MakeObject(&destroyed);
    auto added = table.Add(object, kRightsBasic | kRightRead);
    ASSERT_TRUE(added.ok());
    HandleValue h = added.value();
    EXPECT_NE(h, kInvalidHandle);
    EXPECT_EQ(table.count(), 1u);

    auto got = table.Get(h, kRightRead);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got.value().get(), object.get());
    auto rights = table.RightsOf(h);
    ASSERT_TRUE(rights.ok());
    EXPECT_EQ(rights.value(), kRightsBasic | kRightRead);

    EXPECT_TRUE(table.Close(h).ok());
    EXPECT_EQ(table.count(), 0u);
    EXPECT_EQ(table.Get(h, kRightNone).error(), kstd::Error::kBadHandle);
    EXPECT_EQ(table.Close(h).error(), kstd::Error::kBadHandle);
    EXPECT_EQ(table.RightsOf(h).error(), kstd::Error::kBadHandle);
    EXPECT_EQ(destroyed, 0);  // `object` and `got` still hold it
  }
  EXPECT_EQ(destroyed, 1);
}

TEST(HandleTableTest, InvalidValuesAreBadHandles) {
  int destroyed = 0;
  HandleTable table(kSecret);
  EXPECT_EQ(table.Get(kInvalidHandle, kRightNone).error(), kstd::Error::kBadHandle);
  EXPECT_EQ(table.Get(1, kRightNone).error(), kstd::Error::kBadHandle);
  HandleValue h = table.Add(MakeObject(&destroyed), kRightsAll).value();
  EXPECT_EQ(table.Get(h ^ 1, kRightNone).error(), kstd::Error::kBadHandle);
  EXPECT_EQ(table.Get(h + 0x10000, kRightNone).error(), kstd::Error::kBadHandle);
  EXPECT_EQ(table.Add(kstd::RefPtr<KernelObject>(), kRightsAll).error(), kstd::Error::kInvalid);
}

TEST(HandleTableTest, MissingRightsAreAccessErrors) {
  int destroyed = 0;
  HandleTable table(kSecret);
  HandleValue h = table.Add(MakeObject(&destroyed), kRightRead | kRightWait).value();
  EXPECT_TRUE(table.Get(h, kRightRead | kRightWait).ok());
  EXPECT_EQ(table.Get(h, kRightWrite).error(), kstd::Error::kAccess);
  EXPECT_EQ(table.Get(h, kRightRead | kRightWrite).error(), kstd::Error::kAccess);
  // Remove with a missing right leaves the handle in place.
  EXPECT_EQ(table.Remove(h, kRightTransfer).error(), kstd::Error::kAccess);
  EXPECT_EQ(table.count(), 1u);
  EXPECT_TRUE(table.Get(h, kRightRead).ok());
}

TEST(HandleTableTest, GetTypedChecksTypeThenRights) {
  int destroyed = 0;
  HandleTable table(kSecret);
  HandleValue h = table.Add(MakeObject(&destroyed, ObjectType::kNotification), kRightRead).value();
  auto typed = table.GetTyped<TestObject>(h, ObjectType::kNotification, kRightRead);
  ASSERT_TRUE(typed.ok());
  EXPECT_EQ(typed.value()->type(), ObjectType::kNotification);
  EXPECT_EQ(table.GetTyped<TestObject>(h, ObjectType::kChannel, kRightWrite).error(),
            kstd::Error::kInvalid);
  EXPECT_EQ(table.GetTyped<TestObject>(h, ObjectType::kNotification, kRightWrite).error(),
            kstd::Error::kAccess);
  EXPECT_EQ(table.GetTyped<TestObject>(h + 1, ObjectType::kNotification, kRightRead).error(),
            kstd::Error::kBadHandle);
}

TEST(HandleTableTest, DuplicateOnlyKeepsOrDropsRights) {
  int destroyed = 0;
  HandleTable table(kSecret);
  auto object = MakeObject(&destroyed);
  HandleValue h = table.Add(object, kRightDuplicate | kRightRead | kRightWrite).value();

  auto dup = table.Duplicate(h, kRightRead);
  ASSERT_TRUE(dup.ok());
  EXPECT_NE(dup.value(), h);
  EXPECT_EQ(table.RightsOf(dup.value()).value(), kRightRead);
  EXPECT_EQ(table.Get(dup.value(), kRightNone).value().get(), object.get());
  EXPECT_EQ(table.Get(dup.value(), kRightWrite).error(), kstd::Error::kAccess);

  // Same rights are fine; adding a right is not.
  EXPECT_TRUE(table.Duplicate(h, kRightDuplicate | kRightRead | kRightWrite).ok());
  EXPECT_EQ(table.Duplicate(h, kRightRead | kRightMap).error(), kstd::Error::kInvalid);
  // The duplicate lacks kRightDuplicate itself.
  EXPECT_EQ(table.Duplicate(dup.value(), kRightRead).error(), kstd::Error::kAccess);
  EXPECT_EQ(table.Duplicate(h + 1, kRightRead).error(), kstd::Error::kBadHandle);
  EXPECT_EQ(table.count(), 3u);
}

TEST(HandleTableTest, RemoveHandsOverTheReference) {
  int destroyed = 0;
  HandleTable table(kSecret);
  HandleValue h = table.Add(MakeObject(&destroyed), kRightTransfer | kRightRead).value();
  auto removed = table.Remove(h, kRightTransfer);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed.value().rights, kRightTransfer | kRightRead);
  EXPECT_EQ(table.count(), 0u);
  EXPECT_EQ(table.Get(h, kRightNone).error(), kstd::Error::kBadHandle);
  EXPECT_EQ(destroyed, 0);

  // Re-adding (the receiving side of a transfer) gives a fresh value.
  HandleTable other(kSecret + 1);
  HandleValue moved = other.Add(kstd::Move(removed.value())).value();
  EXPECT_EQ(other.RightsOf(moved).value(), kRightTransfer | kRightRead);
  EXPECT_EQ(destroyed, 0);
  EXPECT_TRUE(other.Close(moved).ok());
  EXPECT_EQ(destroyed, 1);
}

TEST(HandleTableTest, StaleValueIsBadEvenWhenSlotIsReused) {
  int destroyed = 0;
  HandleTable table(kSecret);
  std::vector<HandleValue> values;
  for (size_t i = 0; i < kMaxHandles; ++i) {
    values.push_back(table.Add(MakeObject(&destroyed), kRightRead).value());
  }
  // The table is full, so the next Add must reuse the one freed slot.
  HandleValue stale = values[123];
  ASSERT_TRUE(table.Close(stale).ok());
  auto reused_object = MakeObject(&destroyed);
  HandleValue fresh = table.Add(reused_object, kRightsAll).value();
  EXPECT_NE(fresh, stale);
  EXPECT_EQ(table.Get(stale, kRightNone).error(), kstd::Error::kBadHandle);
  EXPECT_EQ(table.Close(stale).error(), kstd::Error::kBadHandle);
  EXPECT_EQ(table.Get(fresh, kRightsAll).value().get(), reused_object.get());

  // Many close/add rounds on that one slot never bring the stale value back.
  for (int round = 0; round < 10000; ++round) {
    ASSERT_TRUE(table.Close(fresh).ok());
    fresh = table.Add(reused_object, kRightRead).value();
    ASSERT_NE(fresh, stale);
    ASSERT_NE(fresh, kInvalidHandle);
  }
  EXPECT_EQ(table.Get(stale, kRightNone).error(), kstd::Error::kBadHandle);
}

TEST(HandleTableTest, ValuesAreUniqueAndNonZero) {
  int destroyed = 0;
  HandleTable table(kSecret);
  std::set<HandleValue> seen;
  for (size_t i = 0; i < kMaxHandles; ++i) {
    HandleValue h = table.Add(MakeObject(&destroyed), kRightRead).value();
    EXPECT_NE(h, kInvalidHandle);
    EXPECT_TRUE(seen.insert(h).second);
  }
  for (HandleValue h : seen) EXPECT_TRUE(table.Get(h, kRightRead).ok());
}

TEST(HandleTableTest, SecretsScrambleValues) {
  int destroyed = 0;
  HandleTable a(1);
  HandleTable b(2);
  auto object = MakeObject(&destroyed);
  int equal = 0;
  std::vector<HandleValue> in_a;
  for (int i = 0; i < 64; ++i) {
    HandleValue ha = a.Add(object, kRightRead).value();
    HandleValue hb = b.Add(object, kRightRead).value();
    if (ha == hb) ++equal;
    in_a.push_back(ha);
  }
  EXPECT_EQ(equal, 0);
  // Values are not small consecutive integers.
  EXPECT_GT(in_a[1] > in_a[0] ? in_a[1] - in_a[0] : in_a[0] - in_a[1], 1u);
  // A value from one table does not name a handle in the other (with these keys).
  for (HandleValue h : in_a) EXPECT_EQ(b.Get(h, kRightNone).error(), kstd::Error::kBadHandle);
}

TEST(HandleTableTest, CapacityIsBounded) {
  int destroyed = 0;
  HandleTable table(kSecret);
  auto object = MakeObject(&destroyed);
  for (size_t i = 0; i < kMaxHandles; ++i) ASSERT_TRUE(table.Add(object, kRightRead).ok());
  EXPECT_EQ(table.count(), kMaxHandles);
  EXPECT_EQ(table.Add(object, kRightRead).error(), kstd::Error::kTooManyHandles);
  EXPECT_EQ(table.Add(MakeObject(&destroyed), kRightRead).error(), kstd::Error::kTooManyHandles);
  EXPECT_EQ(destroyed, 1);  // the rejected object's reference was dropped
  EXPECT_EQ(object->ref_count(), static_cast<int>(kMaxHandles) + 1);
}

TEST(HandleTableTest, CloseAllDropsEveryReference) {
  int destroyed = 0;
  HandleTable table(kSecret);
  std::vector<HandleValue> values;
  for (int i = 0; i < 100; ++i) {
    values.push_back(table.Add(MakeObject(&destroyed), kRightsAll).value());
  }
  EXPECT_EQ(table.CloseAll(), 100u);
  EXPECT_EQ(destroyed, 100);
  EXPECT_EQ(table.count(), 0u);
  for (HandleValue h : values) EXPECT_EQ(table.Get(h, kRightNone).error(), kstd::Error::kBadHandle);
  // The table stays usable and old values stay invalid.
  HandleValue h = table.Add(MakeObject(&destroyed), kRightRead).value();
  for (HandleValue old : values) EXPECT_NE(old, h);
  EXPECT_EQ(table.CloseAll(), 1u);
  EXPECT_EQ(destroyed, 101);
}

TEST(HandleTableTest, DestructorClosesHandles) {
  int destroyed = 0;
  {
    HandleTable table(kSecret);
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(table.Add(MakeObject(&destroyed), kRightRead).ok());
  }
  EXPECT_EQ(destroyed, 40);
}

}  // namespace
}  // namespace core
