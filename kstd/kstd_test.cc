#include <gtest/gtest.h>

#include "kstd/result.h"
#include "kstd/span.h"

namespace kstd {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Error::kInvalid;
  return x / 2;
}

Result<int> Quarter(int x) {
  int h = TRY(Half(x));
  return TRY(Half(h));
}

TEST(Result, TryPropagatesErrorsAndValues) {
  EXPECT_EQ(Quarter(8).value(), 2);
  EXPECT_EQ(Quarter(6).error(), Error::kInvalid);
  EXPECT_STREQ(ErrorName(Quarter(3).error()), "EINVAL");
}

TEST(Span, SubspanOutOfBoundsIsEmpty) {
  uint8_t bytes[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  ByteSpan s(bytes, 8);
  EXPECT_EQ(s.Subspan(6, 2).size(), 2u);
  EXPECT_TRUE(s.Subspan(6, 3).empty());
  EXPECT_TRUE(s.Subspan(9).empty());
  EXPECT_FALSE(s.Contains(4, SIZE_MAX));
  EXPECT_EQ(LoadLe<uint32_t>(s, 0), 0x04030201u);
}

TEST(Utility, CheckedAddDetectsOverflow) {
  uint64_t out;
  EXPECT_TRUE(CheckedAdd(1, 2, &out));
  EXPECT_EQ(out, 3u);
  EXPECT_FALSE(CheckedAdd(UINT64_MAX, 1, &out));
  EXPECT_EQ(AlignUp(4097, 4096), 8192u);
}

}  // namespace
}  // namespace kstd

#include "kstd/string.h"

namespace kstd {
namespace {

TEST(String, EqualLengthCopy) {
  EXPECT_TRUE(StringEqual("fault", "fault"));
  EXPECT_FALSE(StringEqual("fault", "faul"));
  EXPECT_FALSE(StringEqual("", "a"));
  EXPECT_EQ(StringLength("init"), 4u);
  char buf[4];
  EXPECT_TRUE(CopyString(buf, sizeof buf, "abc"));
  EXPECT_STREQ(buf, "abc");
  EXPECT_FALSE(CopyString(buf, sizeof buf, "abcd"));
  EXPECT_STREQ(buf, "abc");
}

}  // namespace
}  // namespace kstd

#include "kstd/intrusive_list.h"
#include "kstd/new.h"
#include "kstd/ref_ptr.h"

namespace kstd {
namespace {

struct Counted : RefCounted<Counted> {
  explicit Counted(int* deaths) : deaths(deaths) {}
  ~Counted() { ++*deaths; }
  int* deaths;
};

TEST(RefPtr, DeletesOnLastRelease) {
  int deaths = 0;
  {
    RefPtr<Counted> a = AdoptRef(new (nothrow) Counted(&deaths));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->ref_count(), 1);
    {
      RefPtr<Counted> b = a;
      EXPECT_EQ(a->ref_count(), 2);
      RefPtr<Counted> c = Move(b);
      EXPECT_FALSE(b);
      EXPECT_EQ(a->ref_count(), 2);
    }
    EXPECT_EQ(a->ref_count(), 1);
    EXPECT_EQ(deaths, 0);
  }
  EXPECT_EQ(deaths, 1);
}

// A registry's raw pointer may be upgraded only while the count is above 0.
struct Dying : RefCounted<Dying> {};

TEST(RefPtr, TryFromRawRefusesAnObjectBeingDestroyed) {
  Dying* raw = new (nothrow) Dying();
  RefPtr<Dying> owner = AdoptRef(raw);
  RefPtr<Dying> upgraded = RefPtr<Dying>::TryFromRaw(raw);
  EXPECT_TRUE(upgraded);
  EXPECT_EQ(raw->ref_count(), 2);
  upgraded.reset();
  // Simulate the destructor's window: the count is 0 but the memory lives.
  alignas(Dying) unsigned char storage[sizeof(Dying)];
  Dying* zombie = new (storage) Dying();
  EXPECT_TRUE(zombie->Release());
  EXPECT_FALSE(RefPtr<Dying>::TryFromRaw(zombie));
  EXPECT_EQ(zombie->ref_count(), 0);
  EXPECT_FALSE(RefPtr<Dying>::TryFromRaw(nullptr));
}

struct Item {
  int value;
  ListNode node;
};

TEST(IntrusiveList, PushPopRemove) {
  IntrusiveList<Item, &Item::node> list;
  Item a{1, {}}, b{2, {}}, c{3, {}};
  list.PushBack(&a);
  list.PushBack(&b);
  list.PushFront(&c);
  EXPECT_EQ(list.size(), 3u);
  list.Remove(&a);
  EXPECT_FALSE((IntrusiveList<Item, &Item::node>::Contains(&a)));
  EXPECT_EQ(list.PopFront()->value, 3);
  EXPECT_EQ(list.PopFront()->value, 2);
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.PopFront(), nullptr);
}

}  // namespace
}  // namespace kstd
