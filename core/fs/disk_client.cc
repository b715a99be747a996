#include "core/fs/disk_client.h"

#include "core/ipc/message_packet.h"
#include "core/kernel/log.h"
#include "hal/memory.h"
#include "kstd/new.h"

namespace core::fs {
namespace {

using ipc::MessagePacket;

// The kernel error for a driver's errno (blkproto.h's list).
kstd::Error ErrorOf(int32_t error) {
  switch (error) {
    case linux_abi::kEINVAL: return kstd::Error::kInvalid;
    case linux_abi::kEROFS: return kstd::Error::kReadOnlyFs;
    case linux_abi::kENOMEM: return kstd::Error::kNoMemory;
    default: return kstd::Error::kIo;
  }
}

}  // namespace

kstd::Result<kstd::RefPtr<DiskClient>> DiskClient::Create(
    kstd::RefPtr<ipc::ChannelEndpoint> endpoint) {
  kstd::RefPtr<DiskClient> client = kstd::AdoptRef(new (kstd::nothrow) DiskClient(endpoint));
  if (!client) {
    endpoint->Close();
    return kstd::Error::kNoMemory;
  }
  TRY(client->Register());
  return client;
}

DiskClient::~DiskClient() { endpoint_->Close(); }

bool DiskClient::dead() const {
  return __atomic_load_n(&dead_, __ATOMIC_ACQUIRE) ||
         (endpoint_->signals() & kSignalPeerClosed) != 0;
}

kstd::Result<void> DiskClient::Call(blkproto::Request request, blkproto::Reply* reply,
                                    uint64_t deadline, kstd::RefPtr<KernelObject>* buffer) {
  // A killed caller's request may still move bytes in the buffer: its reply
  // comes first.
  if (auto drained = DrainAbandoned(endpoint_, &abandoned_txid_, deadline); drained.is_error()) {
    if (drained.error() == kstd::Error::kIo) MarkDead();
    return drained.error();
  }
  if (dead()) return kstd::Error::kIo;
  request.id = next_id_++;
  uint32_t txid = ipc::NewTxid();
  MessagePacket* packet = TRY(MessagePacket::Create(sizeof request, 0, ipc::SenderInfo{}, txid));
  __builtin_memcpy(packet->bytes().data(), &request, sizeof request);
  if (auto written = endpoint_->Write(packet); written.is_error()) {
    MessagePacket::DeleteDeferred(packet);
    MarkDead();
    return kstd::Error::kIo;
  }
  auto answer = WaitForTxid(endpoint_, txid, deadline);
  if (answer.is_error()) {
    if (answer.error() == kstd::Error::kInterrupted) {
      abandoned_txid_ = txid;
      return kstd::Error::kInterrupted;
    }
    Log("blk", "a block driver %s: its disk's open files now fail with EIO",
        answer.error() == kstd::Error::kTimedOut ? "missed its deadline" : "went away");
    MarkDead();
    return kstd::Error::kIo;
  }
  MessagePacket* p = answer.value();
  bool well_formed = p->bytes().size() == sizeof(blkproto::Reply);
  if (well_formed) __builtin_memcpy(reply, p->bytes().data(), sizeof *reply);
  well_formed = well_formed && reply->id == request.id && reply->op == request.op &&
                reply->error >= 0 && reply->error <= 4095;
  size_t wanted_handles = (buffer != nullptr && well_formed && reply->error == 0) ? 1 : 0;
  well_formed = well_formed && p->handles().size() == wanted_handles;
  if (well_formed && wanted_handles == 1) *buffer = p->handles()[0].object;
  MessagePacket::DeleteDeferred(p);
  if (!well_formed) {
    Log("blk", "malformed reply from a block driver (op %u): its disk now fails with EIO",
        request.op);
    MarkDead();
    return kstd::Error::kIo;
  }
  if (reply->error != 0) return ErrorOf(reply->error);
  return kstd::Ok();
}

kstd::Result<void> DiskClient::Register() {
  sched::KillableWaits killable;
  uint64_t deadline = sched::DeadlineAfterNanos(kTimeoutNs);
  TRY(lock_.Lock(deadline));
  blkproto::Request request{};
  request.op = blkproto::kRegister;
  request.length = kBufferBytes;
  blkproto::Reply reply{};
  kstd::RefPtr<KernelObject> object;
  auto called = Call(request, &reply, deadline, &object);
  lock_.Unlock();
  if (called.is_error())
    return called.error() == kstd::Error::kInterrupted ? called : kstd::Error::kIo;
  // Only a driver's DMA memory will do: anything else could make the
  // kernel write where it must not.
  vm::VmObject* vmo = object && object->type() == ObjectType::kVmObject
                          ? static_cast<vm::VmObject*>(object.get())
                          : nullptr;
  if (vmo == nullptr || !vmo->is_physical() || !vmo->writable() ||
      vmo->cache_policy() != vm::CachePolicy::kWriteBack || vmo->size() != kBufferBytes ||
      vmo->physical_base() == 0) {
    Log("blk", "a block driver's buffer is not contiguous DMA memory of %u bytes", kBufferBytes);
    MarkDead();
    return kstd::Error::kIo;
  }
  const blkproto::Info& info = reply.info;
  if (info.block_size < blkproto::kSectorSize || info.block_size > 65536 ||
      (info.block_size & (info.block_size - 1)) != 0 || info.capacity_sectors == 0 ||
      info.capacity_sectors > (1ull << 48)) {
    Log("blk", "a block driver reported an impossible geometry");
    MarkDead();
    return kstd::Error::kIo;
  }
  vmo_ = kstd::StaticRefCast<vm::VmObject>(kstd::Move(object));
  buffer_ = static_cast<uint8_t*>(hal::PhysToVirt(vmo_->physical_base()));
  info_ = info;
  return kstd::Ok();
}

kstd::Result<void> DiskClient::CheckRange(uint64_t offset, size_t bytes) const {
  if (bytes == 0 || offset % info_.block_size + bytes > kBufferBytes || offset > capacity_bytes() ||
      bytes > capacity_bytes() - offset) {
    return kstd::Error::kInvalid;
  }
  return kstd::Ok();
}

kstd::Result<void> DiskClient::Transfer(uint32_t op, uint64_t offset, uint32_t at, uint32_t bytes,
                                        uint64_t deadline) {
  blkproto::Request request{};
  request.op = op;
  request.sector = offset / blkproto::kSectorSize;
  request.offset = at;
  request.length = bytes;
  blkproto::Reply reply{};
  return Call(request, &reply, deadline);
}

kstd::Result<void> DiskClient::Read(uint64_t offset, kstd::Span<uint8_t> out) {
  TRY(CheckRange(offset, out.size()));
  uint32_t bs = info_.block_size;
  uint32_t skip = static_cast<uint32_t>(offset % bs);
  uint32_t length = static_cast<uint32_t>((skip + out.size() + bs - 1) / bs * bs);
  sched::KillableWaits killable;
  uint64_t deadline = sched::DeadlineAfterNanos(kTimeoutNs);
  TRY(lock_.Lock(deadline));
  auto done = Transfer(blkproto::kRead, offset - skip, 0, length, deadline);
  if (done.ok()) __builtin_memcpy(out.data(), buffer_ + skip, out.size());
  lock_.Unlock();
  return done;
}

kstd::Result<void> DiskClient::Write(uint64_t offset, kstd::Span<const uint8_t> in) {
  TRY(CheckRange(offset, in.size()));
  if (read_only()) return kstd::Error::kReadOnlyFs;
  uint32_t bs = info_.block_size;
  uint32_t skip = static_cast<uint32_t>(offset % bs);
  uint32_t length = static_cast<uint32_t>((skip + in.size() + bs - 1) / bs * bs);
  uint64_t start = offset - skip;
  bool head_partial = skip != 0;
  bool tail_partial = (skip + in.size()) % bs != 0;
  sched::KillableWaits killable;
  uint64_t deadline = sched::DeadlineAfterNanos(kTimeoutNs);
  TRY(lock_.Lock(deadline));
  // The bytes of partly covered blocks that the write keeps.
  kstd::Result<void> done = kstd::Ok();
  if (head_partial) done = Transfer(blkproto::kRead, start, 0, bs, deadline);
  if (done.ok() && tail_partial && (length > bs || !head_partial)) {
    done = Transfer(blkproto::kRead, start + length - bs, length - bs, bs, deadline);
  }
  if (done.ok()) {
    __builtin_memcpy(buffer_ + skip, in.data(), in.size());
    done = Transfer(blkproto::kWrite, start, 0, length, deadline);
  }
  lock_.Unlock();
  return done;
}

kstd::Result<void> DiskClient::Flush() {
  sched::KillableWaits killable;
  uint64_t deadline = sched::DeadlineAfterNanos(kTimeoutNs);
  TRY(lock_.Lock(deadline));
  auto done = Transfer(blkproto::kFlush, 0, 0, 0, deadline);
  lock_.Unlock();
  return done;
}

}  // namespace core::fs
