#include "core/procfs/locks.h"

#include <gtest/gtest.h>

#include <string>

namespace core::procfs {
namespace {

std::string Render(const fd::LockInfo* locks, size_t n) {
  vfs::TextBuffer out;
  RenderLocks(locks, n, out);
  return std::string(out.data(), out.size());
}

TEST(ProcLocks, LinuxFormatForEachClass) {
  fd::LockInfo l[3];
  l[0].file = {linux_abi::MakeDev(0, 0x1d), 4567};
  l[0].cls = fd::LockClass::kPosix;
  l[0].type = fd::LockType::kWrite;
  l[0].pid = 123;
  l[0].start = 0;
  l[0].end = fd::kLockEof;
  l[1] = l[0];
  l[1].cls = fd::LockClass::kOfd;
  l[1].type = fd::LockType::kRead;
  l[1].pid = -1;
  l[1].start = 5;
  l[1].end = 9;
  l[2] = l[0];
  l[2].file = {linux_abi::MakeDev(254, 1), 12};
  l[2].cls = fd::LockClass::kFlock;
  // As Linux 6.1 prints them (captured from the host's /proc/locks).
  EXPECT_EQ(Render(l, 3),
            "1: POSIX  ADVISORY  WRITE 123 00:1d:4567 0 EOF\n"
            "2: OFDLCK ADVISORY  READ -1 00:1d:4567 5 9\n"
            "3: FLOCK  ADVISORY  WRITE 123 fe:01:12 0 EOF\n");
  EXPECT_EQ(Render(l, 0), "");
}

TEST(ProcLocks, WaitersFollowTheirObstacleUnderItsNumber) {
  fd::LockInfo l[3];
  l[0].file = {linux_abi::MakeDev(0xfe, 0), 10953233};
  l[0].type = fd::LockType::kWrite;
  l[0].pid = 32178;
  l[0].end = 9;
  l[1] = l[0];
  l[1].type = fd::LockType::kRead;
  l[1].pid = 32179;
  l[1].start = 5;
  l[1].end = 6;
  l[1].waiting = true;
  l[2] = l[0];
  l[2].cls = fd::LockClass::kFlock;
  l[2].end = fd::kLockEof;
  // As Linux 6.1 printed a blocked F_SETLKW.
  EXPECT_EQ(Render(l, 3),
            "1: POSIX  ADVISORY  WRITE 32178 fe:00:10953233 0 9\n"
            "1: -> POSIX  ADVISORY  READ 32179 fe:00:10953233 5 6\n"
            "2: FLOCK  ADVISORY  WRITE 32178 fe:00:10953233 0 EOF\n");
}

TEST(ProcLocks, LeasesActiveAndBreaking) {
  fd::LockInfo l[3];
  l[0].file = {linux_abi::MakeDev(254, 0), 11108921};
  l[0].lease = true;
  l[0].type = fd::LockType::kRead;
  l[0].pid = 15062;
  l[1] = l[0];
  l[1].breaking = true;
  l[2] = l[1];
  l[2].unlock_target = true;
  l[2].type = fd::LockType::kWrite;
  // As Linux 6.18 prints them (captured from the host's /proc/locks).
  EXPECT_EQ(Render(l, 3),
            "1: LEASE  ACTIVE    READ 15062 fe:00:11108921 0 EOF\n"
            "2: LEASE  BREAKING  READ 15062 fe:00:11108921 0 EOF\n"
            "3: LEASE  BREAKING  UNLCK 15062 fe:00:11108921 0 EOF\n");
}

}  // namespace
}  // namespace core::procfs
