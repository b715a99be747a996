#pragma once

// What the kernel's clients of user-space servers share (ChannelTransport
// for file systems, DiskClient for block drivers): a sleeping request lock
// that serializes the users of one shared buffer, and the wait for one reply.

#include <stdint.h>

#include "core/ipc/channel.h"
#include "core/ipc/message_packet.h"
#include "core/sched/scheduler.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::fs {

/// A busy flag and its wait queue. Waits are killable only: a signal does
/// not end them (the caller runs under sched::KillableWaits).
class RequestLock {
 public:
  /// Errors: kInterrupted (the caller is being killed), kIo (`deadline`
  /// passed: the holder is stuck).
  kstd::Result<void> Lock(uint64_t deadline);
  void Unlock();

 private:
  static bool Busy(void* self) {
    return __atomic_load_n(&static_cast<RequestLock*>(self)->busy_, __ATOMIC_ACQUIRE);
  }

  bool busy_ = false;
  sched::WaitQueue waiters_;
};

/// Waits for the message with `txid` on `endpoint`, dropping every other one
/// (stale or unsolicited). Errors: kTimedOut, kInterrupted, kPipe (the other
/// end is closed).
kstd::Result<ipc::MessagePacket*> WaitForTxid(const kstd::RefPtr<ipc::ChannelEndpoint>& endpoint,
                                              uint32_t txid, uint64_t deadline);

/// Waits for (and drops) the reply to request `*abandoned` (one whose caller
/// was killed while it was out, so the peer may still use the shared buffer
/// for it); then sets it to 0. Nothing to do when it is 0. Errors:
/// kInterrupted (this caller is killed too), kIo (no reply: the peer is gone
/// or missed `deadline`; the caller's transport is dead).
kstd::Result<void> DrainAbandoned(const kstd::RefPtr<ipc::ChannelEndpoint>& endpoint,
                                  uint32_t* abandoned, uint64_t deadline);

}  // namespace core::fs
