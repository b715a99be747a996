#include "core/vfs/cpio.h"

#include "abi/linux/stat.h"
#include "klog/format.h"
#include "kstd/new.h"

namespace core::vfs {
namespace {

// Header field order after the 6-byte magic (each 8 hex digits).
constexpr const char* kFieldNames[13] = {
    "ino",      "mode",     "uid",       "gid",       "nlink",    "mtime", "filesize",
    "devmajor", "devminor", "rdevmajor", "rdevminor", "namesize", "check",
};
constexpr size_t kMagicSize = 6;
constexpr Name kTrailerName("TRAILER!!!", 10);

constexpr uint64_t Pad4(uint64_t n) { return (n + 3) & ~uint64_t{3}; }

int HexValue(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool AllZero(kstd::ByteSpan bytes) {
  for (uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

}  // namespace

kstd::Error CpioReader::Fail(uint64_t offset, const char* field, const char* what) {
  error_.error = kstd::Error::kBadMessage;
  error_.offset = offset;
  error_.field = field;
  klog::Format(error_.message, sizeof(error_.message), "cpio: offset %llu, field %s: %s",
               static_cast<unsigned long long>(offset), field, what);
  return kstd::Error::kBadMessage;
}

kstd::Result<bool> CpioReader::Next(CpioEntry* entry) {
  // Loops (never recurses) over trailers, so a hostile run of empty
  // archives cannot exhaust the kernel stack.
  while (true) {
    kstd::Result<bool> r = NextOrTrailer(entry);
    if (r.is_error() || !r.value() || !at_trailer_) return r;
  }
}

kstd::Result<bool> CpioReader::NextOrTrailer(CpioEntry* entry) {
  at_trailer_ = false;
  const uint64_t size = archive_.size();
  if (after_trailer_) {
    // Block padding (zeros), then the end or another archive.
    while (position_ < size && archive_[position_] == 0) ++position_;
    if (position_ >= size) return false;
    if (position_ % 4 != 0) return Fail(position_, "magic", "a following archive is misaligned");
    after_trailer_ = false;
  }
  const uint64_t start = position_;
  if (start >= size) return Fail(start, "trailer", "the archive ends without TRAILER!!!");
  if (!archive_.Contains(start, kCpioHeaderSize)) {
    return Fail(start, "header", "truncated header (110 bytes needed)");
  }
  const uint8_t* h = archive_.data() + start;
  bool crc = false;
  if (__builtin_memcmp(h, "070701", kMagicSize) == 0) {
    crc = false;
  } else if (__builtin_memcmp(h, "070702", kMagicSize) == 0) {
    crc = true;
  } else {
    return Fail(start, "magic", "not a newc header (070701/070702)");
  }
  uint32_t fields[13];
  for (size_t f = 0; f < 13; ++f) {
    uint32_t value = 0;
    for (size_t i = 0; i < 8; ++i) {
      int digit = HexValue(h[kMagicSize + 8 * f + i]);
      if (digit < 0) return Fail(start + kMagicSize + 8 * f + i, kFieldNames[f], "bad hex digit");
      value = (value << 4) | static_cast<uint32_t>(digit);
    }
    fields[f] = value;
  }
  CpioEntry e;
  e.offset = start;
  e.crc_format = crc;
  e.ino = fields[0];
  e.mode = fields[1];
  e.uid = fields[2];
  e.gid = fields[3];
  e.nlink = fields[4];
  e.mtime = fields[5];
  e.filesize = fields[6];
  e.dev_major = fields[7];
  e.dev_minor = fields[8];
  e.rdev_major = fields[9];
  e.rdev_minor = fields[10];
  e.namesize = fields[11];
  e.check = fields[12];

  const uint64_t field_base = start + kMagicSize;
  if (e.namesize < 2 || e.namesize > kMaxPathLength + 1) {
    return Fail(field_base + 8 * 11, "namesize", "out of range [2, 4096]");
  }
  const uint64_t name_at = start + kCpioHeaderSize;
  if (!archive_.Contains(name_at, e.namesize)) {
    return Fail(name_at, "name", "runs past the end of the archive");
  }
  const char* name = reinterpret_cast<const char*>(archive_.data() + name_at);
  if (name[e.namesize - 1] != '\0') return Fail(name_at, "name", "not NUL-terminated at namesize");
  for (uint32_t i = 0; i + 1 < e.namesize; ++i) {
    if (name[i] == '\0') return Fail(name_at + i, "name", "NUL inside the name");
  }
  e.name = Name(name, e.namesize - 1);
  const uint64_t name_end = name_at + e.namesize;
  const uint64_t data_at = Pad4(name_end);
  if (!archive_.Contains(name_end, data_at - name_end)) {
    return Fail(name_end, "name", "padding after the name runs past the end");
  }
  if (!AllZero(archive_.Subspan(name_end, data_at - name_end))) {
    return Fail(name_end, "name", "padding after the name is not zero");
  }
  if (!archive_.Contains(data_at, e.filesize)) {
    return Fail(field_base + 8 * 6, "filesize", "data runs past the end of the archive");
  }
  e.data = archive_.Subspan(data_at, e.filesize);
  const uint64_t data_end = data_at + e.filesize;
  const uint64_t next = Pad4(data_end);
  if (!archive_.Contains(data_end, next - data_end)) {
    return Fail(data_end, "filesize", "padding after the data runs past the end");
  }
  if (!AllZero(archive_.Subspan(data_end, next - data_end))) {
    return Fail(data_end, "filesize", "padding after the data is not zero");
  }
  if (crc) {
    uint32_t sum = 0;
    for (uint8_t b : e.data) sum += b;
    if (sum != e.check) return Fail(field_base + 8 * 12, "check", "checksum mismatch");
  } else if (e.check != 0) {
    return Fail(field_base + 8 * 12, "check", "must be 0 in a 070701 archive");
  }

  if (e.name == kTrailerName) {
    position_ = next;
    after_trailer_ = true;
    at_trailer_ = true;
    return true;
  }

  kstd::Result<VnodeType> type = TypeFromMode(e.mode);
  if (type.is_error()) return Fail(field_base + 8 * 1, "mode", "unknown file type");
  e.type = type.value();
  if ((e.mode & ~(linux_abi::kModeTypeMask | linux_abi::kModePermissionMask)) != 0) {
    return Fail(field_base + 8 * 1, "mode", "unknown mode bits");
  }
  switch (e.type) {
    case VnodeType::kRegular: break;
    case VnodeType::kSymlink:
      if (e.filesize == 0 || e.filesize > kMaxPathLength) {
        return Fail(field_base + 8 * 6, "filesize", "symlink target must be 1..4095 bytes");
      }
      for (uint8_t b : e.data) {
        if (b == 0) return Fail(data_at, "data", "NUL inside a symlink target");
      }
      break;
    default:
      if (e.filesize != 0) {
        return Fail(field_base + 8 * 6, "filesize", "directories and devices carry no data");
      }
      break;
  }
  position_ = next;
  *entry = e;
  return true;
}

// ---- Unpacking

namespace {

struct HardLink {
  HardLink* next;
  uint32_t dev_major;
  uint32_t dev_minor;
  uint32_t ino;
  kstd::RefPtr<Vnode> vnode;
};

class HardLinkTable {
 public:
  ~HardLinkTable() {
    while (head_ != nullptr) {
      HardLink* next = head_->next;
      delete head_;
      head_ = next;
    }
  }
  Vnode* Find(const CpioEntry& e) const {
    for (HardLink* l = head_; l != nullptr; l = l->next) {
      if (l->dev_major == e.dev_major && l->dev_minor == e.dev_minor && l->ino == e.ino) {
        return l->vnode.get();
      }
    }
    return nullptr;
  }
  bool Add(const CpioEntry& e, kstd::RefPtr<Vnode> vnode) {
    HardLink* link =
        new (kstd::nothrow) HardLink{head_, e.dev_major, e.dev_minor, e.ino, kstd::Move(vnode)};
    if (link == nullptr) return false;
    head_ = link;
    return true;
  }

 private:
  HardLink* head_ = nullptr;
};

// Formats an error about entry `e` into *out (if not null) and returns `error`.
kstd::Error EntryError(CpioError* out, const CpioEntry& e, kstd::Error error, const char* field,
                       const char* what) {
  if (out != nullptr) {
    out->error = error;
    out->offset = e.offset;
    out->field = field;
    int shown = e.name.size() > 64 ? 64 : static_cast<int>(e.name.size());
    char name[72];
    __builtin_memcpy(name, e.name.data(), static_cast<size_t>(shown));
    name[shown] = '\0';
    for (int i = 0; i < shown; ++i) {
      if (name[i] < 0x20 || name[i] == 0x7f) name[i] = '?';
    }
    klog::Format(
        out->message, sizeof(out->message), "cpio: entry at offset %llu (\"%s\"), %s: %s (%s)",
        static_cast<unsigned long long>(e.offset), name, field, what, kstd::ErrorName(error));
  }
  return error;
}

// The name rules that do not depend on the target tree: no ".." component,
// no component longer than NAME_MAX.
kstd::Result<void> CheckName(const CpioEntry& e, CpioError* error) {
  const char* p = e.name.data();
  const char* end = p + e.name.size();
  while (p < end) {
    while (p < end && *p == '/') ++p;
    const char* start = p;
    while (p < end && *p != '/') ++p;
    Name comp(start, static_cast<size_t>(p - start));
    if (comp.IsDotDot())
      return EntryError(error, e, kstd::Error::kBadMessage, "name", "\"..\" in a name");
    if (comp.size() > kMaxNameLength) {
      return EntryError(error, e, kstd::Error::kNameTooLong, "name",
                        "a component is longer than 255 bytes");
    }
  }
  return kstd::Ok();
}

class Unpacker {
 public:
  Unpacker(Vnode* root, CpioError* error) : root_(root), error_(error) {}

  kstd::Result<void> Apply(const CpioEntry& e, CpioStats* stats);
  kstd::Result<void> ApplyDirectoryTime(const CpioEntry& e);

 private:
  kstd::Error Fail(const CpioEntry& e, kstd::Error error, const char* field, const char* what);
  /// Splits the entry's name: walks (creating directories) to the parent of
  /// the last component. `last` is empty for the root itself.
  kstd::Result<kstd::RefPtr<Vnode>> WalkToParent(const CpioEntry& e, bool create, Name* last);
  kstd::Result<void> SetAttributes(Vnode* v, const CpioEntry& e, bool times);
  kstd::Result<void> WriteData(const CpioEntry& e, Vnode* file);

  Vnode* const root_;
  CpioError* const error_;
  HardLinkTable links_;
};

kstd::Error Unpacker::Fail(const CpioEntry& e, kstd::Error error, const char* field,
                           const char* what) {
  return EntryError(error_, e, error, field, what);
}

kstd::Result<kstd::RefPtr<Vnode>> Unpacker::WalkToParent(const CpioEntry& e, bool create,
                                                         Name* last) {
  kstd::RefPtr<Vnode> dir = kstd::RefPtr<Vnode>::FromRaw(root_);
  const char* p = e.name.data();
  const char* end = p + e.name.size();
  Name pending;  // the component seen last (not yet walked into)
  while (true) {
    while (p < end && *p == '/') ++p;
    if (p == end) break;
    const char* start = p;
    while (p < end && *p != '/') ++p;
    Name comp(start, static_cast<size_t>(p - start));
    if (comp.IsDot()) continue;
    if (comp.IsDotDot()) return Fail(e, kstd::Error::kBadMessage, "name", "\"..\" in a name");
    if (comp.size() > kMaxNameLength) {
      return Fail(e, kstd::Error::kNameTooLong, "name", "a component is longer than 255 bytes");
    }
    if (!pending.empty()) {
      // `pending` is an intermediate directory: walk into it.
      kstd::Result<kstd::RefPtr<Vnode>> next = dir->Lookup(pending);
      if (next.is_error() && next.error() == kstd::Error::kNotFound && create) {
        CreateRequest request;
        request.type = VnodeType::kDirectory;
        request.mode = 0755;
        next = dir->Create(pending, request);
      }
      if (next.is_error()) return Fail(e, next.error(), "name", "cannot reach a parent directory");
      if (!next.value()->IsDirectory()) {
        return Fail(e, kstd::Error::kNotDirectory, "name", "a parent is not a directory");
      }
      dir = next.release_value();
    }
    pending = comp;
  }
  *last = pending;
  return dir;
}

kstd::Result<void> Unpacker::SetAttributes(Vnode* v, const CpioEntry& e, bool times) {
  SetAttrRequest request;
  request.mask = SetAttrRequest::kMode | SetAttrRequest::kUid | SetAttrRequest::kGid;
  request.mode = e.mode & linux_abi::kModePermissionMask;
  request.uid = e.uid;
  request.gid = e.gid;
  if (times) {
    request.mask |= SetAttrRequest::kAtime | SetAttrRequest::kMtime;
    request.atime = request.mtime = FromTimespec(e.mtime, 0);
  }
  // chown clears setuid/setgid, so the mode goes in a second request.
  SetAttrRequest owner = request;
  owner.mask &= ~SetAttrRequest::kMode;
  kstd::Result<void> r = v->SetAttr(owner);
  if (r.is_error()) return Fail(e, r.error(), "mode", "cannot set owner or times");
  SetAttrRequest mode;
  mode.mask = SetAttrRequest::kMode;
  mode.mode = request.mode;
  r = v->SetAttr(mode);
  if (r.is_error()) return Fail(e, r.error(), "mode", "cannot set the mode");
  return kstd::Ok();
}

kstd::Result<void> Unpacker::WriteData(const CpioEntry& e, Vnode* file) {
  kstd::Result<void> t = file->Truncate(0);
  if (t.is_error()) return Fail(e, t.error(), "filesize", "cannot truncate");
  size_t done = 0;
  while (done < e.data.size()) {
    kstd::Result<size_t> n = file->WriteAt(done, e.data.Subspan(done));
    if (n.is_error()) return Fail(e, n.error(), "filesize", "cannot write the data");
    if (n.value() == 0) return Fail(e, kstd::Error::kNoSpace, "filesize", "short write");
    done += n.value();
  }
  return kstd::Ok();
}

kstd::Result<void> Unpacker::Apply(const CpioEntry& e, CpioStats* stats) {
  ++stats->entries;
  Name last;
  kstd::RefPtr<Vnode> dir = TRY(WalkToParent(e, /*create=*/true, &last));
  if (last.empty()) {
    // "." (or "/"): the root itself.
    if (e.type != VnodeType::kDirectory) {
      return Fail(e, kstd::Error::kBadMessage, "name", "the root must be a directory");
    }
    ++stats->directories;
    return SetAttributes(root_, e, /*times=*/false);
  }

  kstd::Result<kstd::RefPtr<Vnode>> existing = dir->Lookup(last);
  if (existing.is_error() && existing.error() != kstd::Error::kNotFound) {
    return Fail(e, existing.error(), "name", "lookup failed");
  }

  if (e.type == VnodeType::kDirectory) {
    ++stats->directories;
    kstd::RefPtr<Vnode> node;
    if (existing.ok()) {
      if (!existing.value()->IsDirectory()) {
        return Fail(e, kstd::Error::kExists, "name", "exists and is not a directory");
      }
      node = existing.release_value();
    } else {
      CreateRequest request;
      request.type = VnodeType::kDirectory;
      request.mode = e.mode & linux_abi::kModePermissionMask;
      kstd::Result<kstd::RefPtr<Vnode>> made = dir->Create(last, request);
      if (made.is_error()) return Fail(e, made.error(), "name", "cannot create the directory");
      node = made.release_value();
    }
    return SetAttributes(node.get(), e, /*times=*/false);
  }

  // Hard link to a file seen earlier in the archive?
  if (e.type == VnodeType::kRegular && e.nlink > 1) {
    if (Vnode* target = links_.Find(e)) {
      if (existing.ok() && existing.value().get() != target) {
        if (existing.value()->IsDirectory()) {
          return Fail(e, kstd::Error::kExists, "name", "a directory is in the way");
        }
        kstd::Result<void> u = dir->Unlink(last);
        if (u.is_error()) return Fail(e, u.error(), "name", "cannot replace the old file");
      }
      if (!existing.ok() || existing.value().get() != target) {
        kstd::Result<void> l = dir->Link(last, target);
        if (l.is_error()) return Fail(e, l.error(), "name", "cannot make the hard link");
      }
      ++stats->hard_links;
      if (!e.data.empty()) {
        TRY(WriteData(e, target));
        stats->data_bytes += e.data.size();
      }
      return SetAttributes(target, e, /*times=*/true);
    }
  }

  if (existing.ok()) {
    if (existing.value()->IsDirectory()) {
      return Fail(e, kstd::Error::kExists, "name", "a directory is in the way");
    }
    kstd::Result<void> u = dir->Unlink(last);
    if (u.is_error()) return Fail(e, u.error(), "name", "cannot replace the old file");
  }

  CreateRequest request;
  request.type = e.type;
  request.mode = e.mode & linux_abi::kModePermissionMask;
  if (e.type == VnodeType::kSymlink) {
    request.symlink_target = Name(reinterpret_cast<const char*>(e.data.data()), e.data.size());
  }
  if (e.type == VnodeType::kCharDevice || e.type == VnodeType::kBlockDevice) {
    request.rdev = linux_abi::MakeDev(e.rdev_major, e.rdev_minor);
  }
  kstd::Result<kstd::RefPtr<Vnode>> made = dir->Create(last, request);
  if (made.is_error()) return Fail(e, made.error(), "name", "cannot create the node");
  kstd::RefPtr<Vnode> node = made.release_value();
  switch (e.type) {
    case VnodeType::kRegular:
      ++stats->files;
      if (!e.data.empty()) {
        TRY(WriteData(e, node.get()));
        stats->data_bytes += e.data.size();
      }
      if (e.nlink > 1 && !links_.Add(e, node)) {
        return Fail(e, kstd::Error::kNoMemory, "nlink", "cannot record the hard link");
      }
      break;
    case VnodeType::kSymlink:
      ++stats->symlinks;
      // Symlink permissions are always 0777; only owner and times apply.
      {
        SetAttrRequest owner;
        owner.mask = SetAttrRequest::kUid | SetAttrRequest::kGid | SetAttrRequest::kAtime |
                     SetAttrRequest::kMtime;
        owner.uid = e.uid;
        owner.gid = e.gid;
        owner.atime = owner.mtime = FromTimespec(e.mtime, 0);
        kstd::Result<void> r = node->SetAttr(owner);
        if (r.is_error()) return Fail(e, r.error(), "uid", "cannot set owner");
      }
      return kstd::Ok();
    default: ++stats->special; break;
  }
  return SetAttributes(node.get(), e, /*times=*/true);
}

kstd::Result<void> Unpacker::ApplyDirectoryTime(const CpioEntry& e) {
  Name last;
  kstd::RefPtr<Vnode> dir = TRY(WalkToParent(e, /*create=*/false, &last));
  kstd::RefPtr<Vnode> node = dir;
  if (!last.empty()) {
    kstd::Result<kstd::RefPtr<Vnode>> found = dir->Lookup(last);
    if (found.is_error()) return Fail(e, found.error(), "name", "directory vanished");
    node = found.release_value();
  }
  SetAttrRequest times;
  times.mask = SetAttrRequest::kAtime | SetAttrRequest::kMtime;
  times.atime = times.mtime = FromTimespec(e.mtime, 0);
  kstd::Result<void> r = node->SetAttr(times);
  if (r.is_error()) return Fail(e, r.error(), "mtime", "cannot set the time");
  return kstd::Ok();
}

}  // namespace

kstd::Result<CpioStats> UnpackCpio(kstd::ByteSpan archive, Vnode* root, CpioError* error) {
  if (root == nullptr || !root->IsDirectory()) return kstd::Error::kNotDirectory;
  CpioStats stats;
  // First pass: validate the whole archive, so a malformed one changes nothing.
  {
    CpioReader reader(archive);
    CpioEntry entry;
    while (true) {
      kstd::Result<bool> next = reader.Next(&entry);
      if (next.is_error()) {
        if (error != nullptr) *error = reader.error();
        return next.error();
      }
      if (!next.value()) break;
      TRY(CheckName(entry, error));
    }
  }
  // Second pass: create everything.
  {
    Unpacker unpacker(root, error);
    CpioReader reader(archive);
    CpioEntry entry;
    while (true) {
      kstd::Result<bool> next = reader.Next(&entry);  // validated above
      if (next.is_error() || !next.value()) break;
      TRY(unpacker.Apply(entry, &stats));
    }
  }
  // Third pass: directory times, now that their contents exist.
  Unpacker unpacker(root, error);
  CpioReader reader(archive);
  CpioEntry entry;
  while (true) {
    kstd::Result<bool> next = reader.Next(&entry);  // validated by the first pass
    if (next.is_error() || !next.value()) break;
    if (entry.type == VnodeType::kDirectory) TRY(unpacker.ApplyDirectoryTime(entry));
  }
  return stats;
}

}  // namespace core::vfs
