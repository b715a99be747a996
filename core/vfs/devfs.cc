#include "core/vfs/devfs.h"

#include "abi/linux/poll.h"
#include "abi/linux/stat.h"
#include "kstd/new.h"

namespace core::vfs {
namespace {

size_t Chunk(size_t n) { return n < kMemoryDeviceChunk ? n : kMemoryDeviceChunk; }

class NullDevice final : public CharDevice {
 public:
  kstd::Result<size_t> Read(kstd::Span<uint8_t>) override { return size_t{0}; }
  kstd::Result<size_t> Write(kstd::Span<const uint8_t> in) override { return in.size(); }
};

class ZeroDevice final : public CharDevice {
 public:
  explicit ZeroDevice(bool full) : full_(full) {}
  kstd::Result<size_t> Read(kstd::Span<uint8_t> out) override {
    size_t n = Chunk(out.size());
    __builtin_memset(out.data(), 0, n);
    return n;
  }
  kstd::Result<size_t> Write(kstd::Span<const uint8_t> in) override {
    if (full_ && !in.empty()) return kstd::Error::kNoSpace;
    return in.size();
  }

 private:
  const bool full_;
};

class RandomDevice final : public CharDevice {
 public:
  RandomDevice(crypto::Csprng* rng, bool blocking) : rng_(rng), blocking_(blocking) {}
  kstd::Result<size_t> Read(kstd::Span<uint8_t> out) override {
    if (blocking_ && !rng_->seeded() && !rng_->Seed()) return kstd::Error::kAgain;
    size_t n = Chunk(out.size());
    rng_->Generate(kstd::Span<uint8_t>(out.data(), n));
    return n;
  }
  kstd::Result<size_t> Write(kstd::Span<const uint8_t> in) override {
    size_t n = Chunk(in.size());
    rng_->Mix(kstd::Span<const uint8_t>(in.data(), n));
    return n;
  }
  uint32_t Poll() override {
    uint32_t events = linux_abi::kPollOut | linux_abi::kPollWrNorm;
    if (!blocking_ || rng_->seeded()) events |= linux_abi::kPollIn | linux_abi::kPollRdNorm;
    return events;
  }

 private:
  crypto::Csprng* const rng_;
  const bool blocking_;
};

template <typename T, typename... Args>
kstd::RefPtr<CharDevice> Make(Args... args) {
  return kstd::AdoptRef<CharDevice>(new (kstd::nothrow) T(args...));
}

}  // namespace

kstd::RefPtr<CharDevice> MakeNullDevice() { return Make<NullDevice>(); }
kstd::RefPtr<CharDevice> MakeZeroDevice() { return Make<ZeroDevice>(false); }
kstd::RefPtr<CharDevice> MakeFullDevice() { return Make<ZeroDevice>(true); }
kstd::RefPtr<CharDevice> MakeRandomDevice(crypto::Csprng* rng, bool blocking) {
  return Make<RandomDevice>(rng, blocking);
}

kstd::Result<kstd::RefPtr<RamFs>> DevFs::Create() {
  RamFsOptions options;
  options.name = "devtmpfs";
  return RamFs::Create(options);
}

kstd::Result<void> DevFs::AddDevice(Vnode* dir, Name name, uint64_t rdev, uint32_t mode,
                                    kstd::RefPtr<CharDevice> device) {
  if (dir == nullptr) return kstd::Error::kInvalid;
  if (!device) return kstd::Error::kNoMemory;  // a failed Make*()
  TRY(CharDevices().Register(rdev, device));
  CreateRequest request;
  request.type = VnodeType::kCharDevice;
  request.mode = mode;
  request.rdev = rdev;
  kstd::Result<kstd::RefPtr<Vnode>> node = dir->Create(name, request);
  if (node.is_error()) {
    (void)CharDevices().Unregister(rdev);
    return node.error();
  }
  return kstd::Ok();
}

kstd::Result<void> DevFs::AddMemoryDevices(Vnode* dir, crypto::Csprng* rng) {
  if (rng == nullptr) return kstd::Error::kInvalid;
  TRY(AddDevice(dir, "null", kDevNull, 0666, MakeNullDevice()));
  TRY(AddDevice(dir, "zero", kDevZero, 0666, MakeZeroDevice()));
  TRY(AddDevice(dir, "full", kDevFull, 0666, MakeFullDevice()));
  TRY(AddDevice(dir, "random", kDevRandom, 0666, MakeRandomDevice(rng, true)));
  TRY(AddDevice(dir, "urandom", kDevUrandom, 0666, MakeRandomDevice(rng, false)));
  return kstd::Ok();
}

kstd::Result<void> DevFs::AddBlockNode(Vnode* dir, Name name, uint64_t rdev) {
  if (dir == nullptr) return kstd::Error::kInvalid;
  CreateRequest request;
  request.type = VnodeType::kBlockDevice;
  request.mode = 0660;
  request.rdev = rdev;
  TRY(dir->Create(name, request));
  return kstd::Ok();
}

kstd::Result<size_t> VirtioBlockName(uint32_t index, kstd::Span<char> out) {
  if (index >= kMaxVirtioBlockDisks) return kstd::Error::kInvalid;
  // Linux's virtblk_name_format: bijective base 26 after "vd".
  char letters[4];
  size_t n = 0;
  uint32_t i = index;
  do {
    letters[n++] = static_cast<char>('a' + i % 26);
    i = i / 26;
  } while (i-- != 0);
  size_t length = 2 + n;
  if (out.size() < length + 1) return kstd::Error::kRange;
  out[0] = 'v';
  out[1] = 'd';
  for (size_t k = 0; k < n; ++k) out[2 + k] = letters[n - 1 - k];
  out[length] = '\0';
  return length;
}

kstd::Result<uint32_t> VirtioBlockIndex(uint64_t rdev) {
  if (linux_abi::DevMajor(rdev) != kVirtioBlockMajor) return kstd::Error::kNoDeviceOrAddress;
  uint32_t minor = linux_abi::DevMinor(rdev);
  if (minor % kVirtioBlockMinorsPerDisk != 0) return kstd::Error::kNoDeviceOrAddress;
  uint32_t index = minor / kVirtioBlockMinorsPerDisk;
  if (index >= kMaxVirtioBlockDisks) return kstd::Error::kNoDeviceOrAddress;
  return index;
}

}  // namespace core::vfs
