#include "abi/tessera/mountproto.h"

#include <string.h>

#include <gtest/gtest.h>

namespace mountproto {
namespace {

TEST(MountProto, RequestRoundTrip) {
  Request r = MakeRequest(7, 0, 3, 0, kReadOnly, "ext2", "/dev/vdb");
  Request out{};
  ASSERT_TRUE(DecodeRequest(&r, sizeof r, &out));
  EXPECT_EQ(out.id, 7u);
  EXPECT_EQ(out.device, 3);
  EXPECT_EQ(out.flags, kReadOnly);
  EXPECT_STREQ(out.fstype, "ext2");
  EXPECT_STREQ(out.source, "/dev/vdb");
}

TEST(MountProto, LongNamesAreCutAndTerminated) {
  Request r = MakeRequest(1, 0, 1, 0, 0, "a-very-long-file-system-type", nullptr);
  EXPECT_EQ(strlen(r.fstype), sizeof r.fstype - 1);
  Request out{};
  EXPECT_FALSE(DecodeRequest(&r, sizeof r, &out));  // the empty source
  r = MakeRequest(1, 0, 1, 0, 0, "ext2", "/dev/vdb");
  EXPECT_TRUE(DecodeRequest(&r, sizeof r, &out));
}

TEST(MountProto, MalformedRequestsAreRefused) {
  const Request good = MakeRequest(9, 0, 4, 0, 0, "ext2", "/dev/vdb");
  Request out{};
  EXPECT_FALSE(DecodeRequest(&good, sizeof good - 1, &out));
  Request r = good;
  r.magic ^= 1;
  EXPECT_FALSE(DecodeRequest(&r, sizeof r, &out));
  r = good;
  r.id = 0;
  EXPECT_FALSE(DecodeRequest(&r, sizeof r, &out));
  r = good;
  r.flags = 8;  // an unknown flag
  EXPECT_FALSE(DecodeRequest(&r, sizeof r, &out));
  r = good;
  r.device = 32;
  EXPECT_FALSE(DecodeRequest(&r, sizeof r, &out));
  r = good;
  r.function = 8;
  EXPECT_FALSE(DecodeRequest(&r, sizeof r, &out));
  r = good;
  memset(r.source, 'x', sizeof r.source);  // no NUL
  EXPECT_FALSE(DecodeRequest(&r, sizeof r, &out));
  EXPECT_EQ(out.id, 0u);  // untouched
}

TEST(MountProto, BlockClientRequestIsKnown) {
  const Request r = MakeRequest(5, 0, 4, 0, kBlockClient, "block", "PCI 00:04.0");
  Request out{};
  ASSERT_TRUE(DecodeRequest(&r, sizeof r, &out));
  EXPECT_EQ(out.flags, kBlockClient);
  EXPECT_STREQ(out.fstype, "block");
}

TEST(MountProto, Replies) {
  Reply ok = MakeReply(5, 0);
  EXPECT_EQ(DecodeReply(&ok, sizeof ok, 5), 0);
  Reply busy = MakeReply(5, 16);
  EXPECT_EQ(DecodeReply(&busy, sizeof busy, 5), 16);
  EXPECT_EQ(DecodeReply(&busy, sizeof busy, 6), -1);  // another request's
  EXPECT_EQ(DecodeReply(&busy, sizeof busy - 1, 5), -1);
  Reply bad = MakeReply(5, -5);
  EXPECT_EQ(DecodeReply(&bad, sizeof bad, 5), -1);
  bad = MakeReply(5, kMaxErrno + 1);
  EXPECT_EQ(DecodeReply(&bad, sizeof bad, 5), -1);
  bad = MakeReply(5, 0);
  bad.magic = kRequestMagic;
  EXPECT_EQ(DecodeReply(&bad, sizeof bad, 5), -1);
  bad = MakeReply(5, 0);
  bad.reserved = 1;
  EXPECT_EQ(DecodeReply(&bad, sizeof bad, 5), -1);
}

}  // namespace
}  // namespace mountproto
