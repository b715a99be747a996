#pragma once

// MessagePacket: one channel message — bytes, handles, and who sent it.
//
// One allocation holds the header, the handle array and the bytes
// ([MessagePacket][Handle x num_handles][bytes]), so a message never needs a
// second heap block and cannot be half-built: the common 64-byte, no-handle
// message is one 144-byte allocation (80-byte header). The handles were
// already removed from the sender's table by the syscall layer; the packet
// owns their references until the receiver's syscall moves them into its own
// table, and deleting the packet drops whatever is still inside.
//
// The sender identity is stamped by the kernel at Create (the syscall layer
// passes its own view of the caller); the message bytes never feed it.
//
// Ownership: Create hands the packet to the caller; ChannelEndpoint::Write
// takes it on success; Read gives it back. Free it with `delete packet`, or
// with DeleteDeferred where deletions can nest (see there).

#include <stddef.h>
#include <stdint.h>

#include "core/object/handle_table.h"
#include "core/object/kernel_object.h"
#include "core/sync/spin_lock.h"
#include "kstd/intrusive_list.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core::ipc {

inline constexpr uint32_t kMaxMessageBytes = 65536;
inline constexpr uint32_t kMaxMessageHandles = 64;

/// Who wrote a message, as the kernel saw it.
struct SenderInfo {
  uint64_t pid = 0;
  Koid process_koid = 0;
  Koid thread_koid = 0;
};

/// The size of a message, for reporting to a reader whose buffers are too small.
struct MessageSize {
  uint32_t bytes = 0;
  uint32_t handles = 0;
};

class MessagePacket {
 public:
  /// A packet with room for exactly `num_bytes` bytes (zero-filled) and
  /// `num_handles` empty handles, for the caller to fill. `txid` 0 means
  /// "not part of a call". Errors: kInvalid (more than kMaxMessageBytes or
  /// kMaxMessageHandles), kNoMemory.
  static kstd::Result<MessagePacket*> Create(uint32_t num_bytes, uint32_t num_handles,
                                             const SenderInfo& sender, uint32_t txid = 0);

  ~MessagePacket();
  MessagePacket(const MessagePacket&) = delete;
  MessagePacket& operator=(const MessagePacket&) = delete;
  /// Frees the single block Create allocated (unsized: the block is larger
  /// than sizeof(MessagePacket)).
  static void operator delete(void* block);

  /// Deletes `packet` (null is fine). Dropping the handles inside a packet can
  /// destroy a channel endpoint whose own queued packets are then deleted,
  /// and so on: a chain as long as user space cares to build. Nested calls
  /// only append to a global list that the outermost call (on any CPU) drains,
  /// so the kernel stack stays flat. Takes a leaf spin lock; callable with
  /// any lock held that no object destructor takes.
  static void DeleteDeferred(MessagePacket* packet);

  kstd::Span<uint8_t> bytes() { return {bytes_, num_bytes_}; }
  kstd::Span<const uint8_t> bytes() const { return {bytes_, num_bytes_}; }
  kstd::Span<Handle> handles() { return {handles_, num_handles_}; }
  kstd::Span<const Handle> handles() const { return {handles_, num_handles_}; }
  MessageSize size() const { return {num_bytes_, num_handles_}; }

  const SenderInfo& sender() const { return sender_; }
  uint32_t txid() const { return txid_; }
  /// For the syscall layer (e.g. stamping a kernel-chosen call txid).
  void set_txid(uint32_t txid) { txid_ = txid; }

  /// Link in a channel queue; owned by the channel while the packet is queued.
  kstd::ListNode queue_node;

 private:
  MessagePacket(uint32_t num_bytes, uint32_t num_handles, const SenderInfo& sender, uint32_t txid,
                Handle* handles, uint8_t* bytes);

  const SenderInfo sender_;
  uint32_t txid_;
  const uint32_t num_bytes_;
  const uint32_t num_handles_;
  Handle* const handles_;               // inside the packet's own block
  uint8_t* const bytes_;                // inside the packet's own block
  MessagePacket* reap_next_ = nullptr;  // link in DeleteDeferred's list
};

/// A fresh transaction id for a call the kernel makes or stamps: never 0 (0
/// means "not a call"), unique until the 32-bit counter wraps.
uint32_t NewTxid();

}  // namespace core::ipc
