#include "drivers/virtio_net/bridge.h"

namespace virtio_net {
namespace {

// Rounds of Pump before it yields to the event loop.
constexpr int kPumpRounds = 64;

}  // namespace

void Bridge::Received(uint64_t token, uint32_t length) {
  port_.RxDone(static_cast<uint32_t>(token), length);
}

void Bridge::RxReturned(uint64_t token) { port_.RxReturned(static_cast<uint32_t>(token)); }

void Bridge::Transmitted(uint64_t token) { port_.TxDone(static_cast<uint32_t>(token)); }

kstd::Result<void> Bridge::Attach(frameproto::AttachReply* reply) {
  if (port_.active()) TRY(net_.Init(*this));  // the old session's buffers come back first
  if (!port_.Reset(memory_.rings, memory_.ring_bytes, memory_.layout, net_.link_up())) {
    return kstd::Error::kInvalid;
  }
  *reply = frameproto::AttachReply{};
  reply->magic = frameproto::kMagic;
  reply->op = frameproto::kAttach;
  reply->version = frameproto::kVersion;
  for (int i = 0; i < 6; ++i) reply->mac[i] = net_.info().mac[i];
  reply->mtu = kDefaultMtu;
  reply->flags = net_.link_up() ? frameproto::kLinkUp : 0;
  reply->buffer_bytes = frameproto::kBufferBytes;
  reply->pool_buffers = memory_.layout.pool_buffers;
  reply->rx_buffers = memory_.layout.rx_buffers;
  reply->ring_entries = memory_.layout.ring_entries;
  reply->ring_bytes = memory_.ring_bytes;
  ++stats_.sessions;
  Pump();
  return kstd::Ok();
}

void Bridge::SignalClient() {
  host_.SignalClient();
  ++stats_.client_signals;
}

void Bridge::Recover() {
  ++stats_.recoveries;
  host_.Note("the device failed; resetting it");
  if (net_.Init(*this).is_error()) host_.Note("error: the device did not come back");
}

void Bridge::Pump() {
  PumpRounds();
  PublishFigures();
}

void Bridge::PublishFigures() {
  const virtio_net::Stats& d = net_.stats();
  const frameproto::DriverPort::Stats p = port_.stats();
  frameproto::DriverFigures f{};
  f.tx_frames = p.tx_frames;
  f.tx_wakeups = stats_.client_wakeups;
  f.rx_frames = p.rx_frames;
  f.rx_signals = stats_.client_signals;
  f.interrupts = d.interrupts;
  f.bad_descriptors = p.bad_descriptors;
  f.bad_used_lengths = d.rx_bad_length;
  f.tx_refused = stats_.tx_refused;
  f.recoveries = stats_.recoveries;
  port_.PublishFigures(f);
}

void Bridge::PumpRounds() {
  if (!port_.active() || !net_.ready()) return;
  for (int round = 0; round < kPumpRounds; ++round) {
    uint32_t index = 0, length = 0;
    while (net_.rx_room() > 0 && port_.NextRx(&index)) {
      uint64_t at = memory_.pool_device + uint64_t{index} * frameproto::kBufferBytes;
      if (net_.AddRxBuffer(at, frameproto::kBufferBytes, index).is_error()) {
        port_.RxReturned(index);
        break;
      }
    }
    while (net_.tx_room() > 0 && port_.NextTx(&index, &length)) {
      uint64_t at = memory_.pool_device + uint64_t{index} * frameproto::kBufferBytes;
      if (net_.AddTxFrame(at, length, index).is_error()) {
        ++stats_.tx_refused;
        port_.TxDone(index);  // never sent: the buffer goes back
      } else {
        ++tx_this_wakeup_;
      }
    }
    net_.Kick();
    if (net_.Poll().is_error()) {
      Recover();
      if (!net_.ready()) return;
    }
    if (port_.Flush()) SignalClient();
    if (!port_.Arm(net_.tx_room() > 0, net_.rx_room() > 0)) return;
  }
  host_.SignalSelf();  // still busy: the loop comes back at once
}

void Bridge::OnInterrupt() {
  auto r = net_.HandleInterrupt();
  if (r.is_error() && r.error() == kstd::Error::kIo) Recover();
  if (port_.SetLink(net_.link_up())) {
    host_.Note(net_.link_up() ? "link up" : "link down");
    SignalClient();
  }
  Pump();
}

void Bridge::OnClientNotification() {
  ++stats_.client_wakeups;
  tx_this_wakeup_ = 0;
  Pump();
  if (tx_this_wakeup_ > stats_.max_tx_per_wakeup) stats_.max_tx_per_wakeup = tx_this_wakeup_;
}

}  // namespace virtio_net
