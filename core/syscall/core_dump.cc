#include "core/syscall/core_dump.h"

#include "abi/linux/fcntl.h"
#include "abi/linux/resource.h"
#include "abi/linux/stat.h"
#include "core/elf/core_file.h"
#include "core/kernel/log.h"
#include "core/kernel/wall_clock.h"
#include "core/proc/core_dump_hook.h"
#include "core/procfs/uts_names.h"
#include "core/syscall/caller.h"
#include "core/unsupported/refusals.h"
#include "core/vfs/kernel_mounts.h"
#include "core/vfs/ops.h"
#include "core/vm/vm_aspace.h"
#include "hal/thread.h"
#include "hal/traps.h"
#include "kstd/new.h"
#include "kstd/string.h"

namespace core::syscall {
namespace {

constexpr size_t kNameMax = 256;

// Appends `s` to out[*n] (cut at the end of `out`).
void Append(char* out, size_t* n, const char* s) {
  while (*s != '\0' && *n + 1 < kNameMax) out[(*n)++] = *s++;
}

void AppendNumber(char* out, size_t* n, uint64_t v) {
  char digits[24];
  size_t k = 0;
  do {
    digits[k++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (k > 0 && *n + 1 < kNameMax) out[(*n)++] = digits[--k];
}

// The core file's name from kernel.core_pattern. False for a pipe pattern.
bool ExpandPattern(Process* p, int signo, const posix::Credentials& cred, char (&out)[kNameMax]) {
  char pattern[kCorePatternSize];
  GetCorePattern(pattern);
  if (pattern[0] == '|') return false;
  size_t n = 0;
  bool has_pid = false;
  for (const char* c = pattern; *c != '\0'; ++c) {
    if (*c != '%' || c[1] == '\0') {
      if (n + 1 < kNameMax) out[n++] = *c;
      continue;
    }
    switch (*++c) {
      case '%': Append(out, &n, "%"); break;
      case 'p':
        AppendNumber(out, &n, p->pid());
        has_pid = true;
        break;
      case 'e': {
        // comm, with '/' replaced as Linux does (a name is one component).
        const char* comm = p->name();
        for (size_t i = 0; comm[i] != '\0' && n + 1 < kNameMax; ++i)
          out[n++] = comm[i] == '/' ? '!' : comm[i];
        break;
      }
      case 's': AppendNumber(out, &n, static_cast<uint64_t>(signo)); break;
      case 't': AppendNumber(out, &n, static_cast<uint64_t>(WallClockNanos() / 1000000000)); break;
      case 'u': AppendNumber(out, &n, cred.fsuid); break;
      case 'g': AppendNumber(out, &n, cred.fsgid); break;
      case 'h': {
        char host[procfs::kUtsNameLength];
        procfs::GetUtsName(true, host);
        Append(out, &n, host);
        break;
      }
      default: break;  // unknown specifiers are dropped, as Linux
    }
  }
  if (CoreUsesPid() && !has_pid) {
    Append(out, &n, ".");
    AppendNumber(out, &n, p->pid());
  }
  out[n] = '\0';
  return n > 0;
}

uint32_t FlagsOf(vm::Prot prot) {
  uint32_t f = 0;
  if (prot & vm::kProtRead) f |= elf::kCoreRead;
  if (prot & vm::kProtWrite) f |= elf::kCoreWrite;
  if (prot & vm::kProtExec) f |= elf::kCoreExec;
  return f;
}

// Writes `bytes` at `offset`, within `limit`. False when the limit or the
// file stopped the dump.
bool WriteAt(vfs::OpenFile& file, uint64_t offset, const uint8_t* bytes, size_t size,
             uint64_t limit) {
  if (offset >= limit) return false;
  if (size > limit - offset) size = static_cast<size_t>(limit - offset);
  size_t done = 0;
  while (done < size) {
    auto n = file.Write(offset + done, kstd::Span<const uint8_t>(bytes + done, size - done));
    if (n.is_error() || n.value() == 0) return false;
    done += n.value();
  }
  return true;
}

void FillThread(Process* p, int signo, const posix::UserRegs& r, uint64_t orig_rax,
                elf::CoreThread* t) {
  t->signo = signo;
  t->pid = static_cast<uint32_t>(p->pid());
  t->ppid = static_cast<uint32_t>(p->parent_pid());
  t->pgrp = static_cast<uint32_t>(p->pgid());
  t->sid = static_cast<uint32_t>(p->sid());
  uint64_t* g = t->regs;
  g[elf::kR15] = r.r15, g[elf::kR14] = r.r14, g[elf::kR13] = r.r13, g[elf::kR12] = r.r12;
  g[elf::kRbp] = r.rbp, g[elf::kRbx] = r.rbx, g[elf::kR11] = r.r11, g[elf::kR10] = r.r10;
  g[elf::kR9] = r.r9, g[elf::kR8] = r.r8, g[elf::kRax] = r.rax, g[elf::kRcx] = r.rcx;
  g[elf::kRdx] = r.rdx, g[elf::kRsi] = r.rsi, g[elf::kRdi] = r.rdi;
  g[elf::kOrigRax] = orig_rax;
  g[elf::kRip] = r.rip, g[elf::kCs] = r.cs, g[elf::kEflags] = r.rflags, g[elf::kRsp] = r.rsp;
  g[elf::kSs] = r.ss;
  sched::Thread* self = CurrentThread();
  if (self != nullptr && self->context() != nullptr) g[elf::kFsBase] = self->context()->fs_base;
}

}  // namespace

bool DumpCore(Process* p, int signo, const posix::UserRegs& regs, uint64_t orig_rax) {
  uint64_t limit = p->resource_limit(linux_abi::kRlimitCore).cur;
  if (limit == 0 || !p->dumpable() || p->aspace() == nullptr) return false;
  posix::Credentials cred = p->credentials();
  char name[kNameMax];
  if (!ExpandPattern(p, signo, cred, name)) {
    (void)Refuse("coredump", "core_pattern pipe", 0);
    Log("core", "pid %lu (%s): kernel.core_pattern is a pipe, which Tessera does not run: no core",
        p->pid(), p->name());
    return false;
  }

  // The regions, in address order.
  vm::VmAspace* as = p->aspace();
  elf::CoreRegion* regions = new (kstd::nothrow) elf::CoreRegion[elf::kMaxCoreRegions];
  uint64_t* offsets = new (kstd::nothrow) uint64_t[elf::kMaxCoreRegions];
  uint8_t* page = new (kstd::nothrow) uint8_t[elf::kCorePage];
  uint8_t* header = nullptr;
  bool written = false;
  size_t count = 0;
  if (regions != nullptr && offsets != nullptr && page != nullptr) {
    for (uint64_t at = 0; count < elf::kMaxCoreRegions;) {
      auto next = as->NextRegion(at);
      if (next.is_error()) break;
      const vm::RegionInfo& r = next.value();
      regions[count++] = elf::CoreRegion{r.base, r.size, FlagsOf(r.prot),
                                         !r.guard && (r.prot & vm::kProtRead) != 0};
      at = r.base + r.size;
    }
    header = new (kstd::nothrow) uint8_t[elf::CoreHeaderBytes(count)];
  }
  elf::CoreThread thread;
  FillThread(p, signo, regs, orig_rax, &thread);
  elf::CoreProcess process;
  process.uid = cred.fsuid;
  process.gid = cred.fsgid;
  size_t comm = kstd::StringLength(p->name());
  __builtin_memcpy(process.fname, p->name(), comm < 15 ? comm : 15);
  __builtin_memcpy(process.psargs, p->name(), comm < 79 ? comm : 79);

  kstd::Result<uint64_t> total = kstd::Error::kNoMemory;
  if (header != nullptr) {
    total = elf::BuildCoreHeader(kstd::Span<const elf::CoreRegion>(regions, count), thread, process,
                                 kstd::Span<uint8_t>(header, elf::CoreHeaderBytes(count)),
                                 kstd::Span<uint64_t>(offsets, count));
  }
  if (total.ok()) {
    Process::FsRoots roots = p->fs_roots();
    // (Dumped before the exit, so its namespace is there.)
    vfs::MountTable& mounts = roots.mounts ? roots.mounts->mounts() : vfs::Mounts();
    vfs::PathContext ctx{&mounts, roots.root.get(), roots.cwd.get(), &cred};
    uint32_t flags =
        linux_abi::kOCreat | linux_abi::kOWrOnly | linux_abi::kONoFollow | linux_abi::kOLargeFile;
    auto file = vfs::OpenPath(ctx, vfs::Name(name, kstd::StringLength(name)), flags, 0600);
    // Only a regular file of one link that the dumper owns (Linux's checks).
    vfs::Attributes attr;
    if (file.ok()) attr = file.value()->vnode()->GetAttr();
    if (file.is_error()) {
      Log("core", "pid %lu (%s): cannot create core file %s: %s", p->pid(), p->name(), name,
          kstd::ErrorName(file.error()));
    } else if (file.value()->vnode()->type() != vfs::VnodeType::kRegular || attr.nlink != 1 ||
               attr.uid != cred.fsuid) {
      Log("core", "pid %lu (%s): %s is not the dumper's own regular file: no core", p->pid(),
          p->name(), name);
    } else if (file.value()->vnode()->Truncate(0).ok()) {
      vfs::OpenFile& f = *file.value();
      uint64_t end = total.value() < limit ? total.value() : limit;
      bool room = WriteAt(f, 0, header, elf::CoreHeaderBytes(count), limit);
      for (size_t i = 0; room && i < count; ++i) {
        if (!regions[i].dumped) continue;
        for (uint64_t off = 0; room && off < regions[i].size; off += elf::kCorePage) {
          uint64_t va = regions[i].base + off;
          auto q = as->Query(va);
          if (q.is_error() || !q.value().page_mapped) continue;  // never touched: a hole
          if (!hal::CopyFromUser(page, va, elf::kCorePage)) continue;
          room = WriteAt(f, offsets[i] + off, page, elf::kCorePage, limit);
        }
      }
      // Holes at the end still count: the file has the size the headers say.
      (void)f.vnode()->Truncate(end);
      written = true;
      Log("core", "pid %lu (%s) dumped core to %s (%lu bytes)", p->pid(), p->name(), name, end);
    }
  }
  delete[] header;
  delete[] page;
  delete[] offsets;
  delete[] regions;
  return written;
}

}  // namespace core::syscall
