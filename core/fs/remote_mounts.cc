#include "core/fs/remote_mounts.h"

#include "core/kernel/log.h"
#include "core/proc/process.h"
#include "core/sync/spin_lock.h"
#include "core/vfs/kernel_mounts.h"
#include "core/vfs/ops.h"
#include "kstd/new.h"
#include "kstd/string.h"

namespace core::fs {
namespace {

SpinLock g_remote_lock;
RemoteMount g_remote[kMaxRemoteMounts] GUARDED_BY(g_remote_lock);
// Old roots replaced by kFsMountRoot: kept alive (processes may still hold
// files and directories in them; the initramfs stays the fallback).
kstd::RefPtr<vfs::FileSystem> g_old_roots[4];

struct RootSwap {
  vfs::Vnode* old_root;
  kstd::RefPtr<vfs::Vnode> new_root;
};

void SwapProcessRoot(Process* p, void* context) {
  auto* swap = static_cast<RootSwap*>(context);
  p->MoveRoot(swap->old_root, swap->new_root);
}

}  // namespace

bool RegisterRemote(const kstd::RefPtr<vfs::RemoteFs>& fs,
                    const kstd::RefPtr<ChannelTransport>& t) {
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

RemoteMount UnregisterRemote(const vfs::FileSystem* fs) {
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

kstd::Result<void> ReplaceRootWith(const kstd::RefPtr<vfs::RemoteFs>& fs,
                                   const vfs::MountOptions& options) {
  vfs::MountTable& mounts = vfs::Mounts();
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
    result =
        mounts.MoveMount(moves[i].mounted_root.get(), moves[i].target, vfs::Name(moves[i].path));
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

RemoteMount FindRemote(const vfs::FileSystem* fs) {
  SpinLockGuard guard(g_remote_lock);
  for (const RemoteMount& m : g_remote) {
    if (m.fs && m.fs.get() == fs) return m;
  }
  return RemoteMount{};
}

bool ReplaceRemoteTransport(const kstd::RefPtr<vfs::RemoteFs>& fs,
                            const kstd::RefPtr<ChannelTransport>& t) {
  bool registered = false;
  SpinLockGuard guard(g_remote_lock);
  for (RemoteMount& m : g_remote) {
    if (m.fs == fs) {
      m.transport = t;
      registered = true;
    }
  }
  return registered;
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

}  // namespace core::fs
