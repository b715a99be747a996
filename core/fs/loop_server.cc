#include "core/fs/loop_server.h"

#include "abi/linux/errno.h"
#include "abi/tessera/blkproto.h"
#include "core/ipc/message_packet.h"
#include "core/ipc/wait.h"
#include "core/kernel/log.h"
#include "core/kernel/memory.h"
#include "core/sched/scheduler.h"
#include "core/sched/thread.h"
#include "core/vm/vm_object.h"
#include "hal/memory.h"
#include "kstd/new.h"

namespace core::fs {
namespace {

using ipc::MessagePacket;

constexpr uint64_t kPage = 4096;
constexpr Rights kBufferRights = kRightsBasic | kRightsIo | kRightMap;

struct LoopServer {
  LoopDisk disk;
  kstd::RefPtr<ipc::ChannelEndpoint> endpoint;
  kstd::RefPtr<vm::VmObject> vmo;
  uint8_t* buffer = nullptr;
  uint32_t buffer_bytes = 0;
};

blkproto::Info InfoOf(const LoopServer& s) {
  blkproto::Info info{};
  info.capacity_sectors = s.disk.capacity / blkproto::kSectorSize;
  info.block_size = s.disk.block_size;
  info.max_transfer = s.buffer_bytes != 0 ? s.buffer_bytes : blkproto::kMaxBufferBytes;
  info.flags = blkproto::kInfoFlush | (s.disk.read_only ? blkproto::kInfoReadOnly : 0);
  info.buffer_bytes = s.buffer_bytes;
  return info;
}

void Send(LoopServer& s, const blkproto::Reply& reply, uint32_t txid,
          kstd::RefPtr<KernelObject> handle = nullptr) {
  auto packet = MessagePacket::Create(sizeof reply, handle ? 1 : 0, ipc::SenderInfo{}, txid);
  if (packet.is_error()) return;  // the server then times out: a clean error
  __builtin_memcpy(packet.value()->bytes().data(), &reply, sizeof reply);
  if (handle) packet.value()->handles()[0] = Handle{kstd::Move(handle), kBufferRights};
  if (s.endpoint->Write(packet.value()).is_error()) MessagePacket::DeleteDeferred(packet.value());
}

int32_t Errno(kstd::Error e) { return static_cast<int32_t>(e); }

// kRegister: makes the buffer. Returns the errno to answer.
int32_t Register(LoopServer& s, uint32_t length, kstd::RefPtr<KernelObject>* handle) {
  if (s.vmo) return linux_abi::kEBUSY;
  if (length == 0 || length % kPage != 0 || length > blkproto::kMaxBufferBytes) {
    return linux_abi::kEINVAL;
  }
  uint64_t pages = length / kPage;
  auto run = Pmm().AllocRun(pages);
  if (run.is_error()) return linux_abi::kENOMEM;
  __builtin_memset(hal::PhysToVirt(run.value()), 0, length);
  auto vmo = vm::VmObject::CreateContiguousOwned(&Pmm(), run.value(), pages);
  if (vmo.is_error()) {
    (void)Pmm().FreeRun(run.value(), pages);
    return linux_abi::kENOMEM;
  }
  s.vmo = vmo.release_value();
  s.buffer = static_cast<uint8_t*>(hal::PhysToVirt(s.vmo->physical_base()));
  s.buffer_bytes = length;
  *handle = kstd::RefPtr<KernelObject>(s.vmo);
  return 0;
}

int32_t Validate(const LoopServer& s, const blkproto::Request& r) {
  if (r.op == blkproto::kWrite && s.disk.read_only) return linux_abi::kEROFS;
  if (!s.vmo) return linux_abi::kEBADF;
  uint32_t bs = s.disk.block_size;
  if (r.length == 0 || r.length % bs != 0) return linux_abi::kEINVAL;
  if ((r.sector * blkproto::kSectorSize) % bs != 0) return linux_abi::kEINVAL;
  if (r.offset % blkproto::kSectorSize != 0) return linux_abi::kEINVAL;
  if (r.offset > s.buffer_bytes || r.length > s.buffer_bytes - r.offset) return linux_abi::kEINVAL;
  uint64_t sectors = s.disk.capacity / blkproto::kSectorSize;
  if (r.sector > sectors || r.length / blkproto::kSectorSize > sectors - r.sector) {
    return linux_abi::kEINVAL;
  }
  return 0;
}

// kRead/kWrite through the backing file. Returns the errno to answer.
int32_t Transfer(LoopServer& s, const blkproto::Request& r) {
  uint64_t at = s.disk.offset + r.sector * blkproto::kSectorSize;
  size_t done = 0;
  while (done < r.length) {
    kstd::Result<size_t> n =
        r.op == blkproto::kRead
            ? s.disk.backing->ReadAt(
                  at + done, kstd::Span<uint8_t>(s.buffer + r.offset + done, r.length - done))
            : s.disk.backing->WriteAt(at + done, kstd::Span<const uint8_t>(
                                                     s.buffer + r.offset + done, r.length - done));
    if (n.is_error())
      return n.error() == kstd::Error::kNoSpace ? linux_abi::kENOSPC : linux_abi::kEIO;
    if (n.value() == 0) {
      if (r.op == blkproto::kWrite) return linux_abi::kEIO;
      // The file shrank under the loop: the missing bytes read as zeros.
      __builtin_memset(s.buffer + r.offset + done, 0, r.length - done);
      break;
    }
    done += n.value();
  }
  return 0;
}

void Serve(LoopServer& s, const MessagePacket& packet) {
  blkproto::Reply reply{};
  kstd::RefPtr<KernelObject> handle;
  if (packet.bytes().size() != sizeof(blkproto::Request)) {
    reply.error = linux_abi::kEINVAL;
    Send(s, reply, packet.txid());
    return;
  }
  blkproto::Request r;
  __builtin_memcpy(&r, packet.bytes().data(), sizeof r);
  reply.id = r.id;
  reply.op = r.op;
  switch (r.op) {
    case blkproto::kRegister:
      reply.error = Register(s, r.length, &handle);
      if (reply.error == 0) reply.info = InfoOf(s);
      break;
    case blkproto::kInfo: reply.info = InfoOf(s); break;
    case blkproto::kRead:
    case blkproto::kWrite:
      reply.error = Validate(s, r);
      if (reply.error == 0) reply.error = Transfer(s, r);
      break;
    case blkproto::kFlush: {
      auto synced = s.disk.backing->Sync();
      reply.error = synced.ok() ? 0 : Errno(synced.error());
      break;
    }
    default: reply.error = linux_abi::kENOSYS; break;
  }
  Send(s, reply, packet.txid(), kstd::Move(handle));
}

void ServerLoop(void* arg) {
  LoopServer* s = static_cast<LoopServer*>(arg);
  for (;;) {
    auto packet = s->endpoint->Read();
    if (packet.ok()) {
      Serve(*s, *packet.value());
      MessagePacket::DeleteDeferred(packet.value());
      continue;
    }
    if (packet.error() != kstd::Error::kAgain) break;  // the server closed its end
    kstd::RefPtr<KernelObject> object(s->endpoint);
    Signals wanted = kSignalReadable | kSignalPeerClosed;
    if (ipc::WaitForSignals(&object, &wanted, 1, sched::kNoDeadline, nullptr).is_error()) break;
  }
  s->endpoint->Close();
  uint32_t index = s->disk.index;
  void (*done)(uint32_t) = s->disk.done;
  delete s;
  if (done != nullptr) done(index);
  sched::ExitCurrent();
}

}  // namespace

kstd::Result<kstd::RefPtr<ipc::ChannelEndpoint>> StartLoopServer(LoopDisk disk) {
  ipc::ChannelPair pair = TRY(ipc::Channel::CreatePair());
  LoopServer* s = new (kstd::nothrow) LoopServer{kstd::Move(disk), pair.first, nullptr, nullptr, 0};
  if (s == nullptr) return kstd::Error::kNoMemory;
  char name[16] = "loop";
  name[4] = static_cast<char>('0' + s->disk.index / 10);
  name[5] = static_cast<char>('0' + s->disk.index % 10);
  auto thread = sched::Thread::Create(name, nullptr, ServerLoop, s);
  if (thread.is_error()) {
    s->disk.done = nullptr;
    delete s;
    return thread.error();
  }
  sched::Start(thread.value().get());
  return pair.second;
}

}  // namespace core::fs
