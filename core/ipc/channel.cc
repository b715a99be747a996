#include "core/ipc/channel.h"

#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::ipc {

kstd::Result<ChannelPair> Channel::CreatePair() {
  kstd::RefPtr<ChannelShared> shared = kstd::AdoptRef(new (kstd::nothrow) ChannelShared());
  if (!shared) return kstd::Error::kNoMemory;
  kstd::RefPtr<ChannelEndpoint> first = kstd::AdoptRef(new (kstd::nothrow) ChannelEndpoint(shared));
  if (!first) return kstd::Error::kNoMemory;
  kstd::RefPtr<ChannelEndpoint> second =
      kstd::AdoptRef(new (kstd::nothrow) ChannelEndpoint(shared));
  if (!second) return kstd::Error::kNoMemory;  // `first` dies alone: peerless, harmless

  first->peer_koid_ = second->koid();
  second->peer_koid_ = first->koid();
  {
    SpinLockGuard guard(shared->lock);
    first->peer_ = second.get();
    second->peer_ = first.get();
    first->RefreshSignalsLocked();
    second->RefreshSignalsLocked();
  }
  return ChannelPair{kstd::Move(first), kstd::Move(second)};
}

ChannelEndpoint::ChannelEndpoint(kstd::RefPtr<ChannelShared> shared)
    : KernelObject(ObjectType::kChannel), shared_(kstd::Move(shared)) {}

ChannelEndpoint::~ChannelEndpoint() { Close(); }

bool ChannelEndpoint::HasRoomLocked() const {
  return queue_.size() < kMaxQueueMessages && queued_bytes_ < kMaxQueueBytes;
}

void ChannelEndpoint::RefreshSignalsLocked() {
  Signals next = 0;
  if (!closed_) {
    if (!queue_.empty()) next |= kSignalReadable;
    if (peer_ == nullptr) {
      next |= kSignalPeerClosed;
    } else if (peer_->HasRoomLocked()) {
      next |= kSignalWritable;
    }
  }
  SpinLockGuard guard(lock_);
  UpdateSignalsLocked(kSignalReadable | kSignalWritable | kSignalPeerClosed, next);
}

namespace {
ChannelEndpoint::ArrivalHook g_arrival_hook = nullptr;
}  // namespace

void ChannelEndpoint::SetArrivalHook(ArrivalHook hook) { g_arrival_hook = hook; }

kstd::Result<void> ChannelEndpoint::Write(MessagePacket* packet) {
  // Decode: everything checkable without the lock.
  if (packet == nullptr) return kstd::Error::kInvalid;
  for (const Handle& handle : packet->handles()) {
    if (!handle.object) return kstd::Error::kInvalid;
    Koid koid = handle.object->koid();
    if (koid == this->koid() || koid == peer_koid_) return kstd::Error::kInvalid;
  }
  uint32_t num_bytes = packet->size().bytes;

  kstd::RefPtr<ChannelEndpoint> receiver;
  {
    SpinLockGuard guard(shared_->lock);
    if (closed_) return kstd::Error::kBadHandle;
    if (peer_ == nullptr) return kstd::Error::kPipe;
    if (!peer_->HasRoomLocked()) return kstd::Error::kAgain;
    peer_->queue_.PushBack(packet);
    peer_->queued_bytes_ += num_bytes;
    __atomic_fetch_add(&peer_->arrivals_, 1, __ATOMIC_ACQ_REL);
    stats_.messages_written++;
    stats_.bytes_written += num_bytes;
    peer_->RefreshSignalsLocked();
    RefreshSignalsLocked();
    if (g_arrival_hook != nullptr) receiver = kstd::RefPtr<ChannelEndpoint>::FromRaw(peer_);
  }
  if (receiver) g_arrival_hook(receiver.get());
  return kstd::Ok();
}

MessagePacket* ChannelEndpoint::FindLocked(uint32_t txid) const {
  if (txid == 0) return queue_.Front();
  return queue_.FindIf([txid](MessagePacket* m) { return m->txid() == txid; });
}

kstd::Result<MessagePacket*> ChannelEndpoint::ReadIfFits(uint32_t txid, MessageSize limit,
                                                         MessageSize* needed) {
  SpinLockGuard guard(shared_->lock);
  if (closed_) return kstd::Error::kBadHandle;
  MessagePacket* packet = FindLocked(txid);
  if (packet == nullptr) return peer_ != nullptr ? kstd::Error::kAgain : kstd::Error::kPipe;
  MessageSize size = packet->size();
  if (size.bytes > limit.bytes || size.handles > limit.handles) {
    if (needed != nullptr) *needed = size;
    return kstd::Error::kTooBig;
  }
  queue_.Remove(packet);
  queued_bytes_ -= size.bytes;
  stats_.messages_read++;
  stats_.bytes_read += size.bytes;
  RefreshSignalsLocked();
  if (peer_ != nullptr) peer_->RefreshSignalsLocked();  // it may be writable again
  return packet;
}

kstd::Result<MessagePacket*> ChannelEndpoint::Read() {
  return ReadIfFits(0, {kMaxMessageBytes, kMaxMessageHandles}, nullptr);
}

kstd::Result<MessagePacket*> ChannelEndpoint::ReadTxid(uint32_t txid) {
  if (txid == 0) return kstd::Error::kInvalid;
  return ReadIfFits(txid, {kMaxMessageBytes, kMaxMessageHandles}, nullptr);
}

kstd::Result<MessageSize> ChannelEndpoint::PeekSize(uint32_t txid) const {
  SpinLockGuard guard(shared_->lock);
  if (closed_) return kstd::Error::kBadHandle;
  MessagePacket* packet = FindLocked(txid);
  if (packet == nullptr) return peer_ != nullptr ? kstd::Error::kAgain : kstd::Error::kPipe;
  return packet->size();
}

void ChannelEndpoint::Close() {
  Queue doomed;
  kstd::RefPtr<ChannelEndpoint> peer;
  {
    SpinLockGuard guard(shared_->lock);
    if (closed_) return;
    closed_ = true;
    if (peer_ != nullptr) {
      peer_->peer_ = nullptr;
      __atomic_fetch_add(&peer_->arrivals_, 1, __ATOMIC_ACQ_REL);
      peer_->RefreshSignalsLocked();
      // The peer may be dying too (its last reference going): take one only
      // if it is still alive.
      if (g_arrival_hook != nullptr && peer_->ref_count() > 0) {
        peer = kstd::RefPtr<ChannelEndpoint>::FromRaw(peer_);
      }
      peer_ = nullptr;
    }
    while (MessagePacket* packet = queue_.PopFront()) doomed.PushBack(packet);
    queued_bytes_ = 0;
    RefreshSignalsLocked();
  }
  if (peer) g_arrival_hook(peer.get());
  // Outside the lock: the handles inside may hold the last reference to
  // anything, including endpoints of this very channel's neighbours.
  while (MessagePacket* packet = doomed.PopFront()) MessagePacket::DeleteDeferred(packet);
}

size_t ChannelEndpoint::queued_messages() const {
  SpinLockGuard guard(shared_->lock);
  return queue_.size();
}

ChannelStats ChannelEndpoint::stats() const {
  SpinLockGuard guard(shared_->lock);
  return stats_;
}

}  // namespace core::ipc
