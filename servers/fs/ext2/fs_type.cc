#include "servers/fs/ext2/fs_type.h"

#include "servers/fs/ext2/format.h"

namespace servers::fs::ext2 {
namespace {

// Linux's EXT2_FEATURE_*_SUPP and EXT3_FEATURE_*_SUPP (fs/ext4/ext4.h).
constexpr uint32_t kExt2Incompat = kIncompatFiletype | kIncompatMetaBg;
constexpr uint32_t kExt2RoCompat = kRoCompatSparseSuper | kRoCompatLargeFile | kRoCompatBtreeDir;
constexpr uint32_t kExt3Incompat = kIncompatFiletype | kIncompatRecover | kIncompatMetaBg;
constexpr uint32_t kExt3RoCompat = kExt2RoCompat;

bool SameName(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

}  // namespace

const char* FsTypeName(FsType type) {
  switch (type) {
    case FsType::kExt3: return "ext3";
    case FsType::kExt4: return "ext4";
    case FsType::kAny:
    case FsType::kExt2: break;
  }
  return "ext2";
}

bool ParseFsType(const char* name, FsType* out) {
  constexpr FsType kNamed[] = {FsType::kExt2, FsType::kExt3, FsType::kExt4};
  for (FsType t : kNamed) {
    if (SameName(name, FsTypeName(t))) {
      *out = t;
      return true;
    }
  }
  return false;
}

FsType FsTypeOf(const Features& f) {
  if ((f.incompat & ~kExt3Incompat) != 0 || (f.ro_compat & ~kExt3RoCompat) != 0) {
    return FsType::kExt4;
  }
  return (f.compat & kCompatHasJournal) != 0 ? FsType::kExt3 : FsType::kExt2;
}

bool MountsAs(FsType type, const Features& f, bool read_only) {
  switch (type) {
    case FsType::kExt2:
      return (f.incompat & ~kExt2Incompat) == 0 &&
             (read_only || (f.ro_compat & ~kExt2RoCompat) == 0);
    case FsType::kExt3:
      return (f.incompat & ~kExt3Incompat) == 0 && (f.compat & kCompatHasJournal) != 0 &&
             (read_only || (f.ro_compat & ~kExt3RoCompat) == 0);
    case FsType::kAny:
    case FsType::kExt4: break;
  }
  return true;
}

}  // namespace servers::fs::ext2
