#pragma once

// cpio "newc" archives (the initramfs format): a validating reader and an
// unpacker into any file system through the Vnode API.
//
// Format (as GNU cpio `-H newc` and Linux's usr/gen_init_cpio write it): each
// entry is a 110-byte ASCII header, the NUL-terminated name, zero padding to a
// 4-byte boundary, the data, zero padding to a 4-byte boundary. The header is
// the magic "070701" ("070702": the same with a checksum) and 13 fields of 8
// hex digits: ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
// devminor, rdevmajor, rdevminor, namesize (with the NUL), check. The entry
// named "TRAILER!!!" ends an archive; zero bytes may follow (block padding),
// and another archive may follow them (concatenated archives, as Linux allows).
//
// Validation (every problem is a kBadMessage with the offset and field named):
// magic; every field's 8 hex digits; namesize in [2, 4096]; the name fits in
// the archive, has its NUL exactly at namesize-1 and none before; padding
// present and zero; filesize fits in the archive; 070701's check is 0 and
// 070702's is the byte sum of the data; the mode names a known file type;
// directories, devices, fifos and sockets carry no data; a symlink's target is
// 1..4095 bytes without NUL; the archive ends with a trailer.
//
// Unpacking rules:
// - Names are relative to `root`: leading "/" and "./" are stripped, "."
//   components and repeated slashes ignored; a ".." component rejects the
//   archive (never an escape). A name reducing to nothing ("." itself) sets
//   the root's mode/owner/mtime.
// - Missing parent directories are created (mode 0755, owner root), like
//   `cpio -d`; an existing parent that is not a directory (a symlink too:
//   symlinks in the archive are never followed) rejects the archive.
// - A directory that exists already gets the entry's mode/owner/mtime. A
//   regular file, symlink or device node replaces an existing
//   non-directory; an existing directory in its place rejects the archive.
// - Hard links: newc marks them with nlink > 1 and a shared (devmajor,
//   devminor, ino); GNU cpio stores the data with the last link only. The
//   first occurrence creates the file, later ones link to it, and whichever
//   carries data writes it.
// - Mode (07777 bits), uid, gid and mtime (as atime and mtime) are applied.
//   Directory mtimes are applied in a second pass at the end, since creating
//   their children would otherwise overwrite them.
// - The whole archive (format and names) is validated before anything is
//   created, so a malformed archive changes nothing. An error while creating
//   (kNoSpace, a name clashing with the tree) leaves what was unpacked
//   before the failing entry.

#include <stddef.h>
#include <stdint.h>

#include "core/vfs/vnode.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core::vfs {

inline constexpr size_t kCpioHeaderSize = 110;

struct CpioEntry {
  uint64_t offset = 0;      // of the header in the archive
  bool crc_format = false;  // "070702"
  uint32_t ino = 0;
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t nlink = 0;
  uint32_t mtime = 0;
  uint32_t filesize = 0;
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;
  uint32_t rdev_major = 0;
  uint32_t rdev_minor = 0;
  uint32_t namesize = 0;
  uint32_t check = 0;
  Name name;            // without the NUL
  kstd::ByteSpan data;  // filesize bytes
  VnodeType type = VnodeType::kRegular;
};

/// What went wrong where. `message` is a complete sentence for the kernel log.
struct CpioError {
  kstd::Error error = kstd::Error::kBadMessage;
  uint64_t offset = 0;     // byte offset in the archive of the faulty part
  const char* field = "";  // "magic", "namesize", "name", "filesize", "mode", ...
  char message[192] = {};
};

class CpioReader {
 public:
  explicit CpioReader(kstd::ByteSpan archive) : archive_(archive) {}

  /// Reads the next entry into *entry. Returns false once every archive in
  /// the data has ended with its trailer (the trailer is not returned).
  /// Errors: kBadMessage (details in error()).
  kstd::Result<bool> Next(CpioEntry* entry);
  const CpioError& error() const { return error_; }
  uint64_t position() const { return position_; }

 private:
  kstd::Error Fail(uint64_t offset, const char* field, const char* what);
  /// One header: an entry (true), a trailer (true with at_trailer_ set), or
  /// the end of the data after a trailer (false).
  kstd::Result<bool> NextOrTrailer(CpioEntry* entry);

  kstd::ByteSpan archive_;
  uint64_t position_ = 0;
  bool after_trailer_ = false;
  bool at_trailer_ = false;
  CpioError error_;
};

struct CpioStats {
  size_t entries = 0;
  size_t directories = 0;
  size_t files = 0;
  size_t symlinks = 0;
  size_t hard_links = 0;  // entries that became extra links
  size_t special = 0;     // device nodes, fifos, sockets
  uint64_t data_bytes = 0;
};

/// Unpacks `archive` into the directory `root` (see the file comment).
/// Errors: kBadMessage (malformed archive or hostile name), kNameTooLong,
/// kNotDirectory, kExists, kNoSpace, kNoMemory and the file system's errors;
/// `error` (optional) then says where and why.
kstd::Result<CpioStats> UnpackCpio(kstd::ByteSpan archive, Vnode* root, CpioError* error = nullptr);

}  // namespace core::vfs
