#include "core/vfs/exe_path.h"

#include "core/vfs/name.h"
#include "core/vfs/ops.h"
#include "kstd/new.h"
#include "kstd/string.h"

namespace core::vfs {
namespace {

constexpr size_t kBufferSize = kMaxPathLength + 1;

// Three PATH_MAX buffers, freed on scope exit.
struct Buffers {
  char* path = new (kstd::nothrow) char[kBufferSize];    // what is being resolved
  char* dir = new (kstd::nothrow) char[kBufferSize];     // its directory, canonical
  char* target = new (kstd::nothrow) char[kBufferSize];  // a link's target
  ~Buffers() {
    delete[] path;
    delete[] dir;
    delete[] target;
  }
  bool ok() const { return path != nullptr && dir != nullptr && target != nullptr; }
};

// dir + "/" + name into out (dir "/" gives "/name"). False if too long.
bool Join(const char* dir, size_t dir_length, const char* name, size_t name_length, char* out) {
  if (dir_length == 1 && dir[0] == '/') dir_length = 0;
  if (dir_length + 1 + name_length + 1 > kBufferSize) return false;
  __builtin_memmove(out, dir, dir_length);
  out[dir_length] = '/';
  __builtin_memmove(out + dir_length + 1, name, name_length);
  out[dir_length + 1 + name_length] = '\0';
  return true;
}

}  // namespace

char* ResolveExePath(const MountTable& mounts, Vnode* root, Vnode* cwd, const char* path) {
  if (path == nullptr || path[0] == '\0' || root == nullptr || cwd == nullptr) return nullptr;
  size_t length = kstd::StringLength(path);
  Buffers b;
  if (!b.ok() || length >= kBufferSize) return nullptr;
  __builtin_memcpy(b.path, path, length + 1);
  PathContext ctx{&mounts, root, cwd};

  for (size_t links = 0; links <= kMaxSymlinkExpansions; ++links) {
    // Split off the final component: "dir/name", "/name" or "name".
    length = kstd::StringLength(b.path);
    while (length > 1 && b.path[length - 1] == '/') b.path[--length] = '\0';
    size_t slash = length;
    while (slash > 0 && b.path[slash - 1] != '/') --slash;
    const char* name = b.path + slash;
    size_t name_length = length - slash;
    Name dir_name = slash == 0 ? Name(".") : slash == 1 ? Name("/") : Name(b.path, slash - 1);
    if (name_length == 0 || Name(name, name_length).IsDotOrDotDot()) return nullptr;

    // The directory, canonical (its own links resolved).
    auto dir = LookupPath(ctx, dir_name, true);
    if (dir.is_error() || !dir.value()->IsDirectory()) return nullptr;
    auto dir_length = PathOf(mounts, dir.value().get(), root, kstd::Span<char>(b.dir, kBufferSize));
    if (dir_length.is_error()) return nullptr;

    // The final component: done unless it is a symbolic link.
    auto child = dir.value()->Lookup(Name(name, name_length));
    if (child.is_error()) return nullptr;
    if (child.value()->type() != VnodeType::kSymlink) {
      if (!Join(b.dir, dir_length.value(), name, name_length, b.target)) return nullptr;
      size_t n = kstd::StringLength(b.target) + 1;
      char* out = new (kstd::nothrow) char[n];
      if (out != nullptr) __builtin_memcpy(out, b.target, n);
      return out;
    }
    auto target_length = child.value()->ReadLink(kstd::Span<char>(b.target, kBufferSize - 1));
    if (target_length.is_error() || target_length.value() == 0 ||
        target_length.value() >= kBufferSize - 1) {
      return nullptr;
    }
    b.target[target_length.value()] = '\0';
    if (b.target[0] == '/') {
      __builtin_memcpy(b.path, b.target, target_length.value() + 1);
    } else if (!Join(b.dir, dir_length.value(), b.target, target_length.value(), b.path)) {
      return nullptr;
    }
  }
  return nullptr;  // ELOOP
}

}  // namespace core::vfs
