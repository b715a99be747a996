#pragma once

// 16550 UART driver for the kernel console (COM1). Polled output; receive
// interrupts are enabled by the console layer once the IOAPIC routes IRQ 4.

#include <stdint.h>

namespace hal::x86_64 {

inline constexpr uint16_t kCom1Port = 0x3F8;

class Serial16550 {
 public:
  explicit constexpr Serial16550(uint16_t base) : base_(base) {}

  /// Programs 115200 baud 8N1 with FIFOs, then checks the chip with its
  /// loopback mode. Returns false (and stays unused) if no UART answers.
  bool Init();

  /// Busy-waits for room in the transmitter, then sends one byte.
  void Put(uint8_t byte);

  /// Returns true and the byte if one has been received.
  bool TryGet(uint8_t* byte);

  /// Enables the "received data available" interrupt.
  void EnableReceiveInterrupt();

  bool present() const { return present_; }

 private:
  uint16_t base_;
  bool present_ = false;
};

/// Drains the UART's receive FIFO into the console input handler (IRQ 4).
void OnConsoleInterrupt();

/// The console UART (COM1).
Serial16550& ConsoleUart();

}  // namespace hal::x86_64
