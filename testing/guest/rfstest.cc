// rfstest: the in-guest test of user-space file systems (fs_mount, RemoteFs,
// umount2). init runs it in `tessera.test=rfs` mode with every module handle
// (including "vfs", the mount right). It starts the toy server
// (rfs_toyserver, test-only) on /mnt/test and works on files through it with
// ordinary Linux calls, then mounts misbehaving servers and checks that their
// callers get EIO (and the kernel survives). Prints "rfstest: PASS name" /
// "rfstest: FAIL name: why" and a summary; exits 0 when all passed.

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "abi/linux/stat.h"
#include "abi/tessera/fsproto.h"
#include "lib/tessera/bootstrap.h"
#include "lib/tessera/process.h"
#include "lib/tessera/syscalls.h"

namespace {

using tessera::handle_t;
namespace sys = tessera::sys;

constexpr long kToyMagic = 0x70795254;
int g_passed = 0, g_failed = 0;
tessera::Bootstrap g_boot;

void Report(const char* name, bool ok, const char* why = "") {
  if (ok) {
    printf("rfstest: PASS %s\n", name);
    ++g_passed;
  } else {
    printf("rfstest: FAIL %s: %s (errno %d)\n", name, why, errno);
    ++g_failed;
  }
  fflush(stdout);
}

#define CHECK(name, cond)         \
  do {                            \
    if (!(cond)) {                \
      Report(name, false, #cond); \
      return;                     \
    }                             \
  } while (0)

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

bool IsToyMount(const char* path) {
  struct statfs s;
  return statfs(path, &s) == 0 && s.f_type == kToyMagic;
}

// Starts the toy server in `mode` on `path`; waits until the mount shows.
int64_t StartServer(const char* mode, const char* path) {
  mkdir(path, 0755);
  handle_t exe = g_boot.Find("rfs_toyserver");
  int64_t vfs = sys::HandleDuplicate(g_boot.Find("vfs"), tessera::kRightSameRights);
  if (exe == tessera::kInvalidHandle || vfs < 0) return -1;
  handle_t handles[] = {static_cast<handle_t>(vfs)};
  const char* names[] = {"vfs"};
  const char* argv[] = {"rfs_toyserver", mode, path};
  int64_t p = tessera::Spawn(exe, "rfs_toyserver", 3, argv, handles, names, 1);
  if (p < 0) return p;
  for (int i = 0; i < 500 && !IsToyMount(path); ++i) usleep(10000);
  return IsToyMount(path) ? p : -2;
}

bool WriteAll(int fd, const char* s) {
  return write(fd, s, strlen(s)) == static_cast<ssize_t>(strlen(s));
}

// The file's bytes as a string ("<error>" if it cannot be read).
const char* ReadFile(const char* path) {
  static char out[256];
  int fd = open(path, O_RDONLY);
  if (fd < 0) return "<error>";
  size_t used = 0;
  char buf[7];  // odd size: several reads
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0 && used + n < sizeof out) {
    memcpy(out + used, buf, n);
    used += n;
  }
  out[used] = 0;
  close(fd);
  return n < 0 ? "<read error>" : out;
}
bool FileIs(const char* path, const char* want) { return strcmp(ReadFile(path), want) == 0; }

// Whether the directory holds exactly `want` (count names, all present).
bool ListIs(const char* path, const char* const* want, int count) {
  DIR* d = opendir(path);
  if (d == nullptr) return false;
  int seen = 0;
  bool ok = true;
  while (dirent* e = readdir(d)) {
    bool known = false;
    for (int i = 0; i < count; ++i) known = known || strcmp(e->d_name, want[i]) == 0;
    ok = ok && known;
    ++seen;
  }
  closedir(d);
  return ok && seen == count;
}

void TestFiles() {
  int fd = open("/mnt/test/a.txt", O_CREAT | O_RDWR | O_EXCL, 0644);
  CHECK("create-write-read", fd >= 0);
  CHECK("create-write-read", WriteAll(fd, "hello remote"));
  char buf[32] = {};
  CHECK("create-write-read",
        pread(fd, buf, sizeof buf, 0) == 12 && memcmp(buf, "hello remote", 12) == 0);
  struct stat st;
  CHECK("create-write-read", fstat(fd, &st) == 0 && st.st_size == 12 && S_ISREG(st.st_mode));
  CHECK("create-write-read", fsync(fd) == 0);
  close(fd);
  CHECK("create-write-read",
        open("/mnt/test/a.txt", O_CREAT | O_EXCL | O_RDWR, 0644) < 0 && errno == EEXIST);
  Report("create-write-read", true);

  fd = open("/mnt/test/a.txt", O_WRONLY | O_APPEND);
  CHECK("append", fd >= 0 && WriteAll(fd, ", more"));
  CHECK("append", lseek(fd, 0, SEEK_CUR) == 18);
  close(fd);
  CHECK("append", FileIs("/mnt/test/a.txt", "hello remote, more"));
  CHECK("append", truncate("/mnt/test/a.txt", 5) == 0 && FileIs("/mnt/test/a.txt", "hello"));
  Report("append-truncate", true);

  CHECK("mkdir-list", mkdir("/mnt/test/dir", 0755) == 0);
  const char* const made[] = {"/mnt/test/dir/x", "/mnt/test/dir/y"};
  for (const char* n : made) {
    fd = open(n, O_CREAT | O_WRONLY, 0600);
    CHECK("mkdir-list", fd >= 0);
    close(fd);
  }
  const char* const in_dir[] = {".", "..", "x", "y"};
  const char* const in_root[] = {".", "..", "a.txt", "dir"};
  CHECK("mkdir-list", ListIs("/mnt/test/dir", in_dir, 4));
  CHECK("mkdir-list", ListIs("/mnt/test", in_root, 4));
  CHECK("mkdir-list",
        chdir("/mnt/test/dir") == 0 && access("../a.txt", F_OK) == 0 && chdir("/") == 0);
  Report("mkdir-list", true);

  CHECK("rename", rename("/mnt/test/a.txt", "/mnt/test/dir/b.txt") == 0);
  CHECK("rename", access("/mnt/test/a.txt", F_OK) != 0 && errno == ENOENT);
  CHECK("rename", FileIs("/mnt/test/dir/b.txt", "hello"));
  CHECK("rename", rename("/mnt/test/dir/b.txt", "/tmp/b.txt") != 0 && errno == EXDEV);
  Report("rename", true);

  CHECK("links", link("/mnt/test/dir/b.txt", "/mnt/test/hard") == 0);
  CHECK("links", stat("/mnt/test/hard", &st) == 0 && st.st_nlink == 2);
  CHECK("links", symlink("dir/b.txt", "/mnt/test/soft") == 0);
  char target[64] = {};
  CHECK("links",
        readlink("/mnt/test/soft", target, sizeof target) == 9 && strcmp(target, "dir/b.txt") == 0);
  CHECK("links", FileIs("/mnt/test/soft", "hello"));
  Report("links", true);

  CHECK("unlink-rmdir", rmdir("/mnt/test/dir") != 0 && errno == ENOTEMPTY);
  const char* const doomed[] = {"/mnt/test/dir/x", "/mnt/test/dir/y", "/mnt/test/dir/b.txt",
                                "/mnt/test/soft"};
  for (const char* n : doomed) {
    CHECK("unlink-rmdir", unlink(n) == 0);
  }
  CHECK("unlink-rmdir", rmdir("/mnt/test/dir") == 0);
  CHECK("unlink-rmdir", FileIs("/mnt/test/hard", "hello"));
  const char* const left[] = {".", "..", "hard"};
  CHECK("unlink-rmdir", ListIs("/mnt/test", left, 3));
  Report("unlink-rmdir", true);

  // A bigger file crosses the 64 KiB buffer.
  static char big[200000];
  for (size_t i = 0; i < sizeof big; ++i) big[i] = static_cast<char>(i * 7 + 3);
  fd = open("/mnt/test/big", O_CREAT | O_RDWR, 0644);
  CHECK("big-file", fd >= 0);
  size_t done = 0;
  while (done < sizeof big) {
    ssize_t n = write(fd, big + done, sizeof big - done);
    CHECK("big-file", n > 0);
    done += n;
  }
  static char back[200000];
  done = 0;
  while (done < sizeof back) {
    ssize_t n = pread(fd, back + done, sizeof back - done, done);
    CHECK("big-file", n > 0);
    done += n;
  }
  close(fd);
  CHECK("big-file", memcmp(big, back, sizeof big) == 0);
  Report("big-file", true);
}

// Small-read cost: the remote file vs the same on tmpfs (a figure, not a check).
void MeasureSmallReads() {
  constexpr int kReads = 2000;
  const char* files[] = {"/mnt/test/hard", "/tmp/rfs_bench"};
  int tmp = open(files[1], O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (tmp >= 0) {
    WriteAll(tmp, "hello");
    close(tmp);
  }
  int64_t ns[2] = {0, 0};
  for (int f = 0; f < 2; ++f) {
    int fd = open(files[f], O_RDONLY);
    if (fd < 0) return;
    char buf[5];
    int64_t start = NowNs();
    for (int i = 0; i < kReads; ++i) (void)pread(fd, buf, sizeof buf, 0);
    ns[f] = (NowNs() - start) / kReads;
    close(fd);
  }
  unlink(files[1]);
  printf("rfstest: 5-byte pread: remote fs %lld ns, tmpfs %lld ns (mean of %d, TCG)\n",
         static_cast<long long>(ns[0]), static_cast<long long>(ns[1]), kReads);
}

void TestUmount(int64_t server) {
  int fd = open("/mnt/test/hard", O_RDONLY);
  CHECK("umount", fd >= 0);
  CHECK("umount", umount2("/mnt/test", 0) != 0 && errno == EBUSY);
  close(fd);
  CHECK("umount", chdir("/mnt/test") == 0);
  CHECK("umount", umount2("/mnt/test", 0) != 0 && errno == EBUSY);  // a cwd inside
  CHECK("umount", chdir("/") == 0);
  CHECK("umount", umount2("/mnt/test", 0) == 0);
  CHECK("umount", !IsToyMount("/mnt/test") && access("/mnt/test/hard", F_OK) != 0);
  int64_t status =
      tessera::WaitForExit(static_cast<handle_t>(server), sys::ClockMonotonic() + 5000000000LL);
  CHECK("umount", status == 0);
  Report("umount", true);
}

void TestHostile(const char* name, const char* mode, const char* path) {
  int64_t server = StartServer(mode, path);
  CHECK(name, server >= 0);
  char file[64];
  snprintf(file, sizeof file, "%s/anything", path);
  struct stat st;
  int64_t start = NowNs();
  CHECK(name, stat(file, &st) != 0 && errno == EIO);
  int64_t took = (NowNs() - start) / 1000000;
  // Dead for good: the next call fails at once too.
  CHECK(name, open(file, O_CREAT | O_RDWR, 0644) < 0 && errno == EIO);
  printf("rfstest: %s: EIO after %lld ms\n", name, static_cast<long long>(took));
  sys::ProcessKill(static_cast<handle_t>(server), 9);
  tessera::WaitForExit(static_cast<handle_t>(server));
  CHECK(name, umount2(path, 0) == 0);
  Report(name, true);
}

// fs_mount with kFsMountReplace (or other `flags`, `pending_id`) and a hello
// like the toy server's; returns its result. The channel is closed afterwards
// (the calls here all fail).
int64_t ReattachCall(const char* path, uint32_t flags, uint32_t pending_id = 0) {
  handle_t mine, theirs;
  if (sys::ChannelCreate(&mine, &theirs) < 0) return -1;
  tessera::FsMountArgs args{};
  args.mount_right = g_boot.Find("vfs");
  args.channel = theirs;
  args.path = path;
  fsproto::Reply root{};
  root.op = fsproto::kHello;
  root.node = 1;
  root.attr.node = 1;
  root.attr.mode = linux_abi::kModeDirectory | 0755;
  root.info.magic = kToyMagic;
  args.root = &root;
  args.root_size = sizeof root;
  args.flags = flags;
  args.pending_id = pending_id;
  int64_t r = sys::FsMount(&args);
  sys::HandleClose(mine);
  if (r < 0) sys::HandleClose(theirs);
  return r;
}

// A new server takes a dead server's mount over (fs_mount kFsMountReplace),
// and the calls that must not. The toy server keeps nothing across a restart
// and cannot answer kAdopt during fs_mount, so the mount holds no node but
// its root when the new one takes over (the ext2 server's take-over, with
// open files, is //testing/system:supervise_test).
void TestReattach() {
  int64_t first = StartServer("good", "/mnt/re");
  CHECK("reattach", first >= 0);
  CHECK("reattach-refusals", ReattachCall("/mnt/re", tessera::kFsMountReplace) == -EBUSY);  // alive
  CHECK("reattach-refusals",
        ReattachCall("/mnt", tessera::kFsMountReplace) == -EINVAL);  // no mount's root
  CHECK("reattach-refusals",
        ReattachCall("/mnt/re", tessera::kFsMountReplace | tessera::kFsMountRoot) == -EINVAL);
  // A pending mount point nobody's mount(2) waits at; a pending id without
  // the flag; kFsMountPending with another flag.
  CHECK("reattach-refusals", ReattachCall(nullptr, tessera::kFsMountPending, 424242) == -ENOENT);
  CHECK("reattach-refusals", ReattachCall("/mnt", 0, 7) == -EINVAL);
  CHECK("reattach-refusals",
        ReattachCall(nullptr, tessera::kFsMountPending | tessera::kFsMountRoot, 1) == -EINVAL);
  Report("reattach-refusals", true);
  int fd = open("/mnt/re/f", O_CREAT | O_RDWR, 0644);
  CHECK("reattach", fd >= 0 && WriteAll(fd, "lost with the server"));
  close(fd);
  sys::ProcessKill(static_cast<handle_t>(first), 9);
  tessera::WaitForExit(static_cast<handle_t>(first));
  struct stat st;
  CHECK("reattach", stat("/mnt/re/f", &st) != 0 && errno == EIO);
  CHECK("reattach",
        ReattachCall("/mnt/re", tessera::kFsMountReplace | 4) == -EINVAL);  // unknown flag
  // The new server: the same mount answers again (its files are its own).
  handle_t exe = g_boot.Find("rfs_toyserver");
  int64_t vfs = sys::HandleDuplicate(g_boot.Find("vfs"), tessera::kRightSameRights);
  CHECK("reattach", exe != tessera::kInvalidHandle && vfs >= 0);
  handle_t handles[] = {static_cast<handle_t>(vfs)};
  const char* names[] = {"vfs"};
  const char* argv[] = {"rfs_toyserver", "reattach", "/mnt/re"};
  int64_t second = tessera::Spawn(exe, "rfs_toyserver", 3, argv, handles, names, 1);
  CHECK("reattach", second >= 0);
  const char* const empty[] = {".", ".."};
  bool back = false;
  for (int i = 0; i < 500 && !back; ++i) {
    back = ListIs("/mnt/re", empty, 2);
    if (!back) usleep(10000);
  }
  CHECK("reattach", back);
  CHECK("reattach", IsToyMount("/mnt/re") && access("/mnt/re/f", F_OK) != 0 && errno == ENOENT);
  fd = open("/mnt/re/g", O_CREAT | O_RDWR, 0644);
  CHECK("reattach", fd >= 0 && WriteAll(fd, "new"));
  close(fd);
  CHECK("reattach", FileIs("/mnt/re/g", "new"));
  CHECK("reattach", umount2("/mnt/re", 0) == 0);
  CHECK("reattach", tessera::WaitForExit(static_cast<handle_t>(second),
                                         sys::ClockMonotonic() + 5000000000LL) == 0);
  Report("reattach", true);
}

}  // namespace

int main() {
  printf("rfstest: starting (pid %d)\n", getpid());
  if (g_boot.Load() < 0) {
    printf("rfstest: no bootstrap handles\n");
    return 2;
  }
  mkdir("/mnt", 0755);
  int64_t server = StartServer("good", "/mnt/test");
  Report("mount", server >= 0, "the toy server did not mount /mnt/test");
  if (server >= 0) {
    TestFiles();
    MeasureSmallReads();
    TestUmount(server);
  }
  TestHostile("garbage-reply", "garbage", "/mnt/bad");
  TestHostile("server-exits-mid-call", "exit", "/mnt/gone");
  TestHostile("server-stalls", "stall", "/mnt/stall");
  TestReattach();
  // Without the mount right nothing mounts.
  {
    handle_t a, b;
    sys::ChannelCreate(&a, &b);
    tessera::FsMountArgs args{};
    args.mount_right = b;  // not a vfs-mount object
    args.channel = b;
    args.path = "/mnt";
    fsproto::Reply root{};
    root.op = fsproto::kHello;
    root.node = 1;
    root.attr.node = 1;
    root.attr.mode = linux_abi::kModeDirectory | 0755;
    args.root = &root;
    args.root_size = sizeof root;
    int64_t r = sys::FsMount(&args);
    Report("mount-needs-right", r < 0, "fs_mount without the right succeeded");
  }
  printf("rfstest: %d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
