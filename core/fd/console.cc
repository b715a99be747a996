#include "core/fd/console.h"

#include "core/fd/vnode_file.h"
#include "core/fs/root.h"
#include "core/syscall/user_ptr.h"
#include "core/vfs/device.h"
#include "core/vfs/devfs.h"
#include "core/vfs/linux_abi.h"
#include "core/vfs/ops.h"
#include "hal/console.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::fd {
namespace {

constexpr size_t kInputCapacity = 4096;  // like Linux's N_TTY buffer

// Readiness of the console, for waiters (poll, blocking reads).
class ConsoleReadiness final : public KernelObject {
 public:
  ConsoleReadiness() : KernelObject(ObjectType::kFile) {}
  void Set(bool readable) {
    SpinLockGuard guard(lock_);
    UpdateSignalsLocked(kSignalReadable, (readable ? kSignalReadable : 0) | kSignalWritable);
  }
};

class ConsoleDevice final : public vfs::CharDevice {
 public:
  kstd::Result<size_t> Read(kstd::Span<uint8_t> out) override {
    if (out.empty()) return size_t{0};
    SpinLockGuard guard(lock_);
    if (used_ == 0) return kstd::Error::kAgain;
    size_t n = kstd::Min(out.size(), used_);
    for (size_t i = 0; i < n; ++i) out[i] = input_[(head_ + i) % kInputCapacity];
    head_ = (head_ + n) % kInputCapacity;
    used_ -= n;
    if (readiness_) readiness_->Set(used_ > 0);
    return n;
  }

  kstd::Result<size_t> Write(kstd::Span<const uint8_t> in) override {
    hal::ConsoleWrite(reinterpret_cast<const char*>(in.data()), in.size());
    return in.size();
  }

  kstd::Result<int64_t> Ioctl(uint32_t request, uint64_t arg) override {
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

  uint32_t Poll() override {
    SpinLockGuard guard(lock_);
    uint32_t ev = vfs::kPollOut | vfs::kPollWrNorm;
    if (used_ > 0) ev |= vfs::kPollIn | vfs::kPollRdNorm;
    return ev;
  }

  KernelObject* WaitObject() override { return readiness_.get(); }

  void OnInput(uint8_t byte) {
    SpinLockGuard guard(lock_);
    if (used_ == kInputCapacity) {
      ++dropped_;
      return;
    }
    input_[(head_ + used_) % kInputCapacity] = byte;
    ++used_;
    if (readiness_) readiness_->Set(true);
  }

  bool Init() {
    readiness_ = kstd::AdoptRef(new (kstd::nothrow) ConsoleReadiness());
    if (!readiness_) return false;
    readiness_->Set(false);
    return true;
  }

 private:
  SpinLock lock_;
  uint8_t input_[kInputCapacity] = {};
  size_t head_ = 0;
  size_t used_ = 0;
  uint64_t dropped_ = 0;
  kstd::RefPtr<ConsoleReadiness> readiness_;
};

ConsoleDevice* g_console = nullptr;

void OnInput(uint8_t byte) {
  if (g_console != nullptr) g_console->OnInput(byte);
}

}  // namespace

void InitConsole() { hal::SetConsoleInputHandler(OnInput); }

kstd::Result<void> AddConsoleDevices(vfs::Vnode* dev_dir) {
  kstd::RefPtr<ConsoleDevice> console = kstd::AdoptRef(new (kstd::nothrow) ConsoleDevice());
  if (!console || !console->Init()) return kstd::Error::kNoMemory;
  g_console = console.get();  // kept alive by the registry
  TRY(vfs::DevFs::AddDevice(dev_dir, "console", vfs::kDevConsole, 0600, console));
  TRY(vfs::DevFs::AddDevice(dev_dir, "ttyS0", vfs::kDevTtyS0, 0660, console));
  TRY(vfs::DevFs::AddDevice(dev_dir, "tty", vfs::kDevTty, 0666, console));
  return kstd::Ok();
}

kstd::Result<kstd::RefPtr<FileDescription>> OpenConsole() {
  vfs::MountTable& mounts = fs::Mounts();
  kstd::RefPtr<vfs::Vnode> root = mounts.Root();
  vfs::PathContext ctx{&mounts, root.get(), root.get()};
  kstd::RefPtr<vfs::OpenFile> file = TRY(vfs::OpenPath(ctx, "/dev/console", kORdWr, 0));
  kstd::RefPtr<FileDescription> d = kstd::AdoptRef<FileDescription>(new (kstd::nothrow) VnodeFile(kstd::Move(file), kORdWr));
  if (!d) return kstd::Error::kNoMemory;
  return d;
}

}  // namespace core::fd
