#include "core/fd/lock_table.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "core/fd/file_lock.h"

namespace core::fd {
namespace {

const FileKey kFile{7, 42};
const FileKey kOther{7, 43};
int a_owner, b_owner, c_owner;  // distinct addresses stand for owners
const void* const A = &a_owner;
const void* const B = &b_owner;
const void* const C = &c_owner;

// Owns the records given to a table and frees them.
class TableTest : public ::testing::Test {
 protected:
  ~TableTest() override {
    for (const void* o : {A, B, C}) {
      table_.ReleaseOwner(o, LockClass::kPosix, nullptr, freed_);
      table_.ReleaseOwner(o, LockClass::kOfd, nullptr, freed_);
      table_.ReleaseOwner(o, LockClass::kFlock, nullptr, freed_);
    }
    Drain();
  }
  void Drain() {
    while (LockRecord* r = freed_.PopFront()) delete r;
    while (LockRecord* r = spares_.PopFront()) delete r;
  }
  void Set(const void* owner, LockType type, int64_t start, int64_t end,
           LockClass cls = LockClass::kPosix, const FileKey& file = kFile) {
    Apply(owner, type, false, start, end, cls, file);
  }
  void Unlock(const void* owner, int64_t start, int64_t end, LockClass cls = LockClass::kPosix) {
    Apply(owner, LockType::kRead, true, start, end, cls, kFile);
  }
  void Apply(const void* owner, LockType type, bool unlock, int64_t start, int64_t end,
             LockClass cls, const FileKey& file) {
    while (spares_.size() < LockTable::kSparesPerSet) spares_.PushBack(new LockRecord);
    table_.SetRange(file, cls, owner, 1, type, unlock, start, end, spares_, freed_);
    Drain();
  }
  // The owner's locks on kFile as "R0-9 W10-EOF", sorted by start.
  std::string Held(const void* owner) {
    std::vector<const LockRecord*> v;
    table_.ForEach([&](const LockRecord* r) {
      if (r->owner == owner && r->file == kFile) v.push_back(r);
    });
    std::sort(v.begin(), v.end(), [](auto* x, auto* y) { return x->start < y->start; });
    std::string s;
    for (auto* r : v) {
      if (!s.empty()) s += " ";
      s += r->type == LockType::kWrite ? "W" : "R";
      s += std::to_string(r->start) + "-" +
           (r->end == kLockEof ? std::string("EOF") : std::to_string(r->end));
    }
    return s;
  }

  LockTable table_;
  LockList spares_;
  LockList freed_;
};

TEST_F(TableTest, SplitTrimAndMerge) {
  Set(A, LockType::kWrite, 0, kLockEof);
  Set(A, LockType::kRead, 100, 109);  // splits the write lock in three
  EXPECT_EQ(Held(A), "W0-99 R100-109 W110-EOF");
  Set(A, LockType::kWrite, 100, 109);  // merges back into one
  EXPECT_EQ(Held(A), "W0-EOF");
  Unlock(A, 50, 59);
  EXPECT_EQ(Held(A), "W0-49 W60-EOF");
  Set(A, LockType::kRead, 40, 69);  // trims both neighbours
  EXPECT_EQ(Held(A), "W0-39 R40-69 W70-EOF");
  Unlock(A, 0, kLockEof);
  EXPECT_EQ(Held(A), "");
  EXPECT_EQ(table_.size(), 0u);
}

TEST_F(TableTest, AdjacentSameTypeMergesOtherTypeDoesNot) {
  Set(A, LockType::kRead, 0, 9);
  Set(A, LockType::kRead, 10, 19);
  EXPECT_EQ(Held(A), "R0-19");
  Set(A, LockType::kWrite, 20, 29);
  EXPECT_EQ(Held(A), "R0-19 W20-29");
  Set(A, LockType::kRead, 25, 25);
  EXPECT_EQ(Held(A), "R0-19 W20-24 R25-25 W26-29");
}

TEST_F(TableTest, ConflictsNeedAnotherOwnerOverlapAndAWrite) {
  Set(A, LockType::kRead, 0, 9);
  Set(B, LockType::kRead, 5, 14);  // readers share
  EXPECT_EQ(table_.FindConflict(kFile, LockClass::kPosix, C, LockType::kRead, 0, 100), nullptr);
  const LockRecord* r = table_.FindConflict(kFile, LockClass::kPosix, C, LockType::kWrite, 12, 12);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->owner, B);
  // An owner never conflicts with itself; another file is another file.
  EXPECT_EQ(table_.FindConflict(kFile, LockClass::kPosix, B, LockType::kWrite, 12, 20), nullptr);
  EXPECT_EQ(table_.FindConflict(kOther, LockClass::kPosix, C, LockType::kWrite, 0, 20), nullptr);
  // Past the end of both: free.
  EXPECT_EQ(table_.FindConflict(kFile, LockClass::kPosix, C, LockType::kWrite, 15, kLockEof),
            nullptr);
}

TEST_F(TableTest, OfdAndPosixConflictFlockIsApart) {
  Set(A, LockType::kWrite, 0, kLockEof, LockClass::kOfd);
  EXPECT_NE(table_.FindConflict(kFile, LockClass::kPosix, B, LockType::kRead, 3, 3), nullptr);
  EXPECT_EQ(table_.FindConflict(kFile, LockClass::kFlock, B, LockType::kWrite, 0, kLockEof),
            nullptr);
  Set(C, LockType::kWrite, 0, kLockEof, LockClass::kFlock);
  EXPECT_NE(table_.FindConflict(kFile, LockClass::kFlock, B, LockType::kRead, 0, kLockEof),
            nullptr);
  EXPECT_EQ(table_.FindOwned(kFile, LockClass::kFlock, C)->type, LockType::kWrite);
}

TEST_F(TableTest, ReleaseOwnerByFileOrAll) {
  Set(A, LockType::kWrite, 0, 9);
  Set(A, LockType::kWrite, 0, 9, LockClass::kPosix, kOther);
  Set(B, LockType::kRead, 20, 29);
  EXPECT_TRUE(table_.ReleaseOwner(A, LockClass::kPosix, &kFile, freed_));
  EXPECT_EQ(Held(A), "");
  EXPECT_EQ(table_.size(), 2u);
  EXPECT_FALSE(table_.ReleaseOwner(A, LockClass::kOfd, nullptr, freed_));
  EXPECT_TRUE(table_.ReleaseOwner(A, LockClass::kPosix, nullptr, freed_));
  EXPECT_EQ(table_.size(), 1u);
  EXPECT_EQ(Held(B), "R20-29");
  Drain();
}

TEST_F(TableTest, DeadlockFollowsTheChainOfWaiters) {
  LockWaiter a_waits_b;
  a_waits_b.owner = A;
  a_waits_b.blocker = B;
  LockWaiter b_waits_c;
  b_waits_c.owner = B;
  b_waits_c.blocker = C;
  table_.AddWaiter(&a_waits_b);
  EXPECT_TRUE(table_.WouldDeadlock(B, A));   // B -> A -> B
  EXPECT_FALSE(table_.WouldDeadlock(C, A));  // C -> A -> B, B waits for nobody
  table_.AddWaiter(&b_waits_c);
  EXPECT_TRUE(table_.WouldDeadlock(C, A));  // C -> A -> B -> C
  table_.RemoveWaiter(&a_waits_b);
  EXPECT_FALSE(table_.WouldDeadlock(C, A));
  // A flock or OFD waiter is no edge of the graph (as Linux).
  b_waits_c.request.cls = LockClass::kFlock;
  EXPECT_FALSE(table_.WouldDeadlock(C, B));
  table_.RemoveWaiter(&b_waits_c);
}

// Random sequences against a byte map: 64 bytes, and byte 64 standing for
// [64, EOF]. Every owner's records must be the maximal runs of its bytes.
TEST_F(TableTest, RandomSequencesMatchAByteModel) {
  constexpr int kBytes = 65;
  const void* owners[] = {A, B, C};
  std::mt19937 rng(1234);
  // model[o][i]: 0 none, 1 read, 2 write
  int model[3][kBytes] = {};
  for (int step = 0; step < 4000; ++step) {
    int o = static_cast<int>(rng() % 3);
    int64_t start = rng() % 64;
    bool to_eof = rng() % 4 == 0;
    int64_t end = to_eof ? kLockEof : start + static_cast<int64_t>(rng() % (64 - start));
    int last = to_eof ? 64 : static_cast<int>(end);
    int action = static_cast<int>(rng() % 3);  // 0 unlock, 1 read, 2 write
    LockType type = action == 2 ? LockType::kWrite : LockType::kRead;
    if (action != 0) {
      bool conflict = false;
      for (int p = 0; p < 3; ++p) {
        if (p == o) continue;
        for (int i = static_cast<int>(start); i <= last; ++i) {
          if (model[p][i] == 2 || (model[p][i] == 1 && action == 2)) conflict = true;
        }
      }
      const LockRecord* c =
          table_.FindConflict(kFile, LockClass::kPosix, owners[o], type, start, end);
      ASSERT_EQ(c != nullptr, conflict) << "step " << step;
      if (conflict) continue;
    }
    Apply(owners[o], type, action == 0, start, end, LockClass::kPosix, kFile);
    for (int i = static_cast<int>(start); i <= last; ++i) model[o][i] = action;
    for (int p = 0; p < 3; ++p) {
      std::string want;
      for (int i = 0; i < kBytes;) {
        if (model[p][i] == 0) {
          ++i;
          continue;
        }
        int j = i;
        while (j + 1 < kBytes && model[p][j + 1] == model[p][i]) ++j;
        if (!want.empty()) want += " ";
        want += model[p][i] == 2 ? "W" : "R";
        want += std::to_string(i) + "-" + (j == 64 ? std::string("EOF") : std::to_string(j));
        i = j + 1;
      }
      ASSERT_EQ(Held(owners[p]), want) << "step " << step << " owner " << p;
    }
  }
}

// The kernel's table (file_lock.h): flock conversion and release.
TEST(FileLockTest, FlockConversionAndDescriptionRelease) {
  int d1, d2;
  LockRequest ex{kFile, LockClass::kFlock, &d1, 10, false, LockType::kWrite, 0, kLockEof};
  LockRequest sh2{kFile, LockClass::kFlock, &d2, 11, false, LockType::kRead, 0, kLockEof};
  ASSERT_TRUE(TrySetLock(ex, nullptr, nullptr).ok());
  EXPECT_EQ(TrySetLock(sh2, nullptr, nullptr).error(), kstd::Error::kAgain);
  LockRequest sh1 = ex;
  sh1.type = LockType::kRead;
  ASSERT_TRUE(TrySetLock(sh1, nullptr, nullptr).ok());  // converted to shared
  EXPECT_TRUE(TrySetLock(sh2, nullptr, nullptr).ok());
  LockInfo info;
  LockRequest test = ex;
  EXPECT_TRUE(TestLock(test, &info));  // d2's shared lock stops d1's exclusive
  EXPECT_EQ(info.pid, 11);
  ReleaseDescriptionLocks(&d2);
  EXPECT_FALSE(TestLock(test, &info));
  ReleaseDescriptionLocks(&d1);
  LockInfo all[4];
  EXPECT_EQ(SnapshotLocks(all, 4), 0u);
}

TEST(FileLockTest, WaiterRegistrationAndDeadlock) {
  int p1, p2;
  LockRequest p1_low{kFile, LockClass::kPosix, &p1, 1, false, LockType::kWrite, 0, 9};
  LockRequest p2_high{kFile, LockClass::kPosix, &p2, 2, false, LockType::kWrite, 10, 19};
  ASSERT_TRUE(TrySetLock(p1_low, nullptr, nullptr).ok());
  ASSERT_TRUE(TrySetLock(p2_high, nullptr, nullptr).ok());
  // p1 waits for p2's range ...
  LockRequest p1_high = p2_high;
  p1_high.owner = &p1;
  p1_high.pid = 1;
  LockWaiter w;
  uint64_t gen = 0;
  EXPECT_EQ(TrySetLock(p1_high, &w, &gen).error(), kstd::Error::kAgain);
  EXPECT_EQ(gen, LockGeneration());
  // Listed right after the lock in its way.
  LockInfo listed[4];
  ASSERT_EQ(SnapshotLocks(listed, 4), 3u);
  int at = -1;
  for (int i = 0; i < 3; ++i) {
    if (listed[i].waiting) at = i;
  }
  ASSERT_GE(at, 1);
  EXPECT_EQ(listed[at].pid, 1);
  EXPECT_EQ(listed[at].start, 10);
  EXPECT_EQ(listed[at - 1].pid, 2);  // p2's lock on 10-19
  EXPECT_FALSE(listed[at - 1].waiting);
  EXPECT_EQ(SnapshotLocks(listed, 2), 2u);  // bounded by the room given
  // ... so p2 waiting for p1's would close the cycle.
  LockRequest p2_low = p1_low;
  p2_low.owner = &p2;
  LockWaiter w2;
  EXPECT_EQ(TrySetLock(p2_low, &w2, &gen).error(), kstd::Error::kDeadlock);
  // OFD waits are never deadlocks (as Linux).
  LockRequest ofd = p2_low;
  ofd.cls = LockClass::kOfd;
  EXPECT_EQ(TrySetLock(ofd, &w2, &gen).error(), kstd::Error::kAgain);
  RemoveLockWaiter(&w2);
  // A release moves the generation, so p1 would wake and get it.
  ReleaseAllPosixLocks(&p2);
  EXPECT_NE(gen, LockGeneration());
  RemoveLockWaiter(&w);
  EXPECT_TRUE(TrySetLock(p1_high, nullptr, nullptr).ok());
  ReleaseAllPosixLocks(&p1);
  LockInfo all[4];
  EXPECT_EQ(SnapshotLocks(all, 4), 0u);
}

TEST(FileLockTest, TableFullIsEnolckAndUnlockingStillWorks) {
  int p;
  LockRequest r{kFile, LockClass::kPosix, &p, 1, false, LockType::kWrite, 0, 0};
  // One record each: 64 locks with gaps on each of 1024 files.
  static_assert(kMaxFileLocks == 1024 * 64);
  for (size_t i = 0; i < kMaxFileLocks; ++i) {
    r.file = FileKey{7, 1000 + i / 64};
    r.start = r.end = static_cast<int64_t>(2 * (i % 64));
    ASSERT_TRUE(TrySetLock(r, nullptr, nullptr).ok()) << i;
  }
  r.start = r.end = 1000;
  EXPECT_EQ(TrySetLock(r, nullptr, nullptr).error(), kstd::Error::kNoLocks);
  LockRequest unlock = r;
  unlock.unlock = true;
  unlock.start = 0;
  unlock.end = 1;
  EXPECT_TRUE(TrySetLock(unlock, nullptr, nullptr).ok());
  EXPECT_TRUE(TrySetLock(r, nullptr, nullptr).ok());  // room again
  ReleaseAllPosixLocks(&p);
  LockInfo all[1];
  EXPECT_EQ(SnapshotLocks(all, 1), 0u);
}

}  // namespace
}  // namespace core::fd
