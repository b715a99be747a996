#pragma once

// The text of procfs files in Linux's exact formats (proc(5) and Linux 6.1's
// fs/proc/{array,base,meminfo,stat,uptime,loadavg,task_mmu}.c,
// arch/x86/kernel/cpu/proc.c), rendered from plain snapshots. Pure code: no
// kernel state and no locks, so the host tests check every layout (field
// counts and order, column widths, rounding) against the host kernel's files.
// Each function appends to a TextBuffer, whose allocation failure sticks (the
// caller checks failed()); every output is bounded by its inputs.

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/resource.h"
#include "core/vfs/synthetic.h"

namespace core::procfs {

using vfs::TextBuffer;

/// Clock ticks per second in /proc (USER_HZ, what AT_CLKTCK says).
inline constexpr uint64_t kUserHz = 100;
inline constexpr uint64_t kPageSize = 4096;
/// TASK_COMM_LEN: a command name shows at most 15 characters.
inline constexpr size_t kCommMax = 15;

/// Everything /proc/<pid>/{stat,status,statm} show about one process.
/// Supplementary groups /proc/<pid>/status lists (Tessera keeps at most 64).
inline constexpr uint32_t kMaxGroupsShown = 64;

/// PID namespaces below the shown one that status's NS* lines list at most
/// (Linux's MAX_PID_NS_LEVEL).
inline constexpr uint32_t kMaxNsLevelsShown = 32;

struct ProcessView {
  uint64_t pid = 0;
  /// The thread shown (/proc/<pid>/task/<tid>/); 0: the process (its pid).
  uint64_t tid = 0;
  uint64_t ppid = 0;
  uint64_t pgid = 0;
  uint64_t sid = 0;
  /// The numbers in each PID namespace below the one these ids are in,
  /// outermost first, down to the process's own (status's NStgid, NSpid,
  /// NSpgid, NSsid: 0 where a group or session is not visible).
  struct NsIds {
    uint64_t tgid, pid, pgid, sid;
  };
  uint32_t ns_levels = 0;
  NsIds ns_ids[kMaxNsLevelsShown] = {};
  char comm[kCommMax + 1] = {};  // NUL-terminated
  /// R (running or runnable), S (sleeping), D (uninterruptible), T
  /// (stopped), Z (zombie: exited, not yet reaped), X (dead).
  char state = 'R';
  int64_t tty_nr = 0;  // controlling terminal (0: none)
  int64_t tpgid = -1;  // its foreground process group (-1: none)
  uint64_t flags = 0;  // PF_* (PF_EXITING for zombies)
  uint64_t utime = 0;  // clock ticks
  uint64_t stime = 0;
  uint64_t cutime = 0;  // the waited-for children's, clock ticks
  uint64_t cstime = 0;
  int64_t priority = 20;  // 20 + nice for normal (non-real-time) tasks
  int64_t nice = 0;
  uint64_t threads = 0;
  uint64_t start_time = 0;  // clock ticks after boot
  /// False once the process has released its address space (zombies): the
  /// memory fields of stat are 0 and status has no Vm lines, as on Linux.
  bool has_memory = false;
  uint64_t vsize = 0;  // bytes
  uint64_t rss = 0;    // pages
  uint64_t start_code = 0, end_code = 0, start_stack = 0;
  uint64_t start_data = 0, end_data = 0, start_brk = 0;
  uint64_t arg_start = 0, arg_end = 0, env_start = 0, env_end = 0;
  // Signal sets (bit n-1 for signal n).
  uint64_t sig_pending = 0;         // this thread's (SigPnd)
  uint64_t sig_shared_pending = 0;  // the process's (ShdPnd)
  uint64_t sig_blocked = 0;
  uint64_t sig_ignored = 0;
  uint64_t sig_caught = 0;
  uint64_t sig_queued = 0;  // SigQ: queued signals / limit
  uint64_t sig_queue_limit = 0;
  int64_t exit_code = 0;  // the wait status once exited
  uint32_t umask = 022;
  uint64_t fd_slots = 0;  // FDSize: the fd table's capacity
  // status's Vm lines, in bytes.
  // status's Uid/Gid (real, effective, saved, fs), Groups and Cap* lines.
  uint32_t uid[4] = {}, gid[4] = {};
  uint32_t ngroups = 0;
  uint32_t groups[kMaxGroupsShown] = {};
  uint64_t cap_inheritable = 0, cap_permitted = 0, cap_effective = 0, cap_bounding = 0,
           cap_ambient = 0;
  bool no_new_privs = false;
  uint64_t data_bytes = 0;  // private writable mappings (not the stack)
  uint64_t stack_bytes = 0;
  uint64_t exe_bytes = 0;  // executable mappings
  uint64_t page_table_bytes = 0;
};

/// "R (running)", "S (sleeping)", ... for a state letter.
const char* StateName(char state);

/// /proc/<pid>/stat: the 52 fields of proc(5) on one line.
void RenderStat(const ProcessView& v, TextBuffer& out);
/// /proc/<pid>/status, in Linux 6.1's order.
void RenderStatus(const ProcessView& v, TextBuffer& out);
/// /proc/<pid>/statm: size resident shared text lib data dt, in pages.
void RenderStatm(const ProcessView& v, TextBuffer& out);
/// /proc/<pid>/limits: Linux's table of the 16 resource limits.
void RenderLimits(const linux_abi::Rlimit (&limits)[linux_abi::kRlimitCount], TextBuffer& out);

/// Copies a process name into a comm (truncated to kCommMax).
void SetComm(ProcessView* v, const char* name);

/// One region of /proc/<pid>/maps.
struct MapsLine {
  uint64_t start = 0;
  uint64_t end = 0;
  bool read = false, write = false, exec = false, shared = false;
  uint64_t offset = 0;         // bytes into the backing file (0: anonymous)
  const char* name = nullptr;  // "[heap]", "[stack]", a path, or null
};
void RenderMapsLine(const MapsLine& line, TextBuffer& out);

/// /proc/meminfo, in kB. Lines Tessera has nothing for (swap, page cache,
/// huge pages) are 0, which is what they are.
struct MemInfo {
  uint64_t total_kb = 0;
  uint64_t free_kb = 0;
  uint64_t available_kb = 0;
  uint64_t slab_kb = 0;         // the kernel heap (unreclaimable)
  uint64_t page_tables_kb = 0;  // user page tables
};
void RenderMeminfo(const MemInfo& m, TextBuffer& out);

/// /proc/uptime: seconds since boot and idle seconds, 2 decimals.
void RenderUptime(uint64_t uptime_ns, uint64_t idle_ns, TextBuffer& out);

/// The 1, 5 and 15 minute load averages as Linux computes them
/// (kernel/sched/loadavg.c): exponentially damped, in 11-bit fixed point,
/// sampled every 5 seconds with the number of runnable threads.
class LoadAverage {
 public:
  static constexpr int kFixedShift = 11;  // FSHIFT
  static constexpr uint64_t kFixed1 = uint64_t{1} << kFixedShift;
  static constexpr uint64_t kSampleSeconds = 5;

  /// Folds in one sample: `active` threads runnable (or running).
  void Sample(uint64_t active);
  /// avenrun[i] in kFixedShift fixed point (1, 5, 15 minutes).
  uint64_t fixed(int i) const { return __atomic_load_n(&avenrun_[i], __ATOMIC_RELAXED); }

 private:
  uint64_t avenrun_[3] = {};
};

/// /proc/loadavg: "0.33 0.57 0.71 1/236 21903".
void RenderLoadavg(const LoadAverage& load, uint64_t runnable, uint64_t threads, uint64_t last_pid,
                   TextBuffer& out);

/// Time in clock ticks for the cpu lines of /proc/stat.
struct CpuTimes {
  uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0,
           guest = 0, guest_nice = 0;
};
struct SystemStat {
  CpuTimes total;                  // the "cpu" line
  const CpuTimes* cpus = nullptr;  // "cpu0", "cpu1", ...
  size_t cpu_count = 0;
  uint64_t context_switches = 0;
  uint64_t boot_time = 0;  // seconds since the epoch
  uint64_t processes = 0;  // forks since boot
  uint64_t procs_running = 0;
  uint64_t procs_blocked = 0;
};
void RenderSystemStat(const SystemStat& s, TextBuffer& out);

/// CPUID, for /proc/cpuinfo (the real instruction in the kernel, a recorded
/// or the host's CPU in tests).
struct CpuidRegs {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};
using CpuidFn = CpuidRegs (*)(uint32_t leaf, uint32_t subleaf);

/// One processor's /proc/cpuinfo paragraph (with the blank line after it).
/// `khz`: the measured TSC rate.
void RenderCpuinfo(CpuidFn cpuid, uint32_t processor, uint32_t cpu_count, uint64_t khz,
                   TextBuffer& out);
/// The flags line's names, space-separated, in Linux's order.
void RenderCpuFlags(CpuidFn cpuid, TextBuffer& out);

/// One mount, as /proc/mounts shows it.
struct MountLine {
  const char* source = nullptr;  // null or "": "none"
  const char* path = "/";
  const char* type = "";
  uint32_t flags = 0;           // vfs::kMount*
  const char* fs_options = "";  // the file system's own, each with a leading comma
};
/// "source path type options 0 0\n" as Linux's show_vfsmnt writes it:
/// source, path and type with space, tab, newline and backslash as \ooo;
/// options "rw"/"ro", then sync, dirsync, lazytime, nosuid, nodev, noexec,
/// noatime, nodiratime, relatime (unless noatime or strictatime), then the
/// file system's own.
void RenderMountLine(const MountLine& m, TextBuffer& out);

/// Appends `text` as Linux shows a task name in status: '\n' as "\n" and
/// '\\' as "\\\\" (seq_escape with ESCAPE_SPACE | ESCAPE_SPECIAL).
void AppendEscapedName(const char* text, TextBuffer& out);

}  // namespace core::procfs
