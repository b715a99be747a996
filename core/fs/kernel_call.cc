#include "core/fs/kernel_call.h"

#include "core/ipc/wait.h"

namespace core::fs {

kstd::Result<void> RequestLock::Lock(uint64_t deadline) {
  while (__atomic_exchange_n(&busy_, true, __ATOMIC_ACQUIRE)) {
    sched::WakeReason why = waiters_.WaitIf(deadline, Busy, this);
    if (why == sched::WakeReason::kInterrupted) {
      if (!sched::InterruptEndsWait()) continue;  // a signal: keep waiting (killable)
      return kstd::Error::kInterrupted;
    }
    if (why == sched::WakeReason::kTimedOut) return kstd::Error::kIo;
  }
  return kstd::Ok();
}

void RequestLock::Unlock() {
  __atomic_store_n(&busy_, false, __ATOMIC_RELEASE);
  waiters_.WakeAll();
}

kstd::Result<ipc::MessagePacket*> WaitForTxid(const kstd::RefPtr<ipc::ChannelEndpoint>& endpoint,
                                              uint32_t txid, uint64_t deadline) {
  for (;;) {
    auto packet = endpoint->Read();
    if (packet.ok()) {
      if (packet.value()->txid() == txid) return packet.value();
      ipc::MessagePacket::DeleteDeferred(packet.value());
      continue;
    }
    if (packet.error() != kstd::Error::kAgain) return kstd::Error::kPipe;
    kstd::RefPtr<KernelObject> object(endpoint);
    Signals wanted = kSignalReadable | kSignalPeerClosed;
    TRY(ipc::WaitForSignals(&object, &wanted, 1, deadline, nullptr));
  }
}

kstd::Result<void> DrainAbandoned(const kstd::RefPtr<ipc::ChannelEndpoint>& endpoint,
                                  uint32_t* abandoned, uint64_t deadline) {
  if (*abandoned == 0) return kstd::Ok();
  auto old = WaitForTxid(endpoint, *abandoned, deadline);
  if (old.is_error()) {
    return old.error() == kstd::Error::kInterrupted ? kstd::Error::kInterrupted : kstd::Error::kIo;
  }
  ipc::MessagePacket::DeleteDeferred(old.value());
  *abandoned = 0;
  return kstd::Ok();
}

}  // namespace core::fs
