#include "core/procfs/locks.h"

#include "abi/linux/stat.h"
#include "core/fd/lease.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::procfs {
namespace {

const char* ClassName(fd::LockClass cls) {
  switch (cls) {
    case fd::LockClass::kPosix: return "POSIX ";
    case fd::LockClass::kOfd: return "OFDLCK";
    case fd::LockClass::kFlock: return "FLOCK ";
  }
  return "UNKNOWN";
}

// At most this many locks are listed (a bounded snapshot per open).
constexpr size_t kMaxListed = 4096;

class LocksFile final : public vfs::SyntheticFile {
 public:
  LocksFile(kstd::RefPtr<vfs::FileSystem> fs, uint64_t ino)
      : SyntheticFile(kstd::Move(fs), ino, 0444) {}

  kstd::Result<void> Render(vfs::TextBuffer& out) override {
    auto* locks = new (kstd::nothrow) fd::LockInfo[kMaxListed];
    if (locks == nullptr) return kstd::Error::kNoMemory;
    size_t n = fd::SnapshotLocks(locks, kMaxListed);
    n += fd::SnapshotLeases(locks + n, kMaxListed - n);
    RenderLocks(locks, n, out);
    delete[] locks;
    return kstd::Ok();
  }
};

}  // namespace

void RenderLocks(const fd::LockInfo* locks, size_t count, vfs::TextBuffer& out) {
  size_t number = 0;
  for (size_t i = 0; i < count; ++i) {
    const fd::LockInfo& l = locks[i];
    // A blocked request follows its obstacle, under the same number.
    if (!l.waiting || number == 0) ++number;
    if (l.lease) {
      // Linux: the type a breaking lease goes to ("UNLCK" when it goes).
      out.Printf("%zu: LEASE  %s %s %d %02x:%02x:%lu 0 EOF\n", number,
                 l.breaking ? "BREAKING " : "ACTIVE   ",
                 l.unlock_target ? "UNLCK" : (l.type == fd::LockType::kWrite ? "WRITE" : "READ"),
                 l.pid, linux_abi::DevMajor(l.file.dev), linux_abi::DevMinor(l.file.dev),
                 l.file.ino);
      continue;
    }
    out.Printf("%zu: %s%s ADVISORY  %s %d %02x:%02x:%lu ", number, l.waiting ? "-> " : "",
               ClassName(l.cls), l.type == fd::LockType::kWrite ? "WRITE" : "READ", l.pid,
               linux_abi::DevMajor(l.file.dev), linux_abi::DevMinor(l.file.dev), l.file.ino);
    if (l.cls != fd::LockClass::kPosix && l.cls != fd::LockClass::kOfd) {
      out.Printf("0 EOF\n");
    } else if (l.end == fd::kLockEof) {
      out.Printf("%ld EOF\n", l.start);
    } else {
      out.Printf("%ld %ld\n", l.start, l.end);
    }
  }
}

kstd::RefPtr<vfs::Vnode> MakeProcLocksNode(kstd::RefPtr<vfs::FileSystem> fs, uint64_t ino) {
  return kstd::AdoptRef<vfs::Vnode>(new (kstd::nothrow) LocksFile(kstd::Move(fs), ino));
}

}  // namespace core::procfs
