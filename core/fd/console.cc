#include "core/fd/console.h"

#include "core/sched/scheduler.h"
#include "core/syscall/sys_common.h"
#include "hal/console.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::fd {
namespace {

constexpr size_t kInputCapacity = 4096;  // like Linux's N_TTY buffer

// Input bytes, shared by every console description. Guarded by g_input_lock.
SpinLock g_input_lock;
uint8_t g_input[kInputCapacity];
size_t g_input_head = 0;
size_t g_input_used = 0;
uint64_t g_input_dropped = 0;

class ConsoleFile;
// Open console descriptions, to raise "readable" on all of them.
constexpr int kMaxOpen = 64;
ConsoleFile* g_open[kMaxOpen];

class ConsoleFile final : public FileDescription {
 public:
  ConsoleFile() : FileDescription(kORdWr) {}
  ~ConsoleFile() override {
    SpinLockGuard guard(g_input_lock);
    for (auto& slot : g_open) {
      if (slot == this) slot = nullptr;
    }
  }

  kstd::Result<size_t> Read(kstd::Span<uint8_t> out) override {
    if (out.empty()) return size_t{0};
    for (;;) {
      {
        SpinLockGuard guard(g_input_lock);
        if (g_input_used > 0) {
          size_t n = kstd::Min(out.size(), g_input_used);
          for (size_t i = 0; i < n; ++i) out[i] = g_input[(g_input_head + i) % kInputCapacity];
          g_input_head = (g_input_head + n) % kInputCapacity;
          g_input_used -= n;
          UpdateAllLocked();
          return n;
        }
        if (nonblocking()) return kstd::Error::kAgain;
      }
      kstd::RefPtr<KernelObject> self = kstd::RefPtr<KernelObject>::FromRaw(this);
      Signals wanted = kSignalReadable;
      TRY(syscall::WaitForSignals(&self, &wanted, 1, sched::kNoDeadline, nullptr));
    }
  }

  kstd::Result<size_t> Write(kstd::Span<const uint8_t> in) override {
    hal::ConsoleWrite(reinterpret_cast<const char*>(in.data()), in.size());
    return in.size();
  }

  kstd::Result<int64_t> Ioctl(uint32_t request, uint64_t arg) override;

  int16_t PollEvents() override {
    SpinLockGuard guard(g_input_lock);
    return EventsLocked();
  }

  bool IsTty() const override { return true; }
  const char* Describe() const override { return "/dev/console"; }

  void SyncLocked() {
    SpinLockGuard guard(lock_);
    SyncSignalsLocked(EventsLocked());
  }

 private:
  static int16_t EventsLocked() {
    int16_t ev = kPollOut | kPollWrNorm;
    if (g_input_used > 0) ev |= kPollIn | kPollRdNorm;
    return ev;
  }
  static void UpdateAllLocked() {
    for (ConsoleFile* f : g_open) {
      if (f != nullptr) f->SyncLocked();
    }
  }
  friend void OnInput(uint8_t);
};

kstd::Result<int64_t> ConsoleFile::Ioctl(uint32_t request, uint64_t arg) {
  constexpr uint32_t kTiocgwinsz = 0x5413;
  if (request == kTiocgwinsz) {
    // Linux answers 0 rows, 0 columns for a serial line nobody configured.
    struct {
      uint16_t rows, cols, xpixel, ypixel;
    } size = {0, 0, 0, 0};
    if (UserPtr<decltype(size)>(arg).CopyOut(&size).is_error()) return kstd::Error::kFault;
    return int64_t{0};
  }
  return kstd::Error::kNotTty;
}

void OnInput(uint8_t byte) {
  SpinLockGuard guard(g_input_lock);
  if (g_input_used == kInputCapacity) {
    ++g_input_dropped;
    return;
  }
  g_input[(g_input_head + g_input_used) % kInputCapacity] = byte;
  ++g_input_used;
  ConsoleFile::UpdateAllLocked();
}

}  // namespace

void InitConsole() { hal::SetConsoleInputHandler(OnInput); }

kstd::Result<kstd::RefPtr<FileDescription>> OpenConsole() {
  kstd::RefPtr<ConsoleFile> f = kstd::AdoptRef(new (kstd::nothrow) ConsoleFile());
  if (!f) return kstd::Error::kNoMemory;
  SpinLockGuard guard(g_input_lock);
  for (auto& slot : g_open) {
    if (slot == nullptr) {
      slot = f.get();
      f->SyncLocked();
      return kstd::RefPtr<FileDescription>(kstd::Move(f));
    }
  }
  return kstd::Error::kTooManyHandles;
}

}  // namespace core::fd
