#include "abi/tessera/controlproto.h"

#include <gtest/gtest.h>

namespace controlproto {
namespace {

TEST(ControlProto, PingRoundTrip) {
  Message m = Make(kPing, 42);
  Message out{};
  ASSERT_TRUE(Decode(&m, sizeof m, 0, &out));
  EXPECT_EQ(out.op, kPing);
  EXPECT_EQ(out.txid, 42u);
}

TEST(ControlProto, AttachBlockNeedsExactlyOneHandle) {
  Message m = Make(kAttachBlock);
  Message out{};
  EXPECT_TRUE(Decode(&m, sizeof m, 1, &out));
  EXPECT_FALSE(Decode(&m, sizeof m, 0, &out));
  EXPECT_FALSE(Decode(&m, sizeof m, 2, &out));
}

TEST(ControlProto, AttachFramesNeedsExactlyOneHandle) {
  Message m = Make(kAttachFrames);
  Message out{};
  EXPECT_TRUE(Decode(&m, sizeof m, 1, &out));
  EXPECT_EQ(out.op, kAttachFrames);
  EXPECT_FALSE(Decode(&m, sizeof m, 0, &out));
  EXPECT_FALSE(Decode(&m, sizeof m, 2, &out));
}

TEST(ControlProto, AddClientNeedsExactlyOneHandleAndKeepsItsFlags) {
  Message m = Make(kAddClient, kClientReadOnly);
  Message out{};
  EXPECT_TRUE(Decode(&m, sizeof m, 1, &out));
  EXPECT_EQ(out.op, kAddClient);
  EXPECT_EQ(out.txid, kClientReadOnly);
  EXPECT_FALSE(Decode(&m, sizeof m, 0, &out));
  EXPECT_FALSE(Decode(&m, sizeof m, 2, &out));
}

TEST(ControlProto, MalformedMessagesAreRefused) {
  Message out{};
  Message m = Make(kPong, 1);
  EXPECT_FALSE(Decode(&m, sizeof m - 1, 0, &out));  // short
  EXPECT_FALSE(Decode(&m, sizeof m, 1, &out));      // a handle on a pong
  EXPECT_FALSE(Decode(nullptr, sizeof m, 0, &out));
  m.magic = 0;
  EXPECT_FALSE(Decode(&m, sizeof m, 0, &out));  // bad magic
  m = Make(kPing, 1);
  m.op = 99;
  EXPECT_FALSE(Decode(&m, sizeof m, 0, &out));  // unknown op
  m.op = 0;
  EXPECT_FALSE(Decode(&m, sizeof m, 0, &out));
  char longer[32] = {};
  m = Make(kHang);
  memcpy(longer, &m, sizeof m);
  EXPECT_FALSE(Decode(longer, sizeof longer, 0, &out));  // trailing bytes
}

}  // namespace
}  // namespace controlproto
