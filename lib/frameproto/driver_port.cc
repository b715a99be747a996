#include "lib/frameproto/driver_port.h"

#include "lib/frameproto/figures.h"

namespace frameproto {

bool DriverPort::Reset(uint8_t* rings, uint64_t ring_bytes, const Layout& layout, bool link_up) {
  header_ = nullptr;
  uint32_t e = layout.ring_entries;
  if (rings == nullptr || layout.pool_buffers == 0 || layout.pool_buffers > kMaxPoolBuffers ||
      layout.rx_buffers >= layout.pool_buffers || e == 0 || e > kMaxRingEntries ||
      (e & (e - 1)) != 0 || e < layout.pool_buffers || ring_bytes < RingObjectBytes(e)) {
    return false;
  }
  for (uint64_t i = 0; i < RingObjectBytes(e); ++i) rings[i] = 0;
  RingSet set = RingSet::At(rings, e);
  tx_avail_.Init(set.control[kTxAvail], set.slots[kTxAvail], e);
  rx_free_.Init(set.control[kRxFree], set.slots[kRxFree], e);
  tx_free_.Init(set.control[kTxFree], set.slots[kTxFree], e);
  rx_avail_.Init(set.control[kRxAvail], set.slots[kRxAvail], e);
  owners_.Reset(layout.pool_buffers, layout.rx_buffers, Ownership::kMine);
  idle_count_ = 0;
  for (uint32_t i = layout.rx_buffers; i > 0; --i)
    idle_[idle_count_++] = static_cast<uint16_t>(i - 1);
  header_ = set.header;
  header_->magic = kMagic;
  header_->version = kVersion;
  header_->link_up = link_up ? 1 : 0;
  header_->link_generation = 0;
  link_up_ = link_up;
  link_generation_ = 0;
  FullFence();
  return true;
}

bool DriverPort::NextTx(uint32_t* index, uint32_t* length) {
  if (!active()) return false;
  Descriptor d;
  bool taken = false;
  bool found = false;
  while (!found && tx_avail_.Pop(&d)) {
    taken = true;
    int64_t i = owners_.Accept(d, kMinFrameBytes, kMaxFrameBytes);
    if (i < 0) {
      ++stats_.bad_descriptors;
      continue;
    }
    owners_.Set(static_cast<uint32_t>(i), Ownership::kLent);
    *index = static_cast<uint32_t>(i);
    *length = d.length;
    ++stats_.tx_frames;
    found = true;
  }
  if (taken) tx_avail_.Release();
  return found;
}

void DriverPort::TxDone(uint32_t index) {
  if (!active() || index >= owners_.buffers() || owners_.owner(index) != Ownership::kLent) return;
  owners_.Set(index, Ownership::kPeer);
  // Cannot be full: the ring holds every buffer of the pool (else the
  // client's head is insane and the buffer is lost to it, counted).
  (void)tx_free_.Push(Descriptor{index * kBufferBytes, 0});
}

bool DriverPort::NextRx(uint32_t* index) {
  if (!active()) return false;
  if (idle_count_ > 0) {
    uint32_t i = idle_[--idle_count_];
    owners_.Set(i, Ownership::kLent);
    *index = i;
    return true;
  }
  Descriptor d;
  bool taken = false;
  bool found = false;
  while (!found && rx_free_.Pop(&d)) {
    taken = true;
    int64_t i = owners_.Accept(d, 0, kBufferBytes);
    if (i < 0) {
      ++stats_.bad_descriptors;
      continue;
    }
    owners_.Set(static_cast<uint32_t>(i), Ownership::kLent);
    *index = static_cast<uint32_t>(i);
    found = true;
  }
  if (taken) rx_free_.Release();
  return found;
}

void DriverPort::RxDone(uint32_t index, uint32_t length) {
  if (!active() || index >= owners_.buffers() || owners_.owner(index) != Ownership::kLent) return;
  if (length == 0 || length > kBufferBytes) {
    RxReturned(index);
    return;
  }
  owners_.Set(index, Ownership::kPeer);
  (void)rx_avail_.Push(Descriptor{index * kBufferBytes, length});
  ++stats_.rx_frames;
}

void DriverPort::RxReturned(uint32_t index) {
  if (!active() || index >= owners_.buffers() || owners_.owner(index) != Ownership::kLent) return;
  owners_.Set(index, Ownership::kMine);
  idle_[idle_count_++] = static_cast<uint16_t>(index);
}

bool DriverPort::Flush() {
  if (!active()) return false;
  bool a = tx_free_.Publish();
  bool b = rx_avail_.Publish();
  return a || b;
}

bool DriverPort::SetLink(bool up) {
  if (!active()) return false;
  // The driver's own copies: the client can write the header too.
  if (up == link_up_) return false;
  link_up_ = up;
  ++link_generation_;
  __atomic_store_n(&header_->link_up, up ? 1u : 0u, __ATOMIC_RELAXED);
  __atomic_store_n(&header_->link_generation, link_generation_, __ATOMIC_RELEASE);
  return true;
}

bool DriverPort::Arm(bool want_tx, bool want_rx) {
  if (!active()) return false;
  bool pending = false;
  if (want_tx) {
    pending |= tx_avail_.Arm();
  } else {
    tx_avail_.Disarm();
  }
  if (want_rx) {
    pending |= rx_free_.Arm() || idle_count_ > 0;
  } else {
    rx_free_.Disarm();
  }
  return pending;
}

void DriverPort::Disarm() {
  if (!active()) return;
  tx_avail_.Disarm();
  rx_free_.Disarm();
}

DriverPort::Stats DriverPort::stats() const {
  Stats s = stats_;
  s.bad_descriptors += tx_avail_.bad() + rx_free_.bad() + tx_free_.bad() + rx_avail_.bad();
  return s;
}

void DriverPort::PublishFigures(const DriverFigures& figures) {
  if (header_ == nullptr) return;
  for (uint64_t DriverFigures::*field : kDriverFigureFields) {
    __atomic_store_n(&(header_->figures.*field), figures.*field, __ATOMIC_RELAXED);
  }
}

}  // namespace frameproto
