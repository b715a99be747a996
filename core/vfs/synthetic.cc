#include "core/vfs/synthetic.h"

#include "abi/linux/fcntl.h"
#include "klog/format.h"
#include "kstd/new.h"

namespace core::vfs {

// ---- TextBuffer

TextBuffer::~TextBuffer() { delete[] data_; }

bool TextBuffer::Reserve(size_t extra) {
  if (failed_) return false;
  if (size_ + extra <= capacity_) return true;
  size_t capacity = capacity_ == 0 ? 256 : capacity_;
  while (capacity < size_ + extra) capacity *= 2;
  char* grown = new (kstd::nothrow) char[capacity];
  if (grown == nullptr) {
    failed_ = true;
    return false;
  }
  if (size_ != 0) __builtin_memcpy(grown, data_, size_);
  delete[] data_;
  data_ = grown;
  capacity_ = capacity;
  return true;
}

void TextBuffer::Append(const char* data, size_t size) {
  if (size == 0 || !Reserve(size)) return;
  __builtin_memcpy(data_ + size_, data, size);
  size_ += size;
}

void TextBuffer::Printf(const char* fmt, ...) {
  char small[128];
  va_list args;
  va_start(args, fmt);
  size_t needed = klog::FormatV(small, sizeof(small), fmt, args);
  va_end(args);
  if (needed < sizeof(small)) {
    Append(small, needed);
    return;
  }
  if (!Reserve(needed + 1)) return;
  va_start(args, fmt);
  klog::FormatV(data_ + size_, needed + 1, fmt, args);
  va_end(args);
  size_ += needed;
}

char* TextBuffer::Release(size_t* size) {
  char* data = data_;
  *size = size_;
  data_ = nullptr;
  size_ = capacity_ = 0;
  return data;
}

// ---- SyntheticFile

namespace {

// An open of a SyntheticFile: reads come from the snapshot taken at open.
class SnapshotFile final : public OpenFile {
 public:
  SnapshotFile(kstd::RefPtr<Vnode> vnode, uint32_t flags, char* data, size_t size)
      : OpenFile(kstd::Move(vnode), flags), data_(data), size_(size) {}
  ~SnapshotFile() override { delete[] data_; }

  kstd::Result<size_t> Read(uint64_t offset, kstd::Span<uint8_t> out) override {
    if (offset >= size_) return size_t{0};
    size_t n = kstd::Min<uint64_t>(out.size(), size_ - offset);
    __builtin_memcpy(out.data(), data_ + offset, n);
    return n;
  }
  kstd::Result<size_t> Write(uint64_t offset, kstd::Span<const uint8_t> in) override {
    return static_cast<SyntheticFile*>(vnode())->HandleWrite(offset, in);
  }

 private:
  char* const data_;
  const size_t size_;
};

}  // namespace

kstd::Result<size_t> SyntheticFile::HandleWrite(uint64_t, kstd::Span<const uint8_t>) {
  return kstd::Error::kInvalid;
}

kstd::Result<kstd::RefPtr<OpenFile>> SyntheticFile::Open(uint32_t flags) {
  if (linux_abi::OpenWantsWrite(flags) && !writable()) return kstd::Error::kAccess;
  char* data = nullptr;
  size_t size = 0;
  if (linux_abi::OpenWantsRead(flags)) {
    TextBuffer text;
    TRY(Render(text));
    if (text.failed()) return kstd::Error::kNoMemory;
    data = text.Release(&size);
  }
  kstd::RefPtr<OpenFile> file = kstd::AdoptRef<OpenFile>(
      new (kstd::nothrow) SnapshotFile(kstd::RefPtr<Vnode>::FromRaw(this), flags, data, size));
  if (!file) {
    delete[] data;
    return kstd::Error::kNoMemory;
  }
  return file;
}

kstd::Result<size_t> SyntheticFile::ReadAt(uint64_t offset, kstd::Span<uint8_t> out) {
  TextBuffer text;
  TRY(Render(text));
  if (text.failed()) return kstd::Error::kNoMemory;
  if (offset >= text.size()) return size_t{0};
  size_t n = kstd::Min<uint64_t>(out.size(), text.size() - offset);
  __builtin_memcpy(out.data(), text.data() + offset, n);
  return n;
}

kstd::Result<size_t> SyntheticFile::WriteAt(uint64_t offset, kstd::Span<const uint8_t> in) {
  if (!writable()) return kstd::Error::kAccess;
  return HandleWrite(offset, in);
}

kstd::Result<void> SyntheticFile::Truncate(uint64_t) {
  if (!writable()) return kstd::Error::kAccess;
  return kstd::Ok();
}

// ---- SyntheticSymlink

kstd::Result<size_t> SyntheticSymlink::ReadLink(kstd::Span<char> out) {
  size_t length = TRY(Target(out));
  return kstd::Min(length, out.size());
}

// ---- StaticDir

StaticDir::~StaticDir() {
  for (size_t i = 0; i < count_; ++i) {
    delete[] children_[i].name;
    kstd::RefPtr<Vnode> drop = kstd::AdoptRef(children_[i].vnode);
  }
}

kstd::Result<void> StaticDir::Add(Name name, kstd::RefPtr<Vnode> child) {
  if (!name.IsValidEntryName() || !child) return kstd::Error::kInvalid;
  if (count_ == kMaxChildren) return kstd::Error::kNoSpace;
  for (size_t i = 0; i < count_; ++i) {
    if (Name(children_[i].name, children_[i].length) == name) return kstd::Error::kExists;
  }
  char* copy = new (kstd::nothrow) char[name.size()];
  if (copy == nullptr) return kstd::Error::kNoMemory;
  __builtin_memcpy(copy, name.data(), name.size());
  if (child->IsDirectory()) {
    SpinLockGuard guard(attr_lock_);
    ++attr_.nlink;
  }
  children_[count_++] = Child{copy, name.size(), child.leak_ref()};
  return kstd::Ok();
}

kstd::Result<kstd::RefPtr<Vnode>> StaticDir::Lookup(Name name) {
  if (name.size() > kMaxNameLength) return kstd::Error::kNameTooLong;
  if (name.IsDot()) return kstd::RefPtr<Vnode>::FromRaw(this);
  if (name.IsDotDot()) return kstd::RefPtr<Vnode>::FromRaw(parent_ != nullptr ? parent_ : this);
  for (size_t i = 0; i < count_; ++i) {
    if (Name(children_[i].name, children_[i].length) == name) {
      return kstd::RefPtr<Vnode>::FromRaw(children_[i].vnode);
    }
  }
  return kstd::Error::kNotFound;
}

kstd::Result<void> StaticDir::ReadDir(uint64_t* cursor, DirSink& sink) {
  if (*cursor < 1) {
    if (!sink.Emit(DirEntry{ino(), VnodeType::kDirectory, Name("."), 1})) return kstd::Ok();
    *cursor = 1;
  }
  if (*cursor < 2) {
    Vnode* up = parent_ != nullptr ? parent_ : this;
    if (!sink.Emit(DirEntry{up->ino(), VnodeType::kDirectory, Name(".."), 2})) {
      return kstd::Ok();
    }
    *cursor = 2;
  }
  for (size_t i = *cursor - 2; i < count_; ++i) {
    const Child& c = children_[i];
    if (!sink.Emit(DirEntry{c.vnode->ino(), c.vnode->type(), Name(c.name, c.length), i + 3})) {
      return kstd::Ok();
    }
    *cursor = i + 3;
  }
  return kstd::Ok();
}

// ---- SyntheticFs

void SyntheticFs::set_root(kstd::RefPtr<Vnode> root) {
  SpinLockGuard guard(lock_);
  root_ = kstd::Move(root);
}

kstd::RefPtr<Vnode> SyntheticFs::Root() {
  SpinLockGuard guard(lock_);
  return root_;
}

FsStats SyntheticFs::StatFs() const {
  FsStats stats;
  stats.magic = magic_;
  return stats;
}

void SyntheticFs::Shutdown() {
  kstd::RefPtr<Vnode> root;
  SpinLockGuard guard(lock_);
  root = kstd::Move(root_);
}

}  // namespace core::vfs
