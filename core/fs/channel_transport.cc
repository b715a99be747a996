#include "core/fs/channel_transport.h"

#include "core/ipc/wait.h"
#include "core/kernel/log.h"
#include "core/kernel/memory.h"
#include "hal/memory.h"
#include "kstd/new.h"

namespace core::fs {
namespace {

constexpr uint64_t kBufferPages = fsproto::kDataBufferSize / 4096;
constexpr Rights kBufferRights = kRightsBasic | kRightRead | kRightWrite | kRightMap;

}  // namespace

ChannelTransport::ChannelTransport(kstd::RefPtr<ipc::ChannelEndpoint> endpoint,
                                   kstd::RefPtr<vm::VmObject> buffer, uint64_t timeout_ns)
    : endpoint_(kstd::Move(endpoint)),
      vmo_(kstd::Move(buffer)),
      buffer_(static_cast<uint8_t*>(hal::PhysToVirt(vmo_->physical_base()))),
      timeout_ns_(timeout_ns) {}

kstd::Result<kstd::RefPtr<vm::VmObject>> ChannelTransport::CreateBuffer() {
  auto run = Pmm().AllocRun(kBufferPages);
  if (run.is_error()) return run.error();
  __builtin_memset(hal::PhysToVirt(run.value()), 0, fsproto::kDataBufferSize);
  auto vmo = vm::VmObject::CreateContiguousOwned(&Pmm(), run.value(), kBufferPages);
  if (vmo.is_error()) {
    (void)Pmm().FreeRun(run.value(), kBufferPages);
    return vmo.error();
  }
  return vmo.release_value();
}

kstd::Result<kstd::RefPtr<ChannelTransport>> ChannelTransport::Create(
    kstd::RefPtr<ipc::ChannelEndpoint> endpoint, kstd::RefPtr<vm::VmObject> buffer,
    uint64_t timeout_ns) {
  kstd::RefPtr<ChannelTransport> transport = kstd::AdoptRef(
      new (kstd::nothrow) ChannelTransport(endpoint, kstd::Move(buffer), timeout_ns));
  if (!transport) {
    endpoint->Close();
    return kstd::Error::kNoMemory;
  }
  return transport;
}

kstd::Result<void> ChannelTransport::Call(kstd::Span<const uint8_t> message,
                                          kstd::Span<const uint8_t> data_in, fsproto::Reply* reply,
                                          kstd::Span<uint8_t> data_out) {
  if (dead()) return kstd::Error::kIo;
  if (data_in.size() > fsproto::kDataBufferSize || message.size() < sizeof(fsproto::Request)) {
    return kstd::Error::kInvalid;
  }
  fsproto::Request header;
  __builtin_memcpy(&header, message.data(), sizeof header);
  uint64_t deadline = sched::DeadlineAfterNanos(timeout_ns_);
  // The server's answer is awaited as Linux awaits its disks: a signal does
  // not end the wait (no EINTR from stat or getcwd under an SA_RESTART
  // storm); being killed does, and the mount's deadline bounds it.
  sched::KillableWaits killable;
  TRY(lock_.Lock(deadline));
  auto result = CallLocked(header.op, message, data_in, reply, data_out, deadline);
  lock_.Unlock();
  return result;
}

void ChannelTransport::Post(kstd::Span<const uint8_t> message) {
  if (dead()) return;
  auto packet =
      ipc::MessagePacket::Create(static_cast<uint32_t>(message.size()), 0, ipc::SenderInfo{}, 0);
  if (packet.is_error()) return;
  __builtin_memcpy(packet.value()->bytes().data(), message.data(), message.size());
  if (endpoint_->Write(packet.value()).is_error())
    ipc::MessagePacket::DeleteDeferred(packet.value());
}

kstd::Result<void> ChannelTransport::SendHello() {
  fsproto::Request hello;
  __builtin_memset(&hello, 0, sizeof hello);
  hello.magic = fsproto::kMagic;
  hello.op = fsproto::kHello;
  hello.version = fsproto::kVersion;
  hello.length = fsproto::kDataBufferSize;
  ipc::MessagePacket* packet =
      TRY(ipc::MessagePacket::Create(sizeof hello, 1, ipc::SenderInfo{}, 0));
  __builtin_memcpy(packet->bytes().data(), &hello, sizeof hello);
  packet->handles()[0] = Handle{kstd::RefPtr<KernelObject>(vmo_), kBufferRights};
  auto written = endpoint_->Write(packet);
  if (written.is_error()) ipc::MessagePacket::DeleteDeferred(packet);
  return written;
}

void ChannelTransport::Shut() {
  MarkDead();
  endpoint_->Close();
}

kstd::Result<void> ChannelTransport::CallLocked(uint32_t op, kstd::Span<const uint8_t> message,
                                                kstd::Span<const uint8_t> data_in,
                                                fsproto::Reply* reply, kstd::Span<uint8_t> data_out,
                                                uint64_t deadline) {
  if (auto drained = DrainAbandoned(endpoint_, &abandoned_txid_, deadline); drained.is_error()) {
    if (drained.error() == kstd::Error::kIo) MarkDead();
    return drained.error();
  }
  if (dead()) return kstd::Error::kIo;
  if (!data_in.empty()) __builtin_memcpy(buffer_, data_in.data(), data_in.size());
  uint32_t txid = ipc::NewTxid();
  ipc::MessagePacket* packet = TRY(ipc::MessagePacket::Create(static_cast<uint32_t>(message.size()),
                                                              0, ipc::SenderInfo{}, txid));
  __builtin_memcpy(packet->bytes().data(), message.data(), message.size());
  auto written = endpoint_->Write(packet);
  if (written.is_error()) {
    ipc::MessagePacket::DeleteDeferred(packet);
    if (written.error() != kstd::Error::kAgain) MarkDead();
    return kstd::Error::kIo;
  }
  auto answer = WaitForTxid(endpoint_, txid, deadline);
  if (answer.is_error()) {
    if (answer.error() == kstd::Error::kInterrupted) {
      abandoned_txid_ = txid;
      return kstd::Error::kInterrupted;
    }
    if (answer.error() == kstd::Error::kTimedOut) {
      Log("fs", "server of a mount missed its deadline: the mount now fails with EIO");
    }
    MarkDead();
    return kstd::Error::kIo;
  }
  ipc::MessagePacket* p = answer.value();
  auto checked = vfs::CheckReply(kstd::Span<const uint8_t>(p->bytes().data(), p->bytes().size()),
                                 op, data_out.size(), reply);
  ipc::MessagePacket::DeleteDeferred(p);
  if (checked.is_error()) {
    Log("fs", "malformed reply from a file-system server (op %u): the mount now fails with EIO",
        op);
    MarkDead();
    return kstd::Error::kIo;
  }
  // Copied once, with the length checked against what was asked for.
  if (reply->length != 0) __builtin_memcpy(data_out.data(), buffer_, reply->length);
  return kstd::Ok();
}

}  // namespace core::fs
