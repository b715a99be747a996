#include "klog/record_ring.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace klog {
namespace {

// A ring over vectors, with a helper that reads a record's text.
struct TestRing {
  TestRing(size_t slots, size_t bytes) : slot_storage(slots), text_storage(bytes) {}
  std::vector<RecordRing::Slot> slot_storage;
  std::vector<char> text_storage;
  RecordRing ring{slot_storage.data(), slot_storage.size(), text_storage.data(),
                  text_storage.size()};

  uint64_t Add(const std::string& text, uint64_t usec = 0, uint8_t level = kLevelInfo) {
    return ring.Append(usec, kFacilityKernel, level, text.data(), text.size());
  }
  std::string Text(uint64_t seq, RecordInfo* info = nullptr) {
    RecordInfo local;
    if (info == nullptr) info = &local;
    char buf[RecordRing::kMaxText];
    if (!ring.Read(seq, info, buf, sizeof buf)) return "<none>";
    return std::string(buf, info->length);
  }
};

TEST(RecordRing, EmptyHasNothingToRead) {
  TestRing t(8, 64);
  RecordInfo info;
  char buf[8];
  EXPECT_FALSE(t.ring.Read(0, &info, buf, sizeof buf));
  EXPECT_EQ(t.ring.first_seq(), 0u);
  EXPECT_EQ(t.ring.next_seq(), 0u);
}

TEST(RecordRing, KeepsRecordsWithTheirFacts) {
  TestRing t(8, 64);
  EXPECT_EQ(t.Add("one", 10, kLevelErr), 0u);
  EXPECT_EQ(t.ring.Append(20, kFacilityUser, kLevelWarning, "two", 3), 1u);
  RecordInfo info;
  EXPECT_EQ(t.Text(0, &info), "one");
  EXPECT_EQ(info.seq, 0u);
  EXPECT_EQ(info.usec, 10u);
  EXPECT_EQ(info.level, kLevelErr);
  EXPECT_EQ(info.facility, kFacilityKernel);
  EXPECT_EQ(t.Text(1, &info), "two");
  EXPECT_EQ(info.usec, 20u);
  EXPECT_EQ(info.level, kLevelWarning);
  EXPECT_EQ(info.facility, kFacilityUser);
  EXPECT_EQ(t.Text(2), "<none>");
  EXPECT_EQ(t.ring.text_used(), 6u);
}

TEST(RecordRing, DropsTheOldestWhenTextIsFull) {
  TestRing t(64, 10);
  t.Add("aaaa");  // 0
  t.Add("bbbb");  // 1
  t.Add("cccc");  // 2: 12 bytes > 10, record 0 goes
  EXPECT_EQ(t.ring.first_seq(), 1u);
  EXPECT_EQ(t.ring.next_seq(), 3u);
  EXPECT_EQ(t.Text(1), "bbbb");
  // "cccc" wrapped around the end of the byte ring and reads back whole.
  EXPECT_EQ(t.Text(2), "cccc");
  EXPECT_EQ(t.ring.text_used(), 8u);
}

TEST(RecordRing, DropsTheOldestWhenSlotsAreFull) {
  TestRing t(3, 1000);
  for (int i = 0; i < 5; ++i) t.Add("r" + std::to_string(i));
  EXPECT_EQ(t.ring.first_seq(), 2u);
  EXPECT_EQ(t.Text(2), "r2");
  EXPECT_EQ(t.Text(4), "r4");
}

TEST(RecordRing, AnOverwrittenSequenceReadsTheOldest) {
  TestRing t(2, 1000);
  t.Add("x");
  t.Add("y");
  t.Add("z");
  RecordInfo info;
  EXPECT_EQ(t.Text(0, &info), "y");
  EXPECT_EQ(info.seq, 1u);
}

TEST(RecordRing, WrapsManyTimesKeepingRecordBoundaries) {
  // Records of varying lengths through a small ring: every kept record reads
  // back exactly, the kept text never exceeds the ring, sequence numbers are
  // contiguous.
  TestRing t(16, 37);
  std::vector<std::string> all;
  for (int i = 0; i < 500; ++i) {
    std::string s(1 + (i * 7) % 13, static_cast<char>('a' + i % 26));
    s += std::to_string(i);
    if (s.size() > 37) s.resize(37);
    EXPECT_EQ(t.Add(s), static_cast<uint64_t>(i));
    all.push_back(s);
    ASSERT_LE(t.ring.text_used(), 37u);
    ASSERT_LE(t.ring.next_seq() - t.ring.first_seq(), 16u);
    size_t used = 0;
    for (uint64_t seq = t.ring.first_seq(); seq < t.ring.next_seq(); ++seq) {
      RecordInfo info;
      ASSERT_EQ(t.Text(seq, &info), all[seq]);
      ASSERT_EQ(info.seq, seq);
      used += info.length;
    }
    ASSERT_EQ(used, t.ring.text_used());
  }
}

TEST(RecordRing, CutsTextThatIsTooLong) {
  TestRing t(4, 4096);
  std::string big(3000, 'q');
  t.Add(big);
  RecordInfo info;
  EXPECT_EQ(t.Text(0, &info).size(), RecordRing::kMaxText);
  TestRing small(4, 5);
  small.Add("123456789");
  EXPECT_EQ(small.Text(0), "12345");
}

TEST(RecordRing, ReadCopiesAtMostTheCapacity) {
  TestRing t(4, 64);
  t.Add("hello world");
  RecordInfo info;
  char buf[5];
  ASSERT_TRUE(t.ring.Read(0, &info, buf, sizeof buf));
  EXPECT_EQ(info.length, 11u);
  EXPECT_EQ(std::string(buf, 5), "hello");
}

TEST(RecordRing, ClearMovesTheMarkButKeepsRecords) {
  TestRing t(4, 64);
  t.Add("a");
  t.Add("b");
  EXPECT_EQ(t.ring.clear_seq(), 0u);
  t.ring.Clear();
  EXPECT_EQ(t.ring.clear_seq(), 2u);
  EXPECT_EQ(t.Text(0), "a");
  t.Add("c");
  EXPECT_EQ(t.ring.clear_seq(), 2u);
  t.ring.ClearTo(1);
  EXPECT_EQ(t.ring.clear_seq(), 1u);
  t.ring.ClearTo(100);
  EXPECT_EQ(t.ring.clear_seq(), 3u);
  // Once the records after the mark are dropped, the mark is the oldest kept.
  for (int i = 0; i < 6; ++i) t.Add("d");
  EXPECT_EQ(t.ring.clear_seq(), t.ring.first_seq());
  t.ring.Reset();
  EXPECT_EQ(t.ring.next_seq(), 0u);
  EXPECT_EQ(t.ring.text_used(), 0u);
}

}  // namespace
}  // namespace klog
