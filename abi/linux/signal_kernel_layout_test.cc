// abi/linux/signal.h against the kernel's own x86-64 k_sigaction and
// stack_t (<asm/signal.h>, which cannot share a translation unit with
// glibc's <signal.h> or GoogleTest): checked at compile time.

#include <asm/signal.h>
#include <stddef.h>

#include "abi/linux/signal.h"

namespace linux_abi {
namespace {

static_assert(sizeof(KSigAction) == sizeof(struct sigaction));
static_assert(offsetof(KSigAction, handler) == offsetof(struct sigaction, sa_handler));
static_assert(offsetof(KSigAction, flags) == offsetof(struct sigaction, sa_flags));
static_assert(offsetof(KSigAction, restorer) == offsetof(struct sigaction, sa_restorer));
static_assert(offsetof(KSigAction, mask) == offsetof(struct sigaction, sa_mask));
static_assert(sizeof(KSigAction::mask) == sizeof(sigset_t));
static_assert(kSaRestorer == SA_RESTORER);
static_assert(kSaOnStack == SA_ONSTACK);
static_assert(kSaRestart == SA_RESTART);
static_assert(kSaNoDefer == SA_NODEFER);
static_assert(kSaResetHand == SA_RESETHAND);
static_assert(kSaSigInfo == SA_SIGINFO);
static_assert(kMinSigStackSize == MINSIGSTKSZ);
static_assert(kNumSignals == sizeof(sigset_t) * 8);  // _NSIG: one bit per signal
static_assert(kSigRtMinKernel == SIGRTMIN);
static_assert(sizeof(StackT) == sizeof(stack_t));
static_assert(offsetof(StackT, sp) == offsetof(stack_t, ss_sp));
static_assert(offsetof(StackT, flags) == offsetof(stack_t, ss_flags));
static_assert(offsetof(StackT, size) == offsetof(stack_t, ss_size));

}  // namespace
}  // namespace linux_abi

int main() { return 0; }
