// procfs: the file system object, /proc itself (its fixed files, /proc/self
// and one directory per process), the system-wide files and the
// load-average sampler. /proc/<pid>/ is pid_dir.cc; what a process looks
// like is process_view.cc; the text formats are render.cc.

#include "core/procfs/procfs.h"

#include "abi/linux/statfs.h"
#include "abi/linux/syscall_names.h"

#include "abi/tessera/netproto.h"
#include "core/kernel/memory.h"
#include "core/kmsg/kmsg_device.h"
#include "core/net/inet_socket.h"
#include "core/net/unix_socket.h"
#include "core/procfs/internal.h"
#include "core/procfs/locks.h"
#include "core/procfs/render.h"
#include "core/procfs/sys_dirs.h"
#include "core/procfs/sysinfo.h"
#include "core/sched/scheduler.h"
#include "core/unsupported/refusals.h"
#include "core/vfs/synthetic.h"
#include "core/vm/vm_aspace.h"
#include "hal/cpu_id.h"
#include "hal/timer.h"
#include "klog/format.h"
#include "kstd/new.h"
#include "kstd/string.h"

namespace core::procfs {
namespace {

using kstd::RefPtr;
using kstd::Result;
using vfs::Name;
using vfs::Vnode;
using vfs::VnodeType;

vfs::MountTable* g_mounts = nullptr;
LoadAverage g_load;
// For measuring the TSC rate (cpu MHz).
uint64_t g_cycles_at_init = 0;
uint64_t g_nanos_at_init = 0;

}  // namespace

RefPtr<vfs::MountNamespace> ReaderMounts() {
  Process* self = sched::Current()->process();
  if (self != nullptr) {
    if (RefPtr<vfs::MountNamespace> ns = self->mount_namespace()) return ns;
  }
  return nullptr;
}

const vfs::MountTable& TableOf(const RefPtr<vfs::MountNamespace>& ns) {
  return ns ? ns->mounts() : *g_mounts;
}

Result<void> RenderMounts(const vfs::MountTable& mounts, TextBuffer& out) {
  // Copied out under the mount table's lock (fn may only copy): the strings
  // into one arena sized by a first pass, and a reference to each file
  // system, whose own options are formatted after the lock.
  struct Row {
    RefPtr<vfs::FileSystem> fs;
    const char* source;
    const char* path;
    uint32_t flags;
  };
  for (int attempt = 0; attempt < 4; ++attempt) {
    size_t rows_needed = 0, bytes_needed = 0;
    mounts.ForEach([&](const vfs::MountView& m) {
      ++rows_needed;
      bytes_needed += kstd::StringLength(m.source) + kstd::StringLength(m.path) + 2;
    });
    Row* rows = new (kstd::nothrow) Row[rows_needed];
    char* arena = new (kstd::nothrow) char[bytes_needed + 1];
    struct Free {
      Row* rows;
      char* arena;
      ~Free() {
        delete[] rows;
        delete[] arena;
      }
    } free_later{rows, arena};
    if (rows == nullptr || arena == nullptr) return kstd::Error::kNoMemory;
    size_t n = 0, used = 0;
    bool fits = true;
    mounts.ForEach([&](const vfs::MountView& m) {
      size_t source_length = kstd::StringLength(m.source) + 1;
      size_t path_length = kstd::StringLength(m.path) + 1;
      if (!fits || n == rows_needed || used + source_length + path_length > bytes_needed) {
        fits = false;
        return;
      }
      rows[n].fs = RefPtr<vfs::FileSystem>::FromRaw(m.fs);
      rows[n].source = arena + used;
      __builtin_memcpy(arena + used, m.source, source_length);
      used += source_length;
      rows[n].path = arena + used;
      __builtin_memcpy(arena + used, m.path, path_length);
      used += path_length;
      rows[n].flags = m.flags;
      ++n;
    });
    if (!fits) continue;  // the table grew meanwhile: count again
    char options[256];
    for (size_t i = 0; i < n; ++i) {
      rows[i].fs->FormatOptions(kstd::Span<char>(options, sizeof options));
      RenderMountLine({rows[i].source, rows[i].path, rows[i].fs->name(), rows[i].flags, options},
                      out);
    }
    return kstd::Ok();
  }
  return kstd::Error::kAgain;
}

RefPtr<Vnode> ReaderRoot() {
  Process* self = sched::Current()->process();
  if (self != nullptr) {
    if (kstd::RefPtr<Vnode> root = self->root()) return root;
  }
  return g_mounts->Root();
}

namespace {

// ---- /proc itself.

// A proc file system and the PID namespace it shows (its mounter's).
class ProcFs final : public vfs::SyntheticFs {
 public:
  explicit ProcFs(RefPtr<PidNamespace> view)
      : SyntheticFs("proc", linux_abi::kProcMagic), view_(kstd::Move(view)) {}
  const PidNamespace* view() const { return view_.get(); }

 private:
  const RefPtr<PidNamespace> view_;
};

// /proc/self ("<pid>") and /proc/thread-self ("<pid>/task/<tid>"), in the
// mount's namespace's numbers; a reader that namespace does not see has
// neither (ENOENT).
class SelfLink final : public vfs::SyntheticSymlink {
 public:
  SelfLink(RefPtr<vfs::FileSystem> fs, uint64_t ino, bool thread)
      : SyntheticSymlink(kstd::Move(fs), ino), thread_(thread) {}
  Result<size_t> Target(kstd::Span<char> out) override {
    sched::Thread* t = sched::Current();
    Process* self = t->process();
    if (self == nullptr) return kstd::Error::kNotFound;  // a kernel thread
    const PidNamespace* view = ViewOf(fs());
    const uint64_t pid = view->ToLocal(self->pid());
    if (pid == 0) return kstd::Error::kNotFound;
    char text[64];
    if (!thread_) return CopyTarget(text, FormatNumber(text, pid), out);
    const uint64_t tid = t->owner_state() != nullptr ? view->ToLocal(LinuxOf(t).tid) : 0;
    if (tid == 0) return kstd::Error::kNotFound;  // a thread without a Linux tid
    return CopyTarget(text, klog::Format(text, sizeof text, "%lu/task/%lu", pid, tid), out);
  }

 private:
  const bool thread_;
};

class RootDir final : public vfs::StaticDir {
 public:
  static constexpr uint64_t kPidCursorBase = uint64_t{1} << 32;

  RootDir(RefPtr<vfs::FileSystem> fs, uint64_t ino) : StaticDir(kstd::Move(fs), ino, 0555) {}

  void set_fixed_count(size_t n) { fixed_count_ = n; }

  Result<RefPtr<Vnode>> Lookup(Name name) override {
    auto fixed = StaticDir::Lookup(name);
    if (fixed.ok() || fixed.error() != kstd::Error::kNotFound) return fixed;
    // Names are the mount's namespace's numbers.
    uint64_t pid = ViewOf(fs())->ToGlobal(TRY(ParseNumber(name)));
    if (pid == 0) return kstd::Error::kNotFound;
    if (!Process::FindByPid(pid)) {
      // A thread's tid: found, though not listed (as Linux), as its task
      // directory.
      RefPtr<Process> owner = Process::FindByTid(pid);
      if (!owner) return kstd::Error::kNotFound;
      return MakeTaskDir(RefPtr<vfs::FileSystem>::FromRaw(fs()), owner->pid(), pid,
                         RefPtr<Vnode>::FromRaw(this));
    }
    return MakePidDir(RefPtr<vfs::FileSystem>::FromRaw(fs()), pid, RefPtr<Vnode>::FromRaw(this));
  }

  Result<void> ReadDir(uint64_t* cursor, vfs::DirSink& sink) override {
    if (*cursor < kPidCursorBase) {
      TRY(StaticDir::ReadDir(cursor, sink));
      if (*cursor < fixed_count_ + 2) return kstd::Ok();  // the sink is full
      *cursor = kPidCursorBase;
    }
    ProcessList list;
    TRY(list.Collect());
    uint64_t after = *cursor - kPidCursorBase;
    const PidNamespace* view = ViewOf(fs());
    for (size_t i = 0; i < list.size(); ++i) {
      uint64_t pid = view->ToLocal(list[i]->pid());  // 0: not in the mount's namespace
      if (pid == 0 || pid <= after) continue;
      char name[24];
      size_t length = FormatNumber(name, pid);
      if (!sink.Emit(vfs::DirEntry{PidIno(list[i]->pid(), 0), VnodeType::kDirectory,
                                   Name(name, length), kPidCursorBase + pid})) {
        return kstd::Ok();
      }
      *cursor = kPidCursorBase + pid;
    }
    return kstd::Ok();
  }

 private:
  size_t fixed_count_ = 0;
};

// ---- System-wide files.

struct SystemCounts {
  uint64_t threads = 0;
  uint64_t page_table_pages = 0;
};

// The pid given last in the reader's PID namespace (Linux's loadavg).
uint64_t LastPidForReader() {
  Process* reader = sched::Current()->process();
  const PidNamespace* ns = reader != nullptr ? reader->pid_namespace() : nullptr;
  if (ns == nullptr || ns->parent() == nullptr) return Process::LastPid();
  return ns->last_number();
}

SystemCounts CountProcesses() {
  SystemCounts counts;
  ProcessList list;
  if (list.Collect().is_error()) return counts;
  for (size_t i = 0; i < list.size(); ++i) {
    counts.threads += list[i]->live_threads();
    RefPtr<vm::VmAspace> aspace = list[i]->aspace_ref();
    if (aspace) counts.page_table_pages += aspace->table_pages();
  }
  return counts;
}

MemInfo ReadMemInfo() {
  mm::PmmStats pmm = Pmm().Stats();
  mm::HeapStats heap = KernelHeap().Stats();
  MemInfo m;
  constexpr uint64_t kPageKb = kPageSize / 1024;
  m.total_kb = (pmm.total_pages - pmm.reserved_pages) * kPageKb;
  m.free_kb = pmm.free_pages * kPageKb;
  m.available_kb = m.free_kb;  // nothing is reclaimable
  m.slab_kb = heap.pages_held * kPageKb;
  m.page_tables_kb = CountProcesses().page_table_pages * kPageKb;
  return m;
}

// The load-average sampler: every 5 seconds, the threads that are runnable
// (the sampler itself runs at high priority, so whatever it interrupted is
// on the run queue and counted).
void LoadSampler(void*) {
  for (;;) {
    sched::SleepTicks(LoadAverage::kSampleSeconds * sched::kTickHz);
    g_load.Sample(sched::Stats().runnable);
  }
}

uint64_t RunnableNow() { return sched::Stats().runnable + 1; }  // + the reader

CpuidRegs RealCpuid(uint32_t leaf, uint32_t subleaf) {
  const hal::CpuIdRegisters r = hal::ReadCpuId(leaf, subleaf);
  return CpuidRegs{r.eax, r.ebx, r.ecx, r.edx};
}

uint64_t MeasuredKhz() {
  uint64_t ms = (hal::MonotonicNanos() - g_nanos_at_init) / 1'000'000;
  if (ms == 0) return 0;
  return (hal::ReadCycleCounter() - g_cycles_at_init) / ms;
}

// "refused call what value count": the flags and operations of implemented
// calls that were refused since boot (core/syscall/refusals.h).
void RenderRefusals(TextBuffer& out) {
  Refusal* rows = new (kstd::nothrow) Refusal[kMaxRefusals];
  if (rows == nullptr) return;
  uint64_t overflow = 0;
  size_t n = ListRefusals(rows, kMaxRefusals, &overflow);
  for (size_t i = 0; i < n; ++i) {
    out.Printf("refused %s %s 0x%lx %lu\n", rows[i].call, rows[i].what, rows[i].value,
               rows[i].count);
  }
  if (overflow != 0) out.Printf("refused (more kinds) - - %lu\n", overflow);
  delete[] rows;
}

// /proc/net/unix in Linux's format (unix_seq_show): the kernel address
// column is zero (as Linux shows it to a reader without CAP_SYSLOG), the
// inode is the socket's (fstat's st_ino), abstract names start with '@'.
void RenderNetUnix(TextBuffer& out) {
  out.Printf("Num       RefCount Protocol Flags    Type St Inode Path\n");
  net::ForEachUnixSocket(
      [](const net::UnixSocketInfo& s, void* context) {
        auto& text = *static_cast<TextBuffer*>(context);
        text.Printf("0000000000000000: %08X %08X %08X %04X %02X %5lu", s.ref_count, 0,
                    s.listening ? 0x10000u : 0u, s.type, s.state, s.inode);
        if (s.name.named()) {
          char path[sizeof s.name.name + 2];
          size_t n = 0;
          if (s.name.kind == net::UnixAddress::Kind::kAbstract) path[n++] = '@';
          for (size_t i = 0; i < s.name.length; ++i) {
            char c = s.name.name[i];
            path[n++] = c == 0 ? '@' : c;
          }
          path[n] = 0;
          text.Printf(" %s", path);
        }
        text.Printf("\n");
      },
      &out);
}

enum class GlobalFileKind : uint8_t {
  kMeminfo,
  kUptime,
  kLoadavg,
  kStat,
  kVersion,
  kMounts,
  kFilesystems,
  kCpuinfo,
  kUnsupported,
  kNetUnix,
  kNetServer,  // rendered by the network server (netproto kProcNet)
};

// A /proc/net file of the network server's; empty without one (a reader
// then sees no interfaces and no sockets, which is what there is).
void RenderNetServer(uint32_t file, TextBuffer& out) {
  constexpr size_t kRoom = 64 * 1024;
  auto* text = new (kstd::nothrow) uint8_t[kRoom];
  if (text == nullptr) return;
  auto n = net::ReadProcNet(file, kstd::Span<uint8_t>(text, kRoom));
  if (n.ok()) out.Append(reinterpret_cast<const char*>(text), n.value());
  delete[] text;
}

class GlobalFile final : public vfs::SyntheticFile {
 public:
  GlobalFile(RefPtr<vfs::FileSystem> fs, uint64_t ino, GlobalFileKind kind, uint32_t arg = 0)
      : SyntheticFile(kstd::Move(fs), ino, 0444), kind_(kind), arg_(arg) {}

  Result<void> Render(TextBuffer& out) override {
    switch (kind_) {
      case GlobalFileKind::kMeminfo: RenderMeminfo(ReadMemInfo(), out); break;
      case GlobalFileKind::kUptime:
        RenderUptime(hal::MonotonicNanos(),
                     sched::Stats().idle_ticks * (kNanosPerSecond / sched::kTickHz), out);
        break;
      case GlobalFileKind::kLoadavg:
        RenderLoadavg(g_load, RunnableNow(), CountProcesses().threads, LastPidForReader(), out);
        break;
      case GlobalFileKind::kStat: {
        sched::SchedulerStats s = sched::Stats();
        uint64_t total = sched::Ticks();
        uint64_t user = kstd::Min(sched::UserTicks(), total - kstd::Min(s.idle_ticks, total));
        CpuTimes cpu;
        cpu.user = user / kKernelTicksPerUserTick;
        cpu.idle = s.idle_ticks / kKernelTicksPerUserTick;
        cpu.system =
            (total - user - kstd::Min(s.idle_ticks, total - user)) / kKernelTicksPerUserTick;
        SystemStat stat;
        stat.total = cpu;
        stat.cpus = &cpu;  // only the boot CPU runs threads
        stat.cpu_count = 1;
        stat.context_switches = s.switches;
        // CLOCK_REALTIME counts from boot until there is an RTC driver.
        int64_t boot_ns = vfs::Now() - static_cast<int64_t>(hal::MonotonicNanos());
        stat.boot_time = boot_ns > 0 ? static_cast<uint64_t>(boot_ns) / kNanosPerSecond : 0;
        stat.processes = Process::IdsGiven();
        stat.procs_running = RunnableNow();
        RenderSystemStat(stat, out);
        break;
      }
      case GlobalFileKind::kVersion:
        // Matches uname(2) (core/syscall/sys_system.cc).
        out.Printf("Linux version 6.1.0-tessera (tessera@tessera) (%s) #1 Tessera 0.1.0\n",
                   __VERSION__);
        break;
      case GlobalFileKind::kMounts: {
        RefPtr<vfs::MountNamespace> ns = ReaderMounts();
        return RenderMounts(TableOf(ns), out);
      }
      case GlobalFileKind::kFilesystems:
        // The file-system types mount(2) knows: the kernel's own, and the
        // block-device ones init's mount agent serves (ext2, ext3, ext4;
        // without an agent their mounts give ENODEV). mount without -t
        // tries the ones that need a device, in order.
        out.Printf(
            "nodev\tramfs\nnodev\ttmpfs\nnodev\tdevtmpfs\nnodev\tproc\n\text3\n\text2\n\text4\n");
        break;
      case GlobalFileKind::kCpuinfo: RenderCpuinfo(RealCpuid, 0, 1, MeasuredKhz(), out); break;
      case GlobalFileKind::kUnsupported:
        // "number name count" for each Linux system call refused with ENOSYS
        // since boot; numbers past the table are counted together.
        for (uint64_t nr = 0; nr < kTrackedNumbers; ++nr) {
          uint64_t count = UnsupportedCount(nr);
          if (count == 0) continue;
          const char* name = tessera::LinuxSyscallName(nr);
          out.Printf("%lu %s %lu\n", nr, name != nullptr ? name : "-", count);
        }
        if (uint64_t other = UnsupportedCount(kTrackedNumbers); other != 0) {
          out.Printf(">=%lu - %lu\n", kTrackedNumbers, other);
        }
        RenderRefusals(out);
        break;
      case GlobalFileKind::kNetUnix: RenderNetUnix(out); break;
      case GlobalFileKind::kNetServer: RenderNetServer(arg_, out); break;
    }
    return kstd::Ok();
  }

 private:
  const GlobalFileKind kind_;
  const uint32_t arg_;
};

Result<void> AddGlobal(vfs::StaticDir* dir, RefPtr<vfs::FileSystem> fs, const char* name,
                       GlobalFileKind kind, uint32_t arg = 0) {
  RefPtr<Vnode> file =
      kstd::AdoptRef<Vnode>(new (kstd::nothrow) GlobalFile(fs, fs->NextIno(), kind, arg));
  if (!file) return kstd::Error::kNoMemory;
  return dir->Add(Name(name, kstd::StringLength(name)), kstd::Move(file));
}

}  // namespace

void SysinfoLoads(uint64_t loads[3]) {
  for (int i = 0; i < 3; ++i) {
    loads[i] = g_load.fixed(i) << (kSysinfoLoadShift - LoadAverage::kFixedShift);
  }
}

const PidNamespace* ViewOf(const vfs::FileSystem* fs) {
  // Every vnode of procfs belongs to a ProcFs (CreateProcFs makes them all).
  return static_cast<const ProcFs*>(fs)->view();
}

kstd::Result<RefPtr<vfs::FileSystem>> CreateProcFs() {
  Process* mounter = sched::Current()->process();
  RefPtr<PidNamespace> view = mounter != nullptr
                                  ? RefPtr<PidNamespace>::FromRaw(mounter->pid_namespace())
                                  : RefPtr<PidNamespace>::FromRaw(PidNamespace::Root());
  RefPtr<vfs::SyntheticFs> fs =
      kstd::AdoptRef<vfs::SyntheticFs>(new (kstd::nothrow) ProcFs(kstd::Move(view)));
  if (!fs) return kstd::Error::kNoMemory;
  auto* root = new (kstd::nothrow) RootDir(fs, fs->NextIno());
  RefPtr<Vnode> root_ref = kstd::AdoptRef<Vnode>(root);
  if (!root_ref) return kstd::Error::kNoMemory;

  struct Global {
    const char* name;
    GlobalFileKind kind;
  };
  static constexpr Global kGlobals[] = {
      {"cpuinfo", GlobalFileKind::kCpuinfo}, {"filesystems", GlobalFileKind::kFilesystems},
      {"loadavg", GlobalFileKind::kLoadavg}, {"meminfo", GlobalFileKind::kMeminfo},
      {"mounts", GlobalFileKind::kMounts},   {"stat", GlobalFileKind::kStat},
      {"uptime", GlobalFileKind::kUptime},   {"version", GlobalFileKind::kVersion},
  };
  size_t fixed = 0;
  for (const Global& g : kGlobals) {
    TRY(AddGlobal(root, fs, g.name, g.kind));
    ++fixed;
  }
  RefPtr<Vnode> self =
      kstd::AdoptRef<Vnode>(new (kstd::nothrow) SelfLink(fs, fs->NextIno(), false));
  if (!self) return kstd::Error::kNoMemory;
  TRY(root->Add(Name("self", 4), kstd::Move(self)));
  ++fixed;
  RefPtr<Vnode> thread_self =
      kstd::AdoptRef<Vnode>(new (kstd::nothrow) SelfLink(fs, fs->NextIno(), true));
  if (!thread_self) return kstd::Error::kNoMemory;
  TRY(root->Add(Name("thread-self", 11), kstd::Move(thread_self)));
  ++fixed;
  RefPtr<Vnode> kmsg = kmsg::MakeProcKmsgNode(fs, fs->NextIno());
  if (!kmsg) return kstd::Error::kNoMemory;
  TRY(root->Add(Name("kmsg", 4), kstd::Move(kmsg)));
  ++fixed;
  RefPtr<Vnode> locks = MakeProcLocksNode(fs, fs->NextIno());
  if (!locks) return kstd::Error::kNoMemory;
  TRY(root->Add(Name("locks", 5), kstd::Move(locks)));
  ++fixed;
  // /proc/tessera: the kernel's own reports.
  auto* tessera = new (kstd::nothrow) vfs::StaticDir(fs, fs->NextIno(), 0555);
  RefPtr<Vnode> tessera_ref = kstd::AdoptRef<Vnode>(tessera);
  if (!tessera_ref) return kstd::Error::kNoMemory;
  tessera->set_parent(root);
  TRY(AddGlobal(tessera, fs, "unsupported", GlobalFileKind::kUnsupported));
  TRY(root->Add(Name("tessera", 7), kstd::Move(tessera_ref)));
  ++fixed;
  // /proc/net: the sockets.
  auto* net_dir = new (kstd::nothrow) vfs::StaticDir(fs, fs->NextIno(), 0555);
  RefPtr<Vnode> net_ref = kstd::AdoptRef<Vnode>(net_dir);
  if (!net_ref) return kstd::Error::kNoMemory;
  net_dir->set_parent(root);
  TRY(AddGlobal(net_dir, fs, "unix", GlobalFileKind::kNetUnix));
  static const struct {
    const char* name;
    netproto::ProcNetFile file;
  } kServerFiles[] = {
      {"dev", netproto::kProcNetDev},   {"route", netproto::kProcNetRoute},
      {"arp", netproto::kProcNetArp},   {"tcp", netproto::kProcNetTcp},
      {"tcp6", netproto::kProcNetTcp6}, {"udp", netproto::kProcNetUdp},
      {"udp6", netproto::kProcNetUdp6}, {"if_inet6", netproto::kProcNetIfInet6},
      {"snmp", netproto::kProcNetSnmp}, {"frameproto", netproto::kProcNetFrameproto},
  };
  for (const auto& f : kServerFiles) {
    TRY(AddGlobal(net_dir, fs, f.name, GlobalFileKind::kNetServer, f.file));
  }
  TRY(root->Add(Name("net", 3), kstd::Move(net_ref)));
  ++fixed;
  TRY(AddSysDir(root, fs));  // /proc/sys and /proc/sysvipc (sys_dir.cc, sysvipc_dir.cc)
  TRY(AddSysvipcDir(root, fs));
  fixed += 2;
  root->set_fixed_count(fixed);
  fs->set_root(root_ref);
  return RefPtr<vfs::FileSystem>(fs);
}

kstd::Result<void> InitProcFs(vfs::MountTable& mounts, RefPtr<Vnode> dir) {
  g_mounts = &mounts;
  g_cycles_at_init = hal::ReadCycleCounter();
  g_nanos_at_init = hal::MonotonicNanos();
  RefPtr<vfs::FileSystem> fs = TRY(CreateProcFs());
  vfs::MountOptions options;
  options.source = "proc";
  TRY(mounts.Mount(fs, kstd::Move(dir), Name("/proc", 5), options));

  auto sampler =
      sched::Thread::Create("loadavg", nullptr, LoadSampler, nullptr, sched::kPriorityHigh);
  if (sampler.is_error()) return sampler.error();
  sched::Start(sampler.value().get());
  return kstd::Ok();
}

}  // namespace core::procfs