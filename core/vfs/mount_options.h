#pragma once

// mount(2)'s arguments decoded, in Linux's order and with its errors (pure
// code, host-tested): the MS_* flags into an operation and kMount* bits
// (fs/namespace.c path_mount), and the `data` option strings of the
// in-kernel file-system types (mm/shmem.c for tmpfs and devtmpfs,
// fs/ramfs/inode.c, fs/proc/root.c). The syscall (core/syscall/sys_mount.cc)
// copies the strings in and acts on the result.

#include <stddef.h>
#include <stdint.h>

#include "core/vfs/name.h"
#include "core/vfs/vnode.h"
#include "kstd/result.h"

namespace core::vfs {

enum class MountOperation : uint8_t {
  kNew,          // a new file system of a type on the target
  kRemount,      // MS_REMOUNT: new flags (and options) for the mount at the target
  kRemountBind,  // MS_REMOUNT | MS_BIND: new mount flags only, options untouched
  kMove,         // MS_MOVE: the mount at `source` moves onto the target
  kPrivate,      // MS_PRIVATE (with MS_REC or not): every mount is private already
};

struct MountRequest {
  MountOperation operation = MountOperation::kNew;
  /// kNew and the remounts: the kMount* flags asked for (relatime unless
  /// another atime mode is named).
  uint32_t flags = 0;
  /// Whether the call named an atime mode (MS_NOATIME, MS_NODIRATIME,
  /// MS_RELATIME, MS_STRICTATIME); a remount without one keeps the mount's.
  bool atime_given = false;
};

/// Decodes mount(2)'s flags as Linux's path_mount does: the magic number in
/// the top half is dropped; MS_SILENT is accepted and MS_MANDLOCK ignored
/// (Linux ignores it too); MS_REC counts only with MS_PRIVATE. The operation
/// follows Linux's precedence: remount+bind, remount, bind, propagation,
/// move, new. Errors: kInvalid for what Tessera does not do or does not know:
/// MS_BIND without MS_REMOUNT (no bind mounts: a file system shows at one
/// place only), MS_SHARED, MS_SLAVE and MS_UNBINDABLE (no mount
/// propagation), two propagation types at once, MS_NOSYMFOLLOW, MS_POSIXACL,
/// MS_I_VERSION, MS_NOUSER and any other bit Linux keeps for itself or does
/// not define; then *refused (if given) names the bits refused.
kstd::Result<MountRequest> DecodeMountFlags(uint64_t ms_flags, uint64_t* refused = nullptr);

/// The flags a remount leaves: the request's, with the mount's old atime
/// mode (`old_flags`) when the request named none.
uint32_t RemountFlags(const MountRequest& request, uint32_t old_flags);

/// What a `data` string set for a tmpfs (or devtmpfs) instance.
struct TmpfsOptions {
  bool size_set = false;    // size= or nr_blocks=
  uint64_t max_bytes = 0;   // whole pages; 0: no limit
  bool inodes_set = false;  // nr_inodes=
  uint64_t max_inodes = 0;  // 0: no limit
  bool mode_set = false;
  uint32_t mode = 01777;  // the root directory's permissions
  bool uid_set = false;
  uint32_t uid = 0;
  bool gid_set = false;
  uint32_t gid = 0;
};

/// A tmpfs's limits when `data` names none: half of RAM (`ram_bytes`) in
/// pages, and as many inodes as that has pages (Linux's defaults).
uint64_t TmpfsDefaultMaxBytes(uint64_t ram_bytes);
uint64_t TmpfsDefaultMaxInodes(uint64_t ram_bytes);

/// Parses tmpfs's comma-separated options. `flags` (kMount*) takes the
/// generic words Linux also reads from `data` ("ro", "rw", "sync", "async",
/// "dirsync", "lazytime", "nolazytime", "mand", "nomand"). tmpfs's own:
/// size=N[kmgtpe] (bytes, rounded up to whole pages) or size=N% (of
/// `ram_bytes`), nr_blocks=N[kmgtpe] (pages), nr_inodes=N[kmgtpe] (0: no
/// limit), mode=octal (07777 kept), uid=N, gid=N, and the ones that describe
/// what Tessera does anyway: huge=never, inode64, noswap. Numbers are
/// decimal, 0x hex or 0 octal, as Linux's memparse reads them. Errors:
/// kInvalid (an unknown option, a missing or malformed value, overflow).
kstd::Result<TmpfsOptions> ParseTmpfsOptions(Name data, uint64_t ram_bytes, uint32_t* flags);

/// ramfs: mode=octal; every other option is ignored, as Linux's ramfs does
/// ("traditionally ramfs has ignored all mount options"). The generic words
/// still set `flags`. Errors: kInvalid (a malformed mode).
kstd::Result<void> ParseRamfsOptions(Name data, uint32_t* mode, uint32_t* flags);

/// proc: the generic words, and hidepid=0 / hidepid=off (what Tessera's
/// /proc does: every process is visible). Errors: kInvalid (any other
/// option: hidepid=1/2, gid=, subset= are not implemented).
kstd::Result<void> ParseProcOptions(Name data, uint32_t* flags);

/// A file system with no options of its own (a user-space one): only the
/// generic words. Errors: kInvalid (anything else).
kstd::Result<void> ParseGenericOptions(Name data, uint32_t* flags);

}  // namespace core::vfs
