// execve: replace the calling process's program with a static ELF file (or a
// "#!" script's interpreter) from the file system.

#include "abi/linux/resource.h"
#include "core/elf/elf64.h"
#include "core/fs/root.h"
#include "core/proc/exec_image_cache.h"
#include "core/proc/program_image.h"
#include "core/syscall/sys_common.h"
#include "core/vfs/name.h"
#include "core/vfs/ops.h"
#include "kstd/new.h"
#include "kstd/string.h"
#include "kstd/utility.h"

namespace core::syscall {
namespace {

constexpr size_t kMaxArgBytes = 128 * 1024;  // argv + envp strings (E2BIG beyond)
constexpr size_t kMaxArgs = 4096;
constexpr size_t kMaxString = 32 * 1024;         // one argument (Linux: MAX_ARG_STRLEN 128 KiB)
constexpr uint64_t kMaxExecutable = 4ULL << 20;  // files are read into one heap block
constexpr int kMaxInterpreterDepth = 4;
constexpr size_t kShebangMax = 256;

// Kernel copies of execve's strings. Starts small and grows (doubling) up
// to the limits, so the common short command line costs a small allocation.
class ArgArena {
 public:
  ArgArena() = default;
  ArgArena(const ArgArena&) = delete;
  ArgArena& operator=(const ArgArena&) = delete;
  ~ArgArena() {
    delete[] bytes_;
    delete[] ptrs_;
  }
  bool Init() { return Grow(kInitialBytes, kInitialArgs); }
  // Appends a kernel string. Errors: kTooBig, kNoMemory.
  kstd::Result<void> Push(const char* s, size_t len) {
    TRY(Reserve(len + 1));
    __builtin_memcpy(bytes_ + used_, s, len);
    bytes_[used_ + len] = '\0';
    ptrs_[count_++] = bytes_ + used_;
    used_ += len + 1;
    return kstd::Ok();
  }
  // Appends the NULL-terminated user array `user_array` (may be 0: empty).
  kstd::Result<void> PushUserArray(uint64_t user_array) {
    if (user_array == 0) return kstd::Ok();
    for (size_t i = 0;; ++i) {
      uint64_t p;
      TRY(UserPtr<uint64_t>(user_array + 8 * i).CopyIn(&p));
      if (p == 0) return kstd::Ok();
      TRY(Reserve(1));
      for (;;) {
        size_t room = kstd::Min(byte_capacity_ - used_, kMaxString + 1);
        auto len = CopyStringIn(p, bytes_ + used_, room - 1);
        if (len.ok()) {
          ptrs_[count_++] = bytes_ + used_;
          used_ += len.value() + 1;
          break;
        }
        if (len.error() != kstd::Error::kNameTooLong) return len.error();
        // Longer than the room left: grow and copy again, up to the limits.
        if (room == kMaxString + 1 || byte_capacity_ == kMaxArgBytes) return kstd::Error::kTooBig;
        TRY(Reserve(room + 1));
      }
    }
  }
  size_t count() const { return count_; }
  const char* const* ptrs() const { return ptrs_; }
  void Swap(ArgArena& other) {
    auto swap = [](auto& a, auto& b) {
      auto t = a;
      a = b;
      b = t;
    };
    swap(bytes_, other.bytes_);
    swap(ptrs_, other.ptrs_);
    swap(used_, other.used_);
    swap(count_, other.count_);
    swap(byte_capacity_, other.byte_capacity_);
    swap(ptr_capacity_, other.ptr_capacity_);
  }

 private:
  static constexpr size_t kInitialBytes = 2048;
  static constexpr size_t kInitialArgs = 64;

  // Room for one more string of `bytes` bytes (with its NUL).
  kstd::Result<void> Reserve(size_t bytes) {
    if (count_ == kMaxArgs || bytes > kMaxArgBytes - used_) return kstd::Error::kTooBig;
    size_t want_bytes = byte_capacity_, want_ptrs = ptr_capacity_;
    while (used_ + bytes > want_bytes) want_bytes = kstd::Min(want_bytes * 2, kMaxArgBytes);
    if (count_ + 1 > want_ptrs) want_ptrs = kstd::Min(want_ptrs * 2, kMaxArgs);
    if (want_bytes == byte_capacity_ && want_ptrs == ptr_capacity_) return kstd::Ok();
    return Grow(want_bytes, want_ptrs) ? kstd::Ok() : kstd::Result<void>(kstd::Error::kNoMemory);
  }

  bool Grow(size_t byte_capacity, size_t ptr_capacity) {
    char* bytes = new (kstd::nothrow) char[byte_capacity];
    const char** ptrs = new (kstd::nothrow) const char*[ptr_capacity];
    if (bytes == nullptr || ptrs == nullptr) {
      delete[] bytes;
      delete[] ptrs;
      return false;
    }
    if (used_ > 0) __builtin_memcpy(bytes, bytes_, used_);
    for (size_t i = 0; i < count_; ++i) ptrs[i] = bytes + (ptrs_[i] - bytes_);  // rebase
    delete[] bytes_;
    delete[] ptrs_;
    bytes_ = bytes;
    ptrs_ = ptrs;
    byte_capacity_ = byte_capacity;
    ptr_capacity_ = ptr_capacity;
    return true;
  }

  char* bytes_ = nullptr;
  const char** ptrs_ = nullptr;
  size_t used_ = 0;
  size_t count_ = 0;
  size_t byte_capacity_ = 0;
  size_t ptr_capacity_ = 0;
};

// Whether the caller may execute `v`: a regular file, not on a noexec
// mount, with execute permission for `cred` (root: any x bit). Returns its
// attributes. Errors: kAccess.
kstd::Result<vfs::Attributes> CheckExecutable(vfs::Vnode* v, const posix::Credentials& cred) {
  vfs::Attributes a = v->GetAttr();
  if (v->type() != vfs::VnodeType::kRegular) return kstd::Error::kAccess;
  if (v->fs()->mount_flags() & vfs::kMountNoExec) return kstd::Error::kAccess;
  TRY(posix::CheckAccess(cred, posix::FileOwnership{a.mode, a.uid, a.gid}, posix::kMayExec));
  return a;
}

// The credentials the program starts with (set-user/group-ID bits unless
// the mount is nosuid), and whether that is a privilege change (AT_SECURE).
// With PR_SET_NO_NEW_PRIVS the set-ID bits are ignored and the permitted
// set cannot grow, as Linux.
posix::ExecCredentials ExecCredentialsFor(vfs::Vnode* v, const posix::Credentials& cred) {
  vfs::Attributes a = v->GetAttr();
  const bool no_new_privs = CurrentProcess()->no_new_privs();
  const bool nosuid = (v->fs()->mount_flags() & vfs::kMountNoSuid) != 0 || no_new_privs;
  posix::ExecCredentials next = posix::CredentialsForExec(cred, {a.mode, a.uid, a.gid, nosuid});
  if (no_new_privs) {
    next.creds.permitted &= cred.permitted;
    next.creds.effective &= next.creds.permitted;
    next.creds.ambient &= next.creds.permitted;
  }
  return next;
}

// Reads a whole regular file. Errors: kAccess (not a regular file or not
// executable), kNoMemory (too big), kIo.
kstd::Result<uint8_t*> ReadExecutable(vfs::Vnode* v, const posix::Credentials& cred,
                                      uint64_t* size_out) {
  vfs::Attributes a = TRY(CheckExecutable(v, cred));
  if (a.size > kMaxExecutable) return kstd::Error::kNoMemory;
  uint8_t* buf = new (kstd::nothrow) uint8_t[a.size == 0 ? 1 : a.size];
  if (buf == nullptr) return kstd::Error::kNoMemory;
  uint64_t done = 0;
  while (done < a.size) {
    auto n = v->ReadAt(done, kstd::Span<uint8_t>(buf + done, a.size - done));
    if (n.is_error() || n.value() == 0) {
      delete[] buf;
      return n.is_error() ? n.error() : kstd::Error::kIo;
    }
    done += n.value();
  }
  *size_out = a.size;
  return buf;
}

// AT_SECURE and the ids the auxiliary vector reports.
void SetAuxIds(const posix::ExecCredentials& next, ProgramArgs* args) {
  args->secure = next.secure;
  args->uid = next.creds.ruid;
  args->euid = next.creds.euid;
  args->gid = next.creds.rgid;
  args->egid = next.creds.egid;
}

// Past the point of no return: the new program's credentials. A program
// that runs with other ids or more capabilities than its caller is not
// dumpable (its /proc files are not the caller's to read), as Linux.
void CommitCredentials(Process* self, const posix::Credentials& before,
                       const posix::ExecCredentials& next) {
  const posix::Credentials& after = next.creds;
  const bool changed = after.euid != before.euid || after.egid != before.egid ||
                       (after.permitted & ~before.permitted) != 0;
  self->SetCredentials(after);
  self->set_dumpable(!changed);
  if (next.secure) self->set_parent_death_signal(0);
}

const char* Basename(const char* path) {
  const char* base = path;
  for (const char* p = path; *p != '\0'; ++p) {
    if (*p == '/' && p[1] != '\0') base = p + 1;
  }
  return base;
}

// The dynamic linker a program's PT_INTERP names (`file` is the program),
// found and read as the program was (it must be an executable regular file:
// Linux's open_exec); its image is cached like a program's. An owner of the
// bytes, or of its cached image, for LoadProgram. Errors: the lookup's
// (kNotFound: no such dynamic linker, ENOENT as Linux), kAccess, kNoMemory,
// kIo.
class DynamicLinker {
 public:
  ~DynamicLinker() { delete[] bytes_; }

  /// `file` is the program's bytes.
  kstd::Result<void> Find(const vfs::PathContext& ctx, const posix::Credentials& cred,
                          kstd::ByteSpan file, ProgramArgs* args) {
    auto parsed = elf::ParseElf64(file, nullptr);
    if (parsed.is_error() || !parsed.value().has_interp) return kstd::Ok();  // the loader decides
    const char* path = reinterpret_cast<const char*>(file.data()) + parsed.value().interp_offset;
    return FindPath(ctx, cred, vfs::Name(path, parsed.value().interp_length), args);
  }

  /// The program from the exec image cache: its path is read from there.
  kstd::Result<void> Find(const vfs::PathContext& ctx, const posix::Credentials& cred,
                          const ExecImage& program, ProgramArgs* args) {
    const elf::ElfImage& image = program.elf();
    if (!image.has_interp) return kstd::Ok();
    char* path = new (kstd::nothrow) char[image.interp_length];  // up to 4 KiB: not on the stack
    if (path == nullptr) return kstd::Error::kNoMemory;
    struct Free {
      char* p;
      ~Free() { delete[] p; }
    } free_path{path};
    TRY(program.vmo()->Read(image.interp_offset, path, image.interp_length));
    return FindPath(ctx, cred, vfs::Name(path, image.interp_length), args);
  }

 private:
  kstd::Result<void> FindPath(const vfs::PathContext& ctx, const posix::Credentials& cred,
                              vfs::Name path, ProgramArgs* args) {
    auto v = TRY(vfs::LookupPath(ctx, path, true));
    // A linker run before and unchanged since: its cached image is mapped.
    if ((cached_ = FindExecImage(v.get()))) {
      TRY(CheckExecutable(v.get(), cred));
      args->interp_cached = cached_.get();
      return kstd::Ok();
    }
    const uint64_t version = v->content_version();
    uint64_t size = 0;
    bytes_ = TRY(ReadExecutable(v.get(), cred, &size));
    cached_ = MakeExecImage(v.get(), version, kstd::ByteSpan(bytes_, size));
    args->interp_file = kstd::ByteSpan(bytes_, size);
    args->interp_cached = cached_.get();
    return kstd::Ok();
  }

  uint8_t* bytes_ = nullptr;
  kstd::RefPtr<ExecImage> cached_;
};

}  // namespace

kstd::Result<uint64_t> SysLinuxExecve(UserPtr<const char> user_path, UserPtr<const void> user_argv,
                                      UserPtr<const void> user_envp) {
  char* path = new (kstd::nothrow) char[vfs::kMaxPathLength + 1];
  if (path == nullptr) return kstd::Error::kNoMemory;
  struct Free {
    char* p;
    ~Free() { delete[] p; }
  } free_path{path};
  auto len = TRY(CopyStringIn(user_path.address(), path, vfs::kMaxPathLength));
  if (len == 0) return kstd::Error::kNotFound;

  ArgArena argv, envp;
  if (!argv.Init() || !envp.Init()) return kstd::Error::kNoMemory;
  TRY(argv.PushUserArray(user_argv.address()));
  TRY(envp.PushUserArray(user_envp.address()));

  Process* self = CurrentProcess();
  kstd::RefPtr<vfs::Vnode> root, cwd;
  kstd::RefPtr<vfs::MountNamespace> mounts;
  {
    Process::FsRoots roots = self->fs_roots();
    root = kstd::Move(roots.root);
    cwd = kstd::Move(roots.cwd);
    mounts = kstd::Move(roots.mounts);
  }
  if (!mounts) return kstd::Error::kNotFound;  // exited meanwhile
  const posix::Credentials cred = self->credentials();
  vfs::PathContext ctx{&mounts->mounts(), root.get(), cwd.get(), &cred};

  // The file to run; "#!" scripts hand over to their interpreter.
  char* current = path;
  char interpreter[kShebangMax + 1];
  for (int depth = 0;; ++depth) {
    if (depth > kMaxInterpreterDepth) return kstd::Error::kLoop;
    auto v = TRY(vfs::LookupPath(ctx, vfs::Name(current, kstd::StringLength(current)), true));
    ProgramArgs args;
    args.argv = kstd::Span<const char* const>(argv.ptrs(), argv.count());
    args.envp = kstd::Span<const char* const>(envp.ptrs(), envp.count());
    args.execfn = path;
    args.stack_limit = self->resource_limit(linux_abi::kRlimitStack).cur;
    const char* why = nullptr;
    // A file run before and unchanged since: map its cached image.
    if (kstd::RefPtr<ExecImage> cached = FindExecImage(v.get())) {
      TRY(CheckExecutable(v.get(), cred));
      DynamicLinker linker;
      TRY(linker.Find(ctx, cred, *cached, &args));
      const posix::ExecCredentials next = ExecCredentialsFor(v.get(), cred);
      SetAuxIds(next, &args);
      auto r = self->Exec(CurrentThread(), hal::CurrentUserFrame(), kstd::ByteSpan(), args,
                          Basename(current), &why, cached.get());
      TRY(r);
      CommitCredentials(self, cred, next);
      return 0;
    }
    const uint64_t version = v->content_version();  // before reading
    uint64_t size = 0;
    auto bytes = TRY(ReadExecutable(v.get(), cred, &size));
    uint8_t* file = bytes;
    if (size >= 2 && file[0] == '#' && file[1] == '!') {
      // "#!interpreter [one argument]\n": argv becomes
      // interpreter [argument] script argv[1..].
      size_t end = 2;
      while (end < size && end < kShebangMax + 2 && file[end] != '\n') ++end;
      if (end == size || file[end] != '\n') {
        delete[] file;
        return kstd::Error::kBadExecutable;
      }
      size_t i = 2;
      while (i < end && (file[i] == ' ' || file[i] == '\t')) ++i;
      size_t interp_start = i;
      while (i < end && file[i] != ' ' && file[i] != '\t') ++i;
      size_t interp_len = i - interp_start;
      while (i < end && (file[i] == ' ' || file[i] == '\t')) ++i;
      size_t arg_start = i;
      size_t arg_end = end;
      while (arg_end > arg_start &&
             (file[arg_end - 1] == ' ' || file[arg_end - 1] == '\t' || file[arg_end - 1] == '\r'))
        --arg_end;
      if (interp_len == 0) {
        delete[] file;
        return kstd::Error::kBadExecutable;
      }
      __builtin_memcpy(interpreter, file + interp_start, interp_len);
      interpreter[interp_len] = '\0';
      ArgArena next;
      if (!next.Init()) {
        delete[] file;
        return kstd::Error::kNoMemory;
      }
      kstd::Result<void> pushed = next.Push(interpreter, interp_len);
      if (pushed.ok() && arg_end > arg_start) {
        pushed = next.Push(reinterpret_cast<const char*>(file) + arg_start, arg_end - arg_start);
      }
      delete[] file;
      if (pushed.ok()) pushed = next.Push(current, kstd::StringLength(current));
      for (size_t k = 1; pushed.ok() && k < argv.count(); ++k) {
        pushed = next.Push(argv.ptrs()[k], kstd::StringLength(argv.ptrs()[k]));
      }
      if (pushed.is_error()) return pushed.error();
      argv.Swap(next);  // the old list is freed with `next`
      current = interpreter;
      continue;
    }
    // Cache the image for the next execve of this file (when it can be
    // mapped from file pages); this one maps it too.
    kstd::RefPtr<ExecImage> made = MakeExecImage(v.get(), version, kstd::ByteSpan(file, size));
    DynamicLinker linker;
    if (auto found = linker.Find(ctx, cred, kstd::ByteSpan(file, size), &args); found.is_error()) {
      delete[] file;
      return found.error();
    }
    const posix::ExecCredentials next = ExecCredentialsFor(v.get(), cred);
    SetAuxIds(next, &args);
    auto r = self->Exec(CurrentThread(), hal::CurrentUserFrame(), kstd::ByteSpan(file, size), args,
                        Basename(current), &why, made.get());
    delete[] file;
    TRY(r);
    CommitCredentials(self, cred, next);
    return 0;
  }
}

}  // namespace core::syscall
