// POSIX-suite cases for mount(2) and umount2(2) with tmpfs and proc, modelled
// on LTP's mount01-06, umount01-03 and umount2_01-02: new mounts with
// options, /proc/self/mounts, the errors, read-only and remount, noexec and
// nodev, atime, MS_MOVE, stacking and busy mounts.
//
// They change the mount table, so they need root (the host oracle runs as
// root). Each case's child first moves into a private mount namespace, so
// nothing it mounts reaches the suite's (or the host's); on Tessera every
// mount is private already (MS_PRIVATE succeeds and does nothing). Each
// case unmounts what it mounted.

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "abi/linux/statfs.h"
#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

namespace posix_test {
namespace {

// A private mount namespace.
const char* IsolateMounts() {
  if (unshare(CLONE_NEWNS) != 0) {
    return Fail("unshare(CLONE_NEWNS): %s (the mount cases need root)", strerror(errno));
  }
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return Fail("mount(/, MS_REC | MS_PRIVATE): %s", strerror(errno));
  }
  return nullptr;
}

// A directory of the work dir to mount on; the destructor unmounts whatever
// is still mounted there (a case that failed half way) and removes it.
class MountPoint {
 public:
  explicit MountPoint(const char* name) {
    snprintf(path_, sizeof path_, "%s", TmpPath(name));
    mkdir(path_, 0755);
  }
  ~MountPoint() {
    for (int i = 0; i < 8 && umount(path_) == 0; ++i) {
    }
    rmdir(path_);
  }
  const char* path() const { return path_; }
  // path/name, in one of 4 rotating buffers (valid for the next 3 calls).
  const char* In(const char* name) {
    char* out = sub_[next_++ % 4];
    snprintf(out, sizeof sub_[0], "%s/%s", path_, name);
    return out;
  }

 private:
  char path_[512];
  char sub_[4][640];
  unsigned next_ = 0;
};

// The /proc/self/mounts line of the mount whose path ends like `path` (the
// work dir may sit behind a symlink on the host), split into its six fields;
// false if there is none. The last such line wins (the top of a stack).
struct MountsLine {
  char source[256], path[512], type[64], options[512];
  int freq = -1, passno = -1;
};
bool FindMount(const char* path, MountsLine* out) {
  FILE* f = fopen("/proc/self/mounts", "r");
  if (f == nullptr) return false;
  // The last two components: the work dir's name and the mount point's.
  const char* tail = path + strlen(path);
  int slashes = 0;
  while (tail > path && slashes < 2) {
    --tail;
    if (*tail == '/') ++slashes;
  }
  bool found = false;
  char line[2048];
  while (fgets(line, sizeof line, f) != nullptr) {
    MountsLine m;
    if (sscanf(line, "%255s %511s %63s %511s %d %d", m.source, m.path, m.type, m.options, &m.freq,
               &m.passno) != 6) {
      continue;
    }
    size_t n = strlen(m.path), t = strlen(tail);
    if (n >= t && strcmp(m.path + n - t, tail) == 0) {
      *out = m;
      found = true;
    }
  }
  fclose(f);
  return found;
}

// Whether the comma-separated options contain `word` exactly.
bool HasOption(const char* options, const char* word) {
  size_t w = strlen(word);
  for (const char* p = options; *p != '\0';) {
    const char* end = strchr(p, ',');
    size_t n = end != nullptr ? static_cast<size_t>(end - p) : strlen(p);
    if (n == w && strncmp(p, word, w) == 0) return true;
    if (end == nullptr) break;
    p = end + 1;
  }
  return false;
}

// The first option: "rw" or "ro".
bool FirstOptionIs(const char* options, const char* word) {
  size_t w = strlen(word);
  return strncmp(options, word, w) == 0 && (options[w] == ',' || options[w] == '\0');
}

const char* MountTmpfsShowsAndUmounts() {
  if (const char* why = IsolateMounts()) return why;
  MountPoint mnt("mnt");
  CHECK(WriteFile(mnt.In("under"), "covered", 7, 0644));
  CHECK_OK(mount("none", mnt.path(), "tmpfs", 0, "size=64k,mode=700"));
  struct stat st;
  CHECK_OK(stat(mnt.path(), &st));
  CHECK_EQ(st.st_mode, S_IFDIR | 0700);
  CHECK_ERRNO(access(mnt.In("under"), F_OK), ENOENT);  // hidden by the mount
  struct statfs sf;
  CHECK_OK(statfs(mnt.path(), &sf));
  CHECK_EQ(sf.f_type, linux_abi::kTmpfsMagic);
  CHECK_EQ(sf.f_bsize * sf.f_blocks, 64 * 1024);
  CHECK(WriteFile(mnt.In("f"), "hello", 5, 0644));
  MountsLine m;
  CHECK(FindMount(mnt.path(), &m));
  CHECK(strcmp(m.source, "none") == 0);
  CHECK(strcmp(m.type, "tmpfs") == 0);
  CHECK(FirstOptionIs(m.options, "rw"));
  CHECK(HasOption(m.options, "relatime"));
  CHECK(HasOption(m.options, "size=64k"));
  CHECK(HasOption(m.options, "mode=700"));
  CHECK_EQ(m.freq, 0);
  CHECK_EQ(m.passno, 0);
  // An open file keeps the mount busy; so does a cwd inside it.
  int fd = open(mnt.In("f"), O_RDONLY);
  CHECK_OK(fd);
  CHECK_ERRNO(umount(mnt.path()), EBUSY);
  close(fd);
  char cwd[512];
  CHECK(getcwd(cwd, sizeof cwd) != nullptr);
  CHECK_OK(chdir(mnt.path()));
  CHECK_ERRNO(umount(mnt.path()), EBUSY);
  CHECK_OK(chdir(cwd));
  CHECK_OK(umount(mnt.path()));
  CHECK(!FindMount(mnt.path(), &m));
  CHECK_ERRNO(access(mnt.In("f"), F_OK), ENOENT);  // the tmpfs is gone
  CHECK_OK(access(mnt.In("under"), F_OK));         // the directory shows again
  CHECK_ERRNO(umount(mnt.path()), EINVAL);         // not a mount point any more
  unlink(mnt.In("under"));
  // Without options: mode 1777, as Linux's tmpfs.
  CHECK_OK(mount("tmpfs", mnt.path(), "tmpfs", MS_SILENT, nullptr));
  CHECK_OK(stat(mnt.path(), &st));
  CHECK_EQ(st.st_mode & 07777, 01777);
  CHECK(FindMount(mnt.path(), &m));
  CHECK(strcmp(m.source, "tmpfs") == 0);
  CHECK_OK(umount2(mnt.path(), 0));
  return nullptr;
}

const char* MountErrors() {
  if (const char* why = IsolateMounts()) return why;
  MountPoint mnt("mnt");
  CHECK(WriteFile(TmpPath("file"), "x", 1, 0644));
  CHECK_ERRNO(mount("none", mnt.path(), "no-such-fs", 0, nullptr), ENODEV);
  CHECK_ERRNO(mount("none", TmpPath("missing"), "tmpfs", 0, nullptr), ENOENT);
  CHECK_ERRNO(mount("none", "", "tmpfs", 0, nullptr), ENOENT);
  CHECK_ERRNO(mount("none", TmpPath("file"), "tmpfs", 0, nullptr), ENOTDIR);
  CHECK_ERRNO(mount("none", TmpPath("file/x"), "tmpfs", 0, nullptr), ENOTDIR);
  CHECK_ERRNO(mount("none", mnt.path(), nullptr, 0, nullptr), EINVAL);  // a new mount needs a type
  CHECK_ERRNO(mount("none", mnt.path(), "tmpfs", 0, "bogus=1"), EINVAL);
  CHECK_ERRNO(mount("none", mnt.path(), "tmpfs", 0, "size=lots"), EINVAL);
  CHECK_ERRNO(mount("none", mnt.path(), "tmpfs", 0, "mode=999"), EINVAL);
  const char* percent_inodes = "nr_inodes=1%";  // (a '%' cannot sit in a CHECK)
  CHECK_ERRNO(mount("none", mnt.path(), "tmpfs", 0, percent_inodes), EINVAL);
  CHECK_ERRNO(mount("none", mnt.path(), "proc", 0, "bogus"), EINVAL);
  // Remount, move and propagation changes need a mount point.
  CHECK_ERRNO(mount("none", mnt.path(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr), EINVAL);
  CHECK_ERRNO(mount(mnt.path(), TmpPath("file"), nullptr, MS_MOVE, nullptr), EINVAL);
  CHECK_ERRNO(mount(nullptr, mnt.path(), nullptr, MS_PRIVATE, nullptr), EINVAL);
  CHECK_ERRNO(mount(nullptr, mnt.path(), nullptr, MS_PRIVATE | MS_SHARED, nullptr), EINVAL);
  // Nothing was mounted by any of these.
  MountsLine m;
  CHECK(!FindMount(mnt.path(), &m));
  CHECK_ERRNO(umount(mnt.path()), EINVAL);
  CHECK_ERRNO(umount(TmpPath("missing")), ENOENT);
  CHECK_ERRNO(umount(""), ENOENT);
  CHECK_ERRNO(umount2(mnt.path(), 0x10), EINVAL);  // no such umount2 flag
  unlink(TmpPath("file"));
  return nullptr;
}

const char* ReadOnlyMountAndRemount() {
  if (const char* why = IsolateMounts()) return why;
  MountPoint mnt("mnt");
  CHECK_OK(mount("none", mnt.path(), "tmpfs", 0, nullptr));
  CHECK(WriteFile(mnt.In("f"), "data", 4, 0644));
  CHECK_OK(mkdir(mnt.In("d"), 0755));
  // A file open for writing keeps it from going read-only.
  int w = open(mnt.In("f"), O_WRONLY | O_APPEND);
  CHECK_OK(w);
  CHECK_ERRNO(mount(nullptr, mnt.path(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr), EBUSY);
  CHECK_OK(write(w, "+", 1));  // still read-write
  close(w);
  CHECK_OK(mount(nullptr, mnt.path(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr));
  MountsLine m;
  CHECK(FindMount(mnt.path(), &m));
  CHECK(FirstOptionIs(m.options, "ro"));
  struct statvfs sv;
  CHECK_OK(statvfs(mnt.path(), &sv));
  CHECK((sv.f_flag & ST_RDONLY) != 0);
  // Reading works; every change is EROFS.
  char buf[16] = {};
  int r = open(mnt.In("f"), O_RDONLY);
  CHECK_OK(r);
  CHECK_EQ(read(r, buf, sizeof buf), 5);
  CHECK(memcmp(buf, "data+", 5) == 0);
  close(r);
  CHECK_ERRNO(open(mnt.In("f"), O_WRONLY), EROFS);
  CHECK_ERRNO(open(mnt.In("f"), O_RDONLY | O_TRUNC), EROFS);
  CHECK_ERRNO(open(mnt.In("new"), O_WRONLY | O_CREAT, 0644), EROFS);
  CHECK_ERRNO(open(mnt.In("f"), O_RDONLY | O_CREAT | O_EXCL, 0644), EEXIST);
  CHECK_ERRNO(mkdir(mnt.In("e"), 0755), EROFS);
  CHECK_ERRNO(mkdir(mnt.In("d"), 0755), EEXIST);
  CHECK_ERRNO(unlink(mnt.In("f")), EROFS);
  CHECK_ERRNO(unlink(mnt.In("missing")), EROFS);
  CHECK_ERRNO(rmdir(mnt.In("d")), EROFS);
  CHECK_ERRNO(rename(mnt.In("f"), mnt.In("g")), EROFS);
  CHECK_ERRNO(link(mnt.In("f"), mnt.In("g")), EROFS);
  CHECK_ERRNO(symlink("f", mnt.In("s")), EROFS);
  CHECK_ERRNO(mknod(mnt.In("p"), S_IFIFO | 0644, 0), EROFS);
  CHECK_ERRNO(chmod(mnt.In("f"), 0600), EROFS);
  CHECK_ERRNO(chown(mnt.In("f"), 0, 0), EROFS);
  CHECK_ERRNO(truncate(mnt.In("f"), 0), EROFS);
  CHECK_ERRNO(utimensat(AT_FDCWD, mnt.In("f"), nullptr, 0), EROFS);
  CHECK_ERRNO(access(mnt.In("f"), W_OK), EROFS);
  CHECK_OK(access(mnt.In("f"), R_OK));
  // Read-write again (a remount without MS_RDONLY).
  CHECK_OK(mount(nullptr, mnt.path(), nullptr, MS_REMOUNT, nullptr));
  CHECK(FindMount(mnt.path(), &m));
  CHECK(FirstOptionIs(m.options, "rw"));
  CHECK(WriteFile(mnt.In("new"), "x", 1, 0644));
  CHECK_OK(umount(mnt.path()));
  // Read-only from the start.
  CHECK_OK(mount("none", mnt.path(), "tmpfs", MS_RDONLY, nullptr));
  CHECK_ERRNO(open(mnt.In("new"), O_WRONLY | O_CREAT, 0644), EROFS);
  CHECK_OK(umount(mnt.path()));
  return nullptr;
}

const char* NoExecNoDevNoSuid() {
  if (const char* why = IsolateMounts()) return why;
  MountPoint mnt("mnt");
  CHECK_OK(mount("none", mnt.path(), "tmpfs", MS_NOEXEC | MS_NODEV | MS_NOSUID, nullptr));
  MountsLine m;
  CHECK(FindMount(mnt.path(), &m));
  CHECK(HasOption(m.options, "nosuid"));
  CHECK(HasOption(m.options, "nodev"));
  CHECK(HasOption(m.options, "noexec"));
  struct statvfs sv;
  CHECK_OK(statvfs(mnt.path(), &sv));
  CHECK((sv.f_flag & (ST_NOEXEC | ST_NODEV | ST_NOSUID)) == (ST_NOEXEC | ST_NODEV | ST_NOSUID));
  const char script[] = "#!/bin/sh\nexit 3\n";
  CHECK(WriteFile(mnt.In("script"), script, sizeof script - 1, 0755));
  const char* argv[] = {"script", nullptr};
  const char* envp[] = {nullptr};
  RunResult run;
  CHECK(RunProgram(mnt.In("script"), argv, envp, &run));
  CHECK_EQ(run.exec_errno, EACCES);
  // A device node: Bazel's sandbox on the host withholds CAP_MKNOD (EPERM);
  // run by hand as root, and on Tessera, the node is made and checked.
  bool have_node = mknod(mnt.In("null"), S_IFCHR | 0666, makedev(1, 3)) == 0;
  if (!have_node && (OnTessera() || errno != EPERM)) {
    return Fail("mknod(null): %s", strerror(errno));
  }
  if (have_node) CHECK_ERRNO(open(mnt.In("null"), O_RDWR), EACCES);
  // A remount without the flags lifts them.
  CHECK_OK(mount(nullptr, mnt.path(), nullptr, MS_REMOUNT, nullptr));
  RunResult again;
  CHECK(RunProgram(mnt.In("script"), argv, envp, &again));
  CHECK_EQ(again.exec_errno, 0);
  CHECK(WIFEXITED(again.status) && WEXITSTATUS(again.status) == 3);
  if (have_node) {
    int fd = open(mnt.In("null"), O_RDWR);
    CHECK_OK(fd);
    CHECK_EQ(write(fd, "gone", 4), 4);
    close(fd);
  }
  CHECK_OK(umount(mnt.path()));
  return nullptr;
}

const char* TmpfsSizeAndInodeLimits() {
  if (const char* why = IsolateMounts()) return why;
  MountPoint mnt("mnt");
  CHECK_OK(mount("none", mnt.path(), "tmpfs", 0, "size=64k,nr_inodes=3"));
  struct statfs sf;
  CHECK_OK(statfs(mnt.path(), &sf));
  CHECK_EQ(sf.f_blocks, 16);
  CHECK_EQ(sf.f_files, 3);
  CHECK_EQ(sf.f_ffree, 2);  // the root directory is one
  static char big[128 * 1024];
  memset(big, 'z', sizeof big);
  int fd = open(mnt.In("a"), O_WRONLY | O_CREAT, 0644);
  CHECK_OK(fd);
  CHECK_EQ(write(fd, big, sizeof big), 64 * 1024);  // what fits
  CHECK_ERRNO(write(fd, big, 1), ENOSPC);
  close(fd);
  CHECK_OK(statfs(mnt.path(), &sf));
  CHECK_EQ(sf.f_bfree, 0);
  fd = open(mnt.In("b"), O_WRONLY | O_CREAT, 0644);
  CHECK_OK(fd);
  close(fd);
  CHECK_ERRNO(open(mnt.In("c"), O_WRONLY | O_CREAT, 0644), ENOSPC);
  CHECK_ERRNO(mkdir(mnt.In("d"), 0755), ENOSPC);
  MountsLine m;
  CHECK(FindMount(mnt.path(), &m));
  CHECK(HasOption(m.options, "size=64k"));
  CHECK(HasOption(m.options, "nr_inodes=3"));
  // A remount can raise the limits, not lower them below what is in use.
  CHECK_ERRNO(mount(nullptr, mnt.path(), nullptr, MS_REMOUNT, "size=32k"), EINVAL);
  CHECK_OK(mount(nullptr, mnt.path(), nullptr, MS_REMOUNT, "size=128k,nr_inodes=4"));
  CHECK_OK(statfs(mnt.path(), &sf));
  CHECK_EQ(sf.f_blocks, 32);
  fd = open(mnt.In("c"), O_WRONLY | O_CREAT, 0644);
  CHECK_OK(fd);
  CHECK_EQ(write(fd, big, sizeof big), 64 * 1024);
  close(fd);
  CHECK_OK(umount(mnt.path()));
  return nullptr;
}

// The atime of `path` after reading it, its atime set to 1000 and its mtime
// to 2000 first.
long AtimeAfterRead(const char* path) {
  struct timespec times[2] = {{1000, 0}, {2000, 0}};
  if (utimensat(AT_FDCWD, path, times, 0) != 0) return -1;
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  char c;
  if (read(fd, &c, 1) != 1) c = 0;
  close(fd);
  struct stat st;
  return stat(path, &st) == 0 ? static_cast<long>(st.st_atime) : -1;
}

const char* AtimeFollowsTheMountFlags() {
  if (const char* why = IsolateMounts()) return why;
  MountPoint mnt("mnt");
  CHECK_OK(mount("none", mnt.path(), "tmpfs", MS_NOATIME, nullptr));
  CHECK(WriteFile(mnt.In("f"), "x", 1, 0644));
  MountsLine m;
  CHECK(FindMount(mnt.path(), &m));
  CHECK(HasOption(m.options, "noatime"));
  CHECK(!HasOption(m.options, "relatime"));
  CHECK_EQ(AtimeAfterRead(mnt.In("f")), 1000);  // noatime: never
  // relatime (a remount naming it): atime older than mtime is updated.
  CHECK_OK(mount(nullptr, mnt.path(), nullptr, MS_REMOUNT | MS_RELATIME, nullptr));
  CHECK(AtimeAfterRead(mnt.In("f")) > 2000);
  // A remount that names no atime mode keeps the mount's.
  CHECK_OK(mount(nullptr, mnt.path(), nullptr, MS_REMOUNT | MS_NOATIME, nullptr));
  CHECK_OK(mount(nullptr, mnt.path(), nullptr, MS_REMOUNT | MS_NOSUID, nullptr));
  CHECK_EQ(AtimeAfterRead(mnt.In("f")), 1000);
  CHECK_OK(umount(mnt.path()));
  return nullptr;
}

const char* MountProc() {
  if (const char* why = IsolateMounts()) return why;
  MountPoint mnt("proc");
  CHECK_OK(mount("proc", mnt.path(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr));
  struct statfs sf;
  CHECK_OK(statfs(mnt.path(), &sf));
  CHECK_EQ(sf.f_type, linux_abi::kProcMagic);
  char link[64], want[64];
  ssize_t n = readlink(mnt.In("self"), link, sizeof link - 1);
  CHECK_OK(n);
  link[n] = '\0';
  snprintf(want, sizeof want, "%d", static_cast<int>(getpid()));
  CHECK(strcmp(link, want) == 0);
  char path[640];
  snprintf(path, sizeof path, "%s/%d/stat", mnt.path(), static_cast<int>(getpid()));
  CHECK_OK(access(path, R_OK));
  MountsLine m;
  CHECK(FindMount(mnt.path(), &m));
  CHECK(strcmp(m.source, "proc") == 0);
  CHECK(strcmp(m.type, "proc") == 0);
  CHECK(HasOption(m.options, "noexec"));
  CHECK_OK(umount(mnt.path()));
  CHECK_ERRNO(access(path, F_OK), ENOENT);
  return nullptr;
}

const char* MoveAndStackMounts() {
  if (const char* why = IsolateMounts()) return why;
  MountPoint a("a"), b("b");
  CHECK_OK(mount("first", a.path(), "tmpfs", 0, nullptr));
  CHECK(WriteFile(a.In("f1"), "1", 1, 0644));
  // A second mount on the same directory stacks and hides the first.
  CHECK_OK(mount("second", a.path(), "tmpfs", 0, nullptr));
  CHECK_ERRNO(access(a.In("f1"), F_OK), ENOENT);
  MountsLine m;
  CHECK(FindMount(a.path(), &m));
  CHECK(strcmp(m.source, "second") == 0);
  CHECK_OK(mkdir(a.In("sub"), 0755));
  // MS_MOVE: the top mount moves to b; the first shows at a again.
  CHECK_ERRNO(mount(a.path(), a.In("sub"), nullptr, MS_MOVE, nullptr), ELOOP);  // into itself
  CHECK_OK(mount(a.path(), b.path(), nullptr, MS_MOVE, nullptr));
  CHECK_OK(access(a.In("f1"), F_OK));
  CHECK_OK(access(b.In("sub"), F_OK));
  CHECK(FindMount(b.path(), &m));
  CHECK(strcmp(m.source, "second") == 0);
  CHECK(FindMount(a.path(), &m));
  CHECK(strcmp(m.source, "first") == 0);
  CHECK_OK(umount(b.path()));
  CHECK_OK(umount(a.path()));
  CHECK_ERRNO(umount(a.path()), EINVAL);
  return nullptr;
}

}  // namespace

const Case kMountCases[] = {
    {"mount_tmpfs_shows_and_umounts", MountTmpfsShowsAndUmounts},
    {"mount_errors", MountErrors},
    {"mount_read_only_and_remount", ReadOnlyMountAndRemount},
    {"mount_noexec_nodev_nosuid", NoExecNoDevNoSuid},
    {"mount_tmpfs_size_and_inode_limits", TmpfsSizeAndInodeLimits},
    {"mount_atime_follows_the_flags", AtimeFollowsTheMountFlags},
    {"mount_proc", MountProc},
    {"mount_move_and_stack", MoveAndStackMounts},
};
const int kMountCaseCount = sizeof kMountCases / sizeof kMountCases[0];

}  // namespace posix_test
