#include "hal/x86_64/serial.h"

#include "hal/console.h"
#include "hal/cpu.h"
#include "hal/x86_64/port_io.h"

namespace hal::x86_64 {
namespace {

// Register offsets (PC16550D datasheet, "Register Summary").
constexpr uint16_t kData = 0;          // RBR/THR, or divisor low with DLAB
constexpr uint16_t kIntEnable = 1;     // IER, or divisor high with DLAB
constexpr uint16_t kFifoControl = 2;   // FCR
constexpr uint16_t kLineControl = 3;   // LCR
constexpr uint16_t kModemControl = 4;  // MCR
constexpr uint16_t kLineStatus = 5;    // LSR

constexpr uint8_t kLcrDlab = 0x80;
constexpr uint8_t kLcr8N1 = 0x03;
constexpr uint8_t kLsrDataReady = 0x01;
constexpr uint8_t kLsrTxEmpty = 0x20;
constexpr uint8_t kMcrDtrRtsOut2 = 0x0B;
constexpr uint8_t kMcrLoopback = 0x10;
constexpr uint16_t kDivisor115200 = 1;  // 1.8432 MHz / 16 / 115200

Serial16550 g_com1(kCom1Port);

}  // namespace

bool Serial16550::Init() {
  Out8(base_ + kIntEnable, 0);
  Out8(base_ + kLineControl, kLcrDlab);
  Out8(base_ + kData, kDivisor115200 & 0xFF);
  Out8(base_ + kIntEnable, kDivisor115200 >> 8);
  Out8(base_ + kLineControl, kLcr8N1);
  Out8(base_ + kFifoControl, 0xC7);  // enable, clear both FIFOs, 14-byte trigger
  // Loopback self-test: a byte sent must come back.
  Out8(base_ + kModemControl, kMcrLoopback | 0x0F);
  Out8(base_ + kData, 0xAE);
  present_ = In8(base_ + kData) == 0xAE;
  Out8(base_ + kModemControl, kMcrDtrRtsOut2);
  return present_;
}

void Serial16550::Put(uint8_t byte) {
  if (!present_) return;
  while ((In8(base_ + kLineStatus) & kLsrTxEmpty) == 0) {
  }
  Out8(base_ + kData, byte);
}

bool Serial16550::TryGet(uint8_t* byte) {
  if (!present_ || (In8(base_ + kLineStatus) & kLsrDataReady) == 0) return false;
  *byte = In8(base_ + kData);
  return true;
}

void Serial16550::EnableReceiveInterrupt() {
  if (present_) Out8(base_ + kIntEnable, 0x01);
}

Serial16550& ConsoleUart() { return g_com1; }

}  // namespace hal::x86_64

namespace hal {

namespace {
void (*g_input_handler)(uint8_t) = nullptr;
}  // namespace

void SetConsoleInputHandler(void (*handler)(uint8_t)) { g_input_handler = handler; }

namespace x86_64 {
void OnConsoleInterrupt() {
  uint8_t byte;
  while (ConsoleUart().TryGet(&byte)) {
    if (g_input_handler != nullptr) g_input_handler(byte);
  }
}
}  // namespace x86_64

namespace {

// One writer at a time, so a log line or a write(2) is never interleaved
// with another (interrupts are off while held: the console is polled).
bool g_console_locked = false;

class ConsoleLock {
 public:
  ConsoleLock() : were_enabled_(SaveAndDisableInterrupts()) {
    while (__atomic_exchange_n(&g_console_locked, true, __ATOMIC_ACQUIRE)) __builtin_ia32_pause();
  }
  ~ConsoleLock() {
    __atomic_store_n(&g_console_locked, false, __ATOMIC_RELEASE);
    RestoreInterrupts(were_enabled_);
  }

 private:
  bool were_enabled_;
};

}  // namespace

void ConsoleWriteRaw(const char* data, size_t len) {
  ConsoleLock lock;
  auto& uart = x86_64::ConsoleUart();
  for (size_t i = 0; i < len; ++i) uart.Put(static_cast<uint8_t>(data[i]));
}

void ConsoleWrite(const char* data, size_t len) {
  ConsoleLock lock;
  auto& uart = x86_64::ConsoleUart();
  for (size_t i = 0; i < len; ++i) {
    if (data[i] == '\n') uart.Put('\r');
    uart.Put(static_cast<uint8_t>(data[i]));
  }
}

}  // namespace hal
