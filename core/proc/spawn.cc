#include "core/proc/spawn.h"

#include "core/exec/elf_loader.h"
#include "core/fd/console.h"
#include "core/exec/initial_stack.h"
#include "core/ipc/channel.h"
#include "core/kernel/log.h"
#include "core/kernel/memory.h"
#include "core/syscall/abi.h"
#include "core/vm/vm_aspace.h"
#include "hal/memory.h"
#include "hal/timer.h"
#include "hal/x86_64/cpu.h"
#include "kstd/new.h"
#include "kstd/string.h"

namespace core {
namespace {

constexpr uint64_t kStackSize = 256 * 1024;
constexpr uint64_t kStackGuard = 64 * 1024;
constexpr uint64_t kStackTop = 0x00007FFFFFF00000ULL;

// The ELF loader's view of a new process's address space.
class AspaceTarget final : public exec::LoadTarget {
 public:
  explicit AspaceTarget(vm::VmAspace* aspace) : aspace_(aspace) {}

  kstd::Result<void> MapZeroed(uint64_t vaddr, uint64_t size, uint32_t prot) override {
    auto vmo = TRY(vm::VmObject::CreateAnonymous(&Pmm(), size));
    TRY(aspace_->Map(kstd::Move(vmo), 0, size, static_cast<vm::Prot>(prot), vaddr, vm::kMapFixed));
    return kstd::Ok();
  }
  kstd::Result<void> Write(uint64_t vaddr, kstd::ByteSpan bytes) override {
    return aspace_->Poke(vaddr, bytes.data(), bytes.size());
  }

 private:
  vm::VmAspace* aspace_;
};

// Sends the child's bootstrap message on a new channel and returns the
// child's end (to be added to its table).
kstd::Result<kstd::RefPtr<ipc::ChannelEndpoint>> MakeBootstrap(SpawnRequest& r, uint64_t child_pid) {
  ipc::ChannelPair pair = TRY(ipc::Channel::CreatePair());
  uint32_t count = static_cast<uint32_t>(r.handles.size());
  size_t bytes = sizeof(uint32_t);
  for (uint32_t i = 0; i < count; ++i) {
    const char* name = i < r.handle_names.size() ? r.handle_names[i] : "";
    bytes += kstd::StringLength(name) + 1;
  }
  if (bytes > tessera::kMaxMessageBytes) return kstd::Error::kTooBig;
  ipc::SenderInfo kernel_sender{0, 0, 0};  // pid 0: the kernel
  ipc::MessagePacket* packet = TRY(ipc::MessagePacket::Create(static_cast<uint32_t>(bytes), count, kernel_sender));
  uint8_t* out = packet->bytes().data();
  __builtin_memcpy(out, &count, sizeof count);
  size_t at = sizeof count;
  for (uint32_t i = 0; i < count; ++i) {
    const char* name = i < r.handle_names.size() ? r.handle_names[i] : "";
    size_t len = kstd::StringLength(name) + 1;
    __builtin_memcpy(out + at, name, len);
    at += len;
    packet->handles()[i] = kstd::Move(r.handles[i]);
  }
  auto written = pair.first->Write(packet);
  if (written.is_error()) {
    ipc::MessagePacket::DeleteDeferred(packet);
    return written.error();
  }
  (void)child_pid;
  return pair.second;  // pair.first (the kernel's end) closes when it goes out of scope
}

kstd::Result<void> Build(Process* p, SpawnRequest& r, const char** why) {
  if (!r.executable || !r.executable->is_physical()) return kstd::Error::kInvalid;
  kstd::ByteSpan file(static_cast<const uint8_t*>(hal::PhysToVirt(r.executable->physical_base())),
                      r.executable->size());
  AspaceTarget target(p->aspace());
  exec::LoadedImage image = TRY(exec::LoadElf(file, target, 0, why));
  p->brk_start_ = p->brk_current_ = image.brk;

  // Stack: a guard below, then kStackSize of demand-zero memory.
  uint64_t stack_base = kStackTop - kStackSize;
  TRY(p->aspace()->MapGuard(stack_base - kStackGuard, kStackGuard, vm::kMapFixed));
  auto stack_vmo = TRY(vm::VmObject::CreateAnonymous(&Pmm(), kStackSize));
  TRY(p->aspace()->Map(kstd::Move(stack_vmo), 0, kStackSize, vm::kProtRead | vm::kProtWrite,
                       stack_base, vm::kMapFixed));

  // stdin, stdout and stderr: the console.
  auto console = TRY(fd::OpenConsole());
  for (int i = 0; i < 3; ++i) TRY(p->fds()->InstallAt(i, console, false));

  auto bootstrap = TRY(MakeBootstrap(r, p->pid()));
  HandleValue bootstrap_handle = TRY(p->handles().Add(kstd::Move(bootstrap), kRightsBasic | kRightsIo));

  exec::AuxInputs aux;
  aux.phdr = image.phdr;
  aux.phent = image.phent;
  aux.phnum = image.phnum;
  aux.entry = image.entry;
  aux.base = 0;
  aux.hwcap = hal::x86_64::Cpuid(1).edx;
  uint64_t seed = hal::x86_64::ReadTsc() ^ (p->pid() << 32);
  for (size_t i = 0; i < exec::kRandomBytes; ++i) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    aux.random[i] = static_cast<uint8_t>(seed >> 56);
  }
  aux.execfn = r.argv.size() > 0 ? r.argv[0] : r.name;
  aux.extra_type = tessera::kAuxBootstrapHandle;
  aux.extra_value = bootstrap_handle;

  uint8_t* scratch = new (kstd::nothrow) uint8_t[exec::kMaxStackImageBytes];
  if (scratch == nullptr) return kstd::Error::kNoMemory;
  auto stack = exec::BuildInitialStack(kStackTop, r.argv, r.envp, aux,
                                       kstd::Span<uint8_t>(scratch, exec::kMaxStackImageBytes));
  if (stack.is_error()) {
    delete[] scratch;
    return stack.error();
  }
  auto poked = p->aspace()->Poke(stack.value().sp, stack.value().bytes.data(), stack.value().bytes.size());
  uint64_t sp = stack.value().sp;
  delete[] scratch;
  TRY(poked);
  TRY(p->StartUserThread(r.name, image.entry, sp, 0));
  return kstd::Ok();
}

}  // namespace

kstd::Result<kstd::RefPtr<Process>> Spawn(SpawnRequest& request, const char** why) {
  kstd::RefPtr<Process> p = TRY(Process::Create(request.name, request.parent_pid));
  auto built = Build(p.get(), request, why);
  if (built.is_error()) {
    p->Abandon();  // never started: tear down without threads
    return built.error();
  }
  return p;
}

}  // namespace core
