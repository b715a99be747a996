#pragma once

// Facade: the few CPU controls portable kernel code needs.

namespace hal {

/// Enables/disables maskable interrupts on the calling CPU.
void EnableInterrupts();
void DisableInterrupts();

/// Disables interrupts and returns whether they were enabled before, for
/// RestoreInterrupts (nesting-safe critical sections).
bool SaveAndDisableInterrupts();
void RestoreInterrupts(bool were_enabled);

/// Sleeps the CPU until the next interrupt (interrupts must be enabled).
void WaitForInterrupt();

/// Stops the calling CPU for good with interrupts disabled.
[[noreturn]] void HaltForever();

}  // namespace hal
