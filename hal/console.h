#pragma once

// Facade: the kernel console (the boot/kernel log). On x86-64 it is the COM1
// 16550 UART; on the host fake it is an in-memory buffer tests can inspect.

#include <stddef.h>
#include <stdint.h>

namespace hal {

/// Writes `len` bytes to the console, translating "\n" to "\r\n". Never fails;
/// safe to call with interrupts disabled and from the panic path.
void ConsoleWrite(const char* data, size_t len);

/// Writes bytes to the console exactly as given (the terminal's own output
/// processing has already turned "\n" into "\r\n" where it should).
void ConsoleWriteRaw(const char* data, size_t len);

/// Registers the function that receives every byte typed on the console. It
/// runs in the receive interrupt (interrupts disabled): it must not block.
/// Takes effect once the interrupt controllers are up (InitInterrupts).
void SetConsoleInputHandler(void (*handler)(uint8_t byte));

}  // namespace hal
