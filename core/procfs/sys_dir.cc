// /proc/sys: the sysctl files. Each entry reads its value from where the
// kernel keeps it and, if Tessera enforces it, takes writes (parsed as Linux
// parses them, sysctl_text.h) through SysctlWriteAllowed(). Values Tessera
// only reports are read-only (0444: opening them for writing gives EACCES,
// as Linux's read-only sysctls do for root too).

#include "abi/linux/socket.h"
#include "core/crypto/kernel_random.h"
#include "core/fd/fd_table.h"
#include "core/fd/lease.h"
#include "core/fd/pipe.h"
#include "core/proc/core_dump_hook.h"
#include "core/proc/exec_image_cache.h"
#include "core/proc/pid_allocator.h"
#include "core/proc/process.h"
#include "core/procfs/sys_dirs.h"
#include "core/procfs/sysctl_text.h"
#include "core/procfs/uts_names.h"
#include "core/sched/scheduler.h"
#include "core/sync/spin_lock.h"
#include "core/sysv/msg.h"
#include "core/sysv/sem.h"
#include "core/sysv/shm.h"
#include "core/vm/vm_aspace.h"
#include "kstd/new.h"
#include "kstd/string.h"

namespace core::procfs {
namespace {

using kstd::RefPtr;
using kstd::Result;
using vfs::TextBuffer;

constexpr int64_t kIntMax = 0x7fffffff;

// One sysctl file: `render` writes its text; `write` (null: read-only)
// takes a write at `offset` and returns the bytes consumed.
struct Entry {
  const char* name;
  uint32_t mode;  // 0444, 0644 or 0200
  void (*render)(TextBuffer& out);
  Result<size_t> (*write)(uint64_t offset, kstd::Span<const uint8_t> in);
};

class SysctlFile final : public vfs::SyntheticFile {
 public:
  SysctlFile(RefPtr<vfs::FileSystem> fs, uint64_t ino, const Entry& entry)
      : SyntheticFile(kstd::Move(fs), ino, entry.mode), entry_(entry) {}

  Result<RefPtr<vfs::OpenFile>> Open(uint32_t flags) override {
    // Linux checks the mode bits for root too (sysctl_perm).
    if (linux_abi::OpenWantsRead(flags) && entry_.render == nullptr) return kstd::Error::kAccess;
    if (linux_abi::OpenWantsWrite(flags) && (entry_.write == nullptr || !SysctlWriteAllowed())) {
      return kstd::Error::kAccess;
    }
    return SyntheticFile::Open(flags);
  }
  Result<void> Render(TextBuffer& out) override {
    if (entry_.render == nullptr) return kstd::Error::kAccess;
    entry_.render(out);
    return kstd::Ok();
  }
  bool writable() const override { return entry_.write != nullptr; }
  Result<size_t> HandleWrite(uint64_t offset, kstd::Span<const uint8_t> in) override {
    if (entry_.write == nullptr || !SysctlWriteAllowed()) return kstd::Error::kAccess;
    return entry_.write(offset, in);
  }

 private:
  const Entry& entry_;
};

// ---- Integer entries.

// A write of one int in [min, max] at offset 0 (Linux's strict mode
// ignores writes further on) given to `set`.
Result<size_t> WriteInt(uint64_t offset, kstd::Span<const uint8_t> in, int64_t min, int64_t max,
                        void (*set)(int64_t)) {
  if (offset != 0) return in.size();
  int64_t value = 0;
  size_t count = 0;
  size_t used = TRY(ParseIntVector(in, min, max, kstd::Span<int64_t>(&value, 1), &count));
  set(value);
  return used;
}

void Int(TextBuffer& out, int64_t v) { out.Printf("%ld\n", v); }

#define READ_ONLY_INT(fn, value) \
  void fn(TextBuffer& out) { Int(out, (value)); }

// Values Tessera reports but does not let anyone change.
READ_ONLY_INT(RandomizeVaSpace, 0)  // mappings and stacks are placed without randomness
READ_ONLY_INT(NgroupsMax, 65536)
READ_ONLY_INT(ShmMax, static_cast<int64_t>(sysv::kMaxSegmentBytes))
READ_ONLY_INT(ShmAll, static_cast<int64_t>(sysv::kMaxTotalBytes / 4096))  // in pages
READ_ONLY_INT(ShmMni, sysv::kMaxSegments)
READ_ONLY_INT(PipeMaxSize, static_cast<int64_t>(fd::kPipeCapacity))  // pipes have one size
READ_ONLY_INT(NrOpen, fd::kMaxFds)
READ_ONLY_INT(OvercommitMemory, 1)  // anonymous memory is never accounted: "always"
READ_ONLY_INT(SoMaxConn, linux_abi::kSoMaxConn)
READ_ONLY_INT(IpForward, 0)  // the network server does not forward (lwIP's IP_FORWARD 0)

void Sem(TextBuffer& out) {
  // SEMMSL SEMMNS SEMOPM SEMMNI, tab-separated as Linux prints int vectors.
  out.Printf("%d\t%d\t%d\t%d\n", sysv::kMaxSemaphores, sysv::kMaxSemaphores * sysv::kMaxSets,
             linux_abi::kSemOpm, sysv::kMaxSets);
}

void IpLocalPortRange(TextBuffer& out) {
  // lwIP's ephemeral ports (TCP_LOCAL_PORT_RANGE_START/END, the same for UDP).
  out.Printf("%d\t%d\n", 49152, 65535);
}

// Writable: enforced by the kernel.
// kernel.pid_max: pids wrap below it (core/proc/pid_allocator.h); Linux's
// range [RESERVED_PIDS + 1, PID_MAX_LIMIT].
void PidMax(TextBuffer& out) { Int(out, static_cast<int64_t>(Process::PidMax())); }
Result<size_t> SetPidMax(uint64_t offset, kstd::Span<const uint8_t> in) {
  return WriteInt(offset, in, PidAllocator::kMinMax, PidAllocator::kLimit,
                  [](int64_t v) { (void)Process::SetPidMax(static_cast<uint64_t>(v)); });
}
void MaxMapCount(TextBuffer& out) { Int(out, static_cast<int64_t>(vm::MaxMapCount())); }
Result<size_t> SetMaxMapCount(uint64_t offset, kstd::Span<const uint8_t> in) {
  return WriteInt(offset, in, 0, kIntMax,
                  [](int64_t v) { vm::SetMaxMapCount(static_cast<uint64_t>(v)); });
}

// fs.lease-break-time: seconds a lease holder has to give way (any int,
// as Linux's proc_dointvec; at most 0 breaks at once).
void LeaseBreakTime(TextBuffer& out) { Int(out, fd::LeaseBreakTime()); }
Result<size_t> SetLeaseBreakTime(uint64_t offset, kstd::Span<const uint8_t> in) {
  return WriteInt(offset, in, -kIntMax - 1, kIntMax, [](int64_t v) { fd::SetLeaseBreakTime(v); });
}

void MsgMax(TextBuffer& out) { Int(out, sysv::MsgMax()); }
Result<size_t> SetMsgMax(uint64_t offset, kstd::Span<const uint8_t> in) {
  return WriteInt(offset, in, 0, kIntMax, [](int64_t v) { sysv::SetMsgMax(static_cast<int>(v)); });
}
void MsgMnb(TextBuffer& out) { Int(out, sysv::MsgMnb()); }
Result<size_t> SetMsgMnb(uint64_t offset, kstd::Span<const uint8_t> in) {
  return WriteInt(offset, in, 0, kIntMax, [](int64_t v) { sysv::SetMsgMnb(static_cast<int>(v)); });
}
void MsgMni(TextBuffer& out) { Int(out, sysv::MsgMni()); }
Result<size_t> SetMsgMni(uint64_t offset, kstd::Span<const uint8_t> in) {
  return WriteInt(offset, in, 0, linux_abi::kIpcMni,
                  [](int64_t v) { sysv::SetMsgMni(static_cast<int>(v)); });
}

// vm.drop_caches (write-only): 1 drops file pages (the exec image cache,
// the only file cache the kernel keeps), 2 reclaimable objects (none), 3
// both, 4 only silences Linux's log line; anything else is EINVAL.
Result<size_t> DropCaches(uint64_t offset, kstd::Span<const uint8_t> in) {
  return WriteInt(offset, in, 1, 4, [](int64_t v) {
    if (v & 1) DropExecImages();
  });
}

// ---- Strings.

void Hostname(TextBuffer& out) {
  char name[kUtsNameLength];
  GetUtsName(true, name);
  out.Printf("%s\n", name);
}
void Domainname(TextBuffer& out) {
  char name[kUtsNameLength];
  GetUtsName(false, name);
  out.Printf("%s\n", name);
}
Result<size_t> SetName(bool host, uint64_t offset, kstd::Span<const uint8_t> in) {
  char name[kUtsNameLength];
  GetUtsName(host, name);
  size_t used = WriteString(kstd::Span<char>(name, sizeof name), offset, in);
  SetUtsName(host, name, kstd::StringLength(name));
  return used;
}
Result<size_t> SetHostname(uint64_t offset, kstd::Span<const uint8_t> in) {
  return SetName(true, offset, in);
}
Result<size_t> SetDomainname(uint64_t offset, kstd::Span<const uint8_t> in) {
  return SetName(false, offset, in);
}
// kernel.core_pattern and kernel.core_uses_pid (core/proc/core_dump_hook.h).
void CorePattern(TextBuffer& out) {
  char pattern[kCorePatternSize];
  GetCorePattern(pattern);
  out.Printf("%s\n", pattern);
}
Result<size_t> SetCorePatternText(uint64_t offset, kstd::Span<const uint8_t> in) {
  char pattern[kCorePatternSize];
  GetCorePattern(pattern);
  size_t used = WriteString(kstd::Span<char>(pattern, sizeof pattern), offset, in);
  SetCorePattern(pattern, kstd::StringLength(pattern));
  return used;
}
void CoreUsesPidText(TextBuffer& out) { Int(out, CoreUsesPid() ? 1 : 0); }
Result<size_t> SetCoreUsesPidText(uint64_t offset, kstd::Span<const uint8_t> in) {
  return WriteInt(offset, in, 0, 1, [](int64_t v) { SetCoreUsesPid(v != 0); });
}

void OsType(TextBuffer& out) { out.Printf("%s\n", kOsType); }
void OsRelease(TextBuffer& out) { out.Printf("%s\n", kOsRelease); }
void Version(TextBuffer& out) { out.Printf("%s\n", kOsVersion); }

// kernel.random.uuid: a new one on every read; boot_id: one per boot.
void Uuid(TextBuffer& out) {
  uint8_t bytes[16];
  crypto::RandomBytes(kstd::Span<uint8_t>(bytes, sizeof bytes));
  char text[37];
  FormatUuid(bytes, text);
  out.Printf("%s\n", text);
}

SpinLock g_boot_id_lock;
char g_boot_id[37] GUARDED_BY(g_boot_id_lock) = {};

void BootId(TextBuffer& out) {
  uint8_t bytes[16];
  crypto::RandomBytes(kstd::Span<uint8_t>(bytes, sizeof bytes));
  char text[37];
  FormatUuid(bytes, text);
  {
    SpinLockGuard guard(g_boot_id_lock);
    if (g_boot_id[0] == 0) __builtin_memcpy(g_boot_id, text, sizeof text);  // the first read's
    __builtin_memcpy(text, g_boot_id, sizeof text);
  }
  out.Printf("%s\n", text);
}

// ---- The tree.

constexpr Entry kKernel[] = {
    {"core_pattern", 0644, CorePattern, SetCorePatternText},
    {"core_uses_pid", 0644, CoreUsesPidText, SetCoreUsesPidText},
    {"domainname", 0644, Domainname, SetDomainname},
    {"hostname", 0644, Hostname, SetHostname},
    {"msgmax", 0644, MsgMax, SetMsgMax},
    {"msgmnb", 0644, MsgMnb, SetMsgMnb},
    {"msgmni", 0644, MsgMni, SetMsgMni},
    {"ngroups_max", 0444, NgroupsMax, nullptr},
    {"osrelease", 0444, OsRelease, nullptr},
    {"ostype", 0444, OsType, nullptr},
    {"pid_max", 0644, PidMax, SetPidMax},
    {"randomize_va_space", 0444, RandomizeVaSpace, nullptr},
    {"sem", 0444, Sem, nullptr},
    {"shmall", 0444, ShmAll, nullptr},
    {"shmmax", 0444, ShmMax, nullptr},
    {"shmmni", 0444, ShmMni, nullptr},
    {"version", 0444, Version, nullptr},
};
constexpr Entry kKernelRandom[] = {
    {"boot_id", 0444, BootId, nullptr},
    {"uuid", 0444, Uuid, nullptr},
};
constexpr Entry kFs[] = {
    {"lease-break-time", 0644, LeaseBreakTime, SetLeaseBreakTime},
    {"nr_open", 0444, NrOpen, nullptr},
    {"pipe-max-size", 0444, PipeMaxSize, nullptr},
};
constexpr Entry kVm[] = {
    {"drop_caches", 0200, nullptr, DropCaches},
    {"max_map_count", 0644, MaxMapCount, SetMaxMapCount},
    {"overcommit_memory", 0444, OvercommitMemory, nullptr},
};
constexpr Entry kNetCore[] = {
    {"somaxconn", 0444, SoMaxConn, nullptr},
};
constexpr Entry kNetIpv4[] = {
    {"ip_forward", 0444, IpForward, nullptr},
    {"ip_local_port_range", 0444, IpLocalPortRange, nullptr},
};

// A new directory named `name` in `parent`, with `entries`; returns it.
Result<vfs::StaticDir*> AddDir(vfs::StaticDir* parent, const RefPtr<vfs::FileSystem>& fs,
                               const char* name, kstd::Span<const Entry> entries) {
  auto* dir = new (kstd::nothrow) vfs::StaticDir(fs, fs->NextIno(), 0555);
  RefPtr<vfs::Vnode> dir_ref = kstd::AdoptRef<vfs::Vnode>(dir);
  if (!dir_ref) return kstd::Error::kNoMemory;
  dir->set_parent(parent);
  for (const Entry& e : entries) {
    RefPtr<vfs::Vnode> file =
        kstd::AdoptRef<vfs::Vnode>(new (kstd::nothrow) SysctlFile(fs, fs->NextIno(), e));
    if (!file) return kstd::Error::kNoMemory;
    TRY(dir->Add(vfs::Name(e.name, kstd::StringLength(e.name)), kstd::Move(file)));
  }
  TRY(parent->Add(vfs::Name(name, kstd::StringLength(name)), kstd::Move(dir_ref)));
  return dir;
}

template <size_t N>
kstd::Span<const Entry> All(const Entry (&entries)[N]) {
  return kstd::Span<const Entry>(entries, N);
}

}  // namespace

bool SysctlWriteAllowed() {
  // Linux's sysctl_perm: the owner's bits (rw for writable entries) for an
  // effective uid of 0, the group's or others' (never w) for anyone else,
  // whatever the capabilities. The kernel's own writes (no process) may.
  Process* self = sched::Current()->process();
  return self == nullptr || self->credentials().euid == 0;
}

Result<void> AddSysDir(vfs::StaticDir* root, RefPtr<vfs::FileSystem> fs) {
  vfs::StaticDir* sys = TRY(AddDir(root, fs, "sys", {}));
  vfs::StaticDir* kernel = TRY(AddDir(sys, fs, "kernel", All(kKernel)));
  TRY(AddDir(kernel, fs, "random", All(kKernelRandom)));
  TRY(AddDir(sys, fs, "fs", All(kFs)));
  TRY(AddDir(sys, fs, "vm", All(kVm)));
  vfs::StaticDir* net = TRY(AddDir(sys, fs, "net", {}));
  TRY(AddDir(net, fs, "core", All(kNetCore)));
  TRY(AddDir(net, fs, "ipv4", All(kNetIpv4)));
  return kstd::Ok();
}

}  // namespace core::procfs
