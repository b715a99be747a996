// Host tests of the frame path: a Client and a DriverPort sharing memory in
// one process, the kernel played by a fake Os.

#include <gtest/gtest.h>
#include <string.h>

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "lib/frameproto/client.h"
#include "lib/frameproto/driver_port.h"
#include "lib/frameproto/ring.h"
#include "lib/frameproto/testing/fake_os.h"

namespace frameproto {
namespace {

using kstd::Error;
using Bytes = kstd::Span<const uint8_t>;

using testing::FakeOs;

// The driver's side: its pool, rings and notifications, and a DriverPort.
struct FakeDriver {
  static constexpr uint32_t kBuffers = 64, kRx = 32, kEntries = 64;

  explicit FakeDriver(FakeOs& os) : os(os) {
    pool = std::make_shared<std::vector<uint8_t>>(kBuffers * kBufferBytes);
    rings = std::make_shared<std::vector<uint8_t>>(16384);
  }
  void Install() {
    os.driver = [this](AttachReply* r, std::vector<tessera::handle_t>* hs) { Answer(r, hs); };
  }
  void Answer(AttachReply* r, std::vector<tessera::handle_t>* hs) {
    ++attaches;
    DriverPort::Layout layout{kBuffers, kRx, kEntries};
    EXPECT_TRUE(port.Reset(rings->data(), rings->size(), layout, link));
    *r = AttachReply{};
    r->magic = kMagic;
    r->op = kAttach;
    r->version = kVersion;
    const uint8_t m[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    memcpy(r->mac, m, 6);
    r->mtu = 1500;
    r->flags = link ? kLinkUp : 0;
    r->buffer_bytes = kBufferBytes;
    r->pool_buffers = kBuffers;
    r->rx_buffers = kRx;
    r->ring_entries = kEntries;
    r->ring_bytes = rings->size();
    hs->push_back(os.Add(FakeOs::Memory(pool)));
    hs->push_back(os.Add(FakeOs::Memory(rings)));
    hs->push_back(os.Add(FakeOs::Notification(&to_driver_bits, &to_driver_signals)));
    hs->push_back(os.Add(FakeOs::Notification(&to_client_bits, &to_client_signals)));
  }
  /// Posts every receive buffer it can to "the device" (a list).
  void FillDevice() {
    uint32_t i;
    while (port.NextRx(&i)) device_rx.push_back(i);
  }
  /// A frame from the wire into the next device buffer.
  void Deliver(const std::vector<uint8_t>& frame) {
    ASSERT_FALSE(device_rx.empty());
    uint32_t i = device_rx.front();
    device_rx.erase(device_rx.begin());
    memcpy(pool->data() + i * kBufferBytes, frame.data(), frame.size());
    port.RxDone(i, static_cast<uint32_t>(frame.size()));
  }
  /// Flush, signaling the client the way the driver process does.
  void Flush() {
    if (port.Flush()) {
      to_client_bits |= 1;
      ++to_client_signals;
    }
  }
  /// Takes every frame to send; returns their bytes; completes them.
  std::vector<std::vector<uint8_t>> SendAll() {
    std::vector<std::vector<uint8_t>> out;
    uint32_t i, len;
    while (port.NextTx(&i, &len)) {
      out.emplace_back(pool->data() + i * kBufferBytes, pool->data() + i * kBufferBytes + len);
      port.TxDone(i);
    }
    Flush();
    return out;
  }
  RingSet rings_view() { return RingSet::At(rings->data(), kEntries); }

  FakeOs& os;
  std::shared_ptr<std::vector<uint8_t>> pool, rings;
  DriverPort port;
  std::vector<uint32_t> device_rx;
  uint64_t to_driver_bits = 0, to_client_bits = 0;
  int to_driver_signals = 0, to_client_signals = 0;
  int attaches = 0;
  bool link = true;
};

std::vector<uint8_t> Frame(size_t n, uint8_t seed) {
  std::vector<uint8_t> f(n);
  for (size_t i = 0; i < n; ++i) f[i] = static_cast<uint8_t>(seed * 13 + i);
  return f;
}

struct Rig {
  Rig() : driver(os) {
    driver.Install();
    channel = os.Add(FakeOs::Channel());
    auto c = Client::Attach(channel, os);
    EXPECT_TRUE(c.ok());
    client.reset(c.ok() ? c.value() : nullptr);
  }
  kstd::Result<void> Send(const std::vector<uint8_t>& f) {
    Bytes part(f.data(), f.size());
    return client->Transmit(&part, 1);
  }
  std::vector<std::vector<uint8_t>> ReceiveAll() {
    std::vector<std::vector<uint8_t>> got;
    client->Receive([&](Bytes b) { got.emplace_back(b.begin(), b.end()); });
    return got;
  }

  FakeOs os;
  FakeDriver driver;
  tessera::handle_t channel;
  std::unique_ptr<Client> client;
};

TEST(Ring, ProducerAndConsumerCountModuloTwoToThe32) {
  std::vector<uint8_t> mem(RingBytes(8));
  auto* control = reinterpret_cast<RingControl*>(mem.data());
  auto* slots = reinterpret_cast<Descriptor*>(mem.data() + sizeof(RingControl));
  control->tail = control->head = 0xFFFFFFFA;  // about to wrap
  RingProducer p;
  RingConsumer c;
  p.Init(control, slots, 8);
  c.Init(control, slots, 8);
  for (uint32_t round = 0; round < 5; ++round) {
    for (uint32_t i = 0; i < 8; ++i) ASSERT_TRUE(p.Push({i * kBufferBytes, i}));
    EXPECT_FALSE(p.Push({0, 0}));  // full
    p.Publish();
    Descriptor d;
    for (uint32_t i = 0; i < 8; ++i) {
      ASSERT_TRUE(c.Pop(&d));
      EXPECT_EQ(d.length, i);
    }
    EXPECT_FALSE(c.Pop(&d));
    c.Release();
  }
  EXPECT_EQ(p.bad(), 0u);
  EXPECT_EQ(c.bad(), 0u);
}

TEST(Ring, InsaneIndicesAreCountedNeverFollowed) {
  std::vector<uint8_t> mem(RingBytes(8));
  auto* control = reinterpret_cast<RingControl*>(mem.data());
  auto* slots = reinterpret_cast<Descriptor*>(mem.data() + sizeof(RingControl));
  RingProducer p;
  RingConsumer c;
  p.Init(control, slots, 8);
  c.Init(control, slots, 8);
  control->tail = 1000;  // the producer claims 1000 entries in an 8-entry ring
  Descriptor d;
  EXPECT_FALSE(c.Pop(&d));
  EXPECT_GE(c.bad(), 1u);
  control->tail = 0;
  control->head = 12345;  // the consumer claims to have taken entries never published
  EXPECT_FALSE(p.Push({0, 0}));
  EXPECT_GE(p.bad(), 1u);
}

TEST(Ring, ProducerSignalsOnlyWhenAskedAndOnce) {
  std::vector<uint8_t> mem(RingBytes(8));
  auto* control = reinterpret_cast<RingControl*>(mem.data());
  auto* slots = reinterpret_cast<Descriptor*>(mem.data() + sizeof(RingControl));
  RingProducer p;
  RingConsumer c;
  p.Init(control, slots, 8);
  c.Init(control, slots, 8);
  p.Push({0, 1});
  EXPECT_FALSE(p.Publish());  // nobody asked
  Descriptor d;
  ASSERT_TRUE(c.Pop(&d));
  c.Release();
  EXPECT_FALSE(c.Arm());  // nothing waiting: sleep
  p.Push({0, 2});
  EXPECT_TRUE(p.Publish());  // asked
  p.Push({0, 3});
  EXPECT_FALSE(p.Publish());  // the request was consumed
  EXPECT_TRUE(c.Arm());       // entries wait: do not sleep
}

TEST(Client, AttachMapsThePoolAndTheRings) {
  Rig rig;
  ASSERT_NE(rig.client, nullptr);
  EXPECT_TRUE(rig.client->attached());
  EXPECT_EQ(rig.client->mac()[0], 0x52);
  EXPECT_EQ(rig.client->mac()[5], 0x56);
  EXPECT_EQ(rig.client->mtu(), 1500);
  EXPECT_TRUE(rig.client->link_up());
  EXPECT_EQ(rig.client->tx_free(), FakeDriver::kBuffers - FakeDriver::kRx);
  EXPECT_EQ(rig.os.maps, 2);
  EXPECT_EQ(rig.os.open_handles(), 5u);  // channel + 4
  rig.client.reset();
  EXPECT_EQ(rig.os.open_handles(), 0u);
  EXPECT_EQ(rig.os.unmaps, 2);
  EXPECT_EQ(rig.os.bad_closes, 0);
}

TEST(Client, TransmitsGatheredFramesAndReusesTheBuffers) {
  Rig rig;
  std::vector<uint8_t> head = Frame(14, 1), body = Frame(100, 2);
  Bytes parts[2] = {Bytes(head.data(), head.size()), Bytes(body.data(), body.size())};
  ASSERT_TRUE(rig.client->Transmit(parts, 2).ok());
  auto sent = rig.driver.SendAll();
  ASSERT_EQ(sent.size(), 1u);
  std::vector<uint8_t> whole = head;
  whole.insert(whole.end(), body.begin(), body.end());
  EXPECT_EQ(sent[0], whole);
  // 1000 frames through 32 transmit buffers.
  for (int i = 0; i < 1000; ++i) {
    auto f = Frame(60 + i % 1400, static_cast<uint8_t>(i));
    auto r = rig.Send(f);
    if (r.is_error()) {
      ASSERT_EQ(r.error(), Error::kAgain);
      EXPECT_EQ(rig.client->tx_free(), 0u);
      rig.driver.SendAll();
      ASSERT_TRUE(rig.Send(f).ok());
    }
  }
  rig.driver.SendAll();
  EXPECT_EQ(rig.client->stats().tx_frames, 1001u);
  EXPECT_EQ(rig.driver.port.stats().tx_frames, 1001u);
  EXPECT_EQ(rig.client->stats().bad_descriptors, 0u);
  EXPECT_EQ(rig.driver.port.stats().bad_descriptors, 0u);
}

TEST(Client, RefusesFramesOfIllegalSize) {
  Rig rig;
  EXPECT_EQ(rig.Send(Frame(13, 0)).error(), Error::kInvalid);
  EXPECT_EQ(rig.Send(Frame(1515, 0)).error(), Error::kInvalid);
  EXPECT_TRUE(rig.Send(Frame(1514, 0)).ok());
}

TEST(Client, SignalsTheDriverOnlyWhenItAskedManyFramesPerNotification) {
  Rig rig;
  (void)rig.driver.port.Arm(true, true);  // the driver goes to sleep
  // The driver sleeps (armed): the first frame signals, the next 19 do not.
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(rig.Send(Frame(60, 1)).ok());
  EXPECT_EQ(rig.driver.to_driver_signals, 1);
  EXPECT_EQ(rig.client->stats().notifications_sent, 1u);
  // The driver wakes, takes them, re-arms: one more signal for the next batch.
  EXPECT_EQ(rig.driver.SendAll().size(), 20u);
  EXPECT_FALSE(rig.driver.port.Arm(true, false));
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(rig.Send(Frame(60, 2)).ok());
  EXPECT_EQ(rig.driver.to_driver_signals, 2);
  // A busy driver (disarmed) gets none.
  rig.driver.SendAll();
  rig.driver.port.Disarm();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(rig.Send(Frame(60, 3)).ok());
  EXPECT_EQ(rig.driver.to_driver_signals, 2);
}

TEST(Client, ReceivesFramesAndHandsTheBuffersBack) {
  Rig rig;
  rig.driver.FillDevice();
  EXPECT_EQ(rig.driver.device_rx.size(), FakeDriver::kRx);
  rig.client->Rearm();  // the server sleeps
  std::vector<std::vector<uint8_t>> frames;
  for (int i = 0; i < 5; ++i) frames.push_back(Frame(60 + i * 100, static_cast<uint8_t>(i)));
  for (auto& f : frames) rig.driver.Deliver(f);
  rig.driver.Flush();
  EXPECT_EQ(rig.driver.to_client_signals, 1);
  auto got = rig.ReceiveAll();
  EXPECT_EQ(got, frames);
  EXPECT_EQ(rig.client->stats().rx_frames, 5u);
  // The buffers went back on rx-free: the driver can post them again.
  rig.driver.FillDevice();
  EXPECT_EQ(rig.driver.device_rx.size(), FakeDriver::kRx);
  // Not armed again: more frames, no signal.
  rig.driver.Deliver(Frame(70, 9));
  rig.driver.Flush();
  EXPECT_EQ(rig.driver.to_client_signals, 1);
  EXPECT_EQ(rig.ReceiveAll().size(), 1u);
}

TEST(Client, RearmWithFramesWaitingSignalsItself) {
  Rig rig;
  rig.driver.FillDevice();
  rig.driver.Deliver(Frame(60, 1));
  rig.driver.Flush();  // not armed: no signal
  EXPECT_EQ(rig.driver.to_client_signals, 0);
  rig.client->Rearm();
  EXPECT_NE(rig.driver.to_client_bits, 0u);  // the wait would return at once
  EXPECT_EQ(rig.ReceiveAll().size(), 1u);
  rig.client->Rearm();  // takes the bits, nothing waiting
  EXPECT_EQ(rig.driver.to_client_bits, 0u);
  EXPECT_EQ(rig.client->stats().notifications_received, 1u);
}

TEST(Client, RunningOutOfTransmitBuffersAsksForTheirReturn) {
  Rig rig;
  while (rig.Send(Frame(60, 1)).ok()) {
  }
  EXPECT_EQ(rig.client->tx_free(), 0u);
  rig.client->Rearm();
  rig.driver.SendAll();  // tx-free published: the client asked
  EXPECT_EQ(rig.driver.to_client_signals, 1);
  EXPECT_TRUE(rig.Send(Frame(60, 2)).ok());
}

TEST(Client, LinkChangesReachTheClient) {
  Rig rig;
  EXPECT_TRUE(rig.client->link_up());
  EXPECT_TRUE(rig.driver.port.SetLink(false));
  EXPECT_FALSE(rig.driver.port.SetLink(false));  // no change
  EXPECT_FALSE(rig.client->link_up());
  EXPECT_EQ(rig.driver.rings_view().header->link_generation, 1u);
}

TEST(Client, BadDescriptorsFromTheDriverAreDroppedAndCounted) {
  Rig rig;
  rig.driver.FillDevice();
  RingSet rings = rig.driver.rings_view();
  // A lying driver writes rx-avail itself: an offset inside a buffer, past
  // the pool, a buffer the client holds (a transmit one), a zero and a huge
  // length; then one good frame.
  rig.driver.Deliver(Frame(60, 1));
  rig.driver.Flush();
  auto* slots = rings.slots[kRxAvail];
  auto* control = rings.control[kRxAvail];
  uint32_t t = control->tail;
  const Descriptor bad[] = {{100, 60},
                            {FakeDriver::kBuffers * kBufferBytes, 60},
                            {(FakeDriver::kBuffers - 1) * kBufferBytes, 60},
                            {1 * kBufferBytes, 0},
                            {2 * kBufferBytes, 5000}};
  for (const Descriptor& d : bad) slots[t++ % FakeDriver::kEntries] = d;
  control->tail = t;
  auto got = rig.ReceiveAll();
  EXPECT_EQ(got.size(), 1u);
  EXPECT_EQ(rig.client->stats().bad_descriptors, 5u);
  // An insane tail: counted, nothing read.
  control->tail = t + 1000;
  EXPECT_EQ(rig.ReceiveAll().size(), 0u);
  EXPECT_GE(rig.client->stats().bad_descriptors, 6u);
  // The transmit side still works.
  EXPECT_TRUE(rig.Send(Frame(60, 2)).ok());
}

TEST(DriverPort, BadDescriptorsFromTheClientAreDroppedAndCounted) {
  Rig rig;
  RingSet rings = rig.driver.rings_view();
  auto* slots = rings.slots[kTxAvail];
  auto* control = rings.control[kTxAvail];
  // A receive buffer the driver holds, an unaligned offset, a too short and a
  // too long frame, past the pool: all dropped.
  const Descriptor bad[] = {{0, 60},
                            {FakeDriver::kRx * kBufferBytes + 1, 60},
                            {(FakeDriver::kRx + 1) * kBufferBytes, 13},
                            {(FakeDriver::kRx + 2) * kBufferBytes, 1515},
                            {0xFFFFF800, 60},
                            {(FakeDriver::kRx + 3) * kBufferBytes, 60}};
  uint32_t t = 0;
  for (const Descriptor& d : bad) slots[t++] = d;
  control->tail = t;
  uint32_t index = 0, len = 0;
  ASSERT_TRUE(rig.driver.port.NextTx(&index, &len));
  EXPECT_EQ(index, FakeDriver::kRx + 3);
  EXPECT_EQ(len, 60u);
  EXPECT_EQ(rig.driver.port.stats().bad_descriptors, 5u);
  // The same buffer again while the device has it: dropped.
  slots[t++] = {(FakeDriver::kRx + 3) * kBufferBytes, 60};
  control->tail = t;
  EXPECT_FALSE(rig.driver.port.NextTx(&index, &len));
  EXPECT_EQ(rig.driver.port.stats().bad_descriptors, 6u);
  // rx-free naming a buffer the driver holds: dropped.
  rings.slots[kRxFree][0] = {0, 0};
  rings.control[kRxFree]->tail = 1;
  rig.driver.FillDevice();
  EXPECT_EQ(rig.driver.device_rx.size(), FakeDriver::kRx);
  EXPECT_EQ(rig.driver.port.stats().bad_descriptors, 7u);
}

TEST(Client, AttachErrorsCloseEveryHandle) {
  FakeOs os;
  FakeDriver driver(os);
  // The driver refuses (no DMA right).
  os.driver = [](AttachReply* r, std::vector<tessera::handle_t>*) {
    *r = AttachReply{kMagic, kAttach, 13 /* EACCES */, kVersion};
  };
  auto c = Client::Attach(os.Add(FakeOs::Channel()), os);
  ASSERT_TRUE(c.is_error());
  EXPECT_EQ(c.error(), Error::kAccess);
  EXPECT_EQ(os.open_handles(), 0u);
  // Three handles instead of four; a ring too small for its entries.
  for (int variant = 0; variant < 2; ++variant) {
    os.driver = [&](AttachReply* r, std::vector<tessera::handle_t>* hs) {
      driver.Answer(r, hs);
      if (variant == 0) {
        os.Close(hs->back());
        hs->pop_back();
      } else {
        r->ring_bytes = 64;
      }
    };
    auto bad = Client::Attach(os.Add(FakeOs::Channel()), os);
    ASSERT_TRUE(bad.is_error());
    EXPECT_EQ(bad.error(), Error::kIo);
    EXPECT_EQ(os.open_handles(), 0u);
  }
  // No driver at all.
  os.peer_gone = true;
  auto gone = Client::Attach(os.Add(FakeOs::Channel()), os);
  EXPECT_EQ(gone.error(), Error::kPipe);
  EXPECT_EQ(os.open_handles(), 0u);
  EXPECT_EQ(os.bad_closes, 0);
}

TEST(Client, ReattachMovesToARestartedDriver) {
  Rig rig;
  ASSERT_TRUE(rig.Send(Frame(60, 1)).ok());
  FakeDriver second(rig.os);
  second.Install();
  ASSERT_TRUE(rig.client->Reattach(rig.os.Add(FakeOs::Channel())).ok());
  EXPECT_EQ(second.attaches, 1);
  EXPECT_EQ(rig.os.open_handles(), 5u);  // the old ones closed
  EXPECT_EQ(rig.client->tx_free(), FakeDriver::kBuffers - FakeDriver::kRx);
  ASSERT_TRUE(rig.Send(Frame(60, 2)).ok());
  EXPECT_EQ(second.SendAll().size(), 1u);
  second.FillDevice();
  second.Deliver(Frame(80, 3));
  second.Flush();
  EXPECT_EQ(rig.ReceiveAll().size(), 1u);
  EXPECT_EQ(rig.client->stats().tx_frames, 2u);
  // A failed reattach leaves it detached, not broken.
  rig.os.peer_gone = true;
  EXPECT_TRUE(rig.client->Reattach(rig.os.Add(FakeOs::Channel())).is_error());
  EXPECT_FALSE(rig.client->attached());
  EXPECT_EQ(rig.Send(Frame(60, 4)).error(), Error::kPipe);
  EXPECT_EQ(rig.ReceiveAll().size(), 0u);
}

}  // namespace
}  // namespace frameproto
