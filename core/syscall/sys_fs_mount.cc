// User-space file systems: fs_mount (a server mounts itself), umount2, and
// the kernel's channel transport behind RemoteFs (core/vfs/remote_fs.h).
//
// Transport: per mount, the kernel holds one channel endpoint and a 64 KiB
// physically contiguous data buffer (a memory object the server maps; the
// kernel reaches it through the direct map). Requests are serialized: a
// sleeping per-mount lock (busy flag + wait queue) is held from writing the
// request until its reply is read, so the buffer belongs to one request at a
// time. Each request has a fresh txid; messages with any other txid are
// discarded, as are handles in replies.
//
// Deadlines and death: every wait (for the lock or the reply) has the
// mount's deadline (FsMountArgs::timeout_ms). A missed deadline, a closed
// server end or a malformed reply marks the mount dead: from then on every
// operation fails with EIO at once. A caller interrupted by a signal (or
// killed) gets EINTR; its request stays "abandoned" and the next caller first
// waits for (and drops) that reply, so the buffer is never shared by two
// requests.
//
// Rights rule: fs_mount needs a kVfsMount object with kRightManage (init's
// "vfs" bootstrap handle, passed on by init) plus the channel end with read,
// write and transfer rights. umount2 needs nothing (everyone is root today).

#include "abi/tessera/fsproto.h"
#include "core/fs/mount_right.h"
#include "core/fs/root.h"
#include "core/ipc/channel.h"
#include "core/kernel/log.h"
#include "core/kernel/memory.h"
#include "core/syscall/mount_agent.h"
#include "core/syscall/refusals.h"
#include "core/syscall/sys_common.h"
#include "core/vfs/ops.h"
#include "core/vfs/remote_fs.h"
#include "core/vm/vm_object.h"
#include "hal/memory.h"
#include "kstd/new.h"
#include "kstd/string.h"
#include "kstd/utility.h"

namespace core::syscall {
namespace {

using ipc::ChannelEndpoint;
using ipc::MessagePacket;

constexpr uint64_t kBufferPages = fsproto::kDataBufferSize / 4096;
constexpr Rights kBufferRights = kRightsBasic | kRightRead | kRightWrite | kRightMap;
constexpr size_t kMaxRemoteMounts = 16;
constexpr int32_t kUmountNoFollow = 8;

uint32_t NextFsTxid() {
  static uint32_t next = 1;
  uint32_t id;
  do {
    id = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED);
  } while (id == 0);
  return id;
}

class ChannelTransport final : public vfs::RemoteTransport {
 public:
  ChannelTransport(kstd::RefPtr<ChannelEndpoint> endpoint, kstd::RefPtr<vm::VmObject> buffer,
                   uint64_t timeout_ns)
      : endpoint_(kstd::Move(endpoint)),
        vmo_(kstd::Move(buffer)),
        buffer_(static_cast<uint8_t*>(hal::PhysToVirt(vmo_->physical_base()))),
        timeout_ns_(timeout_ns) {}

  ~ChannelTransport() override { endpoint_->Close(); }

  kstd::Result<void> Call(kstd::Span<const uint8_t> message, kstd::Span<const uint8_t> data_in,
                          fsproto::Reply* reply, kstd::Span<uint8_t> data_out) override {
    if (dead()) return kstd::Error::kIo;
    if (data_in.size() > fsproto::kDataBufferSize || message.size() < sizeof(fsproto::Request)) {
      return kstd::Error::kInvalid;
    }
    fsproto::Request header;
    __builtin_memcpy(&header, message.data(), sizeof header);
    uint64_t deadline = sched::DeadlineAfterNanos(timeout_ns_);
    TRY(LockRequests(deadline));
    auto result = CallLocked(header.op, message, data_in, reply, data_out, deadline);
    UnlockRequests();
    return result;
  }

  void Post(kstd::Span<const uint8_t> message) override {
    if (dead()) return;
    auto packet = MessagePacket::Create(static_cast<uint32_t>(message.size()), 0, ipc::SenderInfo{}, 0);
    if (packet.is_error()) return;
    __builtin_memcpy(packet.value()->bytes().data(), message.data(), message.size());
    if (endpoint_->Write(packet.value()).is_error()) MessagePacket::DeleteDeferred(packet.value());
  }

  /// Dead once a call failed for good, or as soon as the server's end is
  /// closed (the server exited), even before anyone called.
  bool dead() const override {
    return __atomic_load_n(&dead_, __ATOMIC_ACQUIRE) ||
           (endpoint_->signals() & kSignalPeerClosed) != 0;
  }

  /// Writes the kHello message carrying the data buffer's handle.
  /// Errors: kNoMemory, kPipe (the server end is closed), kAgain.
  kstd::Result<void> SendHello() {
    fsproto::Request hello;
    __builtin_memset(&hello, 0, sizeof hello);
    hello.magic = fsproto::kMagic;
    hello.op = fsproto::kHello;
    hello.version = fsproto::kVersion;
    hello.length = fsproto::kDataBufferSize;
    MessagePacket* packet = TRY(MessagePacket::Create(sizeof hello, 1, ipc::SenderInfo{}, 0));
    __builtin_memcpy(packet->bytes().data(), &hello, sizeof hello);
    packet->handles()[0] = Handle{kstd::RefPtr<KernelObject>(vmo_), kBufferRights};
    auto written = endpoint_->Write(packet);
    if (written.is_error()) MessagePacket::DeleteDeferred(packet);
    return written;
  }

  /// Closes the kernel's end: the server sees its peer closed.
  void Shut() {
    MarkDead();
    endpoint_->Close();
  }

 private:
  static bool Busy(void* self) {
    return __atomic_load_n(&static_cast<ChannelTransport*>(self)->busy_, __ATOMIC_ACQUIRE);
  }

  kstd::Result<void> LockRequests(uint64_t deadline) {
    while (__atomic_exchange_n(&busy_, true, __ATOMIC_ACQUIRE)) {
      sched::WakeReason why = waiters_.WaitIf(deadline, Busy, this);
      if (why == sched::WakeReason::kInterrupted) return kstd::Error::kInterrupted;
      if (why == sched::WakeReason::kTimedOut) return kstd::Error::kIo;  // the holder is stuck
      if (dead()) return kstd::Error::kIo;
    }
    return kstd::Ok();
  }

  void UnlockRequests() {
    __atomic_store_n(&busy_, false, __ATOMIC_RELEASE);
    waiters_.WakeAll();
  }

  void MarkDead() { __atomic_store_n(&dead_, true, __ATOMIC_RELEASE); }

  // Waits for the message with `txid`, dropping every other one.
  // Errors: kTimedOut, kInterrupted, kPipe (server gone), kNoMemory.
  kstd::Result<MessagePacket*> WaitReply(uint32_t txid, uint64_t deadline) {
    for (;;) {
      auto packet = endpoint_->Read();
      if (packet.ok()) {
        if (packet.value()->txid() == txid) return packet.value();
        MessagePacket::DeleteDeferred(packet.value());  // stale or unsolicited
        continue;
      }
      if (packet.error() != kstd::Error::kAgain) return kstd::Error::kPipe;
      kstd::RefPtr<KernelObject> object(endpoint_);
      Signals wanted = kSignalReadable | kSignalPeerClosed;
      TRY(WaitForSignals(&object, &wanted, 1, deadline, nullptr));
    }
  }

  // Caller holds the busy flag.
  kstd::Result<void> CallLocked(uint32_t op, kstd::Span<const uint8_t> message,
                                kstd::Span<const uint8_t> data_in, fsproto::Reply* reply,
                                kstd::Span<uint8_t> data_out, uint64_t deadline) {
    if (abandoned_txid_ != 0) {
      auto old = WaitReply(abandoned_txid_, deadline);
      if (old.is_error()) {
        if (old.error() == kstd::Error::kInterrupted) return kstd::Error::kInterrupted;
        MarkDead();
        return kstd::Error::kIo;
      }
      MessagePacket::DeleteDeferred(old.value());
      abandoned_txid_ = 0;
    }
    if (dead()) return kstd::Error::kIo;
    if (!data_in.empty()) __builtin_memcpy(buffer_, data_in.data(), data_in.size());
    uint32_t txid = NextFsTxid();
    MessagePacket* packet =
        TRY(MessagePacket::Create(static_cast<uint32_t>(message.size()), 0, ipc::SenderInfo{}, txid));
    __builtin_memcpy(packet->bytes().data(), message.data(), message.size());
    auto written = endpoint_->Write(packet);
    if (written.is_error()) {
      MessagePacket::DeleteDeferred(packet);
      if (written.error() != kstd::Error::kAgain) MarkDead();
      return kstd::Error::kIo;
    }
    auto answer = WaitReply(txid, deadline);
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
    MessagePacket* p = answer.value();
    auto checked = vfs::CheckReply(kstd::Span<const uint8_t>(p->bytes().data(), p->bytes().size()), op, data_out.size(), reply);
    MessagePacket::DeleteDeferred(p);
    if (checked.is_error()) {
      Log("fs", "malformed reply from a file-system server (op %u): the mount now fails with EIO", op);
      MarkDead();
      return kstd::Error::kIo;
    }
    // Copied once, with the length checked against what was asked for.
    if (reply->length != 0) __builtin_memcpy(data_out.data(), buffer_, reply->length);
    return kstd::Ok();
  }

  const kstd::RefPtr<ChannelEndpoint> endpoint_;
  const kstd::RefPtr<vm::VmObject> vmo_;
  uint8_t* const buffer_;  // the direct-map view of vmo_ (kDataBufferSize bytes)
  const uint64_t timeout_ns_;
  bool busy_ = false;      // the per-mount request lock
  bool dead_ = false;
  uint32_t abandoned_txid_ = 0;  // guarded by busy_
  sched::WaitQueue waiters_;
};

// The remote mounts, for umount2 (flush) and sync.
struct RemoteMount {
  kstd::RefPtr<vfs::RemoteFs> fs;
  kstd::RefPtr<ChannelTransport> transport;
};
SpinLock g_remote_lock;
RemoteMount g_remote[kMaxRemoteMounts];  // guarded by g_remote_lock
// Old roots replaced by kFsMountRoot: kept alive (processes may still hold
// files and directories in them; the initramfs stays the fallback).
kstd::RefPtr<vfs::FileSystem> g_old_roots[4];

bool Register(const kstd::RefPtr<vfs::RemoteFs>& fs, const kstd::RefPtr<ChannelTransport>& t) {
  SpinLockGuard guard(g_remote_lock);
  for (RemoteMount& m : g_remote) {
    if (!m.fs) {
      m.fs = fs;
      m.transport = t;
      return true;
    }
  }
  return false;
}

// Takes the record of `fs` out of the table (null if it is not remote).
RemoteMount Unregister(const vfs::FileSystem* fs) {
  RemoteMount out;
  SpinLockGuard guard(g_remote_lock);
  for (RemoteMount& m : g_remote) {
    if (m.fs.get() == fs) {
      out.fs = kstd::Move(m.fs);
      out.transport = kstd::Move(m.transport);
      break;
    }
  }
  return out;
}

struct RootSwap {
  vfs::Vnode* old_root;
  kstd::RefPtr<vfs::Vnode> new_root;
};

void SwapProcessRoot(Process* p, void* context) {
  auto* swap = static_cast<RootSwap*>(context);
  SpinLockGuard guard(p->fs_lock_);
  if (p->root_.get() == swap->old_root) p->root_ = vfs::PinnedVnode(swap->new_root);
  if (p->cwd_.get() == swap->old_root) p->cwd_ = vfs::PinnedVnode(swap->new_root);
}

// Makes `fs` the root (see kFsMountRoot). Decode first: every mount inside
// the old root must find its directory in the new one before anything moves.
kstd::Result<void> ReplaceRootWith(const kstd::RefPtr<vfs::RemoteFs>& fs,
                                   const vfs::MountOptions& options) {
  vfs::MountTable& mounts = fs::Mounts();
  kstd::RefPtr<vfs::Vnode> old_root = mounts.Root();
  if (!old_root) return kstd::Error::kInvalid;
  kstd::RefPtr<vfs::Vnode> new_root = fs->Root();
  constexpr size_t kMaxMoves = 16;
  struct Move {
    kstd::RefPtr<vfs::Vnode> mounted_root;
    char path[64];
    kstd::RefPtr<vfs::Vnode> target;
  };
  Move* moves = new (kstd::nothrow) Move[kMaxMoves];
  if (moves == nullptr) return kstd::Error::kNoMemory;
  size_t count = 0;
  bool too_many = false;
  const vfs::FileSystem* old_fs = old_root->fs();
  mounts.ForEach([&](const vfs::MountView& view) {
    if (view.covered == nullptr || view.covered->fs() != old_fs) return;
    if (count == kMaxMoves || kstd::StringLength(view.path) >= sizeof moves[0].path) {
      too_many = true;
      return;
    }
    moves[count].mounted_root = kstd::RefPtr<vfs::Vnode>::FromRaw(view.root);
    kstd::CopyString(moves[count].path, sizeof moves[count].path, view.path);
    ++count;
  });
  kstd::Result<void> result = kstd::Ok();
  if (too_many) result = kstd::Error::kBusy;
  vfs::PathContext ctx{&mounts, new_root.get(), new_root.get()};
  for (size_t i = 0; result.ok() && i < count; ++i) {
    auto target = vfs::LookupPath(ctx, vfs::Name(moves[i].path), true);
    if (target.is_error() || !target.value()->IsDirectory()) {
      Log("fs", "new root has no directory %s for the mount there", moves[i].path);
      result = kstd::Error::kNotFound;
    } else {
      moves[i].target = target.release_value();
    }
  }
  for (size_t i = 0; result.ok() && i < count; ++i) {
    result = mounts.MoveMount(moves[i].mounted_root.get(), moves[i].target,
                              vfs::Name(moves[i].path));
  }
  if (result.ok()) {
    auto old_fs_ref = mounts.ReplaceRoot(fs, options);
    if (old_fs_ref.is_error()) {
      result = old_fs_ref.error();
    } else {
      for (auto& slot : g_old_roots) {
        if (!slot) {
          slot = old_fs_ref.release_value();
          break;
        }
      }
      RootSwap swap{old_root.get(), new_root};
      Process::ForEach(SwapProcessRoot, &swap);
      Log("fs", "root moved to a user-space file system (%s); %zu mount(s) moved into it",
          fs->name(), count);
    }
  }
  delete[] moves;
  return result;
}

// What every fs_mount decodes: the hello and the directory `path` names
// (kFsMountPending: the pending mount point's, with its source and flags).
struct DecodedMount {
  fsproto::Reply hello;
  char* path = nullptr;  // kMaxPathLength + 1 bytes
  size_t path_length = 0;
  kstd::RefPtr<vfs::Vnode> dir;
  ClaimedMount claimed;  // kFsMountPending only

  DecodedMount() = default;
  DecodedMount(const DecodedMount&) = delete;
  DecodedMount& operator=(const DecodedMount&) = delete;
  ~DecodedMount() { delete[] path; }
};

// Decode for fs_mount: the mount right and the channel end (checked, left in
// the caller's table), the hello, the path and the directory it names.
kstd::Result<void> DecodeMountArgs(const tessera::FsMountArgs& args, DecodedMount* out) {
  if (args.root_size != sizeof(fsproto::Reply)) return kstd::Error::kInvalid;
  Process* self = CurrentProcess();
  HandleTable& handles = self->handles();
  auto right = handles.Get(args.mount_right, kRightManage);
  if (right.is_error()) return right.error();
  if (right.value()->type() != ObjectType::kVfsMount) return kstd::Error::kAccess;
  TRY(handles.GetTyped<ChannelEndpoint>(args.channel, ObjectType::kChannel,
                                        kRightRead | kRightWrite | kRightTransfer));
  TRY(UserPtr<fsproto::Reply>(reinterpret_cast<uint64_t>(args.root)).CopyIn(&out->hello));
  if (args.flags & tessera::kFsMountPending) {
    // Claimed last: nothing below can fail, so no claim is left dangling.
    TRY(ClaimPendingMount(args.pending_id, &out->claimed));
    out->dir = out->claimed.dir;
    out->path = out->claimed.path;
    out->claimed.path = nullptr;
    out->path_length = out->claimed.path_length;
    return kstd::Ok();
  }
  out->path = new (kstd::nothrow) char[vfs::kMaxPathLength + 1];
  if (out->path == nullptr) return kstd::Error::kNoMemory;
  out->path_length = TRY(CopyStringIn(reinterpret_cast<uint64_t>(args.path), out->path, vfs::kMaxPathLength));
  if (out->path_length == 0) return kstd::Error::kNotFound;
  kstd::RefPtr<vfs::Vnode> root, cwd;
  {
    SpinLockGuard guard(self->fs_lock_);
    root = self->root_.ref();
    cwd = self->cwd_.ref();
  }
  vfs::PathContext ctx{&fs::Mounts(), root.get(), cwd.get()};
  out->dir = TRY(vfs::LookupPath(ctx, vfs::Name(out->path, out->path_length), true));
  if (!out->dir->IsDirectory()) return kstd::Error::kNotDirectory;
  return kstd::Ok();
}

// Invoke: the mount's data buffer (physically contiguous, zeroed, reached by
// the direct map) and the transport, which takes the channel end out of the
// caller's table. Errors: kNoMemory, those of HandleTable::Remove.
kstd::Result<kstd::RefPtr<ChannelTransport>> MakeTransport(const tessera::FsMountArgs& args) {
  auto run = Pmm().AllocRun(kBufferPages);
  if (run.is_error()) return run.error();
  __builtin_memset(hal::PhysToVirt(run.value()), 0, fsproto::kDataBufferSize);
  auto vmo = vm::VmObject::CreateContiguousOwned(&Pmm(), run.value(), kBufferPages);
  if (vmo.is_error()) {
    (void)Pmm().FreeRun(run.value(), kBufferPages);
    return vmo.error();
  }
  auto taken = CurrentProcess()->handles().Remove(args.channel, kRightRead | kRightWrite | kRightTransfer);
  if (taken.is_error()) return taken.error();
  kstd::RefPtr<ChannelEndpoint> endpoint =
      kstd::StaticRefCast<ChannelEndpoint>(kstd::RefPtr<KernelObject>(taken.value().object));
  uint32_t timeout_ms = args.timeout_ms != 0 ? args.timeout_ms : tessera::kFsDefaultTimeoutMs;
  kstd::RefPtr<ChannelTransport> transport = kstd::AdoptRef(new (kstd::nothrow) ChannelTransport(
      endpoint, vmo.release_value(), static_cast<uint64_t>(timeout_ms) * 1'000'000ULL));
  if (!transport) {
    endpoint->Close();
    return kstd::Error::kNoMemory;
  }
  return transport;
}

kstd::Result<void> Mount(const tessera::FsMountArgs& args) {
  if (args.flags != 0 && args.flags != tessera::kFsMountRoot && args.flags != tessera::kFsMountPending) {
    return kstd::Error::kInvalid;
  }
  if ((args.flags & tessera::kFsMountPending) == 0 && args.pending_id != 0) return kstd::Error::kInvalid;
  Process* self = CurrentProcess();
  // Decode: the capability, the channel, the path, the root description.
  DecodedMount decoded;
  TRY(DecodeMountArgs(args, &decoded));
  const bool pending = (args.flags & tessera::kFsMountPending) != 0;
  // A claimed pending point is settled on every way out.
  const vfs::FileSystem* mounted_fs = nullptr;
  struct Settle {
    bool pending;
    uint32_t id;
    const vfs::FileSystem** fs;
    ~Settle() {
      if (pending) FinishPendingMount(id, *fs);
    }
  } settle{pending, args.pending_id, &mounted_fs};
  const fsproto::Reply& hello = decoded.hello;
  const char* path = decoded.path;
  const size_t path_length = decoded.path_length;
  const kstd::RefPtr<vfs::Vnode>& dir = decoded.dir;
  bool replace_root = (args.flags & tessera::kFsMountRoot) != 0;
  if (replace_root && dir != fs::Mounts().Root()) return kstd::Error::kInvalid;

  // Invoke: the channel end moves into the kernel.
  kstd::RefPtr<ChannelTransport> transport = TRY(MakeTransport(args));
  auto fail = [&](kstd::Error e) {
    transport->Shut();
    return e;
  };
  auto fs = vfs::RemoteFs::Create(transport, hello);
  if (fs.is_error()) return fail(fs.error() == kstd::Error::kNoMemory ? fs.error() : kstd::Error::kInvalid);
  if (auto sent = transport->SendHello(); sent.is_error()) {
    fs.value()->Shutdown();
    return fail(kstd::Error::kIo);
  }
  if (!Register(fs.value(), transport)) {
    fs.value()->Shutdown();
    return fail(kstd::Error::kBusy);
  }
  // /proc/mounts names the server process as the source, as FUSE mounts
  // name their daemon; a pending mount has its mount(2)'s source and flags.
  char source[32];
  kstd::CopyString(source, sizeof source, pending ? decoded.claimed.source : self->name());
  vfs::MountOptions options;
  options.source = source;
  if (pending) options.flags = decoded.claimed.flags;
  kstd::Result<void> mounted = kstd::Ok();
  if (replace_root) {
    mounted = ReplaceRootWith(fs.value(), options);
  } else {
    auto id = fs::Mounts().Mount(fs.value(), dir, vfs::Name(path, path_length), options);
    if (id.is_error()) mounted = id.error();
  }
  if (mounted.is_error()) {
    (void)Unregister(fs.value().get());
    fs.value()->Shutdown();
    return fail(mounted.error());
  }
  mounted_fs = fs.value().get();
  Log("fs", "pid %lu mounted a user-space file system on %s", self->pid(), path);
  return kstd::Ok();
}

// The registry's record of the remote file system `fs` (null if none).
RemoteMount FindRemote(const vfs::FileSystem* fs) {
  SpinLockGuard guard(g_remote_lock);
  for (const RemoteMount& m : g_remote) {
    if (m.fs && m.fs.get() == fs) return m;
  }
  return RemoteMount{};
}

// fs_mount with kFsMountReplace: a restarted server takes over the remote
// mount whose root `path` names, once its old server is gone
// (RemoteFs::Reattach keeps the vnodes; the registry gets the new transport).
kstd::Result<void> Reattach(const tessera::FsMountArgs& args) {
  if (args.flags != tessera::kFsMountReplace) return kstd::Error::kInvalid;
  DecodedMount decoded;
  TRY(DecodeMountArgs(args, &decoded));
  const char* path = decoded.path;
  RemoteMount current = FindRemote(decoded.dir->fs());
  if (!current.fs || current.fs->Root() != decoded.dir) return kstd::Error::kInvalid;  // not a mount's root
  if (!current.transport->dead()) return kstd::Error::kBusy;

  kstd::RefPtr<ChannelTransport> transport = TRY(MakeTransport(args));
  if (transport->SendHello().is_error()) {
    transport->Shut();
    return kstd::Error::kIo;
  }
  auto report = current.fs->Reattach(transport, decoded.hello);
  if (report.is_error()) {
    transport->Shut();
    Log("fs", "pid %lu: re-attach on %s failed (%s); the mount stays dead", CurrentProcess()->pid(),
        path, kstd::ErrorName(report.error()));
    return report.error();
  }
  bool registered = false;
  {
    SpinLockGuard guard(g_remote_lock);
    for (RemoteMount& m : g_remote) {
      if (m.fs == current.fs) {
        m.transport = transport;
        registered = true;
      }
    }
  }
  if (!registered) {  // unmounted meanwhile
    transport->Shut();
    return kstd::Error::kIo;
  }
  const vfs::RemoteFs::ReattachReport& r = report.value();
  Log("fs", "pid %lu re-attached a user-space file system on %s: %zu node(s) kept, %zu stale, %zu dropped",
      CurrentProcess()->pid(), path, r.adopted, r.stale, r.dropped);
  return kstd::Ok();
}

}  // namespace

int64_t SysFsMount(UserPtr<const tessera::FsMountArgs> user_args) {
  tessera::FsMountArgs args;
  if (user_args.CopyIn(&args).is_error()) return Errno(kstd::Error::kFault);
  auto r = (args.flags & tessera::kFsMountReplace) != 0 ? Reattach(args) : Mount(args);
  return r.ok() ? 0 : Errno(r.error());
}

int64_t SysLinuxUmount2(UserPtr<const char> user_path, int32_t flags) {
  // MNT_FORCE, MNT_DETACH, MNT_EXPIRE and unknown bits.
  if ((flags & ~kUmountNoFollow) != 0) {
    return Refuse("umount2", "flags", static_cast<uint32_t>(flags & ~kUmountNoFollow));
  }
  Process* self = CurrentProcess();
  char* path = new (kstd::nothrow) char[vfs::kMaxPathLength + 1];
  if (path == nullptr) return Errno(kstd::Error::kNoMemory);
  auto length = CopyStringIn(user_path.address(), path, vfs::kMaxPathLength);
  kstd::Result<kstd::RefPtr<vfs::Vnode>> target = kstd::Error::kNotFound;
  if (length.is_error()) {
    target = length.error();
  } else if (length.value() > 0) {
    kstd::RefPtr<vfs::Vnode> root, cwd;
    {
      SpinLockGuard guard(self->fs_lock_);
      root = self->root_.ref();
      cwd = self->cwd_.ref();
    }
    vfs::PathContext ctx{&fs::Mounts(), root.get(), cwd.get()};
    target = vfs::LookupPath(ctx, vfs::Name(path, length.value()), (flags & kUmountNoFollow) == 0);
  }
  delete[] path;
  if (target.is_error()) return Errno(target.error());
  kstd::RefPtr<vfs::Vnode> mounted_root = target.release_value();
  kstd::RefPtr<vfs::FileSystem> fs = kstd::RefPtr<vfs::FileSystem>::FromRaw(mounted_root->fs());
  // Detach first (EBUSY while files are open or cwds are inside), then let
  // the server flush: a busy mount never sees kUnmount.
  auto detached = fs::Mounts().Umount(mounted_root.get());
  if (detached.is_error()) return Errno(detached.error());
  mounted_root.reset();
  RemoteMount remote = Unregister(fs.get());
  ForgetAgentMount(fs.get());  // its disk may be mounted again
  if (!remote.fs) return 0;
  // A dead server has nothing left to flush: the detach is the whole unmount.
  bool was_dead = remote.transport->dead();
  auto flushed = was_dead ? kstd::Result<void>(kstd::Ok()) : remote.fs->Unmount();
  remote.transport->Shut();
  if (flushed.is_error()) {
    Log("fs", "unmount: the server's flush failed (%s)", kstd::ErrorName(flushed.error()));
    return Errno(flushed.error() == kstd::Error::kInterrupted ? kstd::Error::kInterrupted
                                                               : kstd::Error::kIo);
  }
  return 0;
}

kstd::Result<void> SyncRemoteFileSystem(const vfs::FileSystem* fs) {
  kstd::RefPtr<vfs::RemoteFs> remote;
  {
    SpinLockGuard guard(g_remote_lock);
    for (RemoteMount& m : g_remote) {
      if (m.fs.get() == fs) remote = m.fs;
    }
  }
  if (!remote) return kstd::Ok();
  return remote->SyncAll();
}

/// sync(2): asks every user-space file system to flush (errors are logged).
void SyncRemoteFileSystems() {
  RemoteMount copy[kMaxRemoteMounts];
  {
    SpinLockGuard guard(g_remote_lock);
    for (size_t i = 0; i < kMaxRemoteMounts; ++i) {
      copy[i].fs = g_remote[i].fs;
    }
  }
  for (RemoteMount& m : copy) {
    if (m.fs) (void)m.fs->SyncAll();
  }
}

}  // namespace core::syscall

namespace core::syscall {

void UnmountRemoteFileSystems() {
  for (size_t i = 0; i < kMaxRemoteMounts; ++i) {
    RemoteMount m;
    {
      SpinLockGuard guard(g_remote_lock);
      m = g_remote[i];
    }
    if (!m.fs || m.transport->dead()) continue;
    auto flushed = m.fs->Unmount();
    if (flushed.is_error()) {
      Log("fs", "shutdown: a file-system server did not unmount cleanly (%s)",
          kstd::ErrorName(flushed.error()));
    }
    m.transport->Shut();
  }
}

}  // namespace core::syscall
