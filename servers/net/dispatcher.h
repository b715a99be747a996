#pragma once

// Dispatcher: netproto requests to socket operations, and the outgoing batch
// of replies and readiness events (abi/tessera/netproto.h).
//
// Handle() checks a request (magic, op, slot, lengths) and answers it at
// once into the outbox; a malformed request from the kernel is answered
// with EINVAL (never trusted). TakeBatch() hands out the next records to
// deliver: first the readiness of every socket that changed, then the
// replies, so a woken caller sees the state that came with its reply.
//
// Host-testable: no Tessera calls; main.cc moves the bytes (channel reads,
// NetDeliver) and runs lwIP.

#include <stddef.h>
#include <stdint.h>

#include "abi/tessera/netproto.h"
#include "servers/net/socket.h"

namespace netserver {

class Dispatcher {
 public:
  /// `area`: the mapped data area (netproto::kDataAreaSize bytes).
  explicit Dispatcher(uint8_t* area) : area_(area) {}
  ~Dispatcher();

  /// One request message (its bytes as read from the channel) with its txid.
  void Handle(const uint8_t* message, size_t size, uint32_t txid);

  /// Copies up to `max` records to deliver into `out`; returns how many.
  /// Call until it returns 0.
  size_t TakeBatch(netproto::Delivery* out, size_t max);

  /// The kernel went away (channel closed): every socket is closed.
  void CloseAll();

  Sockets& sockets() { return sockets_; }
  uint64_t bad_requests() const { return bad_requests_; }

 private:
  void Reply(uint32_t txid, int result, const netproto::Delivery* body);
  void Push(const netproto::Delivery& d);

  uint8_t* area_;
  Sockets sockets_;
  netproto::Delivery* replies_ = nullptr;  // queued replies (malloc'd)
  size_t reply_count_ = 0;
  size_t reply_capacity_ = 0;
  size_t reply_taken_ = 0;
  uint64_t bad_requests_ = 0;
};

}  // namespace netserver
