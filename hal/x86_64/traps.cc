// hal/traps.h for x86-64: SYSCALL set-up, syscall and user-fault dispatch,
// user-memory copies, entering user mode.

#include "hal/traps.h"
#include "hal/x86_64/fault_kind.h"

#include "hal/x86_64/address_space_layout.h"
#include "hal/x86_64/cpu.h"
#include "hal/x86_64/gdt.h"
#include "hal/x86_64/percpu.h"
#include "klog/log.h"
#include "kstd/utility.h"

extern "C" void x86_64_syscall_entry();
extern "C" [[noreturn]] void x86_64_enter_user(hal::UserFrame* frame);
extern "C" uint64_t x86_64_user_copy(void* dst, const void* src, size_t len);
extern "C" char x86_64_user_copy_begin[], x86_64_user_copy_end[], x86_64_user_copy_fault[];

namespace hal {
namespace {

constexpr uint32_t kMsrStar = 0xC0000081;
constexpr uint32_t kMsrLstar = 0xC0000082;
constexpr uint32_t kMsrFmask = 0xC0000084;
constexpr uint64_t kEferSyscallEnable = 1;
// RFLAGS bits cleared on SYSCALL: TF, IF, DF, NT, AC (SDM vol. 3A §2.3).
constexpr uint64_t kSyscallFlagMask = (1 << 8) | (1 << 9) | (1 << 10) | (1 << 14) | (1 << 18);
constexpr uint64_t kUserRflags = 0x202;  // IF, reserved bit 1

TrapHandlers g_handlers;

bool RangeIsUser(uint64_t address, size_t len) {
  uint64_t end;
  return kstd::CheckedAdd(address, len, &end) && end <= x86_64::kUserTop;
}

}  // namespace

void InitTraps(const TrapHandlers& handlers) {
  g_handlers = handlers;
  using namespace x86_64;
  WriteMsr(kMsrEfer, ReadMsr(kMsrEfer) | kEferSyscallEnable);
  WriteMsr(kMsrStar,
           (static_cast<uint64_t>(0x18 | 3) << 48) | (static_cast<uint64_t>(kKernelCode) << 32));
  WriteMsr(kMsrLstar, reinterpret_cast<uint64_t>(&x86_64_syscall_entry));
  WriteMsr(kMsrFmask, kSyscallFlagMask);
}

void InitUserFrame(UserFrame* f, uint64_t pc, uint64_t sp, uint64_t arg0) {
  __builtin_memset(f, 0, sizeof *f);
  f->rip = pc;
  f->rsp = sp;
  f->rdi = arg0;
  f->cs = x86_64::kUserCode;
  f->ss = x86_64::kUserData;
  f->rflags = kUserRflags;
}

void EnterUserMode(UserFrame* frame) {
  if (g_handlers.return_to_user != nullptr) g_handlers.return_to_user(frame);
  x86_64_enter_user(frame);
}

bool CopyFromUser(void* dst, uint64_t user_src, size_t len) {
  if (!RangeIsUser(user_src, len)) return false;
  if (len == 0) return true;
  return x86_64_user_copy(dst, reinterpret_cast<const void*>(user_src), len) == 0;
}

bool CopyToUser(uint64_t user_dst, const void* src, size_t len) {
  if (!RangeIsUser(user_dst, len)) return false;
  if (len == 0) return true;
  return x86_64_user_copy(reinterpret_cast<void*>(user_dst), src, len) == 0;
}

uint64_t UserAddressLimit() { return x86_64::kUserTop; }

uint64_t UserCodeSelector() { return x86_64::kUserCode; }
uint64_t UserDataSelector() { return x86_64::kUserData; }

UserFrame* CurrentUserFrame() {
  return reinterpret_cast<UserFrame*>(x86_64::ThisCpu()->kernel_rsp - sizeof(UserFrame));
}

namespace x86_64 {

bool FromUserMode(const InterruptFrame& f) { return (f.cs & 3) == 3; }

bool InUserCopy(uint64_t rip) {
  return rip >= reinterpret_cast<uint64_t>(x86_64_user_copy_begin) &&
         rip < reinterpret_cast<uint64_t>(x86_64_user_copy_end);
}

namespace {

// A page fault's address (CR2) and cause.
PageFaultInfo PageFaultOf(const InterruptFrame& f) {
  return DecodePageFault(ReadCr2(), f.rip, f.error_code);
}

}  // namespace

// Called by the exception path for vectors < 32. Returns true if handled (the
// frame may have been redirected); false means a kernel bug (the caller panics).
bool HandleTrap(InterruptFrame* f) {
  bool user = FromUserMode(*f);
  if (f->vector == 14) {
    const PageFaultInfo info = PageFaultOf(*f);
    if (user || InUserCopy(f->rip)) {
      if (g_handlers.page_fault != nullptr && g_handlers.page_fault(info)) return true;
      if (!user) {
        f->rip = reinterpret_cast<uint64_t>(x86_64_user_copy_fault);
        return true;
      }
    }
  }
  if (!user || g_handlers.user_fault == nullptr) return false;
  UserFault fault;
  fault.kind = ClassifyFault(f->vector);
  fault.vector = static_cast<int>(f->vector);
  fault.error_code = f->error_code;
  if (f->vector == 14) {
    fault.page = PageFaultOf(*f);
    fault.address = fault.page.address;
  } else {
    fault.address = f->rip;
  }
  g_handlers.user_fault(f, fault);
  return true;
}

// Called on the way out of an interrupt or exception that came from user mode.
void BeforeReturnToUser(InterruptFrame* f) {
  if (g_handlers.return_to_user != nullptr) g_handlers.return_to_user(f);
}

}  // namespace x86_64
}  // namespace hal

extern "C" void X86SyscallDispatch(hal::UserFrame* frame) {
  hal::g_handlers.syscall(frame);
  if (hal::g_handlers.return_to_user != nullptr) hal::g_handlers.return_to_user(frame);
}
