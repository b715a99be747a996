#pragma once

// RemoteFs / RemoteVnode: a file system served by a user-space process over
// the fsproto protocol (abi/tessera/fsproto.h). Every vnode operation becomes
// one request/reply exchange through a RemoteTransport; the kernel's channel
// transport (core/syscall/sys_fs_mount.cc) serializes requests per mount and
// owns the shared data buffer, host tests plug in an in-process fake.
//
// Validation (decode, then use): everything the server sends is checked here
// or in CheckReply before it touches VFS state; a violation is kIo (EIO).
//
// Node table: one RemoteVnode per server node id, so the same directory is
// the same Vnode object on every lookup (mount points rely on it). The table
// holds a strong reference to each vnode; when it grows past kNodeCacheSoft
// entries, vnodes only the table holds are evicted and the server gets a
// kForget for them. Unmount/Shutdown drops the table.
//
// Attributes: correctness first. GetAttr asks the server every time (on
// failure it returns the last attributes seen, which every reply refreshes).
//
// Name cache: each directory remembers its recent positive lookups (name ->
// node id; never "..", never misses). The server is reached only through this
// mount, so entries can go stale only through the kernel's own Unlink, Rmdir
// and Rename, which clear the directories involved before and after asking the
// server; a lookup remembers its answer only if no clear happened meanwhile
// (a generation count). A hit also needs the node still in the node table
// (else it is a miss: the table may have forgotten it), so a path walk
// through cached directories costs no server round trip.
//
// Re-attach: when the server dies (its transport is dead: every call EIO), a
// restarted server may take the mount over (Reattach, from fs_mount with
// kFsMountReplace) so the mount point, cwds and open files stay where they
// are. Node ids must mean the same nodes across the restart (inode numbers
// do). Nodes only the table holds are dropped; every other node (open files,
// cwds, mount points, the root) is offered to the new server with kAdopt.
// Nodes it takes keep working unchanged (their kForget count restarts at 1);
// nodes it refuses (e.g. freed meanwhile) become stale: they leave the table
// and every operation on them fails with ESTALE. Every name cache is cleared.
// Data the old server had acknowledged but not written back is lost, as in a
// power cut: only what was synced survives a server crash.
//
// Locks: RemoteFs::table_lock_ (leaf apart from the heap) guards the node
// table and the transport pointer; Vnode::attr_lock_ guards the cached
// attributes. No lock is held across a transport call.

#include <stddef.h>
#include <stdint.h>

#include "abi/tessera/fsproto.h"
#include "core/sync/spin_lock.h"
#include "core/vfs/vnode.h"
#include "kstd/intrusive_list.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core::vfs {

/// Checks a raw reply message against the request it answers: exact size,
/// op echo, error in the known errno set (else the reply is malformed),
/// length within `data_capacity`. On success *out is a private copy.
/// Errors: kIo (malformed).
kstd::Result<void> CheckReply(kstd::Span<const uint8_t> raw, uint32_t op, size_t data_capacity,
                              fsproto::Reply* out);

/// The kstd::Error for a reply's errno (0 excluded): errnos the VFS knows map
/// to themselves, anything else to kIo.
kstd::Error ErrorFromWire(int32_t error);

/// Moves requests to a server and replies back. Implementations serialize
/// calls (one in flight), own the data buffer and validate with CheckReply.
class RemoteTransport : public kstd::RefCounted<RemoteTransport> {
 public:
  virtual ~RemoteTransport() = default;

  /// Sends `message` (a Request header + names) after copying `data_in` to
  /// the start of the data buffer; waits for the reply; checks it with
  /// CheckReply(…, data_out.size()) and copies reply->length bytes from the
  /// buffer into data_out. A reply carrying an errno is still a success
  /// here (reply->error != 0). Errors: kIo (server gone, deadline passed,
  /// malformed reply: the mount is dead from then on), kInterrupted (the
  /// caller got a signal), kInvalid (data_in larger than the buffer).
  virtual kstd::Result<void> Call(kstd::Span<const uint8_t> message,
                                  kstd::Span<const uint8_t> data_in, fsproto::Reply* reply,
                                  kstd::Span<uint8_t> data_out) = 0;

  /// Sends a one-way message (kForget) if possible; never blocks, may drop.
  virtual void Post(kstd::Span<const uint8_t> message) = 0;

  /// Whether the server is gone for good (every call fails with kIo).
  virtual bool dead() const = 0;
};

class RemoteFs;

/// One server node. Its type is fixed by the first reply that named it.
class RemoteVnode final : public Vnode {
 public:
  RemoteVnode(kstd::RefPtr<RemoteFs> fs, VnodeType type, uint64_t node);
  ~RemoteVnode() override;

  uint64_t node() const { return ino(); }

  Attributes GetAttr() const override;
  kstd::Result<void> SetAttr(const SetAttrRequest& request) override;
  kstd::Result<kstd::RefPtr<Vnode>> Lookup(Name name) override;
  kstd::Result<kstd::RefPtr<Vnode>> Create(Name name, const CreateRequest& request) override;
  kstd::Result<void> Link(Name name, Vnode* target) override;
  kstd::Result<void> Unlink(Name name) override;
  kstd::Result<void> Rmdir(Name name) override;
  kstd::Result<void> Rename(Name old_name, Vnode* new_dir, Name new_name) override;
  kstd::Result<void> ReadDir(uint64_t* cursor, DirSink& sink) override;
  kstd::Result<size_t> ReadAt(uint64_t offset, kstd::Span<uint8_t> out) override;
  kstd::Result<size_t> WriteAt(uint64_t offset, kstd::Span<const uint8_t> in) override;
  kstd::Result<size_t> Append(kstd::Span<const uint8_t> in, uint64_t* end) override;
  kstd::Result<void> Truncate(uint64_t size) override;
  kstd::Result<size_t> ReadLink(kstd::Span<char> out) override;
  kstd::Result<void> Sync() override;

  /// Replaces the cached attributes with validated ones from a reply.
  /// Errors: kIo (the reply's node id or type disagrees with this vnode).
  kstd::Result<void> Refresh(const fsproto::Attr& attr);

  /// Link in the file system's node table (guarded by RemoteFs::table_lock_).
  kstd::ListNode table_node;

  /// Whether a restarted server refused this node at re-attach: every
  /// operation then fails with ESTALE (GetAttr returns the last attributes).
  bool stale() const { return __atomic_load_n(&stale_, __ATOMIC_ACQUIRE); }

 private:
  friend class RemoteFs;

  RemoteFs* remote() const;
  /// RemoteFs::Exchange for this node: ESTALE at once if it is stale.
  kstd::Result<void> Exchange(fsproto::Request& request, Name name, Name name2,
                              kstd::Span<const uint8_t> data_in, fsproto::Reply* reply,
                              kstd::Span<uint8_t> data_out);
  /// Whether `other` is a vnode of the same remote file system.
  bool SameFs(const Vnode* other) const { return other != nullptr && other->fs() == fs(); }

  uint64_t lookups_ = 0;  // replies that named this node (guarded by table_lock_)

  struct NameCache;                // see "Name cache" above; directories only
  NameCache* names_ = nullptr;     // guarded by table_lock_; allocated on first use
  uint64_t names_generation_ = 0;  // guarded by table_lock_; bumped by every clear
  bool stale_ = false;             // atomic; set once, by Reattach
};

class RemoteFs final : public FileSystem {
 public:
  /// More cached nodes than this triggers eviction of unreferenced ones.
  static constexpr size_t kNodeCacheSoft = 512;

  /// Builds the file system from the server's kHello reply (the caller did
  /// the exchange: it also hands over the buffer). Errors: kIo (the reply
  /// failed, root id 0, the root is not a directory), kNoMemory.
  static kstd::Result<kstd::RefPtr<RemoteFs>> Create(kstd::RefPtr<RemoteTransport> transport,
                                                     const fsproto::Reply& hello);

  ~RemoteFs() override;

  kstd::RefPtr<Vnode> Root() override;
  /// statfs: asks the server (the hello's data if it fails).
  FsStats StatFs() const override;
  /// Drops the node table and the root (no server traffic).
  void Shutdown() override;

  /// umount: asks the server to flush and stop (kUnmount). The caller then
  /// removes the mount (MountTable::Umount calls Shutdown). Errors: kIo,
  /// kInterrupted, the server's errno.
  kstd::Result<void> Unmount();
  /// sync/syncfs: kSyncFs. Errors: as Unmount.
  kstd::Result<void> SyncAll();

  /// What a re-attach did with the nodes it found.
  struct ReattachReport {
    size_t adopted = 0;  // offered with kAdopt and taken: they keep working
    size_t stale = 0;    // refused by the new server: ESTALE from now on
    size_t dropped = 0;  // held only by the node table: forgotten silently
  };
  /// A restarted server takes this mount over (see "Re-attach" above):
  /// `fresh` replaces the transport, which must be dead. `hello` is the new
  /// server's kHello reply and must describe the same root (node id,
  /// directory, statfs magic). Sends kAdopt through `fresh` (the new server
  /// must already be serving) before anyone else can use it. On an error the
  /// mount stays dead and keeps its nodes (only those the table alone held
  /// are gone). Errors: kBusy (the transport is alive, or another re-attach
  /// runs), kInvalid (null transport, a different root or file system),
  /// kIo (the file system was shut down, the new server failed kAdopt or
  /// sent a malformed reply), kNoMemory, the server's errno for kAdopt.
  kstd::Result<ReattachReport> Reattach(kstd::RefPtr<RemoteTransport> fresh,
                                        const fsproto::Reply& hello);

  /// The current transport (replaced by Reattach).
  kstd::RefPtr<RemoteTransport> transport() const;
  /// Nodes in the table (for tests).
  size_t cached_nodes() const;

  // ---- For RemoteVnode.

  /// One exchange: builds the message from `request` + names, calls the
  /// transport and turns reply->error into an Error. Errors: kIo,
  /// kInterrupted, the server's errno, kNameTooLong (names too long).
  kstd::Result<void> Exchange(fsproto::Request& request, Name name, Name name2,
                              kstd::Span<const uint8_t> data_in, fsproto::Reply* reply,
                              kstd::Span<uint8_t> data_out);

  /// The vnode for a node the server reported with attributes `attr`: the
  /// cached one (same type, else kIo) refreshed, or a new one.
  /// Errors: kIo (id 0, id != attr.node, bad type bits, type mismatch),
  /// kNoMemory.
  kstd::Result<kstd::RefPtr<RemoteVnode>> NodeFor(uint64_t node, const fsproto::Attr& attr);

  /// After an unlink/rmdir/rename reported `node` as removed: if only the
  /// table holds its vnode, drops it and sends kForget (0 or unknown: nothing).
  void ForgetIfUnused(uint64_t node);

  /// Name cache of `dir`: the cached child `name` if its node is still in the
  /// table (else null); *generation gets the directory's generation for a
  /// later RememberChild.
  kstd::RefPtr<RemoteVnode> CachedChild(RemoteVnode* dir, Name name, uint64_t* generation);
  /// Remembers dir/name -> node, unless `dir` was cleared since `generation`
  /// (or the name is too long to cache, or memory is short).
  void RememberChild(RemoteVnode* dir, Name name, uint64_t node, uint64_t generation);
  /// Drops every cached name of `dir` and bumps its generation.
  void ClearChildren(RemoteVnode* dir);
  /// Name-cache hits since the mount (for tests and /proc).
  uint64_t name_cache_hits() const { return __atomic_load_n(&name_hits_, __ATOMIC_RELAXED); }

 private:
  static constexpr size_t kBuckets = 64;
  using Bucket = kstd::IntrusiveList<RemoteVnode, &RemoteVnode::table_node>;

  /// `type_name`: static, what /proc/mounts shows.
  RemoteFs(kstd::RefPtr<RemoteTransport> transport, const char* type_name);
  /// Moves table entries only the table holds into `out` (the caller sends
  /// kForget and releases them without the lock). Caller holds table_lock_.
  void EvictLocked(Bucket* out) REQUIRES(table_lock_);
  /// Sends kForget for an evicted vnode and drops the table's reference.
  void Forget(RemoteVnode* vnode);
  /// Forgets every cached name of `dir` for good (its memory too) and bumps
  /// its generation. Caller holds table_lock_.
  static void DropNamesLocked(RemoteVnode* dir);
  /// The table's vnode for `node`, or null. Caller holds table_lock_.
  RemoteVnode* FindLocked(uint64_t node) REQUIRES(table_lock_);

  /// Sends one message through `transport` (Exchange's work).
  static kstd::Result<void> ExchangeOn(RemoteTransport* transport, fsproto::Request& request,
                                       Name name, Name name2, kstd::Span<const uint8_t> data_in,
                                       fsproto::Reply* reply, kstd::Span<uint8_t> data_out);
  /// Offers the `count` nodes of `held` to the server behind `fresh`
  /// (kAdopt, in batches); status[i] gets 0 (taken) or its errno.
  static kstd::Result<void> Adopt(RemoteTransport* fresh, RemoteVnode* const* held, size_t count,
                                  int32_t* status);

  mutable SpinLock table_lock_;
  kstd::RefPtr<RemoteTransport> transport_ GUARDED_BY(table_lock_);  // swapped by Reattach
  bool reattaching_ = false;                                // atomic: one Reattach at a time
  kstd::RefPtr<RemoteVnode> root_ GUARDED_BY(table_lock_);  // null after Shutdown
  Bucket buckets_[kBuckets] GUARDED_BY(table_lock_);        // each holds a reference
  size_t count_ GUARDED_BY(table_lock_) = 0;
  fsproto::FsInfo info_ = {};  // from the hello (immutable)
  uint64_t name_hits_ = 0;     // atomic
};

}  // namespace core::vfs
