// POSIX cases for files and directories on /tmp (tmpfs on Tessera), modelled
// on LTP's open0*, creat*, lseek*, ftruncate*, rename*, unlink*, mkdir*,
// rmdir*, symlink*, readlink*, stat*, link*, getdents*, pread/pwrite and
// dup2 tests.

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

namespace posix_test {
namespace {

off_t SizeOf(const char* path) {
  struct stat st;
  return stat(path, &st) == 0 ? st.st_size : -1;
}

const char* OpenCreatExcl() {
  const char* path = TmpPath("excl");
  int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
  CHECK_OK(fd);
  CHECK_ERRNO(open(path, O_RDWR | O_CREAT | O_EXCL, 0600), EEXIST);
  // O_EXCL also refuses a symbolic link, even a dangling one.
  CHECK_OK(symlink("nowhere", TmpPath("excl-link")));
  CHECK_ERRNO(open(TmpPath("excl-link"), O_RDWR | O_CREAT | O_EXCL, 0600), EEXIST);
  // Without O_EXCL the existing file is opened.
  int again = open(path, O_RDWR | O_CREAT, 0600);
  CHECK_OK(again);
  close(again);
  close(fd);
  unlink(path);
  unlink(TmpPath("excl-link"));
  return nullptr;
}

const char* OpenErrors() {
  CHECK_ERRNO(open(TmpPath("no/such/file"), O_RDONLY), ENOENT);
  CHECK_ERRNO(open(TmpPath("absent"), O_RDONLY), ENOENT);
  CHECK(WriteFile(TmpPath("f"), "abc", 3, 0644));
  CHECK_ERRNO(open(TmpPath("f/x"), O_RDONLY), ENOTDIR);
  CHECK_ERRNO(open(TmpPath("f"), O_RDONLY | O_DIRECTORY), ENOTDIR);
  CHECK_ERRNO(open(WorkDir(), O_WRONLY), EISDIR);
  CHECK_ERRNO(open(WorkDir(), O_RDWR), EISDIR);
  CHECK_ERRNO(open("", O_RDONLY), ENOENT);
  int d = open(WorkDir(), O_RDONLY | O_DIRECTORY);
  CHECK_OK(d);
  char c;
  CHECK_ERRNO(read(d, &c, 1), EISDIR);
  close(d);
  // A descriptor opened read-only cannot write, and the other way round.
  int fd = open(TmpPath("f"), O_RDONLY);
  CHECK_OK(fd);
  CHECK_ERRNO(write(fd, "x", 1), EBADF);
  close(fd);
  fd = open(TmpPath("f"), O_WRONLY);
  CHECK_OK(fd);
  CHECK_ERRNO(read(fd, &c, 1), EBADF);
  close(fd);
  unlink(TmpPath("f"));
  return nullptr;
}

const char* OpenTruncAndCreatMode() {
  const char* path = TmpPath("trunc");
  CHECK(WriteFile(path, "0123456789", 10, 0644));
  CHECK_EQ(SizeOf(path), 10);
  int fd = open(path, O_WRONLY | O_TRUNC);
  CHECK_OK(fd);
  CHECK_EQ(SizeOf(path), 0);
  close(fd);
  // creat(): O_CREAT|O_WRONLY|O_TRUNC, the mode minus the umask.
  mode_t old = umask(027);
  fd = creat(TmpPath("created"), 0777);
  CHECK_OK(fd);
  struct stat st;
  CHECK(fstat(fd, &st) == 0);
  CHECK_EQ(st.st_mode & 07777, 0750);
  CHECK(S_ISREG(st.st_mode));
  CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
  close(fd);
  umask(old);
  unlink(path);
  unlink(TmpPath("created"));
  return nullptr;
}

const char* AppendWritesAtEnd() {
  const char* path = TmpPath("append");
  CHECK(WriteFile(path, "abc", 3, 0644));
  int fd = open(path, O_WRONLY | O_APPEND);
  CHECK_OK(fd);
  CHECK(lseek(fd, 0, SEEK_SET) == 0);
  CHECK(write(fd, "de", 2) == 2);  // at the end despite the seek
  CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5);
  // Another descriptor writing meanwhile: O_APPEND still lands at the end.
  int other = open(path, O_WRONLY);
  CHECK_OK(other);
  CHECK(pwrite(other, "XYZ", 3, 5) == 3);
  CHECK(write(fd, "f", 1) == 1);
  close(other);
  close(fd);
  char buf[16];
  fd = open(path, O_RDONLY);
  CHECK_OK(fd);
  CHECK_EQ(ReadAll(fd, buf, sizeof buf), 9);
  CHECK(strcmp(buf, "abcdeXYZf") == 0);
  CHECK((fcntl(fd, F_GETFL) & O_APPEND) == 0);
  close(fd);
  unlink(path);
  return nullptr;
}

const char* LseekWhenceAndHoles() {
  const char* path = TmpPath("seek");
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK_OK(fd);
  CHECK(write(fd, "hello", 5) == 5);
  CHECK_EQ(lseek(fd, 0, SEEK_END), 5);
  CHECK_EQ(lseek(fd, -2, SEEK_END), 3);
  CHECK_EQ(lseek(fd, 1, SEEK_CUR), 4);
  CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
  CHECK_ERRNO(lseek(fd, -1, SEEK_SET), EINVAL);
  CHECK_ERRNO(lseek(fd, -10, SEEK_END), EINVAL);
  CHECK_ERRNO(lseek(fd, 0, 12345), EINVAL);
  CHECK_ERRNO(lseek(9999, 0, SEEK_SET), EBADF);
  // Seeking past the end and writing leaves a hole that reads as zeros.
  CHECK_EQ(lseek(fd, 4096 + 10, SEEK_SET), 4106);
  CHECK(write(fd, "!", 1) == 1);
  CHECK_EQ(lseek(fd, 0, SEEK_END), 4107);
  static char buf[5000];
  CHECK_EQ(pread(fd, buf, sizeof buf, 0), 4107);
  CHECK(memcmp(buf, "hello", 5) == 0);
  for (int i = 5; i < 4106; ++i) CHECK(buf[i] == 0);
  CHECK(buf[4106] == '!');
  // Reading at (or past) the end gives 0.
  CHECK_EQ(lseek(fd, 9000, SEEK_SET), 9000);
  CHECK_EQ(read(fd, buf, 10), 0);
  close(fd);
  unlink(path);
  return nullptr;
}

const char* FtruncateShrinkAndGrow() {
  const char* path = TmpPath("trunc2");
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK_OK(fd);
  CHECK(write(fd, "abcdefgh", 8) == 8);
  CHECK(ftruncate(fd, 3) == 0);
  struct stat st;
  CHECK(fstat(fd, &st) == 0 && st.st_size == 3);
  CHECK_EQ(lseek(fd, 0, SEEK_CUR), 8);  // the offset does not move
  CHECK(ftruncate(fd, 100) == 0);
  char buf[128];
  CHECK_EQ(pread(fd, buf, sizeof buf, 0), 100);
  CHECK(memcmp(buf, "abc", 3) == 0);
  for (int i = 3; i < 100; ++i) CHECK(buf[i] == 0);  // the old bytes are gone
  CHECK_ERRNO(ftruncate(fd, -1), EINVAL);
  close(fd);
  // truncate() by path; ftruncate on a read-only descriptor is refused.
  CHECK(truncate(path, 1) == 0);
  CHECK_EQ(SizeOf(path), 1);
  fd = open(path, O_RDONLY);
  CHECK_OK(fd);
  int e = ftruncate(fd, 0) == -1 ? errno : 0;
  CHECK(e == EINVAL || e == EBADF);  // Linux: EINVAL (not open for writing)
  close(fd);
  int p[2];
  CHECK(pipe(p) == 0);
  CHECK_ERRNO(ftruncate(p[1], 0), EINVAL);
  close(p[0]);
  close(p[1]);
  unlink(path);
  return nullptr;
}

const char* RenameReplacesFile() {
  const char* a = TmpPath("ren-a");
  const char* b = TmpPath("ren-b");
  CHECK(WriteFile(a, "new", 3, 0644));
  CHECK(WriteFile(b, "old contents", 12, 0644));
  struct stat sa, sb;
  CHECK(stat(a, &sa) == 0);
  int held = open(b, O_RDONLY);  // the replaced file lives on while open
  CHECK_OK(held);
  CHECK(rename(a, b) == 0);
  CHECK_ERRNO(access(a, F_OK), ENOENT);
  CHECK(stat(b, &sb) == 0);
  CHECK_EQ(sb.st_ino, sa.st_ino);
  CHECK_EQ(sb.st_size, 3);
  char buf[32];
  CHECK_EQ(ReadAll(held, buf, sizeof buf), 12);
  CHECK(strcmp(buf, "old contents") == 0);
  close(held);
  // Renaming a file onto itself is a no-op; a missing source is ENOENT.
  CHECK(rename(b, b) == 0);
  CHECK_ERRNO(rename(a, b), ENOENT);
  unlink(b);
  return nullptr;
}

const char* RenameDirectories() {
  CHECK_OK(mkdir(TmpPath("d1"), 0755));
  CHECK_OK(mkdir(TmpPath("d2"), 0755));
  CHECK(WriteFile(TmpPath("d2/f"), "x", 1, 0644));
  CHECK(WriteFile(TmpPath("file"), "x", 1, 0644));
  CHECK_ERRNO(rename(TmpPath("d1"), TmpPath("d2")), ENOTEMPTY);  // (or EEXIST by POSIX)
  CHECK_ERRNO(rename(TmpPath("file"), TmpPath("d1")), EISDIR);
  CHECK_ERRNO(rename(TmpPath("d1"), TmpPath("file")), ENOTDIR);
  CHECK_ERRNO(rename(TmpPath("d2"), TmpPath("d2/sub")), EINVAL);  // into itself
  // Onto an empty directory: replaced. The moved directory keeps its files.
  CHECK(rename(TmpPath("d2"), TmpPath("d1")) == 0);
  CHECK(access(TmpPath("d1/f"), F_OK) == 0);
  CHECK_ERRNO(access(TmpPath("d2"), F_OK), ENOENT);
  unlink(TmpPath("d1/f"));
  rmdir(TmpPath("d1"));
  unlink(TmpPath("file"));
  return nullptr;
}

const char* UnlinkOpenFileKeepsData() {
  const char* path = TmpPath("unlinked");
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK_OK(fd);
  CHECK(write(fd, "still here", 10) == 10);
  CHECK(unlink(path) == 0);
  CHECK_ERRNO(access(path, F_OK), ENOENT);
  struct stat st;
  CHECK(fstat(fd, &st) == 0);
  CHECK_EQ(st.st_nlink, 0);
  CHECK_EQ(st.st_size, 10);
  char buf[32] = {};
  CHECK_EQ(pread(fd, buf, sizeof buf, 0), 10);
  CHECK(strcmp(buf, "still here") == 0);
  CHECK(write(fd, "!", 1) == 1);  // and it can still grow
  CHECK(fstat(fd, &st) == 0 && st.st_size == 11);
  // A new file under the same name is a different file.
  int fresh = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
  CHECK_OK(fresh);
  struct stat st2;
  CHECK(fstat(fresh, &st2) == 0 && st2.st_size == 0);
  close(fresh);
  close(fd);
  CHECK_ERRNO(unlink(TmpPath("never-there")), ENOENT);
  unlink(path);
  return nullptr;
}

const char* MkdirRmdir() {
  const char* d = TmpPath("dir");
  CHECK_OK(mkdir(d, 0755));
  CHECK_ERRNO(mkdir(d, 0755), EEXIST);
  struct stat st;
  CHECK(stat(d, &st) == 0 && S_ISDIR(st.st_mode));
  CHECK(WriteFile(TmpPath("dir/f"), "x", 1, 0644));
  CHECK_ERRNO(rmdir(d), ENOTEMPTY);
  CHECK_ERRNO(rmdir(TmpPath("dir/f")), ENOTDIR);
  CHECK_ERRNO(unlink(d), EISDIR);
  CHECK_ERRNO(mkdir(TmpPath("no/such/parent"), 0755), ENOENT);
  CHECK_ERRNO(mkdir(TmpPath("dir/f/sub"), 0755), ENOTDIR);
  CHECK_ERRNO(rmdir(TmpPath("dir/.")), EINVAL);
  CHECK(unlink(TmpPath("dir/f")) == 0);
  CHECK(rmdir(d) == 0);
  CHECK_ERRNO(rmdir(d), ENOENT);
  return nullptr;
}

const char* SymlinkReadlink() {
  const char* target = TmpPath("sym-target");
  const char* link = TmpPath("sym-link");
  CHECK(WriteFile(target, "via link", 8, 0644));
  CHECK_OK(symlink("sym-target", link));  // relative to the link's directory
  char buf[64];
  memset(buf, 'Q', sizeof buf);
  CHECK_EQ(readlink(link, buf, sizeof buf), 10);
  CHECK(memcmp(buf, "sym-target", 10) == 0 && buf[10] == 'Q');  // no NUL added
  CHECK_EQ(readlink(link, buf, 3), 3);                          // truncated, silently
  CHECK_ERRNO(readlink(target, buf, sizeof buf), EINVAL);       // not a link
  struct stat st, lst;
  CHECK(lstat(link, &lst) == 0 && S_ISLNK(lst.st_mode));
  CHECK_EQ(lst.st_size, 10);
  CHECK(stat(link, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 8);
  int fd = open(link, O_RDONLY);
  CHECK_OK(fd);
  CHECK_EQ(ReadAll(fd, buf, sizeof buf), 8);
  CHECK(strcmp(buf, "via link") == 0);
  close(fd);
  CHECK_ERRNO(open(link, O_RDONLY | O_NOFOLLOW), ELOOP);
  CHECK_ERRNO(symlink("x", link), EEXIST);
  // Dangling: lstat works, stat does not.
  CHECK(unlink(target) == 0);
  CHECK(lstat(link, &lst) == 0);
  CHECK_ERRNO(stat(link, &st), ENOENT);
  // A loop: ELOOP.
  CHECK_OK(symlink("loop-b", TmpPath("loop-a")));
  CHECK_OK(symlink("loop-a", TmpPath("loop-b")));
  CHECK_ERRNO(open(TmpPath("loop-a"), O_RDONLY), ELOOP);
  unlink(TmpPath("loop-a"));
  unlink(TmpPath("loop-b"));
  unlink(link);
  return nullptr;
}

const char* StatSizesAndModes() {
  const char* path = TmpPath("st");
  mode_t old = umask(022);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0666);
  umask(old);
  CHECK_OK(fd);
  struct stat st;
  CHECK(fstat(fd, &st) == 0);
  CHECK(S_ISREG(st.st_mode));
  CHECK_EQ(st.st_mode & 07777, 0644);
  CHECK_EQ(st.st_size, 0);
  CHECK_EQ(st.st_nlink, 1);
  static char block[10000];
  CHECK(write(fd, block, sizeof block) == sizeof block);
  CHECK(fstat(fd, &st) == 0 && st.st_size == 10000);
  CHECK(st.st_blksize > 0);
  struct stat by_path;
  CHECK(stat(path, &by_path) == 0);
  CHECK(by_path.st_ino == st.st_ino && by_path.st_dev == st.st_dev && by_path.st_size == 10000);
  CHECK(fchmod(fd, 0400) == 0);
  CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0400);
  CHECK(chmod(path, 04755) == 0);
  CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 04755);
  close(fd);
  // Hard links share the inode and count.
  CHECK_OK(link(path, TmpPath("st-link")));
  CHECK(stat(path, &st) == 0 && st.st_nlink == 2);
  CHECK(stat(TmpPath("st-link"), &by_path) == 0 && by_path.st_ino == st.st_ino);
  CHECK_ERRNO(link(path, TmpPath("st-link")), EEXIST);
  CHECK_ERRNO(link(WorkDir(), TmpPath("dir-link")), EPERM);  // no hard links to directories
  CHECK(unlink(path) == 0);
  CHECK(stat(TmpPath("st-link"), &st) == 0 && st.st_nlink == 1 && st.st_size == 10000);
  unlink(TmpPath("st-link"));
  // Other kinds: a pipe, a character device, a directory.
  int p[2];
  CHECK(pipe(p) == 0);
  CHECK(fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode));
  close(p[0]);
  close(p[1]);
  CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
  CHECK(stat(WorkDir(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_nlink >= 2);
  CHECK_ERRNO(stat(TmpPath("absent"), &st), ENOENT);
  CHECK_ERRNO(fstat(9999, &st), EBADF);
  return nullptr;
}

const char* ReaddirListsEntries() {
  CHECK_OK(mkdir(TmpPath("ls"), 0755));
  CHECK(WriteFile(TmpPath("ls/alpha"), "a", 1, 0644));
  CHECK(WriteFile(TmpPath("ls/beta"), "b", 1, 0644));
  CHECK_OK(mkdir(TmpPath("ls/gamma"), 0755));
  CHECK_OK(symlink("alpha", TmpPath("ls/delta")));
  DIR* d = opendir(TmpPath("ls"));
  CHECK(d != nullptr);
  int dot = 0, dotdot = 0, alpha = 0, beta = 0, gamma = 0, delta = 0, other = 0;
  while (struct dirent* e = readdir(d)) {
    const char* n = e->d_name;
    if (strcmp(n, ".") == 0) {
      ++dot;
      CHECK(e->d_type == DT_DIR || e->d_type == DT_UNKNOWN);
    } else if (strcmp(n, "..") == 0) {
      ++dotdot;
    } else if (strcmp(n, "alpha") == 0) {
      ++alpha;
      CHECK(e->d_type == DT_REG);
    } else if (strcmp(n, "beta") == 0) {
      ++beta;
    } else if (strcmp(n, "gamma") == 0) {
      ++gamma;
      CHECK(e->d_type == DT_DIR);
    } else if (strcmp(n, "delta") == 0) {
      ++delta;
      CHECK(e->d_type == DT_LNK);
    } else {
      ++other;
    }
  }
  closedir(d);
  if (dot != 1 || dotdot != 1 || alpha != 1 || beta != 1 || gamma != 1 || delta != 1 ||
      other != 0) {
    return Fail(". %d .. %d alpha %d beta %d gamma %d delta %d other %d", dot, dotdot, alpha, beta,
                gamma, delta, other);
  }
  // An entry removed while the directory is open is not listed by a new scan.
  CHECK(unlink(TmpPath("ls/beta")) == 0);
  d = opendir(TmpPath("ls"));
  CHECK(d != nullptr);
  int count = 0;
  while (struct dirent* e = readdir(d)) {
    ++count;
    CHECK(strcmp(e->d_name, "beta") != 0);
  }
  closedir(d);
  CHECK_EQ(count, 5);
  // getdents on a file descriptor that is not a directory.
  int fd = open(TmpPath("ls/alpha"), O_RDONLY);
  CHECK_OK(fd);
  CHECK(fdopendir(fd) == nullptr);
  close(fd);
  unlink(TmpPath("ls/alpha"));
  unlink(TmpPath("ls/delta"));
  rmdir(TmpPath("ls/gamma"));
  rmdir(TmpPath("ls"));
  return nullptr;
}

const char* ReaddirManyEntries() {
  // More entries than one getdents64 buffer holds: every one exactly once.
  CHECK_OK(mkdir(TmpPath("many"), 0755));
  const int n = 300;
  char name[64];
  for (int i = 0; i < n; ++i) {
    snprintf(name, sizeof name, "many/entry-with-a-longish-name-%03d", i);
    CHECK(WriteFile(TmpPath(name), "", 0, 0644));
  }
  static unsigned char seen[n];
  DIR* d = opendir(TmpPath("many"));
  CHECK(d != nullptr);
  int total = 0;
  while (struct dirent* e = readdir(d)) {
    int i;
    if (sscanf(e->d_name, "entry-with-a-longish-name-%d", &i) == 1 && i >= 0 && i < n) ++seen[i];
    ++total;
  }
  closedir(d);
  CHECK_EQ(total, n + 2);
  for (int i = 0; i < n; ++i) CHECK(seen[i] == 1);
  return nullptr;
}

const char* PreadPwriteKeepOffset() {
  const char* path = TmpPath("prw");
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK_OK(fd);
  CHECK(write(fd, "0123456789", 10) == 10);
  CHECK(lseek(fd, 2, SEEK_SET) == 2);
  CHECK(pwrite(fd, "AB", 2, 6) == 2);
  char buf[16] = {};
  CHECK(pread(fd, buf, 4, 5) == 4);
  CHECK(memcmp(buf, "5AB8", 4) == 0);
  CHECK_EQ(lseek(fd, 0, SEEK_CUR), 2);
  CHECK_ERRNO(pread(fd, buf, 1, -1), EINVAL);
  // readv / writev gather and scatter at the offset.
  struct iovec iov[2] = {{const_cast<char*>("xy"), 2}, {const_cast<char*>("z"), 1}};
  CHECK_EQ(writev(fd, iov, 2), 3);
  CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5);
  char a[3] = {}, b[4] = {};
  struct iovec riov[2] = {{a, 2}, {b, 3}};
  CHECK(lseek(fd, 0, SEEK_SET) == 0);
  CHECK_EQ(readv(fd, riov, 2), 5);
  CHECK(memcmp(a, "01", 2) == 0 && memcmp(b, "xyz", 3) == 0);
  close(fd);
  unlink(path);
  return nullptr;
}

const char* DupAndForkShareOffset() {
  const char* path = TmpPath("shared");
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK_OK(fd);
  int d = dup(fd);
  CHECK(write(fd, "abc", 3) == 3);
  CHECK_EQ(lseek(d, 0, SEEK_CUR), 3);  // one open file description
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) _exit(write(d, "def", 3) == 3 ? 0 : 1);
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 0);
  CHECK_EQ(lseek(fd, 0, SEEK_CUR), 6);  // the child's write moved ours
  // A second open() is a separate description with its own offset.
  int other = open(path, O_RDONLY);
  CHECK_OK(other);
  CHECK_EQ(lseek(other, 0, SEEK_CUR), 0);
  char buf[8];
  CHECK_EQ(ReadAll(other, buf, sizeof buf), 6);
  CHECK(strcmp(buf, "abcdef") == 0);
  close(other);
  close(d);
  close(fd);
  unlink(path);
  return nullptr;
}

const char* Dup2OverDirectoryFd() {
  int d = open(WorkDir(), O_RDONLY | O_DIRECTORY);
  CHECK_OK(d);
  struct stat st;
  CHECK(fstat(d, &st) == 0 && S_ISDIR(st.st_mode));
  int p[2];
  CHECK(pipe(p) == 0);
  CHECK_EQ(dup2(p[1], d), d);  // closes the directory and reuses the number
  CHECK(fstat(d, &st) == 0 && S_ISFIFO(st.st_mode));
  CHECK(write(d, "z", 1) == 1);
  char c;
  CHECK(read(p[0], &c, 1) == 1 && c == 'z');
  // And a directory duplicated over a pipe end: readable as a directory.
  int e = open(WorkDir(), O_RDONLY | O_DIRECTORY);
  CHECK_OK(e);
  CHECK_EQ(dup2(e, p[0]), p[0]);
  CHECK(fstat(p[0], &st) == 0 && S_ISDIR(st.st_mode));
  CHECK(WriteFile(TmpPath("seen"), "", 0, 0644));
  DIR* dir = fdopendir(p[0]);
  CHECK(dir != nullptr);
  bool found = false;
  while (struct dirent* ent = readdir(dir)) found |= strcmp(ent->d_name, "seen") == 0;
  closedir(dir);  // closes p[0]
  CHECK(found);
  CHECK(fcntl(e, F_GETFD) == 0);  // the original is still open
  close(e);
  close(d);
  close(p[1]);
  unlink(TmpPath("seen"));
  return nullptr;
}

const char* ChdirAndRelativePaths() {
  char cwd[512];
  CHECK(getcwd(cwd, sizeof cwd) != nullptr);
  CHECK_OK(mkdir(TmpPath("cd"), 0755));
  CHECK_OK(chdir(TmpPath("cd")));
  char now[512];
  CHECK(getcwd(now, sizeof now) != nullptr);
  // (WorkDir may contain symbolic links on the host; compare the tail.)
  size_t len = strlen(now);
  CHECK(len >= 3 && strcmp(now + len - 3, "/cd") == 0);
  CHECK(WriteFile("rel", "r", 1, 0644));
  CHECK(access(TmpPath("cd/rel"), F_OK) == 0);
  CHECK_OK(chdir(".."));
  CHECK(access("cd/rel", F_OK) == 0);
  // *at() calls relative to a directory descriptor.
  int dfd = open(TmpPath("cd"), O_RDONLY | O_DIRECTORY);
  CHECK_OK(dfd);
  int fd = openat(dfd, "rel", O_RDONLY);
  CHECK_OK(fd);
  close(fd);
  CHECK_OK(mkdirat(dfd, "sub", 0700));
  struct stat st;
  CHECK(fstatat(dfd, "sub", &st, 0) == 0 && S_ISDIR(st.st_mode));
  CHECK_OK(unlinkat(dfd, "sub", AT_REMOVEDIR));
  CHECK_OK(unlinkat(dfd, "rel", 0));
  CHECK_OK(fchdir(dfd));
  CHECK(getcwd(now, sizeof now) != nullptr && strcmp(now + strlen(now) - 3, "/cd") == 0);
  // getcwd with a buffer too small for ".../cd": ERANGE.
  char tiny[3];
  CHECK_ERRNO(getcwd(tiny, sizeof tiny) == nullptr ? -1 : 0, ERANGE);
  CHECK_ERRNO(chdir(TmpPath("no-such-dir")), ENOENT);
  CHECK_OK(chdir(cwd));
  close(dfd);
  CHECK_OK(rmdir(TmpPath("cd")));
  return nullptr;
}

const char* AccessModes() {
  CHECK(WriteFile(TmpPath("acc"), "x", 1, 0644));
  CHECK(access(TmpPath("acc"), F_OK) == 0);
  CHECK(access(TmpPath("acc"), R_OK | W_OK) == 0);
  CHECK_ERRNO(access(TmpPath("acc"), X_OK), EACCES);  // no execute bit: even for root
  CHECK(chmod(TmpPath("acc"), 0755) == 0);
  CHECK(access(TmpPath("acc"), X_OK) == 0);
  CHECK_ERRNO(access(TmpPath("absent"), F_OK), ENOENT);
  CHECK_ERRNO(access(TmpPath("acc"), 0x40), EINVAL);
  unlink(TmpPath("acc"));
  return nullptr;
}

}  // namespace

const Case kFileCases[] = {
    {"open_creat_excl", OpenCreatExcl},
    {"open_errors", OpenErrors},
    {"open_trunc_and_creat_mode", OpenTruncAndCreatMode},
    {"o_append_writes_at_end", AppendWritesAtEnd},
    {"lseek_whence_and_holes", LseekWhenceAndHoles},
    {"ftruncate_shrink_and_grow", FtruncateShrinkAndGrow},
    {"rename_replaces_file", RenameReplacesFile},
    {"rename_directories", RenameDirectories},
    {"unlink_open_file_keeps_data", UnlinkOpenFileKeepsData},
    {"mkdir_rmdir", MkdirRmdir},
    {"symlink_readlink", SymlinkReadlink},
    {"stat_sizes_and_modes", StatSizesAndModes},
    {"readdir_lists_entries", ReaddirListsEntries},
    {"readdir_many_entries", ReaddirManyEntries},
    {"pread_pwrite_keep_offset", PreadPwriteKeepOffset},
    {"dup_and_fork_share_offset", DupAndForkShareOffset},
    {"dup2_over_directory_fd", Dup2OverDirectoryFd},
    {"chdir_and_relative_paths", ChdirAndRelativePaths},
    {"access_modes", AccessModes},
};
const int kFileCaseCount = sizeof kFileCases / sizeof kFileCases[0];

}  // namespace posix_test
