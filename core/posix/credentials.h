#pragma once

// A process's credentials and Linux's rules for changing and using them
// (kernel/sys.c, kernel/groups.c, security/commoncap.c, fs/namei.c's
// generic_permission), as pure functions on a value: no locks, no process.
// The syscall layer keeps one Credentials per process (core/proc), copies it
// for a call and stores the result of a change.
//
// Identity: real, effective, saved and file-system uid and gid, and up to
// kMaxGroups supplementary groups (Linux allows 65536; more than kMaxGroups
// is refused with kInvalid and said so in the README).
// Privilege is capabilities, never `uid == 0`: root is a process whose
// effective set holds them all, and Linux's uid transitions adjust the sets
// (a setuid away from 0 drops them, unless keep_caps).

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/capability.h"
#include "kstd/result.h"

namespace core::posix {

using CapSet = uint64_t;
/// Every capability Tessera knows (0..kCapLastCap).
inline constexpr CapSet kAllCaps = (CapSet{1} << (linux_abi::kCapLastCap + 1)) - 1;
constexpr CapSet CapBit(uint32_t cap) { return CapSet{1} << cap; }

/// uid/gid -1: "leave unchanged" in the set*id calls, never a valid id.
inline constexpr uint32_t kNoId = 0xFFFFFFFFu;

struct Credentials {
  static constexpr uint32_t kMaxGroups = 64;

  uint32_t ruid = 0, euid = 0, suid = 0, fsuid = 0;
  uint32_t rgid = 0, egid = 0, sgid = 0, fsgid = 0;
  uint32_t ngroups = 0;
  uint32_t groups[kMaxGroups] = {};  // sorted ascending (duplicates kept, as Linux)
  CapSet effective = 0, permitted = 0, inheritable = 0, bounding = kAllCaps, ambient = 0;
  bool keep_caps = false;  // PR_SET_KEEPCAPS (cleared by execve)

  /// uid 0 with every capability: init and the kernel's own processes.
  static Credentials Root();
  /// `uid`/`gid` with no capabilities and no groups (tests, and what a
  /// setuid away from root leaves).
  static Credentials User(uint32_t uid, uint32_t gid);

  /// The effective set holds `cap` (Linux's capable()).
  bool Has(uint32_t cap) const {
    return cap <= linux_abi::kCapLastCap && (effective & CapBit(cap));
  }
  /// `gid` is the fs gid or a supplementary group (in_group_p).
  bool InGroup(uint32_t gid) const;
};

// --- Changing identity (each returns the new credentials or kPermission /
// kInvalid, as Linux; `c` is not modified on error). -----------------------

kstd::Result<Credentials> SetUid(const Credentials& c, uint32_t uid);
kstd::Result<Credentials> SetReuid(const Credentials& c, uint32_t ruid, uint32_t euid);
kstd::Result<Credentials> SetResuid(const Credentials& c, uint32_t ruid, uint32_t euid,
                                    uint32_t suid);
/// setfsuid never fails: it returns the old fsuid and changes it only if
/// allowed. `out` receives the (possibly unchanged) credentials.
uint32_t SetFsuid(const Credentials& c, uint32_t fsuid, Credentials* out);
kstd::Result<Credentials> SetGid(const Credentials& c, uint32_t gid);
kstd::Result<Credentials> SetRegid(const Credentials& c, uint32_t rgid, uint32_t egid);
kstd::Result<Credentials> SetResgid(const Credentials& c, uint32_t rgid, uint32_t egid,
                                    uint32_t sgid);
uint32_t SetFsgid(const Credentials& c, uint32_t fsgid, Credentials* out);
/// setgroups: needs CAP_SETGID; more than NGROUPS_MAX is kInvalid, more than
/// kMaxGroups kInvalid too (Tessera's bound). Sorts them.
kstd::Result<Credentials> SetGroups(const Credentials& c, const uint32_t* groups, size_t count);

// --- Capabilities -----------------------------------------------------------

/// capset on oneself: the new inheritable set within old inheritable |
/// permitted (| bounding with CAP_SETPCAP), permitted never grows, effective
/// within the new permitted. Ambient capabilities not in both new permitted
/// and inheritable are dropped.
kstd::Result<Credentials> SetCapabilities(const Credentials& c, CapSet effective, CapSet permitted,
                                          CapSet inheritable);
/// PR_CAPBSET_DROP (needs CAP_SETPCAP; kInvalid for an unknown cap).
kstd::Result<Credentials> DropBounding(const Credentials& c, uint32_t cap);
/// PR_CAP_AMBIENT raise/lower/clear: raise needs the cap in permitted and
/// inheritable (kPermission).
kstd::Result<Credentials> RaiseAmbient(const Credentials& c, uint32_t cap);
Credentials LowerAmbient(const Credentials& c, uint32_t cap);
Credentials ClearAmbient(const Credentials& c);

// --- execve -------------------------------------------------------------

/// What execve learns about the program file.
struct ExecFile {
  uint32_t mode = 0;  // S_IF* | permission bits
  uint32_t uid = 0;
  uint32_t gid = 0;
  bool nosuid = false;  // on a nosuid mount: set-ID bits ignored
};

struct ExecCredentials {
  Credentials creds;
  /// AT_SECURE: the program runs with privileges its caller did not have
  /// (set-user/group-ID, or capabilities gained).
  bool secure = false;
};

/// The credentials a program starts with (Linux without file capabilities):
/// set-user-ID and set-group-ID (the latter only if group-executable) change
/// the effective ids; saved and fs ids follow the effective ones; a process
/// whose real or effective uid is 0 gets permitted = inheritable | bounding
/// (effective too if the effective uid is 0); others keep only ambient.
ExecCredentials CredentialsForExec(const Credentials& c, const ExecFile& file);

// --- Using identity ---------------------------------------------------------

inline constexpr uint32_t kMayExec = 1, kMayWrite = 2, kMayRead = 4;

/// What a permission check knows about the file.
struct FileOwnership {
  uint32_t mode = 0;  // S_IF* | permission bits
  uint32_t uid = 0;
  uint32_t gid = 0;
};

/// generic_permission: `want` (kMay* bits) by the owner/group/other bits for
/// the fs uid and gids, then CAP_DAC_OVERRIDE (everything on directories;
/// read/write on files; execute if any x bit is set) and CAP_DAC_READ_SEARCH
/// (read anything, search directories). Errors: kAccess.
kstd::Result<void> CheckAccess(const Credentials& c, const FileOwnership& file, uint32_t want);

/// The caller owns the file, or has CAP_FOWNER (inode_owner_or_capable).
bool OwnerOrCapable(const Credentials& c, uint32_t file_uid);

/// Removing or renaming `victim_uid`'s entry in a sticky directory owned by
/// `dir_uid` is allowed to the owner of either or CAP_FOWNER.
bool MayDeleteFromSticky(const Credentials& c, uint32_t dir_mode, uint32_t dir_uid,
                         uint32_t victim_uid);

/// kill(2)'s rule (kill_ok_by_cred): the sender's real or effective uid is
/// the target's real or saved uid, or the sender has CAP_KILL.
bool MaySignal(const Credentials& sender, const Credentials& target);

/// ptrace_may_access's credential rule, for /proc/<pid>/{environ,mem,fd,...}:
/// the caller's fs uid is the target's real, effective and saved uid, its fs
/// gid the target's three gids, and the target's permitted set is within the
/// caller's; or CAP_SYS_PTRACE. `dumpable` false (after a set-ID exec) needs
/// CAP_SYS_PTRACE.
bool MayInspect(const Credentials& caller, const Credentials& target, bool dumpable);

}  // namespace core::posix
