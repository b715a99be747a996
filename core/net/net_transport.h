#pragma once

// NetTransport: the kernel's side of netproto (abi/tessera/netproto.h), the
// link to the network server behind AF_INET and AF_INET6 sockets.
//
// One transport per registration (NetServe): the kernel's channel end, the
// 2 MiB data area (a physically contiguous memory object the server maps;
// the kernel reaches it through the direct map) and the sockets made while
// it was current. Many calls are in flight at once: each takes a slot of the
// data area when it carries bytes, writes one request with a fresh txid and
// waits (killably: the server answers at once, never holds a call) until the
// server's NetDeliver hands in the reply.
//
// Death. When the server's end closes (it exited or crashed) or a newer
// server registers, the transport is dead: every waiting call ends with
// ECONNRESET, every socket made on it turns readable, writable and in error
// (ECONNRESET), and new calls fail at once. A reply that misses the deadline
// (10 s) also kills it (logged): a server that stops answering is as good as
// gone. Sockets made after a new server registered use the new transport.
//
// Hostile input. Every record is checked: a reply for a txid nobody waits
// for, a length past the request's slot, an address longer than a
// sockaddr_in6, an errno outside the set a socket call may return, an event
// for an unknown socket: each is dropped and counted (bad_records()).
//
// Locks: lock_ (a spin lock) guards the pending calls, the slots and the
// socket list; it is taken before a socket's object lock (events), never
// while writing to the channel. The endpoint observer (peer closed) runs
// under the endpoint's lock and takes lock_ then socket locks.

#include <stddef.h>
#include <stdint.h>

#include "abi/tessera/netproto.h"
#include "core/ipc/channel.h"
#include "core/object/kernel_object.h"
#include "core/sched/scheduler.h"
#include "core/sync/spin_lock.h"
#include "core/sync/thread_annotations.h"
#include "core/vm/vm_object.h"
#include "kstd/intrusive_list.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core::net {

/// What a socket served by the network server hears from the transport.
class RemoteSocketLink {
 public:
  /// The server's readiness bits (netproto::Readiness) for this socket; on
  /// the transport's death, kReadable|kWritable|kError|kHangup.
  virtual void OnReadiness(uint64_t readiness) = 0;
  uint64_t remote_id = 0;
  kstd::ListNode link_node;

 protected:
  ~RemoteSocketLink() = default;
};

class NetTransport final : public kstd::RefCounted<NetTransport>, private SignalObserver {
 public:
  /// A transport over `endpoint` (the server holds the other end), with a
  /// fresh data area, and sends kHello. Errors: kNoMemory, kPipe.
  static kstd::Result<kstd::RefPtr<NetTransport>> Create(
      kstd::RefPtr<ipc::ChannelEndpoint> endpoint);
  ~NetTransport();

  /// The transport new sockets use (null before a server registered).
  static kstd::RefPtr<NetTransport> Current();
  /// Makes `transport` the current one; the previous one dies.
  static void Install(kstd::RefPtr<NetTransport> transport);

  /// One call: fills in magic, slot and txid, copies `in` into the slot,
  /// waits for the reply and copies its bytes (at most out.size()) into
  /// `out`. `request.length` is set from in/out. Errors: kConnectionReset
  /// (dead, or died meanwhile), kInterrupted (the caller is being killed),
  /// kNoMemory; the server's own answer is in the returned Delivery's
  /// `result` (use ErrorOf).
  kstd::Result<netproto::Delivery> Call(netproto::Request& request, kstd::Span<const uint8_t> in,
                                        kstd::Span<uint8_t> out);
  /// A request that wants no reply (kClose).
  void Post(const netproto::Request& request);

  /// NetDeliver: applies a batch of records (see the file comment).
  void Deliver(const netproto::Delivery* records, size_t count);

  /// Whether `endpoint` is the server's end of this transport's channel.
  bool IsServerEnd(const ipc::ChannelEndpoint& endpoint) const {
    return endpoint.peer_koid() == endpoint_->koid();
  }

  bool dead() const { return __atomic_load_n(&dead_, __ATOMIC_ACQUIRE); }
  uint64_t bad_records() const { return __atomic_load_n(&bad_records_, __ATOMIC_RELAXED); }

  /// A new socket id (never 0, never reused).
  uint64_t NewSocketId() { return __atomic_add_fetch(&next_socket_id_, 1, __ATOMIC_RELAXED); }
  /// Socket registry for events; a dead transport reports the death at once.
  void Attach(RemoteSocketLink* socket);
  void Detach(RemoteSocketLink* socket);

  /// A server's errno as a kstd error, or kIo for a value no socket call
  /// returns (a hostile or broken server).
  static kstd::Error ErrorOf(int32_t result);

 private:
  // One call waiting for its reply. Heap-allocated: a caller that is killed
  // leaves it behind (abandoned) until the reply comes, so its slot is not
  // reused while the server may still write into it.
  struct Pending {
    uint32_t txid = 0;
    uint32_t slot = netproto::kNoSlot;
    uint32_t out_room = 0;
    bool done = false;
    bool abandoned = false;
    netproto::Delivery reply{};
    kstd::ListNode node;
  };

  NetTransport(kstd::RefPtr<ipc::ChannelEndpoint> endpoint, kstd::RefPtr<vm::VmObject> area);
  void OnSignalsChanged(Signals signals) override;
  void Kill(const char* why);
  void KillLocked() REQUIRES(lock_);
  kstd::Result<uint32_t> TakeSlot(uint64_t deadline);
  void GiveSlot(uint32_t slot);
  kstd::Result<void> WritePacket(const netproto::Request& request, uint32_t txid,
                                 uint64_t deadline);
  void ApplyReply(const netproto::Delivery& d) REQUIRES(lock_);
  void ApplyEvent(const netproto::Delivery& d) REQUIRES(lock_);
  void Drop(const char* what);

  kstd::RefPtr<ipc::ChannelEndpoint> endpoint_;
  kstd::RefPtr<vm::VmObject> area_;
  uint8_t* area_bytes_;
  mutable SpinLock lock_;
  kstd::IntrusiveList<Pending, &Pending::node> pending_ GUARDED_BY(lock_);
  kstd::IntrusiveList<RemoteSocketLink, &RemoteSocketLink::link_node> sockets_ GUARDED_BY(lock_);
  uint32_t free_slots_ GUARDED_BY(lock_) = 0xffffffffu;
  sched::WaitQueue replies_;
  sched::WaitQueue slot_waiters_;
  bool dead_ = false;
  bool observing_ = false;
  uint64_t bad_records_ = 0;
  uint64_t next_socket_id_ = 0;
};

}  // namespace core::net
