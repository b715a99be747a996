#include "core/procfs/render.h"

#include "klog/format.h"

namespace core::procfs {
namespace {

constexpr uint64_t kNanosPerSecond = 1'000'000'000;

uint64_t Kb(uint64_t bytes) { return bytes >> 10; }

// "Label:" padded to 16 columns, the value right-aligned in 8, " kB"
// (Linux's show_val_kb).
void MeminfoLine(TextBuffer& out, const char* label, uint64_t kb) {
  size_t length = 0;
  while (label[length] != '\0') ++length;
  out.Append(label, length);
  static const char kSpaces[] = "                ";
  if (length < 16) out.Append(kSpaces, 16 - length);
  out.Printf("%8lu kB\n", kb);
}

// status's "VmRSS:\t    1636 kB" lines.
void VmLine(TextBuffer& out, const char* label, uint64_t kb) {
  out.Printf("%s:\t%8lu kB\n", label, kb);
}

void SigLine(TextBuffer& out, const char* label, uint64_t set) {
  out.Printf("%s:\t%016lx\n", label, set);
}

}  // namespace

const char* StateName(char state) {
  switch (state) {
    case 'R': return "R (running)";
    case 'S': return "S (sleeping)";
    case 'D': return "D (disk sleep)";
    case 'T': return "T (stopped)";
    case 't': return "t (tracing stop)";
    case 'Z': return "Z (zombie)";
    case 'I': return "I (idle)";
    default: return "X (dead)";
  }
}

void SetComm(ProcessView* v, const char* name) {
  size_t i = 0;
  for (; name != nullptr && name[i] != '\0' && i < kCommMax; ++i) v->comm[i] = name[i];
  v->comm[i] = '\0';
}

void AppendEscapedName(const char* text, TextBuffer& out) {
  for (const char* p = text; *p != '\0'; ++p) {
    if (*p == '\n') {
      out.Append("\\n", 2);
    } else if (*p == '\\') {
      out.Append("\\\\", 2);
    } else {
      out.Append(p, 1);
    }
  }
}

void RenderStat(const ProcessView& v, TextBuffer& out) {
  // proc(5) fields 1-3: pid (comm) state. The name is shown as is (a ")" in
  // it is why readers split at the last ')').
  out.Printf("%lu (%s) %c", v.tid != 0 ? v.tid : v.pid, v.comm, v.state);
  const bool m = v.has_memory;
  // 4-13: ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
  out.Printf(" %lu %lu %lu %ld %ld %lu 0 0 0 0", v.ppid, v.pgid, v.sid, v.tty_nr, v.tpgid, v.flags);
  // 14-20: utime stime cutime cstime priority nice num_threads
  out.Printf(" %lu %lu %lu %lu %ld %ld %lu", v.utime, v.stime, v.cutime, v.cstime, v.priority,
             v.nice, v.threads);
  // 21-25: itrealvalue starttime vsize rss rsslim (RLIM_INFINITY)
  out.Printf(" 0 %lu %lu %lu %lu", v.start_time, m ? v.vsize : 0, m ? v.rss : 0, ~uint64_t{0});
  // 26-30: startcode endcode startstack kstkesp kstkeip (the last two are
  // 0 unless the task is being dumped, as on Linux)
  out.Printf(" %lu %lu %lu 0 0", m ? v.start_code : 0, m ? v.end_code : 0, m ? v.start_stack : 0);
  // 31-34: signal blocked sigignore sigcatch (decimal, as Linux prints them)
  out.Printf(" %lu %lu %lu %lu", v.sig_pending | v.sig_shared_pending, v.sig_blocked, v.sig_ignored,
             v.sig_caught);
  // 35-44: wchan nswap cnswap exit_signal(SIGCHLD) processor rt_priority policy
  // delayacct_blkio_ticks guest_time cguest_time
  out.Printf(" 0 0 0 17 0 0 0 0 0 0");
  // 45-51: start_data end_data start_brk arg_start arg_end env_start env_end
  if (m) {
    out.Printf(" %lu %lu %lu %lu %lu %lu %lu", v.start_data, v.end_data, v.start_brk, v.arg_start,
               v.arg_end, v.env_start, v.env_end);
  } else {
    out.Printf(" 0 0 0 0 0 0 0");
  }
  // 52: exit_code
  out.Printf(" %ld\n", v.exit_code);
}

void RenderStatus(const ProcessView& v, TextBuffer& out) {
  out.Append("Name:\t", 6);
  AppendEscapedName(v.comm, out);
  // Umask as "%#04o".
  char umask[6] = {'0', static_cast<char>('0' + ((v.umask >> 6) & 7)),
                   static_cast<char>('0' + ((v.umask >> 3) & 7)),
                   static_cast<char>('0' + (v.umask & 7)), '\0'};
  out.Printf("\nUmask:\t%s\nState:\t%s\n", umask, StateName(v.state));
  const uint64_t shown = v.tid != 0 ? v.tid : v.pid;
  out.Printf("Tgid:\t%lu\nNgid:\t0\nPid:\t%lu\nPPid:\t%lu\nTracerPid:\t0\n", v.pid, shown, v.ppid);
  out.Printf("Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n", v.uid[0], v.uid[1], v.uid[2], v.uid[3],
             v.gid[0], v.gid[1], v.gid[2], v.gid[3]);
  out.Printf("FDSize:\t%lu\nGroups:\t", v.fd_slots);
  for (uint32_t i = 0; i < v.ngroups && i < kMaxGroupsShown; ++i) out.Printf("%u ", v.groups[i]);
  out.Printf(v.ngroups == 0 ? " \n" : "\n");
  // Each id, then its number in every namespace below, tab-separated.
  const uint32_t levels = v.ns_levels < kMaxNsLevelsShown ? v.ns_levels : kMaxNsLevelsShown;
  const struct {
    const char* name;
    uint64_t first;
    uint64_t ProcessView::NsIds::*inner;
  } kLines[] = {{"NStgid", v.pid, &ProcessView::NsIds::tgid},
                {"NSpid", shown, &ProcessView::NsIds::pid},
                {"NSpgid", v.pgid, &ProcessView::NsIds::pgid},
                {"NSsid", v.sid, &ProcessView::NsIds::sid}};
  for (const auto& line : kLines) {
    out.Printf("%s:\t%lu", line.name, line.first);
    for (uint32_t i = 0; i < levels; ++i) out.Printf("\t%lu", v.ns_ids[i].*line.inner);
    out.Printf("\n");
  }
  if (v.has_memory) {
    // VmPeak and VmHWM are left out: Tessera does not track high-water marks.
    uint64_t rss_kb = v.rss * (kPageSize >> 10);
    VmLine(out, "VmSize", Kb(v.vsize));
    VmLine(out, "VmLck", 0);
    VmLine(out, "VmPin", 0);
    VmLine(out, "VmRSS", rss_kb);
    VmLine(out, "RssAnon", rss_kb);  // every page is anonymous memory
    VmLine(out, "RssFile", 0);
    VmLine(out, "RssShmem", 0);
    VmLine(out, "VmData", Kb(v.data_bytes));
    VmLine(out, "VmStk", Kb(v.stack_bytes));
    VmLine(out, "VmExe", Kb(v.exe_bytes));
    VmLine(out, "VmLib", 0);
    VmLine(out, "VmPTE", Kb(v.page_table_bytes));
    VmLine(out, "VmSwap", 0);
    out.Printf("HugetlbPages:\t%8lu kB\nCoreDumping:\t0\nTHP_enabled:\t0\n", uint64_t{0});
  }
  out.Printf("Threads:\t%lu\nSigQ:\t%lu/%lu\n", v.threads, v.sig_queued, v.sig_queue_limit);
  SigLine(out, "SigPnd", v.sig_pending);
  SigLine(out, "ShdPnd", v.sig_shared_pending);
  SigLine(out, "SigBlk", v.sig_blocked);
  SigLine(out, "SigIgn", v.sig_ignored);
  SigLine(out, "SigCgt", v.sig_caught);
  SigLine(out, "CapInh", v.cap_inheritable);
  SigLine(out, "CapPrm", v.cap_permitted);
  SigLine(out, "CapEff", v.cap_effective);
  SigLine(out, "CapBnd", v.cap_bounding);
  SigLine(out, "CapAmb", v.cap_ambient);
  out.Printf("NoNewPrivs:\t%d\nSeccomp:\t0\nSeccomp_filters:\t0\n", v.no_new_privs ? 1 : 0);
  // Threads run on the boot CPU only.
  out.Printf("Cpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t1\nMems_allowed_list:\t0\n");
}

void RenderLimits(const linux_abi::Rlimit (&limits)[linux_abi::kRlimitCount], TextBuffer& out) {
  struct Name {
    const char* name;
    const char* unit;  // null: none
  };
  static constexpr Name kNames[linux_abi::kRlimitCount] = {
      {"Max cpu time", "seconds"},        {"Max file size", "bytes"},
      {"Max data size", "bytes"},         {"Max stack size", "bytes"},
      {"Max core file size", "bytes"},    {"Max resident set", "bytes"},
      {"Max processes", "processes"},     {"Max open files", "files"},
      {"Max locked memory", "bytes"},     {"Max address space", "bytes"},
      {"Max file locks", "locks"},        {"Max pending signals", "signals"},
      {"Max msgqueue size", "bytes"},     {"Max nice priority", nullptr},
      {"Max realtime priority", nullptr}, {"Max realtime timeout", "us"},
  };
  out.Printf("%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
  for (int i = 0; i < linux_abi::kRlimitCount; ++i) {
    const uint64_t values[2] = {limits[i].cur, limits[i].max};
    out.Printf("%-25s ", kNames[i].name);
    for (uint64_t v : values) {
      if (v == linux_abi::kRlimInfinity) {
        out.Printf("%-20s ", "unlimited");
      } else {
        out.Printf("%-20lu ", v);
      }
    }
    if (kNames[i].unit != nullptr) {
      out.Printf("%-10s\n", kNames[i].unit);
    } else {
      out.Printf("\n");
    }
  }
}

void RenderStatm(const ProcessView& v, TextBuffer& out) {
  if (!v.has_memory) {
    out.Printf("0 0 0 0 0 0 0\n");
    return;
  }
  out.Printf("%lu %lu 0 %lu 0 %lu 0\n", v.vsize / kPageSize, v.rss, v.exe_bytes / kPageSize,
             (v.data_bytes + v.stack_bytes) / kPageSize);
}

void RenderMapsLine(const MapsLine& l, TextBuffer& out) {
  // Linux's show_vma_header_prefix pads the prefix to 72 columns before the
  // name (25 + 6 * sizeof(void*) - 1), then a space.
  char prefix[96];
  size_t n = klog::Format(prefix, sizeof prefix, "%08lx-%08lx %c%c%c%c %08lx 00:00 0 ", l.start,
                          l.end, l.read ? 'r' : '-', l.write ? 'w' : '-', l.exec ? 'x' : '-',
                          l.shared ? 's' : 'p', l.offset);
  if (n >= sizeof prefix) n = sizeof prefix - 1;
  out.Append(prefix, n);
  if (l.name != nullptr) {
    static const char kSpaces[] =
        "                                                                        ";
    constexpr size_t kWidth = 72;
    if (n < kWidth) out.Append(kSpaces, kWidth - n);
    out.Append(" ", 1);
    size_t length = 0;
    while (l.name[length] != '\0') ++length;
    out.Append(l.name, length);
  }
  out.Append("\n", 1);
}

void RenderMeminfo(const MemInfo& m, TextBuffer& out) {
  MeminfoLine(out, "MemTotal:", m.total_kb);
  MeminfoLine(out, "MemFree:", m.free_kb);
  MeminfoLine(out, "MemAvailable:", m.available_kb);
  // No page cache: file data of ramfs/tmpfs lives in the kernel heap (Slab).
  MeminfoLine(out, "Buffers:", 0);
  MeminfoLine(out, "Cached:", 0);
  MeminfoLine(out, "SwapCached:", 0);
  MeminfoLine(out, "SwapTotal:", 0);
  MeminfoLine(out, "SwapFree:", 0);
  MeminfoLine(out, "Dirty:", 0);
  MeminfoLine(out, "Writeback:", 0);
  MeminfoLine(out, "Shmem:", 0);
  MeminfoLine(out, "KReclaimable:", 0);
  MeminfoLine(out, "Slab:", m.slab_kb);
  MeminfoLine(out, "SReclaimable:", 0);
  MeminfoLine(out, "SUnreclaim:", m.slab_kb);
  MeminfoLine(out, "PageTables:", m.page_tables_kb);
}

void RenderUptime(uint64_t uptime_ns, uint64_t idle_ns, TextBuffer& out) {
  constexpr uint64_t kCenti = kNanosPerSecond / 100;
  out.Printf("%lu.%02lu %lu.%02lu\n", uptime_ns / kNanosPerSecond,
             (uptime_ns % kNanosPerSecond) / kCenti, idle_ns / kNanosPerSecond,
             (idle_ns % kNanosPerSecond) / kCenti);
}

void LoadAverage::Sample(uint64_t active_threads) {
  // EXP_n = 2^11 / exp(5 s / n min), as in include/linux/sched/loadavg.h.
  static constexpr uint64_t kExp[3] = {1884, 2014, 2037};
  const uint64_t active = active_threads * kFixed1;
  for (int i = 0; i < 3; ++i) {
    uint64_t load = fixed(i);
    uint64_t next = load * kExp[i] + active * (kFixed1 - kExp[i]);
    if (active >= load) next += kFixed1 - 1;  // round up while rising
    __atomic_store_n(&avenrun_[i], next / kFixed1, __ATOMIC_RELAXED);
  }
}

void RenderLoadavg(const LoadAverage& load, uint64_t runnable, uint64_t threads, uint64_t last_pid,
                   TextBuffer& out) {
  constexpr uint64_t kMask = LoadAverage::kFixed1 - 1;
  constexpr int kShift = LoadAverage::kFixedShift;
  for (int i = 0; i < 3; ++i) {
    uint64_t x = load.fixed(i) + LoadAverage::kFixed1 / 200;  // rounds to 2 decimals
    out.Printf(i == 0 ? "%lu.%02lu" : " %lu.%02lu", x >> kShift, ((x & kMask) * 100) >> kShift);
  }
  out.Printf(" %lu/%lu %lu\n", runnable, threads, last_pid);
}

namespace {
void CpuLine(TextBuffer& out, const CpuTimes& t) {
  out.Printf(" %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu\n", t.user, t.nice, t.system, t.idle,
             t.iowait, t.irq, t.softirq, t.steal, t.guest, t.guest_nice);
}
}  // namespace

void RenderSystemStat(const SystemStat& s, TextBuffer& out) {
  out.Append("cpu ", 4);
  CpuLine(out, s.total);
  for (size_t i = 0; i < s.cpu_count; ++i) {
    out.Printf("cpu%zu", i);
    CpuLine(out, s.cpus[i]);
  }
  out.Printf("ctxt %lu\nbtime %lu\nprocesses %lu\nprocs_running %lu\nprocs_blocked %lu\n",
             s.context_switches, s.boot_time, s.processes, s.procs_running, s.procs_blocked);
}

// ---- /proc/cpuinfo

namespace {

// Linux's names of the CPUID feature bits (arch/x86/include/asm/cpufeatures.h,
// the ones /proc/cpuinfo shows), one table per CPUID register Linux reads,
// in Linux's word order (which is the order the flags line lists them in).
struct FlagWord {
  uint32_t leaf;
  uint32_t subleaf;
  char reg;  // 'a', 'b', 'c' or 'd'
  const char* names[32];
};

constexpr FlagWord kFlagWords[] = {
    // Word 0: CPUID 1 EDX.
    {1, 0, 'd', {"fpu",  "vme",   "de",    "pse",     "tsc",   "msr", "pae",  "mce",
                 "cx8",  "apic",  nullptr, "sep",     "mtrr",  "pge", "mca",  "cmov",
                 "pat",  "pse36", "pn",    "clflush", nullptr, "dts", "acpi", "mmx",
                 "fxsr", "sse",   "sse2",  "ss",      "ht",    "tm",  "ia64", "pbe"}},
    // Word 1: CPUID 0x80000001 EDX (the bits that repeat word 0 are unnamed).
    {0x80000001, 0, 'd', {nullptr, nullptr,  nullptr,    nullptr, nullptr,    nullptr,   nullptr,
                          nullptr, nullptr,  nullptr,    nullptr, "syscall",  nullptr,   nullptr,
                          nullptr, nullptr,  nullptr,    nullptr, nullptr,    "mp",      "nx",
                          nullptr, "mmxext", nullptr,    nullptr, "fxsr_opt", "pdpe1gb", "rdtscp",
                          nullptr, "lm",     "3dnowext", "3dnow"}},
    // Word 4: CPUID 1 ECX (OSXSAVE is not shown).
    {1, 0, 'c', {"pni",    "pclmulqdq", "dtes64", "monitor", "ds_cpl",
                 "vmx",    "smx",       "est",    "tm2",     "ssse3",
                 "cid",    "sdbg",      "fma",    "cx16",    "xtpr",
                 "pdcm",   nullptr,     "pcid",   "dca",     "sse4_1",
                 "sse4_2", "x2apic",    "movbe",  "popcnt",  "tsc_deadline_timer",
                 "aes",    "xsave",     nullptr,  "avx",     "f16c",
                 "rdrand", "hypervisor"}},
    // Word 6: CPUID 0x80000001 ECX.
    {0x80000001, 0, 'c', {"lahf_lm", "cmp_legacy", "svm",         "extapic",       "cr8_legacy",
                          "abm",     "sse4a",      "misalignsse", "3dnowprefetch", "osvw",
                          "ibs",     "xop",        "skinit",      "wdt",           nullptr,
                          "lwp",     "fma4",       "tce",         nullptr,         "nodeid_msr",
                          nullptr,   "tbm",        "topoext",     "perfctr_core",  "perfctr_nb",
                          nullptr,   "bpext",      "ptsc",        "perfctr_llc",   "mwaitx",
                          nullptr,   nullptr}},
    // Word 9: CPUID 7.0 EBX.
    {7, 0, 'b', {"fsgsbase", "tsc_adjust", "sgx",      "bmi1",       "hle",      "avx2",
                 nullptr,    "smep",       "bmi2",     "erms",       "invpcid",  "rtm",
                 "cqm",      nullptr,      "mpx",      "rdt_a",      "avx512f",  "avx512dq",
                 "rdseed",   "adx",        "smap",     "avx512ifma", nullptr,    "clflushopt",
                 "clwb",     "intel_pt",   "avx512pf", "avx512er",   "avx512cd", "sha_ni",
                 "avx512bw", "avx512vl"}},
    // Word 10: CPUID 0xD.1 EAX.
    {0xd, 1, 'a', {"xsaveopt", "xsavec", "xgetbv1", "xsaves"}},
    // Word 12: CPUID 7.1 EAX.
    {7, 1, 'a', {nullptr, nullptr, nullptr, nullptr, "avx_vnni", "avx512_bf16"}},
    // Word 13: CPUID 0x80000008 EBX.
    {0x80000008,
     0,
     'b',
     {"clzero", "irperf", "xsaveerptr", nullptr, "rdpru", nullptr, nullptr, nullptr, nullptr,
      "wbnoinvd"}},
    // Word 14: CPUID 6 EAX.
    {6, 0, 'a', {"dtherm", "ida", "arat", nullptr, "pln", nullptr, "pts"}},
    // Word 16: CPUID 7.0 ECX.
    {7,
     0,
     'c',
     {nullptr,
      "avx512vbmi",
      "umip",
      "pku",
      "ospke",
      "waitpkg",
      "avx512_vbmi2",
      nullptr,
      "gfni",
      "vaes",
      "vpclmulqdq",
      "avx512_vnni",
      "avx512_bitalg",
      "tme",
      "avx512_vpopcntdq",
      nullptr,
      nullptr /* la57: Linux shows it only with 5-level paging */,
      nullptr,
      nullptr,
      nullptr,
      nullptr,
      nullptr,
      "rdpid",
      nullptr,
      "bus_lock_detect",
      "cldemote",
      nullptr,
      "movdiri",
      "movdir64b",
      "enqcmd",
      "sgx_lc",
      nullptr}},
    // Word 18: CPUID 7.0 EDX.
    {7,
     0,
     'd',
     {nullptr,
      nullptr,
      "avx512_4vnniw",
      "avx512_4fmaps",
      "fsrm",
      nullptr,
      nullptr,
      nullptr,
      "avx512_vp2intersect",
      "srbds_ctrl",
      "md_clear",
      "rtm_always_abort",
      nullptr,
      "tsx_force_abort",
      "serialize",
      "hybrid_cpu",
      "tsxldtrk",
      nullptr,
      "pconfig",
      "arch_lbr",
      "ibt",
      nullptr,
      "amx_bf16",
      "avx512_fp16",
      "amx_tile",
      "amx_int8",
      nullptr,
      nullptr,
      "flush_l1d",
      "arch_capabilities",
      nullptr,
      nullptr}},
};

uint32_t Reg(const CpuidRegs& r, char which) {
  switch (which) {
    case 'a': return r.eax;
    case 'b': return r.ebx;
    case 'c': return r.ecx;
    default: return r.edx;
  }
}

bool HasLeaf(CpuidFn cpuid, uint32_t leaf) {
  uint32_t max = cpuid(leaf & 0x80000000u, 0).eax;
  return leaf <= max;
}

void AppendRegString(char* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(v >> (8 * i));
}

}  // namespace

void RenderCpuFlags(CpuidFn cpuid, TextBuffer& out) {
  bool first = true;
  for (const FlagWord& w : kFlagWords) {
    if (!HasLeaf(cpuid, w.leaf)) continue;
    if (w.leaf == 7 && w.subleaf > cpuid(7, 0).eax) continue;
    uint32_t bits = Reg(cpuid(w.leaf, w.subleaf), w.reg);
    for (int b = 0; b < 32; ++b) {
      if (w.names[b] == nullptr || ((bits >> b) & 1) == 0) continue;
      if (!first) out.Append(" ", 1);
      first = false;
      const char* n = w.names[b];
      size_t length = 0;
      while (n[length] != '\0') ++length;
      out.Append(n, length);
    }
  }
}

void RenderCpuinfo(CpuidFn cpuid, uint32_t processor, uint32_t cpu_count, uint64_t khz,
                   TextBuffer& out) {
  CpuidRegs l0 = cpuid(0, 0);
  char vendor[13] = {};
  AppendRegString(vendor, l0.ebx);
  AppendRegString(vendor + 4, l0.edx);
  AppendRegString(vendor + 8, l0.ecx);
  CpuidRegs l1 = cpuid(1, 0);
  uint32_t family = (l1.eax >> 8) & 0xf;
  uint32_t model = (l1.eax >> 4) & 0xf;
  if (family == 0xf) family += (l1.eax >> 20) & 0xff;
  if (family >= 6) model += ((l1.eax >> 16) & 0xf) << 4;
  uint32_t stepping = l1.eax & 0xf;

  // The brand string (leading spaces dropped, as Linux does).
  char brand[49] = {};
  if (HasLeaf(cpuid, 0x80000004)) {
    for (uint32_t i = 0; i < 3; ++i) {
      CpuidRegs r = cpuid(0x80000002 + i, 0);
      AppendRegString(brand + 16 * i, r.eax);
      AppendRegString(brand + 16 * i + 4, r.ebx);
      AppendRegString(brand + 16 * i + 8, r.ecx);
      AppendRegString(brand + 16 * i + 12, r.edx);
    }
  }
  const char* model_name = brand;
  while (*model_name == ' ') ++model_name;
  size_t name_length = 0;
  while (model_name[name_length] != '\0') ++name_length;
  while (name_length > 0 && model_name[name_length - 1] == ' ') --name_length;

  // "cache size": the largest cache (Intel: CPUID 4), else the L2 (AMD: 0x80000006).
  uint64_t cache_kb = 0;
  bool intel = vendor[0] == 'G';  // GenuineIntel
  if (intel && HasLeaf(cpuid, 4)) {
    for (uint32_t i = 0; i < 16; ++i) {
      CpuidRegs r = cpuid(4, i);
      if ((r.eax & 0x1f) == 0) break;
      uint64_t bytes = (uint64_t{(r.ebx >> 22) & 0x3ff} + 1) * (((r.ebx >> 12) & 0x3ff) + 1) *
                       ((r.ebx & 0xfff) + 1) * (uint64_t{r.ecx} + 1);
      if (bytes / 1024 > cache_kb) cache_kb = bytes / 1024;
    }
  } else if (HasLeaf(cpuid, 0x80000006)) {
    cache_kb = cpuid(0x80000006, 0).ecx >> 16;
  }
  uint32_t clflush = ((l1.ebx >> 8) & 0xff) * 8;
  uint32_t apic_id = l1.ebx >> 24;
  uint32_t phys_bits = 36, virt_bits = 48;
  if (HasLeaf(cpuid, 0x80000008)) {
    CpuidRegs r = cpuid(0x80000008, 0);
    phys_bits = r.eax & 0xff;
    virt_bits = (r.eax >> 8) & 0xff;
  }

  out.Printf("processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\nmodel name\t: ",
             processor, vendor, family, model);
  out.Append(model_name, name_length);
  out.Printf("\nstepping\t: %u\n", stepping);
  if (khz != 0) out.Printf("cpu MHz\t\t: %lu.%03lu\n", khz / 1000, khz % 1000);
  if (cache_kb != 0) out.Printf("cache size\t: %lu KB\n", cache_kb);
  out.Printf("physical id\t: 0\nsiblings\t: %u\ncore id\t\t: %u\ncpu cores\t: %u\n", cpu_count,
             processor, cpu_count);
  out.Printf("apicid\t\t: %u\ninitial apicid\t: %u\n", apic_id, apic_id);
  out.Printf("fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: %u\nwp\t\t: yes\nflags\t\t: ",
             l0.eax);
  RenderCpuFlags(cpuid, out);
  // BogoMIPS as Linux derives it from the TSC: 2 * MHz.
  out.Printf("\nbugs\t\t:\nbogomips\t: %lu.%02lu\n", khz * 2 / 1000, (khz * 2 % 1000) / 10);
  out.Printf(
      "clflush size\t: %u\ncache_alignment\t: %u\naddress sizes\t: %u bits physical, %u bits "
      "virtual\npower management:\n\n",
      clflush, clflush, phys_bits, virt_bits);
}

namespace {

// Linux's mangle() for /proc/mounts: the separators as octal escapes.
void AppendMangled(const char* text, TextBuffer& out) {
  for (const char* p = text; *p != '\0'; ++p) {
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\\') {
      out.Printf("\\%c%c%c", '0' + ((*p >> 6) & 3), '0' + ((*p >> 3) & 7), '0' + (*p & 7));
    } else {
      out.Append(p, 1);
    }
  }
}

}  // namespace

void RenderMountLine(const MountLine& m, TextBuffer& out) {
  AppendMangled(m.source != nullptr && m.source[0] != '\0' ? m.source : "none", out);
  out.Append(" ", 1);
  AppendMangled(m.path, out);
  out.Append(" ", 1);
  AppendMangled(m.type, out);
  out.Append((m.flags & vfs::kMountReadOnly) ? " ro" : " rw", 3);
  struct Word {
    uint32_t flag;
    const char* text;
  };
  static constexpr Word kWords[] = {
      {vfs::kMountSync, ",sync"},         {vfs::kMountDirSync, ",dirsync"},
      {vfs::kMountLazyTime, ",lazytime"}, {vfs::kMountNoSuid, ",nosuid"},
      {vfs::kMountNoDev, ",nodev"},       {vfs::kMountNoExec, ",noexec"},
      {vfs::kMountNoAtime, ",noatime"},   {vfs::kMountNoDirAtime, ",nodiratime"},
  };
  for (const Word& w : kWords) {
    if (m.flags & w.flag) out.Printf("%s", w.text);
  }
  if ((m.flags & (vfs::kMountNoAtime | vfs::kMountStrictAtime)) == 0) out.Printf(",relatime");
  out.Printf("%s 0 0\n", m.fs_options != nullptr ? m.fs_options : "");
}

}  // namespace core::procfs
