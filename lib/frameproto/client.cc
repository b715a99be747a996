#include "lib/frameproto/client.h"

#include "lib/frameproto/figures.h"

#include "kstd/new.h"

namespace frameproto {
namespace {

using kstd::Error;
constexpr uint64_t kPage = 4096;

uint64_t PageRound(uint64_t n) { return (n + kPage - 1) & ~(kPage - 1); }

}  // namespace

kstd::Result<Client*> Client::Attach(tessera::handle_t channel, Os& os) {
  Client* c = new (kstd::nothrow) Client(os);
  if (c == nullptr) {
    os.Close(channel);
    return Error::kNoMemory;
  }
  auto r = c->Handshake(channel);
  if (r.is_error()) {
    delete c;
    return r.error();
  }
  return c;
}

Client::~Client() { Detach(); }

void Client::Detach() {
  if (pool_ != nullptr) os_.Unmap(pool_, pool_bytes_);
  if (rings_ != nullptr) os_.Unmap(rings_, ring_bytes_);
  pool_ = rings_ = nullptr;
  header_ = nullptr;
  tessera::handle_t* handles[] = {&channel_, &pool_vmo_, &ring_vmo_, &to_driver_, &to_client_};
  for (tessera::handle_t* h : handles) {
    if (*h != tessera::kInvalidHandle) os_.Close(*h);
    *h = tessera::kInvalidHandle;
  }
  tx_avail_ = RingProducer();
  rx_free_ = RingProducer();
  tx_free_ = RingConsumer();
  rx_avail_ = RingConsumer();
  free_count_ = 0;
}

kstd::Result<void> Client::Reattach(tessera::handle_t channel) {
  // Counters carry over: they describe the Client, not one driver.
  Detach();
  return Handshake(channel);
}

kstd::Result<void> Client::Handshake(tessera::handle_t channel) {
  channel_ = channel;
  AttachRequest request{kMagic, kAttach, kVersion, 0};
  AttachReply reply{};
  tessera::handle_t got[4] = {};
  uint32_t reply_bytes = 0, handle_count = 0;
  auto called = os_.Call(channel, &request, sizeof request, &reply, sizeof reply, &reply_bytes, got,
                         4, &handle_count, os_.Now() + kAttachTimeoutNs);
  if (called.is_error()) {
    for (uint32_t i = 0; i < handle_count && i < 4; ++i) os_.Close(got[i]);
    return called.error();
  }
  auto refuse = [&](Error e) -> kstd::Result<void> {
    for (uint32_t i = 0; i < handle_count && i < 4; ++i) os_.Close(got[i]);
    return e;
  };
  if (reply_bytes != sizeof reply || reply.magic != kMagic || reply.op != kAttach) {
    return refuse(Error::kIo);
  }
  if (reply.error != 0) {
    return refuse(reply.error > 0 && reply.error < 4096 ? static_cast<Error>(reply.error)
                                                        : Error::kIo);
  }
  if (handle_count != 4 || reply.version != kVersion || !ValidLayout(reply)) {
    return refuse(Error::kIo);
  }
  pool_vmo_ = got[0];
  ring_vmo_ = got[1];
  to_driver_ = got[2];
  to_client_ = got[3];
  pool_bytes_ = PageRound(uint64_t{reply.pool_buffers} * kBufferBytes);
  ring_bytes_ = PageRound(reply.ring_bytes);
  auto pool = os_.Map(pool_vmo_, pool_bytes_);
  if (pool.is_error()) return pool.error();  // the handles close at Detach
  pool_ = pool.value();
  auto rings = os_.Map(ring_vmo_, ring_bytes_);
  if (rings.is_error()) {
    os_.Unmap(pool_, pool_bytes_);
    pool_ = nullptr;
    return rings.error();
  }
  rings_ = rings.value();

  RingSet set = RingSet::At(rings_, reply.ring_entries);
  header_ = set.header;
  tx_avail_.Init(set.control[kTxAvail], set.slots[kTxAvail], reply.ring_entries);
  rx_free_.Init(set.control[kRxFree], set.slots[kRxFree], reply.ring_entries);
  tx_free_.Init(set.control[kTxFree], set.slots[kTxFree], reply.ring_entries);
  rx_avail_.Init(set.control[kRxAvail], set.slots[kRxAvail], reply.ring_entries);
  pool_buffers_ = reply.pool_buffers;
  tx_buffers_ = reply.pool_buffers - reply.rx_buffers;
  owners_.Reset(pool_buffers_, reply.rx_buffers, Ownership::kPeer);
  free_count_ = 0;
  for (uint32_t i = pool_buffers_; i > reply.rx_buffers; --i) {
    free_[free_count_++] = static_cast<uint16_t>(i - 1);
  }
  for (int i = 0; i < 6; ++i) mac_[i] = reply.mac[i];
  mtu_ = reply.mtu;
  return kstd::Ok();
}

DriverFigures Client::driver_figures() const {
  DriverFigures f{};
  if (header_ == nullptr) return f;
  for (uint64_t DriverFigures::*field : kDriverFigureFields) {
    f.*field = __atomic_load_n(&(header_->figures.*field), __ATOMIC_RELAXED);
  }
  return f;
}

bool Client::link_up() const {
  if (header_ == nullptr) return false;
  return __atomic_load_n(&header_->link_up, __ATOMIC_RELAXED) != 0;
}

void Client::SignalDriver() {
  os_.Signal(to_driver_);
  ++stats_.notifications_sent;
}

void Client::ReclaimTx() {
  Descriptor d;
  bool any = false;
  while (tx_free_.Pop(&d)) {
    any = true;
    int64_t index = owners_.Accept(d, 0, kBufferBytes);
    if (index < 0) {
      ++stats_.bad_descriptors;
      continue;
    }
    free_[free_count_++] = static_cast<uint16_t>(index);
  }
  if (any) tx_free_.Release();
}

void Client::ReturnRx(uint32_t index) {
  owners_.Set(index, Ownership::kPeer);
  // Cannot be full: the ring holds every buffer of the pool.
  if (!rx_free_.Push(Descriptor{index * kBufferBytes, 0})) ++stats_.bad_descriptors;
}

void Client::FlushRxFree() {
  if (rx_free_.Publish()) SignalDriver();
}

kstd::Result<void> Client::Transmit(const kstd::Span<const uint8_t>* parts, size_t count) {
  if (!attached()) return Error::kPipe;
  size_t total = 0;
  for (size_t i = 0; i < count; ++i) total += parts[i].size();
  if (total < kMinFrameBytes || total > kMaxFrameBytes) return Error::kInvalid;
  if (free_count_ == 0) ReclaimTx();
  if (free_count_ == 0) return Error::kAgain;
  uint32_t index = free_[--free_count_];
  uint8_t* out = pool_ + uint64_t{index} * kBufferBytes;
  for (size_t i = 0; i < count; ++i) {
    __builtin_memcpy(out, parts[i].data(), parts[i].size());
    out += parts[i].size();
  }
  owners_.Set(index, Ownership::kPeer);
  if (!tx_avail_.Push(Descriptor{index * kBufferBytes, static_cast<uint32_t>(total)})) {
    // Only an insane head from the driver gets here: keep the buffer.
    owners_.Set(index, Ownership::kMine);
    free_[free_count_++] = static_cast<uint16_t>(index);
    ++stats_.bad_descriptors;
    return Error::kAgain;
  }
  ++stats_.tx_frames;
  if (tx_avail_.Publish()) SignalDriver();
  return kstd::Ok();
}

void Client::Rearm() {
  if (!attached()) return;
  if (os_.Take(to_client_) != 0) ++stats_.notifications_received;
  bool pending = rx_avail_.Arm();
  // Transmit buffers coming back matter only when few are left.
  if (free_count_ <= tx_buffers_ / 4) {
    pending |= tx_free_.Arm();
  } else {
    tx_free_.Disarm();
  }
  if (pending) os_.Signal(to_client_);  // the wait returns at once
}

Client::Stats Client::stats() const {
  Stats s = stats_;
  s.bad_descriptors += tx_avail_.bad() + rx_free_.bad() + tx_free_.bad() + rx_avail_.bad();
  return s;
}

}  // namespace frameproto
