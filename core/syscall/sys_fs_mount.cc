// User-space file systems: fs_mount (a server mounts itself, or a restarted
// server takes a dead mount over) and umount2. The transport and the
// registry of mounts are core/fs (channel_transport.h, remote_mounts.h).
//
// Mount namespaces: fs_mount mounts in the namespace of the mount(2) that
// made the pending point (or, without one, the server's own); umount2 in
// the caller's, and a file system's server is told to unmount (and stopped)
// only when its last namespace lets it go, by umount2 or by the namespace's
// death (InitFsMountCalls).
//
// Rights rule: fs_mount needs a kVfsMount object with kRightManage (init's
// "vfs" bootstrap handle, passed on by init) plus the channel end with read,
// write and transfer rights. umount2 needs nothing (everyone is root today).

#include "core/syscall/sys_fs_mount.h"
#include "abi/tessera/fsproto.h"
#include "core/fs/remote_mounts.h"
#include "core/ipc/channel.h"
#include "core/kernel/log.h"
#include "core/sched/scheduler.h"
#include "core/sched/thread.h"
#include "core/syscall/mount_agent.h"
#include "core/syscall/sys_common.h"
#include "core/syscall/sys_credentials.h"
#include "core/unsupported/refusals.h"
#include "core/vfs/kernel_mounts.h"
#include "core/vfs/mount_right.h"
#include "core/vfs/ops.h"
#include "core/vfs/remote_fs.h"
#include "core/vm/vm_object.h"
#include "kstd/new.h"
#include "kstd/string.h"
#include "kstd/utility.h"

namespace core::syscall {
namespace {

using fs::ChannelTransport;
using fs::FindRemote;
using fs::RegisterRemote;
using fs::RemoteMount;
using fs::ReplaceRemoteTransport;
using fs::ReplaceRootWith;
using fs::UnregisterRemote;
using ipc::ChannelEndpoint;

constexpr int32_t kUmountNoFollow = 8;

// What every fs_mount decodes: the hello and the directory `path` names
// (kFsMountPending: the pending mount point's, with its source and flags).
struct DecodedMount {
  fsproto::Reply hello;
  char* path = nullptr;  // kMaxPathLength + 1 bytes
  size_t path_length = 0;
  kstd::RefPtr<vfs::Vnode> dir;
  kstd::RefPtr<vfs::MountNamespace> ns;  // whose table gets the mount
  ClaimedMount claimed;                  // kFsMountPending only

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
    out->ns = out->claimed.ns;
    out->path = out->claimed.path;
    out->claimed.path = nullptr;
    out->path_length = out->claimed.path_length;
    return kstd::Ok();
  }
  out->path = new (kstd::nothrow) char[vfs::kMaxPathLength + 1];
  if (out->path == nullptr) return kstd::Error::kNoMemory;
  out->path_length =
      TRY(CopyStringIn(reinterpret_cast<uint64_t>(args.path), out->path, vfs::kMaxPathLength));
  if (out->path_length == 0) return kstd::Error::kNotFound;
  kstd::RefPtr<vfs::Vnode> root, cwd;
  {
    Process::FsRoots roots = self->fs_roots();
    root = kstd::Move(roots.root);
    cwd = kstd::Move(roots.cwd);
    out->ns = kstd::Move(roots.mounts);
  }
  if (!out->ns) return kstd::Error::kNotFound;  // exited meanwhile
  vfs::PathContext ctx{&out->ns->mounts(), root.get(), cwd.get()};
  out->dir = TRY(vfs::LookupPath(ctx, vfs::Name(out->path, out->path_length), true));
  if (!out->dir->IsDirectory()) return kstd::Error::kNotDirectory;
  return kstd::Ok();
}

// Invoke: the mount's data buffer (physically contiguous, zeroed, reached by
// the direct map) and the transport, which takes the channel end out of the
// caller's table. Errors: kNoMemory, those of HandleTable::Remove.
kstd::Result<kstd::RefPtr<ChannelTransport>> MakeTransport(const tessera::FsMountArgs& args) {
  kstd::RefPtr<vm::VmObject> buffer = TRY(ChannelTransport::CreateBuffer());
  auto taken =
      CurrentProcess()->handles().Remove(args.channel, kRightRead | kRightWrite | kRightTransfer);
  if (taken.is_error()) return taken.error();
  kstd::RefPtr<ChannelEndpoint> endpoint =
      kstd::StaticRefCast<ChannelEndpoint>(kstd::RefPtr<KernelObject>(taken.value().object));
  uint32_t timeout_ms = args.timeout_ms != 0 ? args.timeout_ms : tessera::kFsDefaultTimeoutMs;
  return ChannelTransport::Create(endpoint, kstd::Move(buffer),
                                  static_cast<uint64_t>(timeout_ms) * 1'000'000ULL);
}

kstd::Result<void> Mount(const tessera::FsMountArgs& args) {
  if (args.flags != 0 && args.flags != tessera::kFsMountRoot &&
      args.flags != tessera::kFsMountPending) {
    return kstd::Error::kInvalid;
  }
  if ((args.flags & tessera::kFsMountPending) == 0 && args.pending_id != 0)
    return kstd::Error::kInvalid;
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
  // The root moves for every process: only from the initial namespace.
  vfs::MountTable& table = decoded.ns->mounts();
  if (replace_root && (&table != &vfs::Mounts() || dir != table.Root())) {
    return kstd::Error::kInvalid;
  }

  // Invoke: the channel end moves into the kernel.
  kstd::RefPtr<ChannelTransport> transport = TRY(MakeTransport(args));
  auto fail = [&](kstd::Error e) {
    transport->Shut();
    return e;
  };
  auto fs = vfs::RemoteFs::Create(transport, hello);
  if (fs.is_error())
    return fail(fs.error() == kstd::Error::kNoMemory ? fs.error() : kstd::Error::kInvalid);
  if (auto sent = transport->SendHello(); sent.is_error()) {
    fs.value()->Shutdown();
    return fail(kstd::Error::kIo);
  }
  if (!RegisterRemote(fs.value(), transport)) {
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
    auto id = table.Mount(fs.value(), dir, vfs::Name(path, path_length), options);
    if (id.is_error()) mounted = id.error();
  }
  if (mounted.is_error()) {
    (void)UnregisterRemote(fs.value().get());
    fs.value()->Shutdown();
    return fail(mounted.error());
  }
  mounted_fs = fs.value().get();
  Log("fs", "pid %lu mounted a user-space file system on %s", self->pid(), path);
  return kstd::Ok();
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
  if (!current.fs || current.fs->Root() != decoded.dir)
    return kstd::Error::kInvalid;  // not a mount's root
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
  if (!ReplaceRemoteTransport(current.fs, transport)) {  // unmounted meanwhile
    transport->Shut();
    return kstd::Error::kIo;
  }
  const vfs::RemoteFs::ReattachReport& r = report.value();
  Log("fs",
      "pid %lu re-attached a user-space file system on %s: %zu node(s) kept, %zu stale, %zu "
      "dropped",
      CurrentProcess()->pid(), path, r.adopted, r.stale, r.dropped);
  return kstd::Ok();
}

// After `fs` left its last mount table: the server flushes and stops, an
// agent's disk is free. Errors: kInterrupted, kIo (the flush failed).
kstd::Result<void> FinishUnmount(vfs::FileSystem* fs) {
  RemoteMount remote = UnregisterRemote(fs);
  ForgetAgentMount(fs);  // its disk may be mounted again
  if (!remote.fs) return kstd::Ok();
  // A dead server has nothing left to flush: the detach is the whole unmount.
  bool was_dead = remote.transport->dead();
  auto flushed = was_dead ? kstd::Result<void>(kstd::Ok()) : remote.fs->Unmount();
  remote.transport->Shut();
  if (flushed.is_error()) {
    Log("fs", "unmount: the server's flush failed (%s)", kstd::ErrorName(flushed.error()));
    return flushed.error() == kstd::Error::kInterrupted ? kstd::Error::kInterrupted
                                                        : kstd::Error::kIo;
  }
  return kstd::Ok();
}

// A namespace's death unmounts in its last process's exit (or the close of
// its last ns file), where a wait for the server could be cut short (a
// dying thread is being killed): the flush runs in a kernel thread of its
// own, which holds a reference to the file system.
void UnmountThread(void* arg) {
  kstd::RefPtr<vfs::FileSystem> fs = kstd::AdoptRef(static_cast<vfs::FileSystem*>(arg));
  (void)FinishUnmount(fs.get());
  fs.reset();
  sched::ExitCurrent();
}

void OnNamespaceUnmounted(vfs::FileSystem* fs) {
  kstd::RefPtr<vfs::FileSystem> held = kstd::RefPtr<vfs::FileSystem>::FromRaw(fs);
  auto thread = sched::Thread::Create("unmount", nullptr, UnmountThread, held.get());
  if (thread.is_error()) {
    (void)FinishUnmount(fs);  // out of memory: here, then (the server still stops)
    return;
  }
  (void)held.leak_ref();  // the thread's now
  sched::Start(thread.value().get());
}

}  // namespace

void InitFsMountCalls() { vfs::MountTable::SetUnmountedHook(OnNamespaceUnmounted); }

kstd::Result<uint64_t> SysFsMount(UserPtr<const tessera::FsMountArgs> user_args) {
  tessera::FsMountArgs args;
  TRY(user_args.CopyIn(&args));
  TRY((args.flags & tessera::kFsMountReplace) != 0 ? Reattach(args) : Mount(args));
  return 0;
}

kstd::Result<uint64_t> SysLinuxUmount2(UserPtr<const char> user_path, int32_t flags) {
  // MNT_FORCE, MNT_DETACH, MNT_EXPIRE and unknown bits.
  if ((flags & ~kUmountNoFollow) != 0) {
    return Refuse("umount2", "flags", static_cast<uint32_t>(flags & ~kUmountNoFollow));
  }
  if (!Capable(linux_abi::kCapSysAdmin)) return kstd::Error::kPermission;
  Process* self = CurrentProcess();
  char* path = new (kstd::nothrow) char[vfs::kMaxPathLength + 1];
  if (path == nullptr) return kstd::Error::kNoMemory;
  auto length = CopyStringIn(user_path.address(), path, vfs::kMaxPathLength);
  kstd::Result<kstd::RefPtr<vfs::Vnode>> target = kstd::Error::kNotFound;
  kstd::RefPtr<vfs::MountNamespace> ns;
  if (length.is_error()) {
    target = length.error();
  } else if (length.value() > 0) {
    kstd::RefPtr<vfs::Vnode> root, cwd;
    {
      Process::FsRoots roots = self->fs_roots();
      root = kstd::Move(roots.root);
      cwd = kstd::Move(roots.cwd);
      ns = kstd::Move(roots.mounts);
    }
    if (ns) {
      vfs::PathContext ctx{&ns->mounts(), root.get(), cwd.get()};
      target =
          vfs::LookupPath(ctx, vfs::Name(path, length.value()), (flags & kUmountNoFollow) == 0);
    }
  }
  delete[] path;
  if (target.is_error()) return target.error();
  kstd::RefPtr<vfs::Vnode> mounted_root = target.release_value();
  kstd::RefPtr<vfs::FileSystem> fs = kstd::RefPtr<vfs::FileSystem>::FromRaw(mounted_root->fs());
  // Detach first (EBUSY while files are open or cwds are inside), then let
  // the server flush: a busy mount never sees kUnmount. Another namespace
  // still having the file system keeps it (and its server) up.
  bool last = TRY(ns->mounts().Umount(mounted_root.get()));
  mounted_root.reset();
  if (!last) return 0;
  TRY(FinishUnmount(fs.get()));
  return 0;
}

}  // namespace core::syscall
