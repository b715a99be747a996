// POSIX cases for RLIMIT_FSIZE (SIGXFSZ, EFBIG) and core dumps (issue 13): a process killed by a
// signal whose default action dumps core writes an ELF core file in its cwd when RLIMIT_CORE
// allows, and its wait status has WCOREDUMP; none without the limit. The core is read back:
// ET_CORE, the NT_PRSTATUS note (pid, signal) and a PT_LOAD whose bytes are the dying process's
// memory. On the host the cases need kernel.core_pattern "core" (Linux's default, not a pipe) and
// core_uses_pid 0; elsewhere they check only the wait status. The pattern's
// own case runs on Tessera only (core_pattern is not per-namespace on Linux).

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/procfs.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

namespace posix_test {
namespace {

constexpr char kMarker[] = "tessera core marker 0123456789";

// Whether this kernel writes plain "core" files in the cwd.
bool PlainCorePattern() {
  char pattern[256] = {}, uses_pid[16] = {};
  int fd = open("/proc/sys/kernel/core_pattern", O_RDONLY);
  if (fd < 0) return false;
  ssize_t n = read(fd, pattern, sizeof pattern - 1);
  close(fd);
  fd = open("/proc/sys/kernel/core_uses_pid", O_RDONLY);
  if (fd >= 0) {
    (void)!read(fd, uses_pid, sizeof uses_pid - 1);
    close(fd);
  }
  return n > 0 && strcmp(pattern, "core\n") == 0 && uses_pid[0] != '1';
}

// Forks a child that chdirs to `dir`, sets RLIMIT_CORE to `limit`, puts
// kMarker in a fresh anonymous page (its address in *marker_at, shared
// through a pipe) and dies of SIGSEGV. Returns the wait status (-1: error).
int CrashIn(const char* dir, rlim_t limit, uint64_t* marker_at, pid_t* pid) {
  int p[2];
  if (pipe(p) != 0) return -1;
  pid_t child = fork();
  if (child < 0) return -1;
  if (child == 0) {
    close(p[0]);
    struct rlimit rl = {limit, limit};
    if (chdir(dir) != 0 || setrlimit(RLIMIT_CORE, &rl) != 0) _exit(2);
    void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) _exit(3);
    memcpy(page, kMarker, sizeof kMarker);
    uint64_t at = reinterpret_cast<uintptr_t>(page);
    (void)!write(p[1], &at, sizeof at);
    close(p[1]);
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
    _exit(4);
  }
  close(p[1]);
  if (read(p[0], marker_at, sizeof *marker_at) != sizeof *marker_at) *marker_at = 0;
  close(p[0]);
  int status = 0;
  if (waitpid(child, &status, 0) != child) return -1;
  *pid = child;
  return status;
}

// Checks the core file at `path`: an x86-64 ET_CORE whose NT_PRSTATUS names
// `pid` and SIGSEGV and whose memory has kMarker at `marker_at`.
const char* CheckCore(const char* path, pid_t pid, uint64_t marker_at) {
  int fd = open(path, O_RDONLY);
  CHECK(fd >= 0);
  Elf64_Ehdr e;
  CHECK(pread(fd, &e, sizeof e, 0) == sizeof e);
  CHECK(memcmp(e.e_ident, ELFMAG, SELFMAG) == 0);
  CHECK_EQ(e.e_type, ET_CORE);
  CHECK_EQ(e.e_machine, EM_X86_64);
  CHECK(e.e_phnum >= 2 && e.e_phnum < 65535);
  bool status_seen = false, marker_seen = false;
  for (int i = 0; i < e.e_phnum; ++i) {
    Elf64_Phdr ph;
    CHECK(pread(fd, &ph, sizeof ph, e.e_phoff + i * sizeof ph) == sizeof ph);
    if (ph.p_type == PT_NOTE) {
      static char notes[64 * 1024];
      CHECK(ph.p_filesz <= sizeof notes);
      CHECK(pread(fd, notes, ph.p_filesz, ph.p_offset) == static_cast<ssize_t>(ph.p_filesz));
      for (size_t at = 0; at + sizeof(Elf64_Nhdr) <= ph.p_filesz;) {
        Elf64_Nhdr h;
        memcpy(&h, notes + at, sizeof h);
        size_t desc = at + sizeof h + ((h.n_namesz + 3) & ~3u);
        if (h.n_type == NT_PRSTATUS && !status_seen && desc + sizeof(prstatus_t) <= ph.p_filesz) {
          prstatus_t st;
          memcpy(&st, notes + desc, sizeof st);
          CHECK_EQ(st.pr_pid, pid);
          CHECK_EQ(st.pr_cursig, SIGSEGV);
          status_seen = true;
        }
        at = desc + ((h.n_descsz + 3) & ~3u);
      }
    } else if (ph.p_type == PT_LOAD && marker_at >= ph.p_vaddr &&
               marker_at + sizeof kMarker <= ph.p_vaddr + ph.p_filesz) {
      char bytes[sizeof kMarker];
      CHECK(pread(fd, bytes, sizeof bytes, ph.p_offset + (marker_at - ph.p_vaddr)) ==
            static_cast<ssize_t>(sizeof bytes));
      CHECK(memcmp(bytes, kMarker, sizeof kMarker) == 0);
      marker_seen = true;
    }
  }
  close(fd);
  CHECK(status_seen);
  CHECK(marker_seen);
  return nullptr;
}

const char* CoreDumpWrittenWithRlimit() {
  const char* dir = TmpPath("coredir");
  CHECK(mkdir(dir, 0755) == 0);
  uint64_t marker_at = 0;
  pid_t pid = 0;
  int status = CrashIn(dir, RLIM_INFINITY, &marker_at, &pid);
  CHECK(status != -1 && marker_at != 0);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
  if (!OnTessera() && !PlainCorePattern()) return nullptr;  // the host writes elsewhere
  CHECK(WCOREDUMP(status));
  char path[512];
  snprintf(path, sizeof path, "%s/core", dir);
  struct stat st;
  CHECK(stat(path, &st) == 0);
  CHECK(S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600 && st.st_uid == getuid());
  const char* why = CheckCore(path, pid, marker_at);
  unlink(path);
  rmdir(dir);
  return why;
}

const char* CoreDumpNoneWithoutRlimit() {
  const char* dir = TmpPath("nocoredir");
  CHECK(mkdir(dir, 0755) == 0);
  uint64_t marker_at = 0;
  pid_t pid = 0;
  int status = CrashIn(dir, 0, &marker_at, &pid);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
  CHECK(!WCOREDUMP(status));
  char path[512];
  snprintf(path, sizeof path, "%s/core", dir);
  CHECK_ERRNO(access(path, F_OK), ENOENT);
  rmdir(dir);
  return nullptr;
}

// kernel.core_pattern's specifiers (Tessera only: the host's is global).
const char* CorePatternNamesTheFile() {
  if (!OnTessera()) return nullptr;
  int fd = open("/proc/sys/kernel/core_pattern", O_WRONLY);
  CHECK(fd >= 0);
  CHECK(write(fd, "crash.%p.%s.%%\n", 15) == 15);
  close(fd);
  const char* dir = TmpPath("patterndir");
  CHECK(mkdir(dir, 0755) == 0);
  uint64_t marker_at = 0;
  pid_t pid = 0;
  int status = CrashIn(dir, RLIM_INFINITY, &marker_at, &pid);
  fd = open("/proc/sys/kernel/core_pattern", O_WRONLY);
  CHECK(fd >= 0);
  CHECK(write(fd, "core\n", 5) == 5);
  close(fd);
  CHECK(WIFSIGNALED(status) && WCOREDUMP(status));
  char path[512];
  snprintf(path, sizeof path, "%s/crash.%d.%d.%%", dir, static_cast<int>(pid), SIGSEGV);
  const char* why = CheckCore(path, pid, marker_at);
  unlink(path);
  rmdir(dir);
  return why;
}

volatile sig_atomic_t g_xfsz = 0;
void OnXfsz(int) { g_xfsz = g_xfsz + 1; }

// In a forked child: RLIMIT_FSIZE 100 and a SIGXFSZ handler that counts.
void LimitFileSizeTo100() {
  struct rlimit rl = {100, 100};
  signal(SIGXFSZ, OnXfsz);
  if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(10);
}

// RLIMIT_FSIZE: writes are cut at the limit, then EFBIG with SIGXFSZ (a
// handler here counts them); truncate beyond it too.
const char* RlimitFsizeCutsWritesAndRaisesSigxfsz() {
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    LimitFileSizeTo100();
    int fd = open(TmpPath("fsize"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) _exit(11);
    char buf[150];
    memset(buf, 'x', sizeof buf);
    if (write(fd, buf, sizeof buf) != 100) _exit(12);  // cut at the limit
    if (g_xfsz != 0) _exit(13);
    if (write(fd, buf, 1) != -1 || errno != EFBIG || g_xfsz != 1) _exit(14);
    if (pwrite(fd, buf, 10, 200) != -1 || errno != EFBIG || g_xfsz != 2) _exit(15);
    if (pwrite(fd, buf, 10, 95) != 5) _exit(16);
    if (ftruncate(fd, 101) != -1 || errno != EFBIG || g_xfsz != 3) _exit(17);
    if (ftruncate(fd, 100) != 0 || ftruncate(fd, 50) != 0) _exit(18);
    int pipefd[2];  // not a regular file: no limit
    if (pipe(pipefd) != 0 || write(pipefd[1], buf, sizeof buf) != sizeof buf) _exit(19);
    int app = open(TmpPath("fsize"), O_WRONLY | O_APPEND);  // at the end (50): 50 more
    if (app < 0 || write(app, buf, sizeof buf) != 50) _exit(20);
    _exit(0);
  }
  int status = 0;
  CHECK(waitpid(child, &status, 0) == child);
  unlink(TmpPath("fsize"));
  CHECK(WIFEXITED(status));
  CHECK_EQ(WEXITSTATUS(status), 0);
  // Without a handler SIGXFSZ kills (its default action dumps core; no core
  // under RLIMIT_CORE 0).
  child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    struct rlimit fsize = {10, 10}, core = {0, 0};
    if (setrlimit(RLIMIT_FSIZE, &fsize) != 0 || setrlimit(RLIMIT_CORE, &core) != 0) _exit(10);
    int fd = open(TmpPath("fsize2"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "0123456789", 10) != 10) _exit(11);
    (void)!write(fd, "x", 1);
    _exit(12);
  }
  CHECK(waitpid(child, &status, 0) == child);
  unlink(TmpPath("fsize2"));
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ && !WCOREDUMP(status));
  return nullptr;
}

// RLIMIT_FSIZE holds for the calls that write a file without write(2):
// sendfile, copy_file_range and splice from a pipe are cut at the limit,
// then EFBIG with SIGXFSZ (Linux's generic_write_check_limits). As Linux,
// sendfile and splice signal already when they are cut (their loop tries
// the rest at the limit), copy_file_range only when it starts there.
const char* RlimitFsizeLimitsSendfileSpliceAndCopy() {
  int src = open(TmpPath("fsize-src"), O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK(src >= 0);
  char buf[150];
  memset(buf, 's', sizeof buf);
  CHECK(write(src, buf, sizeof buf) == static_cast<ssize_t>(sizeof buf));
  close(src);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    LimitFileSizeTo100();
    int in = open(TmpPath("fsize-src"), O_RDONLY);
    int out = open(TmpPath("fsize-dst"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0) _exit(11);
    off_t at = 0;
    if (sendfile(out, in, &at, 150) != 100 || at != 100 || g_xfsz != 1) _exit(12);
    at = 0;
    if (sendfile(out, in, &at, 10) != -1 || errno != EFBIG || g_xfsz != 2) _exit(13);
    off_t from = 0, to = 90;
    if (copy_file_range(in, &from, out, &to, 50, 0) != 10 || to != 100 || g_xfsz != 2) _exit(14);
    if (copy_file_range(in, &from, out, &to, 50, 0) != -1 || errno != EFBIG || g_xfsz != 3) {
      _exit(15);
    }
    int p[2];
    if (pipe(p) != 0 || write(p[1], buf, 20) != 20) _exit(16);
    to = 95;
    if (splice(p[0], nullptr, out, &to, 20, 0) != 5 || to != 100 || g_xfsz != 4) _exit(17);
    if (splice(p[0], nullptr, out, &to, 15, 0) != -1 || errno != EFBIG || g_xfsz != 5) _exit(18);
    struct stat st;
    if (fstat(out, &st) != 0 || st.st_size != 100) _exit(19);
    _exit(0);
  }
  int status = 0;
  CHECK(waitpid(child, &status, 0) == child);
  unlink(TmpPath("fsize-src"));
  unlink(TmpPath("fsize-dst"));
  CHECK(WIFEXITED(status));
  CHECK_EQ(WEXITSTATUS(status), 0);
  return nullptr;
}

// The process's VmSize (/proc/self/status) in bytes, or -1.
long VmSizeBytes() {
  FILE* f = fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  long kb = -1;
  while (fgets(line, sizeof line, f) != nullptr) {
    if (strncmp(line, "VmSize:", 7) == 0) kb = atol(line + 7);
  }
  fclose(f);
  return kb < 0 ? -1 : kb * 1024;
}

// RLIMIT_AS: mmap, brk and mremap may not grow the address space past it.
const char* RlimitAsLimitsMappings() {
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    long size = VmSizeBytes();
    if (size <= 0) _exit(10);
    rlim_t limit = static_cast<rlim_t>(size) + (8 << 20);
    struct rlimit rl = {limit, limit};
    if (setrlimit(RLIMIT_AS, &rl) != 0) _exit(11);
    void* big = mmap(nullptr, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (big != MAP_FAILED || errno != ENOMEM) _exit(12);
    void* small =
        mmap(nullptr, 2 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (small == MAP_FAILED) _exit(13);
    if (mremap(small, 2 << 20, 16 << 20, MREMAP_MAYMOVE) != MAP_FAILED || errno != ENOMEM)
      _exit(14);
    void* end = sbrk(0);
    if (brk(static_cast<char*>(end) + (16 << 20)) == 0) _exit(15);
    // MAP_FIXED over what is mapped already does not count twice.
    if (mmap(small, 2 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != small) {
      _exit(16);
    }
    _exit(0);
  }
  int status = 0;
  CHECK(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK_EQ(WEXITSTATUS(status), 0);
  return nullptr;
}

// RLIMIT_STACK at execve: a program may use its stack up to the limit and
// no further (SIGSEGV).
const char* RlimitStackBoundsTheStack() {
  struct Run {
    rlim_t limit;
    const char* use;
  };
  const Run runs[] = {{1 << 20, "4194304"}, {32 << 20, "16777216"}};
  for (const Run& run : runs) {
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
      struct rlimit rl = {run.limit, run.limit};
      if (setrlimit(RLIMIT_STACK, &rl) != 0) _exit(10);
      const char* argv[] = {"posixhelper", "stack", run.use, nullptr};
      execv(HelperPath(), const_cast<char* const*>(argv));
      _exit(11);
    }
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    if (run.limit == (1 << 20)) {
      CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    } else {
      CHECK(WIFEXITED(status));
      CHECK_EQ(WEXITSTATUS(status), 0);
    }
  }
  return nullptr;
}

}  // namespace

const Case kCoreCases[] = {
    {"rlimit_as_limits_mappings", RlimitAsLimitsMappings},
    {"rlimit_stack_bounds_the_stack", RlimitStackBoundsTheStack},
    {"rlimit_fsize_cuts_writes_and_raises_sigxfsz", RlimitFsizeCutsWritesAndRaisesSigxfsz},
    {"rlimit_fsize_limits_sendfile_splice_copy", RlimitFsizeLimitsSendfileSpliceAndCopy},
    {"core_dump_written_with_rlimit", CoreDumpWrittenWithRlimit},
    {"core_dump_none_without_rlimit", CoreDumpNoneWithoutRlimit},
    {"core_pattern_names_the_file", CorePatternNamesTheFile},
};
const int kCoreCaseCount = sizeof kCoreCases / sizeof kCoreCases[0];

}  // namespace posix_test
