// The mount agent (mount_agent.h) and its registration, MountAgentRegister.
//
// Rights rule: MountAgentRegister needs a kVfsMount object with kRightManage
// (init's "vfs" bootstrap handle) plus a channel end with read and write
// rights, which moves into the kernel. A new registration replaces the old
// one (whose end is closed).
//
// Lock order: g_agent_lock (a spin lock: the registration and the slots) is
// never held while sleeping, allocating or dropping a vnode reference; the
// request lock (busy flag + wait queue) is taken without it.

#include "core/syscall/mount_agent.h"

#include "abi/tessera/mountproto.h"
#include "core/fs/block_file.h"
#include "core/ipc/channel.h"
#include "core/kernel/log.h"
#include "core/sched/scheduler.h"
#include "core/syscall/sys_common.h"
#include "klog/format.h"
#include "kstd/new.h"
#include "kstd/string.h"
#include "kstd/utility.h"

namespace core::syscall {
namespace {

using ipc::ChannelEndpoint;
using ipc::MessagePacket;

constexpr uint64_t kAgentTimeoutNs = 120'000'000'000ULL;
constexpr size_t kMaxSlots = 8;

enum class SlotState : uint8_t {
  kFree,
  kPending,  // mount(2) waits; a server may claim it
  kClaimed,  // a server's fs_mount is attaching there
  kMounted,  // done: the record keeps the disk busy until umount2
};

struct Slot {
  SlotState state = SlotState::kFree;
  bool caller_gone = false;  // mount(2) returned while a server was attaching
  uint32_t id = 0;
  const void* disk = nullptr;  // identity: a pci::Function or a loop device
  kstd::RefPtr<vfs::Vnode> dir;
  kstd::RefPtr<vfs::MountNamespace> ns;  // mount(2)'s caller's, while pending or claimed
  char* path = nullptr;                  // kMaxPathLength + 1 bytes while pending or claimed
  size_t path_length = 0;
  char source[32] = {};
  uint32_t flags = 0;
  const vfs::FileSystem* fs = nullptr;  // kMounted: identity only
};

SpinLock g_agent_lock;
kstd::RefPtr<ChannelEndpoint> g_agent;  // guarded by g_agent_lock
Slot g_slots[kMaxSlots];                // guarded by g_agent_lock
uint32_t g_next_id = 1;                 // guarded by g_agent_lock

// One request at a time waits for the agent.
bool g_requesting = false;
sched::WaitQueue g_request_waiters;

bool Requesting(void*) { return __atomic_load_n(&g_requesting, __ATOMIC_ACQUIRE); }

kstd::Result<void> LockRequests(uint64_t deadline) {
  while (__atomic_exchange_n(&g_requesting, true, __ATOMIC_ACQUIRE)) {
    sched::WakeReason why = g_request_waiters.WaitIf(deadline, Requesting, nullptr);
    if (why == sched::WakeReason::kInterrupted) return kstd::Error::kInterrupted;
    if (why == sched::WakeReason::kTimedOut) return kstd::Error::kTimedOut;
  }
  return kstd::Ok();
}

void UnlockRequests() {
  __atomic_store_n(&g_requesting, false, __ATOMIC_RELEASE);
  g_request_waiters.WakeAll();
}

Slot* FindSlot(uint32_t id) {
  for (Slot& s : g_slots) {
    if (s.state != SlotState::kFree && s.id == id) return &s;
  }
  return nullptr;
}

// What a freed slot held, dropped after g_agent_lock is released.
struct Dropped {
  kstd::RefPtr<vfs::Vnode> dir;
  kstd::RefPtr<vfs::MountNamespace> ns;
  char* path = nullptr;
  ~Dropped() { delete[] path; }
};

void FreeSlot(Slot* s, Dropped* out) {
  out->dir = kstd::Move(s->dir);
  out->ns = kstd::Move(s->ns);
  out->path = s->path;
  *s = Slot{};
}

void CopyName(char* out, size_t size, vfs::Name name) {
  size_t n = name.size() < size - 1 ? name.size() : size - 1;
  __builtin_memcpy(out, name.data(), n);
  out[n] = '\0';
}

// Waits for the reply to request `id` on `agent`; returns the errno it
// carries. With `channel`, a reply of 0 must carry exactly one handle, a
// channel end, which lands there; otherwise a reply must carry none.
// Errors: kTimedOut, kInterrupted, kIo (malformed, or the agent closed its
// end).
kstd::Result<int32_t> WaitReply(const kstd::RefPtr<ChannelEndpoint>& agent, uint32_t id,
                                uint64_t deadline, kstd::RefPtr<ChannelEndpoint>* channel) {
  for (;;) {
    auto packet = agent->Read();
    if (packet.ok()) {
      MessagePacket* p = packet.value();
      if (p->txid() != id) {  // a late answer to a request that gave up
        MessagePacket::DeleteDeferred(p);
        continue;
      }
      int32_t error = mountproto::DecodeReply(p->bytes().data(), p->bytes().size(), id);
      size_t handles = (error == 0 && channel != nullptr) ? 1 : 0;
      if (error >= 0 && p->handles().size() != handles) error = -1;
      if (error == 0 && handles == 1) {
        kstd::RefPtr<KernelObject> object = kstd::Move(p->handles()[0].object);
        if (object && object->type() == ObjectType::kChannel) {
          *channel = kstd::StaticRefCast<ChannelEndpoint>(kstd::Move(object));
        } else {
          error = -1;
        }
      }
      MessagePacket::DeleteDeferred(p);
      if (error < 0) {
        Log("mount", "the mount agent's answer to request %u is malformed", id);
        return kstd::Error::kIo;
      }
      return error;
    }
    if (packet.error() != kstd::Error::kAgain) return kstd::Error::kIo;
    kstd::RefPtr<KernelObject> object(agent);
    Signals wanted = kSignalReadable | kSignalPeerClosed;
    Signals observed = 0;
    TRY(WaitForSignals(&object, &wanted, 1, deadline, &observed));
    if ((observed & kSignalPeerClosed) && !(observed & kSignalReadable)) return kstd::Error::kIo;
  }
}

// Sends request `id` (with `attach`, a channel end for the agent, if any)
// and waits for its answer (serialized with the others); `channel` as
// WaitReply.
kstd::Result<int32_t> AskAgent(const kstd::RefPtr<ChannelEndpoint>& agent,
                               const mountproto::Request& request,
                               kstd::RefPtr<ChannelEndpoint>* channel = nullptr,
                               kstd::RefPtr<ChannelEndpoint> attach = nullptr) {
  uint64_t deadline = sched::DeadlineAfterNanos(kAgentTimeoutNs);
  TRY(LockRequests(deadline));
  MessagePacket* packet = nullptr;
  auto made = MessagePacket::Create(sizeof request, attach ? 1 : 0, ipc::SenderInfo{}, request.id);
  if (made.is_error()) {
    UnlockRequests();
    return made.error();
  }
  packet = made.value();
  if (attach) {
    // The rights of a channel end channel_create makes.
    packet->handles()[0] =
        Handle{kstd::RefPtr<KernelObject>(kstd::Move(attach)), kRightsBasic | kRightsIo};
  }
  __builtin_memcpy(packet->bytes().data(), &request, sizeof request);
  if (auto written = agent->Write(packet); written.is_error()) {
    MessagePacket::DeleteDeferred(packet);
    UnlockRequests();
    return kstd::Error::kNoDevice;  // the agent is gone
  }
  auto answer = WaitReply(agent, request.id, deadline, channel);
  UnlockRequests();
  return answer;
}

}  // namespace

kstd::Result<void> MountThroughAgent(const AgentMount& mount) {
  const void* disk =
      mount.function != nullptr ? static_cast<const void*>(mount.function) : mount.loop_identity;
  if (disk == nullptr || !mount.dir || !mount.ns) return kstd::Error::kInvalid;
  if (mount.function == nullptr && !mount.loop_channel) return kstd::Error::kInvalid;
  if (mount.path.size() > vfs::kMaxPathLength) return kstd::Error::kNameTooLong;
  char* path = new (kstd::nothrow) char[vfs::kMaxPathLength + 1];
  if (path == nullptr) return kstd::Error::kNoMemory;
  __builtin_memcpy(path, mount.path.data(), mount.path.size());
  path[mount.path.size()] = '\0';

  // Decode: an agent, the disk not in use by an agent mount, a free slot.
  kstd::RefPtr<ChannelEndpoint> agent;
  uint32_t id = 0;
  kstd::Result<void> admitted = kstd::Ok();
  {
    SpinLockGuard guard(g_agent_lock);
    Slot* free_slot = nullptr;
    for (Slot& s : g_slots) {
      if (s.state == SlotState::kFree) {
        if (free_slot == nullptr) free_slot = &s;
      } else if (s.disk == disk) {
        admitted = kstd::Error::kBusy;
      }
    }
    // A disk open through its node is not mounted (Linux: exclusive use).
    if (mount.function != nullptr && fs::DiskOpenThroughNode(mount.function)) {
      admitted = kstd::Error::kBusy;
    }
    if (!g_agent || (g_agent->signals() & kSignalPeerClosed)) {
      admitted = kstd::Error::kNoDevice;
    } else if (admitted.ok() && free_slot == nullptr) {
      admitted = kstd::Error::kNoSpace;
    }
    if (admitted.ok()) {
      agent = g_agent;
      do {
        id = g_next_id++;
      } while (id == 0);
      free_slot->state = SlotState::kPending;
      free_slot->id = id;
      free_slot->disk = disk;
      free_slot->dir = mount.dir;
      free_slot->ns = mount.ns;
      free_slot->path = path;
      free_slot->path_length = mount.path.size();
      CopyName(free_slot->source, sizeof free_slot->source, mount.source);
      free_slot->flags = mount.flags;
      path = nullptr;
    }
  }
  delete[] path;
  if (admitted.is_error()) return admitted.error();

  // Invoke: ask, then settle the slot by what actually happened.
  char fstype[16], source[32];
  CopyName(fstype, sizeof fstype, mount.fstype);
  CopyName(source, sizeof source, mount.source);
  uint32_t flags = (mount.flags & vfs::kMountReadOnly) ? mountproto::kReadOnly : 0;
  kstd::Result<int32_t> answer = kstd::Error::kInvalid;
  if (mount.function != nullptr) {
    const pci::Function& f = *mount.function;
    answer = AskAgent(
        agent, mountproto::MakeRequest(id, f.bus, f.device, f.function, flags, fstype, source));
  } else {
    answer = AskAgent(
        agent,
        mountproto::MakeRequest(id, 0, 0, 0, flags | mountproto::kWithChannel, fstype, source),
        nullptr, mount.loop_channel);
  }
  kstd::Result<void> result = kstd::Ok();
  Dropped dropped;
  {
    SpinLockGuard guard(g_agent_lock);
    Slot* s = FindSlot(id);
    SlotState state = s != nullptr ? s->state : SlotState::kFree;
    if (state == SlotState::kMounted) {
      result = kstd::Ok();  // the server is mounted there, whatever the answer
    } else if (answer.is_error()) {
      result = answer.error();
    } else if (answer.value() == 0) {
      result = kstd::Error::kIo;  // "mounted", but no server attached
    } else {
      // An errno from the agent; never one of the kernel's restart codes.
      int32_t e = answer.value();
      result = e < static_cast<int32_t>(kstd::Error::kRestartSys) ? static_cast<kstd::Error>(e)
                                                                  : kstd::Error::kIo;
    }
    if (state == SlotState::kPending) {
      FreeSlot(s, &dropped);
    } else if (state == SlotState::kClaimed) {
      s->caller_gone = true;  // FinishPendingMount settles it
    }
  }
  if (answer.ok() && answer.value() == 0 && result.is_error()) {
    Log("mount", "the mount agent said %s is mounted, but no server attached", source);
  }
  return result;
}

kstd::Result<kstd::RefPtr<ChannelEndpoint>> BlockClientThroughAgent(const pci::Function* disk,
                                                                    bool read_only) {
  if (disk == nullptr) return kstd::Error::kInvalid;
  kstd::RefPtr<ChannelEndpoint> agent;
  uint32_t id = 0;
  {
    SpinLockGuard guard(g_agent_lock);
    if (!g_agent || (g_agent->signals() & kSignalPeerClosed)) return kstd::Error::kNoDevice;
    // A disk mounted through the agent is its server's to write.
    for (const Slot& s : g_slots) {
      if (!read_only && s.state != SlotState::kFree && s.disk == disk) return kstd::Error::kBusy;
    }
    agent = g_agent;
    do {
      id = g_next_id++;
    } while (id == 0);
  }
  char source[32];
  klog::Format(source, sizeof source, "PCI %02x:%02x.%x", disk->bus, disk->device, disk->function);
  kstd::RefPtr<ChannelEndpoint> channel;
  int32_t error = TRY(AskAgent(
      agent,
      mountproto::MakeRequest(id, disk->bus, disk->device, disk->function,
                              mountproto::kBlockClient | (read_only ? mountproto::kReadOnly : 0),
                              "block", source),
      &channel));
  if (error != 0) {
    return error < static_cast<int32_t>(kstd::Error::kRestartSys) ? static_cast<kstd::Error>(error)
                                                                  : kstd::Error::kIo;
  }
  return channel;
}

kstd::Result<void> ClaimPendingMount(uint32_t id, ClaimedMount* out) {
  char* path = new (kstd::nothrow) char[vfs::kMaxPathLength + 1];
  if (path == nullptr) return kstd::Error::kNoMemory;
  SpinLockGuard guard(g_agent_lock);
  Slot* s = id != 0 ? FindSlot(id) : nullptr;
  if (s == nullptr || s->state == SlotState::kMounted) {
    delete[] path;  // (no vnode is dropped here)
    return kstd::Error::kNotFound;
  }
  if (s->state == SlotState::kClaimed) {
    delete[] path;
    return kstd::Error::kBusy;
  }
  s->state = SlotState::kClaimed;
  out->dir = s->dir;
  out->ns = s->ns;
  __builtin_memcpy(path, s->path, s->path_length + 1);
  out->path = path;
  out->path_length = s->path_length;
  __builtin_memcpy(out->source, s->source, sizeof out->source);
  out->flags = s->flags;
  return kstd::Ok();
}

void FinishPendingMount(uint32_t id, const vfs::FileSystem* fs) {
  Dropped dropped;  // destroyed after the guard: references drop unlocked
  SpinLockGuard guard(g_agent_lock);
  Slot* s = FindSlot(id);
  if (s == nullptr || s->state != SlotState::kClaimed) return;
  if (fs != nullptr) {
    s->state = SlotState::kMounted;
    s->fs = fs;
    // The mount table holds the directory now; the record only names it.
    dropped.dir = kstd::Move(s->dir);
    dropped.ns = kstd::Move(s->ns);
    dropped.path = s->path;
    s->path = nullptr;
  } else if (s->caller_gone) {
    FreeSlot(s, &dropped);
  } else {
    s->state = SlotState::kPending;
  }
}

void ForgetAgentMount(const vfs::FileSystem* fs) {
  Dropped dropped;
  SpinLockGuard guard(g_agent_lock);
  for (Slot& s : g_slots) {
    if (s.state == SlotState::kMounted && s.fs == fs) FreeSlot(&s, &dropped);
  }
}

kstd::Result<uint64_t> SysMountAgentRegister(tessera::handle_t mount_right,
                                             tessera::handle_t channel) {
  HandleTable& handles = CurrentProcess()->handles();
  auto right = TRY(handles.Get(mount_right, kRightManage));
  if (right->type() != ObjectType::kVfsMount) return kstd::Error::kAccess;
  constexpr Rights kNeeded = kRightRead | kRightWrite;
  TRY(handles.GetTyped<ChannelEndpoint>(channel, ObjectType::kChannel, kNeeded));
  auto taken = TRY(handles.Remove(channel, kNeeded));
  kstd::RefPtr<ChannelEndpoint> endpoint =
      kstd::StaticRefCast<ChannelEndpoint>(kstd::RefPtr<KernelObject>(taken.object));
  kstd::RefPtr<ChannelEndpoint> old;
  {
    SpinLockGuard guard(g_agent_lock);
    old = kstd::Move(g_agent);
    g_agent = kstd::Move(endpoint);
  }
  if (old) old->Close();
  Log("mount", "pid %lu is the mount agent", CurrentProcess()->pid());
  return 0;
}

}  // namespace core::syscall
