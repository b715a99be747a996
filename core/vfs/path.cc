#include "core/vfs/path.h"

#include "kstd/new.h"

namespace core::vfs {
namespace {

// The unresolved rest of the path lives at the END of `path` ([pos, kSize)),
// so a symlink's target can be put in front of it without moving the rest.
struct Scratch {
  static constexpr size_t kSize = kMaxPathLength + 1;
  char path[kSize];
  char link[kSize];
};

class ScratchHolder {
 public:
  ScratchHolder() : scratch_(new (kstd::nothrow) Scratch) {}
  ~ScratchHolder() { delete scratch_; }
  ScratchHolder(const ScratchHolder&) = delete;
  ScratchHolder& operator=(const ScratchHolder&) = delete;
  Scratch* get() const { return scratch_; }

 private:
  Scratch* scratch_;
};

// The top-most root mounted on `v` (or v itself).
kstd::RefPtr<Vnode> CrossMounts(const MountTable& mounts, kstd::RefPtr<Vnode> v) {
  // Each step climbs one mount; a table of n mounts needs at most n steps.
  for (size_t steps = mounts.size() + 1; steps > 0; --steps) {
    kstd::RefPtr<Vnode> top = mounts.MountedOn(v.get());
    if (!top) break;
    v = kstd::Move(top);
  }
  return v;
}

// "..": stays at `root`; from the root of a mounted file system steps back to
// the covered directory first.
kstd::Result<kstd::RefPtr<Vnode>> Parent(const MountTable& mounts, kstd::RefPtr<Vnode> dir,
                                         Vnode* root) {
  for (size_t steps = mounts.size() + 1; steps > 0; --steps) {
    if (dir.get() == root) return dir;
    kstd::RefPtr<Vnode> covered = mounts.CoveredBy(dir.get());
    if (!covered) break;
    dir = kstd::Move(covered);
  }
  if (dir.get() == root) return dir;
  kstd::RefPtr<Vnode> up = TRY(dir->Lookup(".."));
  return CrossMounts(mounts, kstd::Move(up));
}

void SetName(Resolved* out, const char* data, size_t size) {
  __builtin_memcpy(out->name, data, size);
  out->name[size] = '\0';
  out->name_length = size;
}

}  // namespace

kstd::Result<Resolved> Resolve(const MountTable& mounts, Name path, Vnode* cwd, Vnode* root,
                               ResolveFlags flags) {
  if (path.empty()) return kstd::Error::kNotFound;
  if (path.size() > kMaxPathLength) return kstd::Error::kNameTooLong;
  if (cwd == nullptr || root == nullptr) return kstd::Error::kInvalid;
  ScratchHolder holder;
  Scratch* s = holder.get();
  if (s == nullptr) return kstd::Error::kNoMemory;

  constexpr size_t kEnd = Scratch::kSize;
  size_t pos = kEnd - path.size();
  __builtin_memcpy(s->path + pos, path.data(), path.size());

  kstd::RefPtr<Vnode> dir = kstd::RefPtr<Vnode>::FromRaw(path[0] == '/' ? root : cwd);
  size_t expansions = 0;
  Resolved out;

  while (true) {
    while (pos < kEnd && s->path[pos] == '/') ++pos;
    if (pos == kEnd) {
      // No component left: the path (or a link target) was only slashes.
      if (flags.want_parent) out.parent = dir;
      out.vnode = kstd::Move(dir);
      out.trailing_slash = true;
      return out;
    }
    size_t start = pos;
    while (pos < kEnd && s->path[pos] != '/') ++pos;
    const size_t comp_end = pos;
    Name comp(s->path + start, comp_end - start);
    if (comp.size() > kMaxNameLength) return kstd::Error::kNameTooLong;
    size_t next = comp_end;
    while (next < kEnd && s->path[next] == '/') ++next;
    const bool is_last = next == kEnd;
    const bool trailing = is_last && comp_end != kEnd;
    if (flags.cred != nullptr)
      TRY(posix::CheckAccess(*flags.cred, dir->Ownership(), posix::kMayExec));

    if (comp.IsDot() || comp.IsDotDot()) {
      kstd::RefPtr<Vnode> target = dir;
      if (comp.IsDotDot()) target = TRY(Parent(mounts, dir, root));
      if (!is_last) {
        dir = kstd::Move(target);
        pos = next;
        continue;
      }
      if (flags.want_parent) {
        out.parent = kstd::Move(dir);
        SetName(&out, comp.data(), comp.size());
      }
      out.vnode = kstd::Move(target);
      out.trailing_slash = trailing;
      return out;
    }

    kstd::Result<kstd::RefPtr<Vnode>> found = dir->Lookup(comp);
    if (found.is_error()) {
      if (found.error() == kstd::Error::kNotFound && is_last && flags.want_parent) {
        out.parent = kstd::Move(dir);
        SetName(&out, comp.data(), comp.size());
        out.trailing_slash = trailing;
        return out;
      }
      return found.error();
    }
    kstd::RefPtr<Vnode> child = CrossMounts(mounts, found.release_value());

    bool follow = !is_last || flags.follow_final_symlink || (trailing && !flags.want_parent);
    if (child->type() == VnodeType::kSymlink && follow) {
      if (++expansions > kMaxSymlinkExpansions) return kstd::Error::kLoop;
      size_t length = TRY(child->ReadLink(kstd::Span<char>(s->link, Scratch::kSize)));
      if (length == 0) return kstd::Error::kNotFound;
      if (length > kMaxPathLength) return kstd::Error::kNameTooLong;
      size_t rest = kEnd - comp_end;  // keeps the slashes: "/x", "/" (trailing), ""
      if (length + rest > kMaxPathLength) return kstd::Error::kNameTooLong;
      pos = comp_end - length;
      __builtin_memcpy(s->path + pos, s->link, length);
      if (s->link[0] == '/') dir = kstd::RefPtr<Vnode>::FromRaw(root);
      continue;
    }

    if (!is_last) {
      if (!child->IsDirectory()) return kstd::Error::kNotDirectory;
      dir = kstd::Move(child);
      pos = next;
      continue;
    }
    // Parent mode leaves a trailing slash on an existing non-directory to
    // the caller: Linux's answer depends on the call (EEXIST for mkdir and
    // link, EISDIR for open O_CREAT, ENOTDIR for unlink and rename).
    if (trailing && !child->IsDirectory() && !flags.want_parent) {
      return kstd::Error::kNotDirectory;
    }
    if (flags.want_parent) {
      out.parent = kstd::Move(dir);
      SetName(&out, comp.data(), comp.size());
    }
    out.vnode = kstd::Move(child);
    out.trailing_slash = trailing;
    return out;
  }
}

}  // namespace core::vfs
