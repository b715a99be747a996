#include "core/vm/page_tree.h"

#include <map>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace core::vm {
namespace {

using kstd::Error;

constexpr mm::PhysAddr P(uint64_t n) { return n * mm::kPageSize; }

std::map<uint64_t, mm::PhysAddr> Contents(const PageTree& tree) {
  std::map<uint64_t, mm::PhysAddr> out;
  tree.ForEach(0, PageTree::kMaxPages, [&](uint64_t index, mm::PhysAddr phys) {
    out[index] = phys;
    return true;
  });
  return out;
}

TEST(PageTreeTest, HeightFollowsSize) {
  // One leaf node covers 64 pages; each level multiplies by 64.
  PageTree small(64);
  ASSERT_TRUE(small.Insert(63, P(1)).ok());
  EXPECT_EQ(small.node_count(), 1u);
  PageTree two(65);
  ASSERT_TRUE(two.Insert(64, P(1)).ok());
  EXPECT_EQ(two.node_count(), 2u);
  PageTree huge(PageTree::kMaxPages);
  ASSERT_TRUE(huge.Insert(PageTree::kMaxPages - 1, P(1)).ok());
  EXPECT_EQ(huge.node_count(), PageTree::kMaxLevels);
  ASSERT_TRUE(huge.Insert(0, P(2)).ok());
  EXPECT_EQ(huge.node_count(), 2 * PageTree::kMaxLevels - 1);  // shares the root only
}

TEST(PageTreeTest, GrowAddsLevelsAndKeepsPages) {
  PageTree tree(10);
  ASSERT_TRUE(tree.Insert(3, P(7)).ok());
  ASSERT_TRUE(tree.Insert(9, P(8)).ok());
  EXPECT_EQ(tree.Insert(10, P(9)).error(), Error::kInvalid);  // beyond the range
  ASSERT_TRUE(tree.Grow(64 * 64 + 1).ok());                   // one level to three
  EXPECT_EQ(tree.page_count(), 64u * 64 + 1);
  EXPECT_EQ(tree.node_count(), 3u);  // the old leaf under two new interior nodes
  ASSERT_TRUE(tree.Insert(64 * 64, P(9)).ok());
  EXPECT_EQ(Contents(tree),
            (std::map<uint64_t, mm::PhysAddr>{{3, P(7)}, {9, P(8)}, {64 * 64, P(9)}}));
  ASSERT_TRUE(tree.Grow(5).ok());  // never shrinks
  EXPECT_EQ(tree.page_count(), 64u * 64 + 1);
  EXPECT_EQ(tree.Grow(PageTree::kMaxPages + 1).error(), Error::kInvalid);
  tree.RemoveRange(0, PageTree::kMaxPages, [](uint64_t, mm::PhysAddr) { return true; });
  EXPECT_EQ(tree.node_count(), 0u);
  // An empty tree grows without nodes.
  PageTree empty(1);
  ASSERT_TRUE(empty.Grow(PageTree::kMaxPages).ok());
  EXPECT_EQ(empty.node_count(), 0u);
  ASSERT_TRUE(empty.Insert(PageTree::kMaxPages - 1, P(1)).ok());
  EXPECT_EQ(empty.node_count(), PageTree::kMaxLevels);
  empty.RemoveRange(0, PageTree::kMaxPages, [](uint64_t, mm::PhysAddr) { return true; });
}

TEST(PageTreeTest, InsertLookupReplace) {
  PageTree tree(1000);
  mm::PhysAddr phys = 0;
  EXPECT_FALSE(tree.Lookup(5, &phys));
  ASSERT_TRUE(tree.Insert(5, P(7)).ok());
  ASSERT_TRUE(tree.Insert(0, 0).ok());  // physical page 0 is a valid page
  EXPECT_TRUE(tree.Lookup(5, &phys));
  EXPECT_EQ(phys, P(7));
  EXPECT_TRUE(tree.Lookup(0, &phys));
  EXPECT_EQ(phys, 0u);
  EXPECT_FALSE(tree.Lookup(6, &phys));
  EXPECT_EQ(tree.count(), 2u);

  EXPECT_EQ(tree.Insert(5, P(8)).error(), Error::kExists);
  EXPECT_EQ(tree.Insert(1000, P(8)).error(), Error::kInvalid);
  EXPECT_EQ(tree.Insert(6, P(8) + 1).error(), Error::kInvalid);
  EXPECT_EQ(tree.Replace(6, P(8)).error(), Error::kNotFound);

  kstd::Result<mm::PhysAddr> old = tree.Replace(5, P(9));
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old.value(), P(7));
  EXPECT_TRUE(tree.Lookup(5, &phys));
  EXPECT_EQ(phys, P(9));
  EXPECT_EQ(tree.count(), 2u);
}

TEST(PageTreeTest, ForEachVisitsARangeInOrderAndStops) {
  PageTree tree(1 << 20);
  for (uint64_t i : {3u, 64u, 65u, 4095u, 4096u, 500000u}) ASSERT_TRUE(tree.Insert(i, P(i)).ok());
  std::vector<uint64_t> seen;
  EXPECT_TRUE(tree.ForEach(4, 4097, [&](uint64_t index, mm::PhysAddr phys) {
    EXPECT_EQ(phys, P(index));
    seen.push_back(index);
    return true;
  }));
  EXPECT_EQ(seen, (std::vector<uint64_t>{64, 65, 4095, 4096}));
  seen.clear();
  EXPECT_FALSE(tree.ForEach(0, 1 << 20, [&](uint64_t index, mm::PhysAddr) {
    seen.push_back(index);
    return seen.size() < 2;
  }));
  EXPECT_EQ(seen, (std::vector<uint64_t>{3, 64}));
}

TEST(PageTreeTest, RemoveRangeFreesEmptyNodes) {
  PageTree tree(1 << 20);
  for (uint64_t i = 0; i < 300; ++i) ASSERT_TRUE(tree.Insert(i * 1000, P(i)).ok());
  const size_t nodes = tree.node_count();
  std::vector<uint64_t> removed;
  tree.RemoveRange(1000, 100001, [&](uint64_t index, mm::PhysAddr) {
    removed.push_back(index);
    return false;  // ignored: removal always completes
  });
  EXPECT_EQ(removed.size(), 100u);
  EXPECT_EQ(tree.count(), 200u);
  EXPECT_LT(tree.node_count(), nodes);
  mm::PhysAddr phys = 0;
  EXPECT_TRUE(tree.Lookup(0, &phys));
  EXPECT_FALSE(tree.Lookup(1000, &phys));
  EXPECT_TRUE(tree.Lookup(101000, &phys));
  tree.RemoveRange(0, PageTree::kMaxPages, [](uint64_t, mm::PhysAddr) { return true; });
  EXPECT_EQ(tree.count(), 0u);
  EXPECT_EQ(tree.node_count(), 0u);
}

TEST(PageTreeTest, RandomOperationsMatchAMap) {
  std::mt19937_64 rng(42);
  PageTree tree(200000);
  std::map<uint64_t, mm::PhysAddr> model;
  for (int step = 0; step < 20000; ++step) {
    const uint64_t index = rng() % 200000;
    switch (rng() % 4) {
      case 0:
      case 1: {
        const bool fresh = model.count(index) == 0;
        kstd::Result<void> r = tree.Insert(index, P(step));
        ASSERT_EQ(r.ok(), fresh);
        if (fresh) model[index] = P(step);
        break;
      }
      case 2: {
        kstd::Result<mm::PhysAddr> r = tree.Replace(index, P(step));
        ASSERT_EQ(r.ok(), model.count(index) == 1);
        if (r.ok()) {
          EXPECT_EQ(r.value(), model[index]);
          model[index] = P(step);
        }
        break;
      }
      case 3: {
        const uint64_t end = index + rng() % 3000;
        tree.RemoveRange(index, end, [](uint64_t, mm::PhysAddr) { return true; });
        model.erase(model.lower_bound(index), model.lower_bound(end));
        break;
      }
    }
    ASSERT_EQ(tree.count(), model.size());
  }
  EXPECT_EQ(Contents(tree), model);
  tree.RemoveRange(0, PageTree::kMaxPages, [](uint64_t, mm::PhysAddr) { return true; });
  EXPECT_EQ(tree.node_count(), 0u);
}

}  // namespace
}  // namespace core::vm
