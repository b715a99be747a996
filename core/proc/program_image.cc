#include "core/proc/program_image.h"

#include "core/crypto/kernel_random.h"

#include "core/exec/elf_loader.h"
#include "core/exec/initial_stack.h"
#include "core/kernel/memory.h"
#include "core/proc/exec_image_cache.h"
#include "core/vm/vm_object.h"
#include "hal/cpu_id.h"
#include "kstd/new.h"

namespace core {
namespace {

constexpr uint64_t kStackGuard = 64 * 1024;
constexpr uint64_t kStackTop = 0x00007FFFFFF00000ULL;

// The ELF loader's view of a new address space.
class AspaceTarget final : public exec::LoadTarget {
 public:
  AspaceTarget(vm::VmAspace* aspace, const ExecImage* cached) : aspace_(aspace), cached_(cached) {}

  kstd::Result<void> MapZeroed(uint64_t vaddr, uint64_t size, uint32_t prot) override {
    auto vmo = TRY(vm::VmObject::CreateAnonymous(&Pmm(), size));
    TRY(aspace_->Map(kstd::Move(vmo), 0, size, static_cast<vm::Prot>(prot), vaddr, vm::kMapFixed));
    return kstd::Ok();
  }
  kstd::Result<void> Write(uint64_t vaddr, kstd::ByteSpan bytes) override {
    return aspace_->Poke(vaddr, bytes.data(), bytes.size());
  }
  bool CanMapFile() const override { return cached_ != nullptr; }
  kstd::Result<void> MapFile(uint64_t vaddr, uint64_t size, uint32_t prot,
                             uint64_t file_offset) override {
    if (cached_ == nullptr) return kstd::Error::kNotSupported;
    // A private mapping of a VMO others hold is a copy-on-write clone of the
    // range: its pages are the cache's until someone writes.
    TRY(aspace_->Map(cached_->vmo(), file_offset, size, static_cast<vm::Prot>(prot), vaddr,
                     vm::kMapFixed));
    return kstd::Ok();
  }

 private:
  vm::VmAspace* aspace_;
  const ExecImage* cached_;
};

}  // namespace

kstd::Result<ProgramImage> LoadProgram(vm::VmAspace* aspace, kstd::ByteSpan file,
                                       const ProgramArgs& args, const char** why,
                                       const ExecImage* cached) {
  AspaceTarget target(aspace, cached);
  exec::LoadedImage image =
      cached != nullptr ? TRY(exec::LoadParsedElf(cached->elf(), file, target, kDynBase, why))
                        : TRY(exec::LoadElf(file, target, kDynBase, why));
  // A dynamically linked program: its dynamic linker runs first.
  uint64_t start = image.entry;
  uint64_t interp_base = 0;
  if (image.has_interp) {
    if (args.interp_file.empty() && args.interp_cached == nullptr) {
      if (why != nullptr) *why = "exec: the program names a dynamic linker that was not loaded";
      return kstd::Error::kBadExecutable;
    }
    const elf::ElfImage* parsed =
        args.interp_cached != nullptr ? &args.interp_cached->elf() : nullptr;
    auto checked = parsed != nullptr ? kstd::Result<elf::ElfImage>(*parsed)
                                     : elf::ParseElf64(args.interp_file, why);
    TRY(checked);
    if (checked.value().type != elf::kEtDyn || checked.value().has_interp) {
      if (why != nullptr) {
        *why =
            "exec: the dynamic linker must be position-independent (ET_DYN) without a "
            "PT_INTERP of its own";
      }
      return kstd::Error::kBadExecutable;
    }
    AspaceTarget interp_target(aspace, args.interp_cached);
    exec::LoadedImage interp = TRY(
        exec::LoadParsedElf(checked.value(), args.interp_file, interp_target, kInterpBase, why));
    start = interp.entry;
    interp_base = interp.base;
  }

  // The stack is demand-zero: only the pages touched are ever allocated. Its
  // size is RLIMIT_STACK's (a touch below it faults: SIGSEGV, as Linux's
  // stack that may not grow further).
  uint64_t stack_size = args.stack_limit;
  if (stack_size < ProgramArgs::kMinStack) stack_size = ProgramArgs::kMinStack;
  if (stack_size > ProgramArgs::kMaxStack) stack_size = ProgramArgs::kMaxStack;
  stack_size &= ~uint64_t{4095};
  uint64_t stack_base = kStackTop - stack_size;
  TRY(aspace->MapGuard(stack_base - kStackGuard, kStackGuard, vm::kMapFixed));
  auto stack_vmo = TRY(vm::VmObject::CreateAnonymous(&Pmm(), stack_size));
  TRY(aspace->Map(kstd::Move(stack_vmo), 0, stack_size, vm::kProtRead | vm::kProtWrite, stack_base,
                  vm::kMapFixed));

  exec::AuxInputs aux;
  aux.phdr = image.phdr;
  aux.phent = image.phent;
  aux.phnum = image.phnum;
  aux.entry = image.entry;
  aux.base = interp_base;
  aux.hwcap = hal::ReadCpuId(1).edx;
  // AT_RANDOM seeds libc's stack canary and pointer guard: from the CSPRNG,
  // never from anything a program could guess (a cycle count).
  crypto::RandomBytes(kstd::Span<uint8_t>(aux.random, exec::kRandomBytes));
  aux.execfn = args.execfn;
  aux.extra_type = args.extra_aux_type;
  aux.extra_value = args.extra_aux_value;
  aux.secure = args.secure;
  aux.uid = args.uid;
  aux.euid = args.euid;
  aux.gid = args.gid;
  aux.egid = args.egid;

  uint8_t* scratch = new (kstd::nothrow) uint8_t[exec::kMaxStackImageBytes];
  if (scratch == nullptr) return kstd::Error::kNoMemory;
  auto stack = exec::BuildInitialStack(kStackTop, args.argv, args.envp, aux,
                                       kstd::Span<uint8_t>(scratch, exec::kMaxStackImageBytes));
  if (stack.is_error()) {
    delete[] scratch;
    return stack.error();
  }
  auto poked =
      aspace->Poke(stack.value().sp, stack.value().bytes.data(), stack.value().bytes.size());
  ProgramImage result{start, stack.value().sp, image.brk};
  result.arg_start = stack.value().arg_start;
  result.arg_end = stack.value().arg_end;
  result.env_start = stack.value().env_start;
  result.env_end = stack.value().env_end;
  delete[] scratch;
  TRY(poked);
  return result;
}

}  // namespace core
