#include "core/ipc/message_packet.h"

#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::ipc {

static_assert(sizeof(MessagePacket) % alignof(Handle) == 0);

namespace {
// DeleteDeferred's list of packets waiting to be deleted, and whether some
// call is draining it. Guarded by g_reap_lock (a leaf lock).
SpinLock g_reap_lock;
MessagePacket* g_reap_head GUARDED_BY(g_reap_lock) = nullptr;
MessagePacket* g_reap_tail GUARDED_BY(g_reap_lock) = nullptr;
bool g_reaping GUARDED_BY(g_reap_lock) = false;
}  // namespace

kstd::Result<MessagePacket*> MessagePacket::Create(uint32_t num_bytes, uint32_t num_handles,
                                                   const SenderInfo& sender, uint32_t txid) {
  if (num_bytes > kMaxMessageBytes || num_handles > kMaxMessageHandles) {
    return kstd::Error::kInvalid;
  }
  // Cannot overflow: both counts are bounded above.
  size_t handles_size = size_t{num_handles} * sizeof(Handle);
  size_t block_size = sizeof(MessagePacket) + handles_size + num_bytes;
  void* block = operator new(block_size, kstd::nothrow);
  if (block == nullptr) return kstd::Error::kNoMemory;

  auto* base = static_cast<uint8_t*>(block);
  auto* handles = reinterpret_cast<Handle*>(base + sizeof(MessagePacket));
  uint8_t* bytes = base + sizeof(MessagePacket) + handles_size;
  for (uint32_t i = 0; i < num_handles; ++i) new (&handles[i]) Handle();
  __builtin_memset(bytes, 0, num_bytes);
  return new (block) MessagePacket(num_bytes, num_handles, sender, txid, handles, bytes);
}

MessagePacket::MessagePacket(uint32_t num_bytes, uint32_t num_handles, const SenderInfo& sender,
                             uint32_t txid, Handle* handles, uint8_t* bytes)
    : sender_(sender),
      txid_(txid),
      num_bytes_(num_bytes),
      num_handles_(num_handles),
      handles_(handles),
      bytes_(bytes) {}

MessagePacket::~MessagePacket() {
  for (uint32_t i = 0; i < num_handles_; ++i) handles_[i].~Handle();
}

void MessagePacket::DeleteDeferred(MessagePacket* packet) {
  if (packet == nullptr) return;
  {
    SpinLockGuard guard(g_reap_lock);
    packet->reap_next_ = nullptr;
    if (g_reap_tail == nullptr) {
      g_reap_head = packet;
    } else {
      g_reap_tail->reap_next_ = packet;
    }
    g_reap_tail = packet;
    if (g_reaping) return;  // an outer call will delete it
    g_reaping = true;
  }
  for (;;) {
    MessagePacket* next;
    {
      SpinLockGuard guard(g_reap_lock);
      next = g_reap_head;
      if (next == nullptr) {
        g_reaping = false;
        return;
      }
      g_reap_head = next->reap_next_;
      if (g_reap_head == nullptr) g_reap_tail = nullptr;
    }
    delete next;  // may call DeleteDeferred again: that only appends
  }
}

void MessagePacket::operator delete(void* block) { ::operator delete(block); }

uint32_t NewTxid() {
  static uint32_t next = 1;
  uint32_t id;
  do {
    id = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED);
  } while (id == 0);
  return id;
}

}  // namespace core::ipc
