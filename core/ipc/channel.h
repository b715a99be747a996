#pragma once

// Channels: bidirectional message pipes made of two ChannelEndpoints. Writing
// on one endpoint queues the message on the other; nothing ever blocks (a
// blocking read or call waits on the signals below through a SignalObserver).
//
// Signals of an endpoint:
//   kSignalReadable    its queue holds a message
//   kSignalWritable    the peer exists and the peer's queue has room
//   kSignalPeerClosed  the peer is gone (set for good)
//
// Shared lock, raw peer pointers. Each endpoint holds a RefPtr to a small
// ChannelShared block that owns one SpinLock for the pair; the endpoints point
// at each other with raw pointers guarded by that lock. There is no RefPtr
// cycle, so an endpoint dies when its last reference (handle, message, wait)
// goes away; its destructor (or an earlier Close) clears both peer pointers
// under the shared lock, so a peer pointer is never used after its endpoint is
// freed. One lock for both ends makes Write (my signals + peer's queue and
// signals) and Read (my queue + peer's writability) atomic with no lock
// ordering between endpoints.
//
// Lock order: ChannelShared::lock -> each endpoint's KernelObject::lock_
// (taken only to update signals). Messages, and so the references inside
// them, are never freed with either lock held.
//
// Message lifetime: a closed endpoint's queued messages are freed together
// with the handles they carry. Frees are deferred through a global reaper list,
// so a chain of channels queued inside each other is freed iteratively, not
// by recursion on the kernel stack. A message may not carry a handle to either
// endpoint of the channel it is written to (that would let an endpoint keep
// itself alive); longer cycles (A queued in C, C queued in A) are not detected
// and leak, as in Zircon.

#include <stddef.h>
#include <stdint.h>

#include "core/ipc/message_packet.h"
#include "core/object/kernel_object.h"
#include "core/sync/spin_lock.h"
#include "kstd/intrusive_list.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::ipc {

inline constexpr size_t kMaxQueueMessages = 512;
/// A queue accepts writes while it holds fewer bytes than this (so the last
/// accepted message may overshoot it by up to kMaxMessageBytes).
inline constexpr size_t kMaxQueueBytes = 1 << 20;

/// Per-endpoint accounting (messages and bytes through this endpoint).
struct ChannelStats {
  uint64_t messages_written = 0;
  uint64_t bytes_written = 0;
  uint64_t messages_read = 0;
  uint64_t bytes_read = 0;
};

class ChannelEndpoint;

struct ChannelPair {
  kstd::RefPtr<ChannelEndpoint> first;
  kstd::RefPtr<ChannelEndpoint> second;
};

class Channel {
 public:
  /// Two connected endpoints, both writable. Errors: kNoMemory.
  static kstd::Result<ChannelPair> CreatePair();
};

/// The lock both endpoints of a channel share (see the file comment).
struct ChannelShared : kstd::RefCounted<ChannelShared> {
  SpinLock lock;
};

class ChannelEndpoint final : public KernelObject {
 public:
  ~ChannelEndpoint() override;

  /// Queues `packet` on the peer and takes ownership of it. On error the
  /// packet stays with the caller (e.g. to give its handles back).
  /// Errors: kInvalid (packet is null, carries a null handle, or carries a
  /// handle to either endpoint of this channel), kBadHandle (this endpoint
  /// was closed), kPipe (the peer is closed), kAgain (the peer's queue is full:
  /// kMaxQueueMessages messages or kMaxQueueBytes bytes; wait for
  /// kSignalWritable). Size limits are enforced by MessagePacket::Create.
  kstd::Result<void> Write(MessagePacket* packet);

  /// Dequeues the oldest message; the caller owns it.
  /// Errors: kBadHandle (closed), kAgain (queue empty, peer alive),
  /// kPipe (queue empty and the peer is closed: nothing will ever arrive).
  kstd::Result<MessagePacket*> Read();

  /// Dequeues the oldest message whose txid is `txid` (a call's reply),
  /// leaving the others in order. Errors: kInvalid (txid 0), kBadHandle,
  /// kAgain (no such message yet), kPipe (none and the peer is closed).
  kstd::Result<MessagePacket*> ReadTxid(uint32_t txid);

  /// Read (txid 0) or ReadTxid, but only if the message fits in `limit`;
  /// otherwise it stays queued, its size goes to *needed (if not null) and the
  /// error is kTooBig. Other errors as Read/ReadTxid. Use this rather than
  /// PeekSize + Read when another thread may read the same endpoint.
  kstd::Result<MessagePacket*> ReadIfFits(uint32_t txid, MessageSize limit, MessageSize* needed);

  /// The size of the message Read (txid 0) or ReadTxid(txid) would return.
  /// Errors: kBadHandle, kAgain, kPipe as for Read/ReadTxid.
  kstd::Result<MessageSize> PeekSize(uint32_t txid = 0) const;

  /// Closes this endpoint: the peer loses kSignalWritable and gains
  /// kSignalPeerClosed (it can still drain its queue); this endpoint's queued
  /// messages and the handles in them are freed. Idempotent; the destructor
  /// calls it, so the syscall layer need only call it if it closes an endpoint
  /// while other references (e.g. a pending wait) keep the object alive.
  void Close();

  /// The other endpoint's koid (kept after the peer closes).
  Koid peer_koid() const { return peer_koid_; }
  /// Messages queued on this endpoint (waiting to be read here).
  size_t queued_messages() const;

  /// Counts messages that arrived on this endpoint and changes of its peer
  /// (closed); a waiter for one particular message (a call's reply) samples it,
  /// checks the queue, and sleeps only while it is unchanged.
  uint64_t arrivals() const { return __atomic_load_n(&arrivals_, __ATOMIC_ACQUIRE); }

  /// Called (with no lock held) after every arrival or peer change on any
  /// endpoint, so the kernel can wake reply waiters. Null in host tests.
  using ArrivalHook = void (*)(ChannelEndpoint* endpoint);
  static void SetArrivalHook(ArrivalHook hook);
  ChannelStats stats() const;

 private:
  friend class Channel;
  using Queue = kstd::IntrusiveList<MessagePacket, &MessagePacket::queue_node>;

  explicit ChannelEndpoint(kstd::RefPtr<ChannelShared> shared);

  /// The message a read with `txid` would take, or nullptr. Caller holds the shared lock.
  MessagePacket* FindLocked(uint32_t txid) const;
  /// Whether this endpoint's queue accepts another message. Caller holds the shared lock.
  bool HasRoomLocked() const;
  /// Recomputes this endpoint's signals from the channel state. Caller holds
  /// the shared lock; takes lock_.
  void RefreshSignalsLocked();

  const kstd::RefPtr<ChannelShared> shared_;
  Koid peer_koid_ = 0;  // set once by CreatePair

  // Guarded by shared_->lock:
  ChannelEndpoint* peer_ = nullptr;  // null once either side closed
  bool closed_ = false;
  Queue queue_;  // messages written by the peer, oldest first
  size_t queued_bytes_ = 0;
  ChannelStats stats_;
  uint64_t arrivals_ = 0;
};

}  // namespace core::ipc
