#include "core/proc/init_process.h"

#include "core/kernel/log.h"
#include "core/object/resource.h"
#include "core/pci/pci_device.h"
#include "core/proc/spawn.h"
#include "core/vfs/mount_right.h"
#include "core/vm/vm_object.h"
#include "hal/boot/cmdline.h"
#include "kstd/string.h"
#include "kstd/utility.h"

namespace core {
namespace {

constexpr Rights kModuleRights = kRightsBasic | kRightRead | kRightExecute | kRightMap;
constexpr size_t kMaxArgs = 16;

// Splits a module command line into words (in place in `buf`).
size_t SplitWords(char* buf, const char** words, size_t max) {
  size_t n = 0;
  char* p = buf;
  while (*p != '\0' && n < max) {
    while (*p == ' ') *p++ = '\0';
    if (*p == '\0') break;
    words[n++] = p;
    while (*p != '\0' && *p != ' ') ++p;
  }
  return n;
}

}  // namespace

kstd::Result<kstd::RefPtr<Process>> StartInit(const hal::BootInfo& boot_info,
                                              kstd::RefPtr<fd::FileDescription> stdio) {
  Handle handles[hal::BootInfo::kMaxModules];
  char names[hal::BootInfo::kMaxModules][hal::BootModule::kMaxCmdline];
  const char* name_ptrs[hal::BootInfo::kMaxModules];
  size_t count = 0;
  int init_index = -1;
  for (size_t i = 0; i < boot_info.module_count; ++i) {
    const hal::BootModule& m = boot_info.modules[i];
    if (hal::ModuleName(m, names[count], sizeof names[count]) == nullptr) continue;
    uint64_t base = kstd::AlignDown(m.phys_start, 4096);
    if (base != m.phys_start || m.phys_end <= m.phys_start) {
      Log("init", "module %s is not page aligned; skipped", names[count]);
      continue;
    }
    auto vmo = vm::VmObject::CreatePhysical(base, kstd::AlignUp(m.phys_end - base, 4096), false);
    if (vmo.is_error()) return vmo.error();
    handles[count] = Handle{vmo.release_value(), kModuleRights};
    name_ptrs[count] = names[count];
    if (kstd::StringEqual(names[count], "init")) init_index = static_cast<int>(count);
    ++count;
  }
  if (init_index < 0) return kstd::Error::kNotFound;
  // The PCI root: init decides which driver gets which device.
  if (count < hal::BootInfo::kMaxModules) {
    auto root = pci::PciRoot::Create();
    if (root.is_error()) return root.error();
    handles[count] = Handle{root.release_value(), kRightsBasic | kRightRead | kRightManage};
    kstd::CopyString(names[count], sizeof names[count], "pci");
    name_ptrs[count] = names[count];
    ++count;
  }
  // The right to mount user-space file systems (fs_mount): init decides
  // which servers get it.
  if (count < hal::BootInfo::kMaxModules) {
    auto right = vfs::VfsMountRight::Create();
    if (right.is_error()) return right.error();
    handles[count] = Handle{right.release_value(), kRightsBasic | kRightManage};
    kstd::CopyString(names[count], sizeof names[count], "vfs");
    name_ptrs[count] = names[count];
    ++count;
  }
  // The privileged services' resources (core/object/resource.h): init
  // decides which drivers and servers get DMA memory and high priority.
  struct {
    ResourceKind kind;
    Rights rights;
    const char* name;
  } const resources[] = {
      {ResourceKind::kDma, kRightsBasic | kRightWrite | kRightManage, "dma"},
      {ResourceKind::kPriority, kRightsBasic | kRightManage, "sched"},
      {ResourceKind::kNet, kRightsBasic | kRightManage, "net"},
  };
  for (const auto& r : resources) {
    if (count >= hal::BootInfo::kMaxModules) break;
    auto resource = Resource::Create(r.kind);
    if (resource.is_error()) return resource.error();
    handles[count] = Handle{resource.release_value(), r.rights};
    kstd::CopyString(names[count], sizeof names[count], r.name);
    name_ptrs[count] = names[count];
    ++count;
  }

  char cmdline[hal::BootModule::kMaxCmdline];
  kstd::CopyString(cmdline, sizeof cmdline, boot_info.modules[0].cmdline);
  for (size_t i = 0; i < boot_info.module_count; ++i) {
    char n[hal::BootModule::kMaxCmdline];
    if (hal::ModuleName(boot_info.modules[i], n, sizeof n) != nullptr &&
        kstd::StringEqual(n, "init")) {
      kstd::CopyString(cmdline, sizeof cmdline, boot_info.modules[i].cmdline);
    }
  }
  const char* argv[kMaxArgs];
  size_t argc = SplitWords(cmdline, argv, kMaxArgs);

  char test_env[48] = "TESSERA_TEST=";
  char mode[24];
  const char* envp[3] = {"PATH=/bin", "HOME=/", nullptr};
  size_t envc = 2;
  if (hal::CmdlineValue(boot_info.cmdline, "tessera.test", mode, sizeof mode)) {
    kstd::CopyString(test_env + 13, sizeof test_env - 13, mode);
    envp[envc++] = test_env;
  }

  SpawnRequest request;
  request.name = "init";
  request.executable =
      kstd::StaticRefCast<vm::VmObject>(kstd::RefPtr<KernelObject>(handles[init_index].object));
  request.argv = kstd::Span<const char* const>(argv, argc);
  request.envp = kstd::Span<const char* const>(envp, envc);
  request.handles = kstd::Span<Handle>(handles, count);
  request.handle_names = kstd::Span<const char* const>(name_ptrs, count);
  request.parent_pid = 0;
  request.stdio = kstd::Move(stdio);
  const char* why = nullptr;
  auto p = Spawn(request, &why);
  if (p.is_error()) {
    Log("init", "cannot start init: %s%s%s", kstd::ErrorName(p.error()), why ? ": " : "",
        why ? why : "");
    return p.error();
  }
  {
    // PID 1 only receives the signals it installed handlers for.
    SpinLockGuard guard(p.value()->signal_lock());
    p.value()->signals().set_unkillable(true);
  }
  Log("init", "started init as pid %lu with %zu module handle(s)", p.value()->pid(), count);
  return p;
}

}  // namespace core
