#include "core/vfs/device.h"

#include "abi/linux/poll.h"
#include "kstd/new.h"

namespace core::vfs {

kstd::Result<void> CharDevice::Open(uint32_t) { return kstd::Ok(); }
kstd::Result<size_t> CharDevice::Read(kstd::Span<uint8_t>) { return kstd::Error::kInvalid; }
kstd::Result<size_t> CharDevice::ReadStream(kstd::Span<uint8_t> out, StreamRead*) {
  return Read(out);
}
kstd::Result<size_t> CharDevice::Write(kstd::Span<const uint8_t>) { return kstd::Error::kInvalid; }
kstd::Result<int64_t> CharDevice::Ioctl(uint32_t, uint64_t) { return kstd::Error::kNotTty; }
uint32_t CharDevice::Poll() {
  return linux_abi::kPollIn | linux_abi::kPollOut | linux_abi::kPollRdNorm | linux_abi::kPollWrNorm;
}

// ---- CharDeviceRegistry

kstd::Result<void> CharDeviceRegistry::Register(uint64_t rdev, kstd::RefPtr<CharDevice> device) {
  if (!device) return kstd::Error::kInvalid;
  SpinLockGuard guard(lock_);
  for (size_t i = 0; i < count_; ++i) {
    if (slots_[i].rdev == rdev) return kstd::Error::kExists;
  }
  if (count_ == kMaxDevices) return kstd::Error::kNoSpace;
  slots_[count_++] = Slot{rdev, device.leak_ref()};
  return kstd::Ok();
}

kstd::Result<void> CharDeviceRegistry::Unregister(uint64_t rdev) {
  kstd::RefPtr<CharDevice> doomed;  // released after the lock
  SpinLockGuard guard(lock_);
  for (size_t i = 0; i < count_; ++i) {
    if (slots_[i].rdev == rdev) {
      doomed = kstd::AdoptRef(slots_[i].device);
      slots_[i] = slots_[--count_];
      return kstd::Ok();
    }
  }
  return kstd::Error::kNotFound;
}

kstd::RefPtr<CharDevice> CharDeviceRegistry::Find(uint64_t rdev) const {
  SpinLockGuard guard(lock_);
  for (size_t i = 0; i < count_; ++i) {
    if (slots_[i].rdev == rdev) return kstd::RefPtr<CharDevice>::FromRaw(slots_[i].device);
  }
  return nullptr;
}

void CharDeviceRegistry::Clear() {
  while (true) {
    uint64_t rdev;
    {
      SpinLockGuard guard(lock_);
      if (count_ == 0) return;
      rdev = slots_[0].rdev;
    }
    (void)Unregister(rdev);
  }
}

namespace {
constinit CharDeviceRegistry g_char_devices;
}  // namespace

CharDeviceRegistry& CharDevices() { return g_char_devices; }

kstd::Result<kstd::RefPtr<OpenFile>> CharDevice::MakeOpenFile(kstd::RefPtr<Vnode> vnode,
                                                              uint32_t flags) {
  TRY(Open(flags));
  kstd::RefPtr<CharDevice> self = kstd::RefPtr<CharDevice>::FromRaw(this);
  kstd::RefPtr<OpenFile> file = kstd::AdoptRef<OpenFile>(
      new (kstd::nothrow) DeviceOpenFile(kstd::Move(vnode), flags, kstd::Move(self)));
  if (!file) {
    Close();
    return kstd::Error::kNoMemory;
  }
  return file;
}

// ---- DeviceOpenFile

DeviceOpenFile::DeviceOpenFile(kstd::RefPtr<Vnode> vnode, uint32_t flags,
                               kstd::RefPtr<CharDevice> device)
    : OpenFile(kstd::Move(vnode), flags), device_(kstd::Move(device)) {}

DeviceOpenFile::~DeviceOpenFile() { device_->Close(); }

kstd::Result<size_t> DeviceOpenFile::Read(uint64_t, kstd::Span<uint8_t> out) {
  return device_->Read(out);
}
kstd::Result<size_t> DeviceOpenFile::ReadStream(kstd::Span<uint8_t> out, StreamRead* read) {
  return device_->ReadStream(out, read);
}
kstd::Result<size_t> DeviceOpenFile::Write(uint64_t, kstd::Span<const uint8_t> in) {
  return device_->Write(in);
}
kstd::Result<size_t> DeviceOpenFile::Append(kstd::Span<const uint8_t> in, uint64_t* end) {
  *end = 0;
  return device_->Write(in);
}
kstd::Result<int64_t> DeviceOpenFile::Ioctl(uint32_t request, uint64_t arg) {
  return device_->Ioctl(request, arg);
}
uint32_t DeviceOpenFile::Poll() { return device_->Poll(); }
KernelObject* DeviceOpenFile::WaitObject() { return device_->WaitObject(); }

}  // namespace core::vfs
