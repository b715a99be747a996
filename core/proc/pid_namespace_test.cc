// PidNamespace: numbers per nested namespace, translation both ways, the
// root's identity numbering, freeing, the init and a dead namespace, the
// nesting limit.

#include "core/proc/pid_namespace.h"

#include "gtest/gtest.h"

namespace core {
namespace {

constexpr uint64_t kMax = PidAllocator::kLimit;

TEST(PidNamespaceTest, RootNumbersAreTheKernelIdsAndItHasLinuxsInitId) {
  PidNamespace* root = PidNamespace::Root();
  EXPECT_EQ(root->id(), 4026531836u);  // PROC_PID_INIT_INO
  EXPECT_EQ(root->level(), 0u);
  EXPECT_EQ(root->parent(), nullptr);
  EXPECT_EQ(root->ToLocal(4321), 4321u);
  EXPECT_EQ(root->ToGlobal(4321), 4321u);
  EXPECT_EQ(root->Enter(77, kMax).value(), 77u);
  EXPECT_EQ(root->init_global(), 1u);
}

TEST(PidNamespaceTest, ChildCountsFromOneAndItsFirstIsItsInit) {
  auto child = PidNamespace::CreateChild(PidNamespace::Root()).release_value();
  EXPECT_EQ(child->level(), 1u);
  EXPECT_EQ(child->parent(), PidNamespace::Root());
  EXPECT_NE(child->id(), PidNamespace::kRootId);
  EXPECT_EQ(child->init_global(), 0u);
  EXPECT_EQ(child->Enter(500, kMax).value(), 1u);
  EXPECT_EQ(child->Enter(502, kMax).value(), 2u);
  EXPECT_EQ(child->init_global(), 500u);
  EXPECT_EQ(child->ToLocal(500), 1u);
  EXPECT_EQ(child->ToLocal(502), 2u);
  EXPECT_EQ(child->ToGlobal(2), 502u);
  EXPECT_EQ(child->ToLocal(1), 0u);  // the root's init is not visible inside
  EXPECT_EQ(child->ToGlobal(3), 0u);
  EXPECT_EQ(child->size(), 2u);
  EXPECT_EQ(child->last_number(), 2u);
}

TEST(PidNamespaceTest, NestedIdsHaveANumberAtEveryLevel) {
  auto a = PidNamespace::CreateChild(PidNamespace::Root()).release_value();
  auto b = PidNamespace::CreateChild(a.get()).release_value();
  EXPECT_EQ(b->level(), 2u);
  EXPECT_EQ(a->Enter(600, kMax).value(), 1u);  // a's init, only in a
  EXPECT_EQ(b->Enter(601, kMax).value(), 1u);  // b's init: 2 in a
  EXPECT_EQ(b->Enter(602, kMax).value(), 2u);  // 3 in a
  EXPECT_EQ(a->ToLocal(601), 2u);
  EXPECT_EQ(a->ToLocal(602), 3u);
  EXPECT_EQ(b->ToLocal(600), 0u);  // the outer init is invisible in b
  EXPECT_EQ(PidNamespace::Root()->ToLocal(602), 602u);
  EXPECT_TRUE(a->Encloses(b.get()));
  EXPECT_TRUE(b->Encloses(b.get()));
  EXPECT_FALSE(b->Encloses(a.get()));
  EXPECT_TRUE(PidNamespace::Root()->Encloses(b.get()));
  // Leaving frees the number at every level.
  b->Leave(602);
  EXPECT_EQ(b->ToLocal(602), 0u);
  EXPECT_EQ(a->ToLocal(602), 0u);
  EXPECT_EQ(a->size(), 2u);
  EXPECT_EQ(b->size(), 1u);
}

TEST(PidNamespaceTest, NumbersAreNotReusedBeforeTheWrapAndHeldOnesAreSkippedAfter) {
  auto ns = PidNamespace::CreateChild(PidNamespace::Root()).release_value();
  constexpr uint64_t kSmallMax = PidAllocator::kMinMax;  // numbers 1..300
  for (uint64_t g = 1; g <= 300; ++g) ASSERT_EQ(ns->Enter(1000 + g, kSmallMax).value(), g);
  EXPECT_EQ(ns->Enter(2000, kSmallMax).error(), kstd::Error::kAgain);  // all held
  ns->Leave(1000 + 5);  // below 300: the wrap goes to 300, not 5
  EXPECT_EQ(ns->Enter(2000, kSmallMax).error(), kstd::Error::kAgain);
  ns->Leave(1000 + 300);
  EXPECT_EQ(ns->Enter(2001, kSmallMax).value(), 300u);
  EXPECT_EQ(ns->ToGlobal(300), 2001u);
}

TEST(PidNamespaceTest, ADeadNamespaceTakesNoNewIdsButItsDescendantsStillNumber) {
  auto a = PidNamespace::CreateChild(PidNamespace::Root()).release_value();
  auto b = PidNamespace::CreateChild(a.get()).release_value();
  ASSERT_EQ(a->Enter(700, kMax).value(), 1u);
  a->MarkDead();
  EXPECT_TRUE(a->dead());
  EXPECT_EQ(a->Enter(701, kMax).error(), kstd::Error::kNoMemory);
  EXPECT_EQ(a->ToLocal(701), 0u);
  EXPECT_EQ(b->Enter(702, kMax).value(), 1u);
  EXPECT_EQ(a->ToLocal(702), 2u);
}

TEST(PidNamespaceTest, AFailedEnterTakesNoNumberAtAnyLevel) {
  auto a = PidNamespace::CreateChild(PidNamespace::Root()).release_value();
  auto b = PidNamespace::CreateChild(a.get()).release_value();
  constexpr uint64_t kSmallMax = PidAllocator::kMinMax;
  for (uint64_t g = 1; g <= 300; ++g) ASSERT_TRUE(a->Enter(3000 + g, kSmallMax).ok());
  EXPECT_EQ(b->Enter(4000, kSmallMax).error(), kstd::Error::kAgain);  // a is full
  EXPECT_EQ(b->ToLocal(4000), 0u);
  EXPECT_EQ(b->size(), 0u);
  EXPECT_EQ(b->init_global(), 0u);
}

TEST(PidNamespaceTest, NestingStopsAtLinuxsLimit) {
  kstd::RefPtr<PidNamespace> ns = kstd::RefPtr<PidNamespace>::FromRaw(PidNamespace::Root());
  for (unsigned level = 1; level <= PidNamespace::kMaxLevel; ++level) {
    ns = PidNamespace::CreateChild(ns.get()).release_value();
    ASSERT_EQ(ns->level(), level);
  }
  EXPECT_EQ(PidNamespace::CreateChild(ns.get()).error(), kstd::Error::kNoSpace);
}

TEST(PidNamespaceTest, AChildKeepsItsParentAlive) {
  auto a = PidNamespace::CreateChild(PidNamespace::Root()).release_value();
  auto b = PidNamespace::CreateChild(a.get()).release_value();
  EXPECT_EQ(a->ref_count(), 2);
  b = nullptr;
  EXPECT_EQ(a->ref_count(), 1);
}

}  // namespace
}  // namespace core
