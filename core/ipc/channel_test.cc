#include "core/ipc/channel.h"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "core/ipc/test_support.h"

namespace core::ipc {
namespace {

using testing::CountingObserver;
using testing::DestructionCounter;
using PacketPtr = std::unique_ptr<MessagePacket>;

constexpr SenderInfo kSender{42, 1000, 1001};
constexpr Signals kChannelSignals = kSignalReadable | kSignalWritable | kSignalPeerClosed;

ChannelPair MakePair() {
  auto pair = Channel::CreatePair();
  EXPECT_TRUE(pair.ok());
  return pair.release_value();
}

// A packet whose bytes are `fill` repeated, with the given txid.
MessagePacket* MakePacket(uint32_t size, uint8_t fill = 0, uint32_t txid = 0,
                          uint32_t handles = 0) {
  MessagePacket* packet = MessagePacket::Create(size, handles, kSender, txid).value();
  for (uint8_t& b : packet->bytes()) b = fill;
  return packet;
}

PacketPtr ReadOk(ChannelEndpoint* endpoint) {
  auto read = endpoint->Read();
  EXPECT_TRUE(read.ok()) << kstd::ErrorName(read.error());
  return PacketPtr(read.ok() ? read.value() : nullptr);
}

uint8_t FirstByte(const PacketPtr& packet) { return packet->bytes()[0]; }

TEST(ChannelTest, NewPairIsWritableBothWays) {
  ChannelPair pair = MakePair();
  EXPECT_EQ(pair.first->type(), ObjectType::kChannel);
  EXPECT_EQ(pair.first->peer_koid(), pair.second->koid());
  EXPECT_EQ(pair.second->peer_koid(), pair.first->koid());
  EXPECT_EQ(pair.first->signals(), kSignalWritable);
  EXPECT_EQ(pair.second->signals(), kSignalWritable);
  EXPECT_EQ(pair.first->Read().error(), kstd::Error::kAgain);
  EXPECT_EQ(pair.first->PeekSize().error(), kstd::Error::kAgain);
}

TEST(ChannelTest, PingPongKeepsBytesSenderAndOrder) {
  ChannelPair pair = MakePair();
  for (uint8_t round = 1; round <= 10; ++round) {
    ASSERT_TRUE(pair.first->Write(MakePacket(64, round)).ok());
    PacketPtr ping = ReadOk(pair.second.get());
    ASSERT_TRUE(ping);
    EXPECT_EQ(ping->size().bytes, 64u);
    for (uint8_t b : ping->bytes()) ASSERT_EQ(b, round);
    EXPECT_EQ(ping->sender().pid, 42u);
    EXPECT_EQ(ping->sender().process_koid, 1000u);
    EXPECT_EQ(ping->sender().thread_koid, 1001u);

    ASSERT_TRUE(pair.second->Write(MakePacket(3, round + 100)).ok());
    PacketPtr pong = ReadOk(pair.first.get());
    ASSERT_TRUE(pong);
    EXPECT_EQ(FirstByte(pong), round + 100);
  }
  EXPECT_EQ(pair.first->Read().error(), kstd::Error::kAgain);
  EXPECT_EQ(pair.second->Read().error(), kstd::Error::kAgain);
}

TEST(ChannelTest, MessagesArriveInFifoOrder) {
  ChannelPair pair = MakePair();
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(pair.first->Write(MakePacket(1, i)).ok());
  EXPECT_EQ(pair.second->queued_messages(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(FirstByte(ReadOk(pair.second.get())), i);
  EXPECT_EQ(pair.second->queued_messages(), 0u);
}

TEST(ChannelTest, ReadTxidTakesTheMatchAndLeavesTheRestInOrder) {
  ChannelPair pair = MakePair();
  const uint32_t txids[] = {0, 5, 7, 5, 0};
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(pair.first->Write(MakePacket(1, i, txids[i])).ok());

  EXPECT_EQ(pair.second->PeekSize(7).value().bytes, 1u);
  auto reply = pair.second->ReadTxid(5);
  ASSERT_TRUE(reply.ok());
  PacketPtr first_five(reply.value());
  EXPECT_EQ(first_five->txid(), 5u);
  EXPECT_EQ(FirstByte(first_five), 1);

  EXPECT_EQ(pair.second->ReadTxid(9).error(), kstd::Error::kAgain);
  EXPECT_EQ(pair.second->ReadTxid(0).error(), kstd::Error::kInvalid);

  const int rest[] = {0, 2, 3, 4};
  for (int expected : rest) EXPECT_EQ(FirstByte(ReadOk(pair.second.get())), expected);
}

TEST(ChannelTest, SignalsFollowTheQueues) {
  ChannelPair pair = MakePair();
  CountingObserver writer_observer;
  CountingObserver reader_observer;
  EXPECT_EQ(pair.first->AddObserver(&writer_observer), kSignalWritable);
  EXPECT_EQ(pair.second->AddObserver(&reader_observer), kSignalWritable);

  ASSERT_TRUE(pair.first->Write(MakePacket(8)).ok());
  EXPECT_EQ(reader_observer.calls, 1);
  EXPECT_EQ(reader_observer.last, kSignalReadable | kSignalWritable);
  EXPECT_EQ(writer_observer.calls, 0);  // the writer's signals did not change

  ASSERT_TRUE(pair.first->Write(MakePacket(8)).ok());
  EXPECT_EQ(reader_observer.calls, 1);  // still readable: no new notification

  ReadOk(pair.second.get());
  EXPECT_EQ(reader_observer.calls, 1);
  ReadOk(pair.second.get());
  EXPECT_EQ(reader_observer.calls, 2);
  EXPECT_EQ(reader_observer.last, kSignalWritable);

  // Filling the reader's queue takes kSignalWritable from the writer.
  for (size_t i = 0; i < kMaxQueueMessages; ++i) ASSERT_TRUE(pair.first->Write(MakePacket(0)).ok());
  EXPECT_EQ(writer_observer.calls, 1);
  EXPECT_EQ(writer_observer.last, 0u);
  ReadOk(pair.second.get());
  EXPECT_EQ(writer_observer.calls, 2);
  EXPECT_EQ(writer_observer.last, kSignalWritable);

  // Closing the reader: the writer sees peer-closed and loses writable.
  pair.second->RemoveObserver(&reader_observer);
  pair.second.reset();
  EXPECT_EQ(writer_observer.calls, 3);
  EXPECT_EQ(writer_observer.last, kSignalPeerClosed);
  EXPECT_EQ(pair.first->signals(), kSignalPeerClosed);
  pair.first->RemoveObserver(&writer_observer);
}

TEST(ChannelTest, PeerClosedKeepsQueuedMessagesReadable) {
  ChannelPair pair = MakePair();
  ASSERT_TRUE(pair.first->Write(MakePacket(4, 7)).ok());
  pair.first->Close();
  EXPECT_EQ(pair.second->signals(), kSignalReadable | kSignalPeerClosed);
  EXPECT_EQ(FirstByte(ReadOk(pair.second.get())), 7);
  EXPECT_EQ(pair.second->signals(), kSignalPeerClosed);
  EXPECT_EQ(pair.second->Read().error(), kstd::Error::kPipe);
  EXPECT_EQ(pair.second->ReadTxid(3).error(), kstd::Error::kPipe);
  EXPECT_EQ(pair.second->PeekSize().error(), kstd::Error::kPipe);

  // Writing into a closed peer fails and leaves the packet with the caller.
  PacketPtr packet(MakePacket(4));
  EXPECT_EQ(pair.second->Write(packet.get()).error(), kstd::Error::kPipe);
  // The closed endpoint itself refuses everything.
  EXPECT_EQ(pair.first->Write(packet.get()).error(), kstd::Error::kBadHandle);
  EXPECT_EQ(pair.first->Read().error(), kstd::Error::kBadHandle);
  EXPECT_EQ(pair.first->PeekSize().error(), kstd::Error::kBadHandle);
  EXPECT_EQ(pair.first->signals(), 0u);
  pair.first->Close();  // idempotent
}

TEST(ChannelTest, ClosingFreesQueuedMessagesAndTheirHandles) {
  int destroyed = 0;
  ChannelPair pair = MakePair();
  for (int i = 0; i < 3; ++i) {
    MessagePacket* packet = MakePacket(16, 0, 0, 2);
    packet->handles()[0] = {DestructionCounter::Make(&destroyed), kRightsAll};
    packet->handles()[1] = {DestructionCounter::Make(&destroyed), kRightRead};
    ASSERT_TRUE(pair.first->Write(packet).ok());
  }
  // Handles a reader took out survive; the rest die with the queue.
  PacketPtr taken = ReadOk(pair.second.get());
  kstd::RefPtr<KernelObject> kept = kstd::Move(taken->handles()[0].object);
  taken.reset();
  EXPECT_EQ(destroyed, 1);

  pair.second.reset();  // last reference: closes and frees the queue
  EXPECT_EQ(destroyed, 5);
  EXPECT_EQ(pair.first->signals(), kSignalPeerClosed);
  kept.reset();
  EXPECT_EQ(destroyed, 6);
}

TEST(ChannelTest, MessagesInFlightToAClosedWriterSurviveUntilRead) {
  int destroyed = 0;
  ChannelPair pair = MakePair();
  MessagePacket* packet = MakePacket(1, 0, 0, 1);
  packet->handles()[0] = {DestructionCounter::Make(&destroyed), kRightsAll};
  ASSERT_TRUE(pair.first->Write(packet).ok());
  pair.first.reset();
  EXPECT_EQ(destroyed, 0);  // queued on the live endpoint
  ReadOk(pair.second.get());
  EXPECT_EQ(destroyed, 1);
}

TEST(ChannelTest, QueueFullIsAgain) {
  ChannelPair pair = MakePair();
  for (size_t i = 0; i < kMaxQueueMessages; ++i) ASSERT_TRUE(pair.first->Write(MakePacket(0)).ok());
  PacketPtr extra(MakePacket(0));
  EXPECT_EQ(pair.first->Write(extra.get()).error(), kstd::Error::kAgain);
  EXPECT_EQ(pair.first->signals() & kSignalWritable, 0u);
  // The other direction is unaffected.
  EXPECT_TRUE(pair.second->Write(MakePacket(0)).ok());
  ReadOk(pair.second.get());
  EXPECT_TRUE(pair.first->Write(extra.release()).ok());
}

TEST(ChannelTest, QueueByteBudgetIsAgain) {
  ChannelPair pair = MakePair();
  size_t written = 0;
  while (written < kMaxQueueBytes) {
    ASSERT_TRUE(pair.first->Write(MakePacket(kMaxMessageBytes)).ok());
    written += kMaxMessageBytes;
  }
  EXPECT_EQ(pair.first->signals() & kSignalWritable, 0u);
  PacketPtr small(MakePacket(1));
  EXPECT_EQ(pair.first->Write(small.get()).error(), kstd::Error::kAgain);
  ReadOk(pair.second.get());
  EXPECT_EQ(pair.first->signals() & kSignalWritable, kSignalWritable);
  EXPECT_TRUE(pair.first->Write(small.release()).ok());
}

TEST(ChannelTest, MessageLimits) {
  EXPECT_EQ(MessagePacket::Create(kMaxMessageBytes + 1, 0, kSender).error(), kstd::Error::kInvalid);
  EXPECT_EQ(MessagePacket::Create(0, kMaxMessageHandles + 1, kSender).error(),
            kstd::Error::kInvalid);

  int destroyed = 0;
  ChannelPair pair = MakePair();
  MessagePacket* big = MakePacket(kMaxMessageBytes, 0xAB, 0, kMaxMessageHandles);
  for (Handle& h : big->handles()) h = {DestructionCounter::Make(&destroyed), kRightRead};
  EXPECT_EQ(big->bytes().data() + kMaxMessageBytes,
            reinterpret_cast<uint8_t*>(big) + sizeof(MessagePacket) +
                kMaxMessageHandles * sizeof(Handle) + kMaxMessageBytes);
  ASSERT_TRUE(pair.first->Write(big).ok());

  // Too-small buffers: the size is reported and the message stays queued.
  MessageSize needed;
  EXPECT_EQ(pair.second->ReadIfFits(0, {kMaxMessageBytes - 1, 64}, &needed).error(),
            kstd::Error::kTooBig);
  EXPECT_EQ(needed.bytes, kMaxMessageBytes);
  EXPECT_EQ(needed.handles, kMaxMessageHandles);
  EXPECT_EQ(pair.second->ReadIfFits(0, {kMaxMessageBytes, 63}, nullptr).error(),
            kstd::Error::kTooBig);
  EXPECT_EQ(pair.second->PeekSize().value().handles, kMaxMessageHandles);
  auto fits = pair.second->ReadIfFits(0, {kMaxMessageBytes, kMaxMessageHandles}, &needed);
  ASSERT_TRUE(fits.ok());
  PacketPtr got(fits.value());
  EXPECT_EQ(got->bytes()[kMaxMessageBytes - 1], 0xAB);
  EXPECT_EQ(destroyed, 0);
  got.reset();
  EXPECT_EQ(destroyed, static_cast<int>(kMaxMessageHandles));
}

TEST(ChannelTest, NewPacketsAreZeroedAndEmpty) {
  PacketPtr packet(MessagePacket::Create(100, 3, kSender, 9).value());
  for (uint8_t b : packet->bytes()) ASSERT_EQ(b, 0);
  for (const Handle& h : packet->handles()) EXPECT_FALSE(h.object);
  EXPECT_EQ(packet->txid(), 9u);
  packet->set_txid(10);
  EXPECT_EQ(packet->txid(), 10u);
  MessagePacket::DeleteDeferred(packet.release());
  MessagePacket::DeleteDeferred(nullptr);
}

TEST(ChannelTest, RefusesHandlesToItsOwnEndpoints) {
  ChannelPair pair = MakePair();
  PacketPtr packet(MakePacket(0, 0, 0, 1));
  packet->handles()[0] = {pair.second, kRightsAll};  // would sit in its own queue
  EXPECT_EQ(pair.first->Write(packet.get()).error(), kstd::Error::kInvalid);
  packet->handles()[0] = {pair.first, kRightsAll};
  EXPECT_EQ(pair.first->Write(packet.get()).error(), kstd::Error::kInvalid);
  packet->handles()[0] = {};
  EXPECT_EQ(pair.first->Write(packet.get()).error(), kstd::Error::kInvalid);
  EXPECT_EQ(pair.first->Write(nullptr).error(), kstd::Error::kInvalid);

  // Another channel's endpoint travels fine.
  ChannelPair other = MakePair();
  packet->handles()[0] = {other.first, kRightsAll};
  EXPECT_TRUE(pair.first->Write(packet.release()).ok());
}

TEST(ChannelTest, StatsCountBothDirections) {
  ChannelPair pair = MakePair();
  ASSERT_TRUE(pair.first->Write(MakePacket(10)).ok());
  ASSERT_TRUE(pair.first->Write(MakePacket(20)).ok());
  ReadOk(pair.second.get());
  ChannelStats writer = pair.first->stats();
  ChannelStats reader = pair.second->stats();
  EXPECT_EQ(writer.messages_written, 2u);
  EXPECT_EQ(writer.bytes_written, 30u);
  EXPECT_EQ(writer.messages_read, 0u);
  EXPECT_EQ(reader.messages_read, 1u);
  EXPECT_EQ(reader.bytes_read, 10u);
  EXPECT_EQ(reader.messages_written, 0u);
}

// Channel k's first endpoint is queued (as a handle) only inside channel k-1.
// Dropping the head frees the whole chain without deep recursion.
TEST(ChannelTest, LongChainOfQueuedChannelsIsFreedIteratively) {
  constexpr int kDepth = 100000;
  int destroyed = 0;
  ChannelPair head = MakePair();
  kstd::RefPtr<ChannelEndpoint> tail_reader = head.first;
  kstd::RefPtr<ChannelEndpoint> tail_writer = head.second;
  for (int i = 0; i < kDepth; ++i) {
    ChannelPair next = MakePair();
    MessagePacket* packet = MakePacket(0, 0, 0, 1);
    packet->handles()[0] = {next.first, kRightsAll};
    ASSERT_TRUE(tail_writer->Write(packet).ok());
    tail_reader = next.first;
    tail_writer = next.second;
  }
  MessagePacket* last = MakePacket(0, 0, 0, 1);
  last->handles()[0] = {DestructionCounter::Make(&destroyed), kRightsAll};
  ASSERT_TRUE(tail_writer->Write(last).ok());
  tail_reader.reset();
  tail_writer.reset();
  head.second.reset();
  EXPECT_EQ(destroyed, 0);
  head.first.reset();
  EXPECT_EQ(destroyed, 1);
}

// Random operations on both endpoints against a simple model. The write share
// varies with the seed, so some runs hover near empty and others stay full.
TEST(ChannelTest, RandomOperationsMatchAModel) {
  int full_errors = 0, pipe_errors = 0, txid_reads = 0, closes = 0;
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    const uint32_t write_share = 30 + 3 * seed;  // percent of operations
    ChannelPair pair = MakePair();
    ChannelEndpoint* ends[2] = {pair.first.get(), pair.second.get()};
    struct Model {
      uint32_t tag, txid, bytes;
    };
    std::deque<Model> queues[2];  // queues[i]: messages waiting at ends[i]
    size_t queued_bytes[2] = {0, 0};
    bool closed[2] = {false, false};
    uint32_t next_tag = 0;

    auto find = [&](int side, uint32_t txid) -> int {
      for (size_t k = 0; k < queues[side].size(); ++k) {
        if (txid == 0 || queues[side][k].txid == txid) return static_cast<int>(k);
      }
      return -1;
    };
    auto check_signals = [&](int side) {
      if (closed[side]) return;
      int peer = 1 - side;
      Signals want = queues[side].empty() ? 0 : kSignalReadable;
      if (closed[peer]) {
        want |= kSignalPeerClosed;
      } else if (queues[peer].size() < kMaxQueueMessages && queued_bytes[peer] < kMaxQueueBytes) {
        want |= kSignalWritable;
      }
      ASSERT_EQ(ends[side]->signals() & kChannelSignals, want) << "seed " << seed;
    };

    for (int step = 0; step < 3000; ++step) {
      int side = rng() % 2;
      int peer = 1 - side;
      if (closed[side]) continue;
      uint32_t op = rng() % 100;
      if (op < write_share) {  // write
        uint32_t bytes = rng() % 3 == 0 ? rng() % 70000 : rng() % 200;
        uint32_t txid = rng() % 4;
        auto created = MessagePacket::Create(bytes, 0, kSender, txid);
        if (bytes > kMaxMessageBytes) {
          ASSERT_EQ(created.error(), kstd::Error::kInvalid);
          continue;
        }
        MessagePacket* packet = created.value();
        uint32_t tag = next_tag++;
        if (bytes >= 4) __builtin_memcpy(packet->bytes().data(), &tag, 4);
        auto result = ends[side]->Write(packet);
        if (closed[peer]) {
          ASSERT_EQ(result.error(), kstd::Error::kPipe);
          ++pipe_errors;
          delete packet;
        } else if (queues[peer].size() >= kMaxQueueMessages ||
                   queued_bytes[peer] >= kMaxQueueBytes) {
          ASSERT_EQ(result.error(), kstd::Error::kAgain);
          ++full_errors;
          delete packet;
        } else {
          ASSERT_TRUE(result.ok());
          queues[peer].push_back({tag, txid, bytes});
          queued_bytes[peer] += bytes;
        }
      } else if (op < 97) {  // read, by txid or not
        uint32_t txid = rng() % 2 == 0 ? 0 : 1 + rng() % 3;
        auto result = txid == 0 ? ends[side]->Read() : ends[side]->ReadTxid(txid);
        int index = find(side, txid);
        if (index < 0) {
          ASSERT_EQ(result.error(), closed[peer] ? kstd::Error::kPipe : kstd::Error::kAgain);
        } else {
          ASSERT_TRUE(result.ok());
          PacketPtr packet(result.value());
          if (txid != 0) ++txid_reads;
          Model expected = queues[side][index];
          queues[side].erase(queues[side].begin() + index);
          queued_bytes[side] -= expected.bytes;
          ASSERT_EQ(packet->size().bytes, expected.bytes);
          ASSERT_EQ(packet->txid(), expected.txid);
          if (expected.bytes >= 4) {
            uint32_t tag;
            __builtin_memcpy(&tag, packet->bytes().data(), 4);
            ASSERT_EQ(tag, expected.tag);
          }
        }
      } else if (op < 99) {  // peek (which leaves the queue alone)
        uint32_t txid = rng() % 4;
        auto result = ends[side]->PeekSize(txid);
        int index = find(side, txid);
        if (index < 0) {
          ASSERT_FALSE(result.ok());
        } else {
          ASSERT_EQ(result.value().bytes, queues[side][index].bytes);
        }
      } else if (step > 1500) {  // close, late in the run
        ends[side]->Close();
        ++closes;
        closed[side] = true;
        queues[side].clear();
        queued_bytes[side] = 0;
      }
      check_signals(0);
      check_signals(1);
    }
  }
  // The runs reached the interesting states.
  EXPECT_GT(full_errors, 100);
  EXPECT_GT(pipe_errors, 10);
  EXPECT_GT(txid_reads, 100);
  EXPECT_GT(closes, 10);
}

// Two threads stream messages through one endpoint pair: a smoke test of the
// shared lock on a real multi-core host.
TEST(ChannelTest, ConcurrentWriterAndReaderKeepFifo) {
  constexpr uint32_t kCount = 20000;
  ChannelPair pair = MakePair();
  std::thread writer([&] {
    for (uint32_t i = 0; i < kCount;) {
      MessagePacket* packet = MessagePacket::Create(4, 0, kSender).value();
      __builtin_memcpy(packet->bytes().data(), &i, 4);
      auto result = pair.first->Write(packet);
      if (result.ok()) {
        ++i;
      } else {
        ASSERT_EQ(result.error(), kstd::Error::kAgain);
        delete packet;
      }
    }
  });
  uint32_t expected = 0;
  while (expected < kCount) {
    auto result = pair.second->Read();
    if (!result.ok()) {
      ASSERT_EQ(result.error(), kstd::Error::kAgain);
      continue;
    }
    PacketPtr packet(result.value());
    uint32_t got;
    __builtin_memcpy(&got, packet->bytes().data(), 4);
    ASSERT_EQ(got, expected);
    ++expected;
  }
  writer.join();
  EXPECT_EQ(pair.second->stats().messages_read, kCount);
}

}  // namespace
}  // namespace core::ipc
