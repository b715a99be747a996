// POSIX cases for namespaces: UTS namespaces (unshare and clone with
// CLONE_NEWUTS, setns through /proc/<pid>/ns/uts, CAP_SYS_ADMIN), mount
// namespaces (unshare and clone with CLONE_NEWNS, mounts seen in one only,
// /proc/<pid>/mounts, setns through /proc/<pid>/ns/mnt), PID namespaces
// (clone and unshare with CLONE_NEWPID: numbering, the caller's view of
// pids, the namespace's init), the links of /proc/<pid>/ns/ and unshare's
// flag checks. Every case works in forked
// children, so the suite's own namespaces never change; on the host they
// need root (Bazel's sandbox gives it, in a user namespace of its own). A
// mount case's child first makes every mount private (MS_REC | MS_PRIVATE on
// /; the host's may be shared, Tessera's all are private already).

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "abi/linux/capability.h"
#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

namespace posix_test {
namespace {

// "kind:[id]" of /proc/<pid>/ns/<kind> ("self" for pid 0) into out.
bool NsLink(pid_t pid, const char* kind, char* out, size_t cap) {
  char path[64];
  if (pid == 0) {
    snprintf(path, sizeof path, "/proc/self/ns/%s", kind);
  } else {
    snprintf(path, sizeof path, "/proc/%d/ns/%s", pid, kind);
  }
  ssize_t n = readlink(path, out, cap - 1);
  if (n <= 0) return false;
  out[n] = '\0';
  return true;
}

const char* HostName() {
  static struct utsname u;
  return uname(&u) == 0 ? u.nodename : "?";
}

// Runs body in a forked child; the case passes if it returns nullptr
// (the failure text comes back through a pipe).
const char* InChild(const char* (*body)()) {
  int p[2];
  CHECK_OK(pipe(p));
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    const char* why = body();
    if (why != nullptr) (void)!write(p[1], why, strlen(why));
    _exit(why == nullptr ? 0 : 1);
  }
  close(p[1]);
  static char why[512];
  ssize_t n = ReadAll(p[0], why, sizeof why);
  close(p[0]);
  int status;
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  if (n > 0) return why;
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return nullptr;
}

// unshare(CLONE_NEWUTS): a copy of the names, then changes of its own that
// children inherit and the parent does not see; a new namespace id.
const char* UnshareUtsBody() {
  char before[64], after[64];
  CHECK(NsLink(0, "uts", before, sizeof before));
  char original[65];
  snprintf(original, sizeof original, "%s", HostName());
  CHECK_OK(unshare(CLONE_NEWUTS));
  CHECK(NsLink(0, "uts", after, sizeof after));
  CHECK(strncmp(after, "uts:[", 5) == 0);
  CHECK(strcmp(before, after) != 0);
  CHECK(strcmp(HostName(), original) == 0);  // a copy
  CHECK_OK(sethostname("ns-unshared", 11));
  CHECK(strcmp(HostName(), "ns-unshared") == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    char link[64];
    bool same = NsLink(0, "uts", link, sizeof link) && strcmp(link, after) == 0;
    _exit(same && strcmp(HostName(), "ns-unshared") == 0 ? 0 : 1);
  }
  int status;
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  char parent_link[64];
  CHECK(NsLink(getppid(), "uts", parent_link, sizeof parent_link));
  CHECK(strcmp(parent_link, before) == 0);  // the parent stayed
  return nullptr;
}

const char* UnshareUtsIsPrivate() {
  char original[65];
  snprintf(original, sizeof original, "%s", HostName());
  if (const char* why = InChild(UnshareUtsBody)) return why;
  CHECK(strcmp(HostName(), original) == 0);
  return nullptr;
}

// clone(CLONE_NEWUTS): the child starts in a copy; its sethostname stays
// there.
const char* CloneNewUtsGivesTheChildACopy() {
  char original[65], link[64];
  snprintf(original, sizeof original, "%s", HostName());
  CHECK(NsLink(0, "uts", link, sizeof link));
  long pid = syscall(SYS_clone, CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0);
  CHECK(pid >= 0);
  if (pid == 0) {
    char mine[64];
    bool ok = NsLink(0, "uts", mine, sizeof mine) && strcmp(mine, link) != 0 &&
              strcmp(HostName(), original) == 0 && sethostname("ns-cloned", 9) == 0 &&
              strcmp(HostName(), "ns-cloned") == 0;
    _exit(ok ? 0 : 1);
  }
  int status;
  CHECK_EQ(waitpid(static_cast<pid_t>(pid), &status, 0), pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(strcmp(HostName(), original) == 0);
  return nullptr;
}

// setns(2) with an open /proc/self/ns/uts: the file keeps its namespace,
// and setns moves the caller back and forth; the wrong nstype and files
// that are not namespaces are EINVAL.
const char* SetnsBody() {
  CHECK_OK(unshare(CLONE_NEWUTS));  // "a": a namespace of this user namespace
  CHECK_OK(sethostname("ns-a", 4));
  int a = open("/proc/self/ns/uts", O_RDONLY);
  CHECK(a >= 0);
  char link_a[64], link_b[64], link[64];
  CHECK(NsLink(0, "uts", link_a, sizeof link_a));
  struct stat st;
  CHECK_OK(fstat(a, &st));
  CHECK(S_ISREG(st.st_mode));
  char expect[64];
  snprintf(expect, sizeof expect, "uts:[%llu]", static_cast<unsigned long long>(st.st_ino));
  CHECK(strcmp(link_a, expect) == 0);  // the file's inode is the id
  CHECK_OK(unshare(CLONE_NEWUTS));     // "b"
  CHECK_OK(sethostname("ns-b", 4));
  CHECK(NsLink(0, "uts", link_b, sizeof link_b));
  int b = open("/proc/self/ns/uts", O_RDONLY);
  CHECK(b >= 0);
  CHECK_ERRNO(setns(a, CLONE_NEWNET), EINVAL);
  CHECK_OK(setns(a, CLONE_NEWUTS));
  CHECK(strcmp(HostName(), "ns-a") == 0);
  CHECK(NsLink(0, "uts", link, sizeof link) && strcmp(link, link_a) == 0);
  CHECK_OK(setns(b, 0));
  CHECK(strcmp(HostName(), "ns-b") == 0);
  CHECK(NsLink(0, "uts", link, sizeof link) && strcmp(link, link_b) == 0);
  int plain = open("/proc/self/comm", O_RDONLY);
  CHECK(plain >= 0);
  CHECK_ERRNO(setns(plain, 0), EINVAL);
  CHECK_ERRNO(setns(-1, 0), EBADF);
  close(plain);
  close(a);
  close(b);
  return nullptr;
}

const char* SetnsMovesBetweenUtsNamespaces() { return InChild(SetnsBody); }

// Without CAP_SYS_ADMIN in the effective set: EPERM for unshare, clone and
// setns with CLONE_NEWUTS and CLONE_NEWNS.
const char* NoCapBody() {
  int here = open("/proc/self/ns/uts", O_RDONLY);
  CHECK(here >= 0);
  int here_mnt = open("/proc/self/ns/mnt", O_RDONLY);
  CHECK(here_mnt >= 0);
  linux_abi::CapUserHeader h = {linux_abi::kCapVersion3, 0};
  linux_abi::CapUserData d[2] = {};
  CHECK_OK(syscall(SYS_capget, &h, d));
  d[0].effective &= ~(1u << linux_abi::kCapSysAdmin);
  CHECK_OK(syscall(SYS_capset, &h, d));
  CHECK_ERRNO(unshare(CLONE_NEWUTS), EPERM);
  CHECK_ERRNO(syscall(SYS_clone, CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0), EPERM);
  CHECK_ERRNO(setns(here, CLONE_NEWUTS), EPERM);
  CHECK_ERRNO(unshare(CLONE_NEWNS), EPERM);
  CHECK_ERRNO(syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0), EPERM);
  CHECK_ERRNO(setns(here_mnt, CLONE_NEWNS), EPERM);
  close(here);
  close(here_mnt);
  return nullptr;
}

const char* NamespacesNeedCapSysAdmin() { return InChild(NoCapBody); }

// /proc/<pid>/ns: a link per kind, "kind:[id]"; following one gives a file
// whose inode number is the id; a forked child shares every namespace.
const char* NsLinksNameTheNamespaces() {
  static const char* const kKinds[] = {"cgroup", "ipc", "mnt", "net", "pid", "user", "uts"};
  DIR* d = opendir("/proc/self/ns");
  CHECK(d != nullptr);
  int found = 0;
  while (struct dirent* e = readdir(d)) {
    for (const char* kind : kKinds) {
      if (strcmp(e->d_name, kind) == 0) {
        ++found;
        CHECK(e->d_type == DT_LNK);
      }
    }
  }
  closedir(d);
  CHECK_EQ(found, 7);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    pause();
    _exit(0);
  }
  unsigned long long ids[7];
  int kinds = 0;
  for (const char* kind : kKinds) {
    char link[64], theirs[64];
    CHECK(NsLink(0, kind, link, sizeof link));
    size_t n = strlen(kind);
    CHECK(strncmp(link, kind, n) == 0 && link[n] == ':' && link[n + 1] == '[');
    char* end = nullptr;
    unsigned long long id = strtoull(link + n + 2, &end, 10);
    CHECK(end != nullptr && strcmp(end, "]") == 0 && id != 0);
    for (int i = 0; i < kinds; ++i) CHECK(ids[i] != id);  // every kind its own namespace
    ids[kinds++] = id;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/ns/%s", kind);
    struct stat st, lst;
    CHECK_OK(lstat(path, &lst));
    CHECK(S_ISLNK(lst.st_mode));
    CHECK_OK(stat(path, &st));
    CHECK_EQ(st.st_ino, id);
    CHECK(NsLink(child, kind, theirs, sizeof theirs));
    CHECK(strcmp(link, theirs) == 0);
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  return nullptr;
}

// Whether /proc/<pid>/mounts ("self" for pid 0) has a mount whose source
// is `source`.
bool MountsHave(pid_t pid, const char* source) {
  char path[64];
  if (pid == 0) {
    snprintf(path, sizeof path, "/proc/self/mounts");
  } else {
    snprintf(path, sizeof path, "/proc/%d/mounts", pid);
  }
  FILE* f = fopen(path, "r");
  if (f == nullptr) return false;
  bool found = false;
  char line[2048], first[256];
  while (!found && fgets(line, sizeof line, f) != nullptr) {
    found = sscanf(line, "%255s", first) == 1 && strcmp(first, source) == 0;
  }
  fclose(f);
  return found;
}

// A process left behind in the caller's mount namespace: told to go, it
// checks that `present` exists and `absent` does not, and exits 0 if so.
struct Witness {
  pid_t pid = -1;
  int go = -1;
};
bool StartWitness(const char* present, const char* absent, Witness* w) {
  int p[2];
  if (pipe(p) != 0) return false;
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    close(p[1]);
    char c;
    bool ok = read(p[0], &c, 1) == 1 && access(present, F_OK) == 0;
    errno = 0;
    ok = ok && access(absent, F_OK) == -1 && errno == ENOENT;
    _exit(ok ? 0 : 1);
  }
  close(p[0]);
  w->pid = pid;
  w->go = p[1];
  return true;
}
const char* FinishWitness(Witness* w) {
  CHECK_EQ(write(w->go, "x", 1), 1);
  close(w->go);
  int status;
  CHECK_EQ(waitpid(w->pid, &status, 0), w->pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return nullptr;
}

// unshare(CLONE_NEWNS) twice: "a" (the case's own, private) gets a tmpfs
// with a file; "b" starts as a copy of it (the file is there), then its
// umount and a new mount are its own: a process left in "a" still sees the
// first tmpfs, /proc/<pid>/mounts of each shows its own. setns back to "a"
// through an open /proc/self/ns/mnt sees a's mounts and resets the cwd to
// the namespace's root.
const char* UnshareNewnsBody() {
  char m[512], f[600], g[600];
  snprintf(m, sizeof m, "%s", TmpPath("nsmnt"));
  snprintf(f, sizeof f, "%s/a-file", m);
  snprintf(g, sizeof g, "%s/b-file", m);
  CHECK(mkdir(m, 0755) == 0 || errno == EEXIST);
  char before[64], link_a[64], link_b[64], link[64];
  CHECK(NsLink(0, "mnt", before, sizeof before));
  CHECK_OK(unshare(CLONE_NEWNS));  // "a"
  CHECK_OK(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr));
  CHECK(NsLink(0, "mnt", link_a, sizeof link_a));
  CHECK(strncmp(link_a, "mnt:[", 5) == 0);
  CHECK(strcmp(before, link_a) != 0);
  CHECK_OK(mount("posixtest-ns-a", m, "tmpfs", 0, nullptr));
  CHECK(WriteFile(f, "a", 1, 0644));
  int fd_a = open("/proc/self/ns/mnt", O_RDONLY);
  CHECK(fd_a >= 0);
  Witness w;
  CHECK(StartWitness(f, g, &w));
  CHECK_OK(unshare(CLONE_NEWNS));  // "b", a copy of "a"
  CHECK(NsLink(0, "mnt", link_b, sizeof link_b));
  CHECK(strcmp(link_a, link_b) != 0);
  CHECK(NsLink(w.pid, "mnt", link, sizeof link) && strcmp(link, link_a) == 0);
  CHECK_OK(access(f, F_OK));  // the copied mount
  CHECK(MountsHave(0, "posixtest-ns-a"));
  CHECK_OK(umount(m));  // in "b" only
  CHECK_ERRNO(access(f, F_OK), ENOENT);
  CHECK_OK(mount("posixtest-ns-b", m, "tmpfs", 0, nullptr));
  CHECK(WriteFile(g, "b", 1, 0644));
  CHECK(MountsHave(0, "posixtest-ns-b") && !MountsHave(0, "posixtest-ns-a"));
  CHECK(MountsHave(w.pid, "posixtest-ns-a") && !MountsHave(w.pid, "posixtest-ns-b"));
  if (const char* why = FinishWitness(&w)) return why;  // "a" kept its mount
  CHECK_OK(chdir(m));
  CHECK_OK(setns(fd_a, CLONE_NEWNS));  // "b" dies with its last process
  close(fd_a);
  CHECK(NsLink(0, "mnt", link, sizeof link) && strcmp(link, link_a) == 0);
  char cwd[512];
  CHECK(getcwd(cwd, sizeof cwd) != nullptr);
  CHECK(strcmp(cwd, "/") == 0);
  CHECK_OK(access(f, F_OK));
  CHECK_ERRNO(access(g, F_OK), ENOENT);
  CHECK_OK(umount(m));
  CHECK_OK(rmdir(m));
  return nullptr;
}

const char* UnshareNewnsIsPrivate() { return InChild(UnshareNewnsBody); }

// clone(CLONE_NEWNS): the child's mount is not seen by its parent, but is
// in the child's /proc/<pid>/mounts; CLONE_NEWNS with CLONE_FS is EINVAL.
const char* CloneNewnsGivesTheChildACopy() {
  CHECK_ERRNO(syscall(SYS_clone, CLONE_NEWNS | CLONE_FS | SIGCHLD, 0, 0, 0, 0), EINVAL);
  char m[512], f[600], link[64];
  snprintf(m, sizeof m, "%s", TmpPath("nsclone"));
  snprintf(f, sizeof f, "%s/c-file", m);
  CHECK(mkdir(m, 0755) == 0 || errno == EEXIST);
  CHECK(NsLink(0, "mnt", link, sizeof link));
  int ready[2], done[2];
  CHECK_OK(pipe(ready));
  CHECK_OK(pipe(done));
  long pid = syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
  CHECK(pid >= 0);
  if (pid == 0) {
    close(ready[0]);
    close(done[1]);
    char mine[64];
    bool ok = NsLink(0, "mnt", mine, sizeof mine) && strcmp(mine, link) != 0 &&
              mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
              mount("posixtest-ns-c", m, "tmpfs", 0, nullptr) == 0 && WriteFile(f, "c", 1, 0644);
    (void)!write(ready[1], ok ? "y" : "n", 1);
    char c;
    (void)!read(done[0], &c, 1);
    _exit(ok ? 0 : 1);
  }
  close(ready[1]);
  close(done[0]);
  char answer = 0;
  CHECK_EQ(read(ready[0], &answer, 1), 1);
  const char* why = nullptr;
  if (answer != 'y') {
    why = "the child's mount failed";
  } else if (access(f, F_OK) == 0) {
    why = "the child's mount is seen by the parent";
  } else if (MountsHave(0, "posixtest-ns-c")) {
    why = "the parent's /proc/self/mounts has the child's mount";
  } else if (!MountsHave(static_cast<pid_t>(pid), "posixtest-ns-c")) {
    why = "the child's /proc/<pid>/mounts lacks its mount";
  }
  close(ready[0]);
  close(done[1]);  // the child exits; its namespace and mount go
  int status;
  CHECK_EQ(waitpid(static_cast<pid_t>(pid), &status, 0), pid);
  if (why != nullptr) return why;
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK_OK(rmdir(m));
  return nullptr;
}

// An open /proc/<pid>/ns/mnt keeps the namespace, and its mounts, after
// its last process ended: setns into it then sees the tmpfs that process
// mounted, from the namespace's root.
const char* KeptByFileBody() {
  char m[512], f[600];
  snprintf(m, sizeof m, "%s", TmpPath("nskept"));
  snprintf(f, sizeof f, "%s/k-file", m);
  CHECK(mkdir(m, 0755) == 0 || errno == EEXIST);
  int ready[2], done[2];
  CHECK_OK(pipe(ready));
  CHECK_OK(pipe(done));
  long pid = syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
  CHECK(pid >= 0);
  if (pid == 0) {
    close(ready[0]);
    close(done[1]);
    bool ok = mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
              mount("posixtest-ns-k", m, "tmpfs", 0, nullptr) == 0 && WriteFile(f, "k", 1, 0644);
    (void)!write(ready[1], ok ? "y" : "n", 1);
    char c;
    (void)!read(done[0], &c, 1);
    _exit(ok ? 0 : 1);
  }
  close(ready[1]);
  close(done[0]);
  char answer = 0;
  CHECK_EQ(read(ready[0], &answer, 1), 1);
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/ns/mnt", pid);
  int kept = open(path, O_RDONLY);
  close(done[1]);
  int status;
  CHECK_EQ(waitpid(static_cast<pid_t>(pid), &status, 0), pid);
  CHECK(answer == 'y' && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(kept >= 0);
  CHECK_ERRNO(access(f, F_OK), ENOENT);
  CHECK_OK(setns(kept, 0));
  close(kept);
  CHECK_OK(access(f, F_OK));
  CHECK(MountsHave(0, "posixtest-ns-k"));
  CHECK_OK(umount(m));
  CHECK_OK(rmdir(m));
  return nullptr;
}

const char* SetnsIntoANamespaceKeptByItsFile() { return InChild(KeptByFileBody); }

void* BlockOnPipe(void* arg) {
  char c;
  (void)!read(*static_cast<int*>(arg), &c, 1);
  return nullptr;
}

// unshare(CLONE_NEWNS) in a process with several threads: Linux moves the
// calling thread only (it gets an fs context of its own); Tessera's
// namespaces belong to the process, so it refuses (EINVAL, counted).
const char* ThreadedBody() {
  int p[2];
  CHECK_OK(pipe(p));
  pthread_t t;
  CHECK_EQ(pthread_create(&t, nullptr, BlockOnPipe, &p[0]), 0);
  if (OnTessera()) {
    CHECK_ERRNO(unshare(CLONE_NEWNS), EINVAL);
  } else {
    CHECK_OK(unshare(CLONE_NEWNS));
  }
  CHECK_EQ(write(p[1], "x", 1), 1);
  CHECK_EQ(pthread_join(t, nullptr), 0);
  return nullptr;
}

const char* UnshareNewnsThreaded() { return InChild(ThreadedBody); }

// unshare's flags: 0 and what a one-thread process has to itself already
// succeed; bits unshare does not know are EINVAL. On Tessera the
// namespaces it does not have are refused (EINVAL).
const char* UnshareFlagChecks() {
  CHECK_OK(unshare(0));
  CHECK_ERRNO(unshare(SIGCHLD), EINVAL);
  CHECK_ERRNO(unshare(CLONE_VFORK), EINVAL);
  CHECK_ERRNO(unshare(CLONE_SETTLS), EINVAL);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    bool ok = unshare(CLONE_FILES) == 0 && unshare(CLONE_FS) == 0 && unshare(CLONE_THREAD) == 0 &&
              unshare(CLONE_VM | CLONE_SIGHAND) == 0;
    if (OnTessera()) {
      const int kRefused[] = {CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWCGROUP};
      for (int flag : kRefused) {
        errno = 0;
        ok = ok && unshare(flag) == -1 && errno == EINVAL;
      }
    }
    _exit(ok ? 0 : 1);
  }
  int status;
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return nullptr;
}

// ---- PID namespaces. Inside a new namespace the cases report through the
// exit status: 0 is success, any other value names the check that failed.

long CloneNewPid(int extra_flags = 0) {
  return syscall(SYS_clone, CLONE_NEWPID | SIGCHLD | extra_flags, 0, 0, 0, 0);
}

// Waits for `pid` and checks that it exited with 0.
const char* ExpectCleanExit(pid_t pid) {
  int status;
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    static char why[64];
    snprintf(why, sizeof why, "check %d failed in the namespace", WEXITSTATUS(status));
    return why;
  }
  CHECK(WIFEXITED(status));
  return nullptr;
}

volatile sig_atomic_t g_chld_from = -1;
void RecordChild(int, siginfo_t* info, void*) { g_chld_from = info->si_pid; }

// clone(CLONE_NEWPID): the child is pid 1 of the new namespace and has no
// parent there; CLONE_PARENT_SETTID and CLONE_CHILD_SETTID get the pid as
// each side numbers it; its child is pid 2, whose parent is 1 (waitid's and
// SIGCHLD's si_pid say 2); the creator sees the outer pid from clone and
// from wait.
const char* CloneNewPidChildIsPid1() {
  static int child_tid = -7;
  int parent_tid = -7;
  const pid_t outer = getpid();
  long pid = syscall(SYS_clone, CLONE_NEWPID | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | SIGCHLD,
                     0, &parent_tid, &child_tid, 0);
  CHECK(pid >= 0);
  if (pid == 0) {
    if (getpid() != 1) _exit(10);
    if (getppid() != 0) _exit(11);
    if (syscall(SYS_gettid) != 1) _exit(12);
    if (child_tid != 1) _exit(13);
    if (getpgid(outer) != -1 || errno != ESRCH) _exit(14);
    struct sigaction sa = {};
    sa.sa_sigaction = RecordChild;
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGCHLD, &sa, nullptr) != 0) _exit(18);
    pid_t g = fork();
    if (g < 0) _exit(15);
    if (g == 0) _exit(getpid() == 2 && getppid() == 1 ? 0 : 1);
    if (g != 2) _exit(16);
    siginfo_t info = {};
    if (waitid(P_PID, 2, &info, WEXITED) != 0 || info.si_pid != 2 || info.si_status != 0) _exit(17);
    // SIGCHLD names the child by its number here too.
    for (int i = 0; i < 20000 && g_chld_from == -1; ++i) usleep(1000);
    if (g_chld_from != 2) _exit(19);
    _exit(0);
  }
  CHECK(pid > 1 && pid != outer);
  CHECK_EQ(parent_tid, pid);
  return ExpectCleanExit(static_cast<pid_t>(pid));
}

// A pid the namespace cannot see names no process: kill, getsid, prlimit
// and F_SETOWN of the creator's pid are ESRCH inside, and its record lock's
// holder and its System V segment's creator read as 0 (SO_PEERCRED and
// the namespace's own segment give the namespace's numbers) (its number there is free:
// the namespace has pids 1 and 2 only).
const char* NewPidOutsiderIsInvisible() {
  const pid_t outer = getpid();
  if (outer <= 2) return nullptr;  // cannot happen under a test runner
  // A record lock held outside: its holder reads as pid 0 inside.
  static char lock_path[512];
  snprintf(lock_path, sizeof lock_path, "%s", TmpPath("pidns-lock"));
  int lock_fd = open(lock_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK(lock_fd >= 0);
  struct flock fl = {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_len = 1;
  CHECK_OK(fcntl(lock_fd, F_SETLK, &fl));
  // A System V segment made outside: its creator reads as 0 inside.
  const int outer_shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
  CHECK(outer_shm >= 0);
  long pid = CloneNewPid();
  CHECK(pid >= 0);
  if (pid == 0) {
    errno = 0;
    if (kill(outer, 0) != -1 || errno != ESRCH) _exit(20);
    errno = 0;
    if (getsid(outer) != -1 || errno != ESRCH) _exit(21);
    if (kill(1, 0) != 0) _exit(22);  // itself
    struct rlimit lim;
    errno = 0;
    if (prlimit(outer, RLIMIT_NOFILE, nullptr, &lim) != -1 || errno != ESRCH) _exit(23);
    if (prlimit(1, RLIMIT_NOFILE, nullptr, &lim) != 0) _exit(24);
    // F_SETOWN takes and F_GETOWN gives the namespace's numbers.
    int p[2];
    if (pipe(p) != 0) _exit(25);
    errno = 0;
    if (fcntl(p[0], F_SETOWN, outer) != -1 || errno != ESRCH) _exit(26);
    if (fcntl(p[0], F_SETOWN, 1) != 0 || fcntl(p[0], F_GETOWN) != 1) _exit(27);
    // SO_PEERCRED gives the peer's (here: its own) number in the namespace.
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) _exit(28);
    struct ucred cred = {};
    socklen_t len = sizeof cred;
    if (getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.pid != 1) _exit(29);
    int mine = open(lock_path, O_RDWR);
    struct flock probe = {};
    probe.l_type = F_WRLCK;
    probe.l_whence = SEEK_SET;
    probe.l_len = 1;
    if (mine < 0 || fcntl(mine, F_GETLK, &probe) != 0) _exit(30);
    if (probe.l_type != F_WRLCK || probe.l_pid != 0) _exit(31);
    struct shmid_ds ds = {};
    if (shmctl(outer_shm, IPC_STAT, &ds) != 0 || ds.shm_cpid != 0) _exit(32);
    int own_shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (own_shm < 0) _exit(33);
    bool mine_is_1 = shmctl(own_shm, IPC_STAT, &ds) == 0 && ds.shm_cpid == 1;
    shmctl(own_shm, IPC_RMID, nullptr);
    _exit(mine_is_1 ? 0 : 34);
  }
  const char* why = ExpectCleanExit(static_cast<pid_t>(pid));
  shmctl(outer_shm, IPC_RMID, nullptr);
  close(lock_fd);
  unlink(lock_path);
  return why;
}

// When the namespace's init ends, every other process in it is killed,
// and its parent hears of its end only once they are all gone (Linux's
// init waits for them): when wait returns, the pipe's write ends (held by
// a child and a grandchild of the init) are all closed.
const char* NewPidInitDeathKillsTheRest() {
  int p[2];
  CHECK_OK(pipe(p));
  long pid = CloneNewPid();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    pid_t g = fork();
    if (g < 0) _exit(30);
    if (g == 0) {
      if (fork() < 0) _exit(1);
      for (;;) pause();  // both keep p[1] open until killed
    }
    close(p[1]);
    _exit(0);
  }
  close(p[1]);
  CHECK_EQ(waitpid(static_cast<pid_t>(pid), nullptr, 0), pid);
  CHECK_OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
  char c;
  CHECK_EQ(read(p[0], &c, 1), 0);  // EOF at once: nobody holds the write end
  close(p[0]);
  return nullptr;
}

// An orphan in the namespace goes to the namespace's init (pid 1 there),
// which reaps it with its inner pid.
const char* NewPidOrphanGoesToItsInit() {
  long pid = CloneNewPid();
  CHECK(pid >= 0);
  if (pid == 0) {
    int p[2];
    if (pipe(p) != 0) _exit(40);
    pid_t b = fork();
    if (b < 0) _exit(41);
    if (b == 0) {
      pid_t c = fork();
      if (c < 0) _exit(1);
      if (c == 0) {
        close(p[0]);
        // Waits for its parent's end (bounded), then reports its parent.
        for (int i = 0; i < 20000 && getppid() != 1; ++i) usleep(1000);
        char parent = static_cast<char>(getppid());
        (void)!write(p[1], &parent, 1);
        _exit(0);
      }
      _exit(0);
    }
    close(p[1]);
    int status;
    if (waitpid(b, &status, 0) != b) _exit(42);
    char parent = 0;
    if (read(p[0], &parent, 1) != 1 || parent != 1) _exit(43);
    pid_t reaped = waitpid(-1, &status, 0);  // the orphan is init's child now
    if (reaped != 3 || !WIFEXITED(status)) _exit(44);
    _exit(0);
  }
  return ExpectCleanExit(static_cast<pid_t>(pid));
}

// The namespace's init takes only the signals it has handlers for from
// inside (SIGTERM and SIGKILL by its child do nothing; a SIGUSR1 with a
// handler arrives with the sender's inner pid); from outside SIGKILL
// works, and a signal's si_pid from outside reads 0.
volatile sig_atomic_t g_usr1_from = -1;
void RecordSender(int, siginfo_t* info, void*) { g_usr1_from = info->si_pid; }

const char* NewPidInitSignals() {
  int ready[2];
  CHECK_OK(pipe(ready));
  long pid = CloneNewPid();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(ready[0]);
    struct sigaction sa = {};
    sa.sa_sigaction = RecordSender;
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGUSR1, &sa, nullptr) != 0) _exit(50);
    pid_t g = fork();
    if (g < 0) _exit(51);
    if (g == 0) {
      bool ok = kill(1, SIGTERM) == 0 && kill(1, SIGKILL) == 0 && kill(1, SIGUSR1) == 0;
      _exit(ok ? 0 : 1);
    }
    int status;
    while (waitpid(g, &status, 0) != g) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) _exit(52);
    for (int i = 0; i < 20000 && g_usr1_from == -1; ++i) usleep(1000);
    if (g_usr1_from != 2) _exit(53);
    g_usr1_from = -1;
    (void)!write(ready[1], "r", 1);  // alive: now the outside's turn
    for (int i = 0; i < 20000 && g_usr1_from == -1; ++i) usleep(1000);
    if (g_usr1_from != 0) _exit(54);
    (void)!write(ready[1], "s", 1);
    for (;;) pause();
  }
  close(ready[1]);
  char c;
  CHECK_EQ(read(ready[0], &c, 1), 1);
  CHECK_EQ(c, 'r');
  CHECK_OK(kill(static_cast<pid_t>(pid), SIGUSR1));
  CHECK_EQ(read(ready[0], &c, 1), 1);
  CHECK_EQ(c, 's');
  CHECK_OK(kill(static_cast<pid_t>(pid), SIGKILL));
  int status;
  CHECK_EQ(waitpid(static_cast<pid_t>(pid), &status, 0), pid);
  close(ready[0]);
  if (WIFEXITED(status)) {
    static char why[64];
    snprintf(why, sizeof why, "init exited with %d (check failed)", WEXITSTATUS(status));
    return why;
  }
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  return nullptr;
}

// /proc/self/ns/pid: the new namespace has its own id; /proc/self/status's
// NSpid lists the outer pid, then 1.
const char* NewPidHasItsOwnNsId() {
  static char before[64];
  CHECK(NsLink(0, "pid", before, sizeof before));
  long pid = CloneNewPid();
  CHECK(pid >= 0);
  if (pid == 0) {
    char mine[64], children[64];
    if (!NsLink(0, "pid", mine, sizeof mine)) _exit(60);
    if (strncmp(mine, "pid:[", 5) != 0 || strcmp(mine, before) == 0) _exit(61);
    if (!NsLink(0, "pid_for_children", children, sizeof children)) _exit(62);
    if (strcmp(children, mine) != 0) _exit(63);
    // status's NSpid: the number in the proc mount's namespace (the outer
    // one here), then in this one.
    char status[4096];
    int fd = open("/proc/self/status", O_RDONLY);
    if (fd < 0) _exit(64);
    ssize_t n = read(fd, status, sizeof status - 1);
    close(fd);
    if (n <= 0) _exit(65);
    status[n] = '\0';
    const char* line = strstr(status, "\nNSpid:\t");
    if (line == nullptr) _exit(66);
    char* end = nullptr;
    long first = strtol(line + 8, &end, 10);
    if (first <= 1 || end == nullptr || strncmp(end, "\t1\n", 3) != 0) _exit(67);
    _exit(0);
  }
  return ExpectCleanExit(static_cast<pid_t>(pid));
}

// A proc file system mounted in a PID namespace shows that namespace: its
// processes only, by their numbers there (self, thread-self, the
// directories, stat's and status's ids). On the host the child also gets
// a mount namespace of its own (Tessera refuses CLONE_NEWNS: the mount is
// on a scratch directory of the one table, unmounted at the end).
int ProcMountBody(const char* dir) {
  (void)mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);  // the host's copy only
  if (mount("proc", dir, "proc", 0, nullptr) != 0) return 70;
  int result = 0;
  pid_t g = fork();
  if (g < 0) return 71;
  if (g == 0) {
    for (;;) pause();
  }
  char path[600], text[4096];
  auto read_link = [&](const char* name) -> const char* {
    snprintf(path, sizeof path, "%s/%s", dir, name);
    ssize_t n = readlink(path, text, sizeof text - 1);
    if (n < 0) return "";
    text[n] = '\0';
    return text;
  };
  auto read_file = [&](const char* name) -> const char* {
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return "";
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    text[n > 0 ? n : 0] = '\0';
    return text;
  };
  if (strcmp(read_link("self"), "1") != 0) result = 72;
  if (result == 0 && strcmp(read_link("thread-self"), "1/task/1") != 0) result = 73;
  if (result == 0) {
    int numbered = 0, seen = 0;
    DIR* d = opendir(dir);
    if (d == nullptr) return 74;
    while (struct dirent* e = readdir(d)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      ++numbered;
      if (strcmp(e->d_name, "1") == 0) seen |= 1;
      if (strcmp(e->d_name, "2") == 0) seen |= 2;
    }
    closedir(d);
    if (numbered != 2 || seen != 3) result = 75;
  }
  if (result == 0 && strncmp(read_file("2/stat"), "2 (", 3) != 0) result = 76;
  if (result == 0) {
    const char* close_paren = strrchr(text, ')');
    int ppid = -1;
    if (close_paren == nullptr || sscanf(close_paren + 2, "%*c %d", &ppid) != 1 || ppid != 1)
      result = 77;
  }
  if (result == 0 && strstr(read_file("1/status"), "\nPPid:\t0\n") == nullptr) result = 78;
  if (result == 0 && strstr(text, "\nNSpid:\t1\n") == nullptr) result = 79;
  snprintf(path, sizeof path, "%s/2/task/2/stat", dir);
  if (result == 0 && access(path, R_OK) != 0) result = 80;
  kill(g, SIGKILL);
  waitpid(g, nullptr, 0);
  if (umount(dir) != 0 && result == 0) result = 81;
  return result;
}

const char* ProcMountShowsItsPidNamespace() {
  static char dir[512];
  snprintf(dir, sizeof dir, "%s", TmpPath("pidns-proc"));
  CHECK_OK(mkdir(dir, 0755));
  long pid = syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
  if (pid < 0 && OnTessera() && errno == EINVAL) pid = CloneNewPid();
  CHECK(pid >= 0);
  if (pid == 0) _exit(ProcMountBody(dir));
  const char* why = ExpectCleanExit(static_cast<pid_t>(pid));
  umount(dir);  // in case the child died before it could
  rmdir(dir);
  return why;
}

// setns with an open /proc/<pid>/ns/pid: the caller's later children go to
// that namespace (the caller stays where it is); the caller's own
// namespace takes them back; a namespace above the caller's is EINVAL, and
// so is the wrong nstype.
const char* SetnsPidBody() {
  const pid_t me = getpid();
  int own = open("/proc/self/ns/pid", O_RDONLY);
  CHECK(own >= 0);
  int ready[2];
  CHECK_OK(pipe(ready));
  long init = CloneNewPid();
  CHECK(init >= 0);
  if (init == 0) {
    close(ready[0]);
    errno = 0;
    bool refused = setns(own, CLONE_NEWPID) == -1 && errno == EINVAL;
    (void)!write(ready[1], refused ? "r" : "x", 1);
    for (;;) pause();
  }
  close(ready[1]);
  char c = 0;
  CHECK_EQ(read(ready[0], &c, 1), 1);
  close(ready[0]);
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/ns/pid", init);
  int theirs = open(path, O_RDONLY);
  CHECK(theirs >= 0);
  CHECK_ERRNO(setns(theirs, CLONE_NEWUTS), EINVAL);
  CHECK_OK(setns(theirs, CLONE_NEWPID));
  CHECK_EQ(getpid(), me);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) _exit(getpid() == 2 && getppid() == 0 ? 0 : 1);
  if (const char* why = ExpectCleanExit(child)) return why;
  CHECK_OK(setns(own, 0));
  child = fork();
  CHECK(child >= 0);
  if (child == 0) _exit(getppid() == me ? 0 : 1);
  if (const char* why = ExpectCleanExit(child)) return why;
  kill(static_cast<pid_t>(init), SIGKILL);
  waitpid(static_cast<pid_t>(init), nullptr, 0);
  close(theirs);
  close(own);
  CHECK_EQ(c, 'r');  // the ancestor namespace was refused inside
  return nullptr;
}

const char* SetnsIntoAPidNamespace() { return InChild(SetnsPidBody); }

// A robust mutex whose owner thread dies in a PID namespace: the owner
// word holds the thread's number there (what gettid and clone gave it),
// and the kernel's robust-list walk at its exit must match that number.
pthread_mutex_t g_ns_robust;

volatile int g_ns_robust_taken = 0;

void* DieHoldingNsRobust(void*) {
  pthread_mutex_lock(&g_ns_robust);
  __atomic_store_n(&g_ns_robust_taken, 1, __ATOMIC_RELEASE);
  syscall(SYS_exit, 0);  // no pthread_exit: only the kernel's robust-list walk frees it
  return nullptr;
}

int RobustInNamespaceBody() {
  pthread_mutexattr_t a;
  if (pthread_mutexattr_init(&a) != 0) return 90;
  pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
  // musl gives the kernel only its process-shared robust mutexes.
  pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
  if (pthread_mutex_init(&g_ns_robust, &a) != 0) return 91;
  pthread_t t;
  if (pthread_create(&t, nullptr, DieHoldingNsRobust, nullptr) != 0) return 92;
  for (int i = 0; i < 20000 && !__atomic_load_n(&g_ns_robust_taken, __ATOMIC_ACQUIRE); ++i) {
    usleep(1000);
  }
  if (!__atomic_load_n(&g_ns_robust_taken, __ATOMIC_ACQUIRE)) return 96;
  // Waits until the owner is gone. A bound for a broken kernel only.
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 30;
  if (pthread_mutex_timedlock(&g_ns_robust, &deadline) != EOWNERDEAD) return 93;
  if (pthread_mutex_consistent(&g_ns_robust) != 0) return 94;
  return pthread_mutex_unlock(&g_ns_robust) == 0 ? 0 : 95;
}

const char* NewPidRobustMutexOfDeadThread() {
  long pid = CloneNewPid();
  CHECK(pid >= 0);
  if (pid == 0) _exit(RobustInNamespaceBody());
  return ExpectCleanExit(static_cast<pid_t>(pid));
}

// unshare(CLONE_NEWPID): the caller keeps its pid; its next child is pid 1
// of the new namespace (pid_for_children names it once it has a process,
// ENOENT before), with no parent
// there; once that init has ended, fork fails with ENOMEM. A second
// unshare(CLONE_NEWPID) and a thread are EINVAL meanwhile.
const char* UnshareNewPidBody() {
  const pid_t me = getpid();
  char own[64], children[64];
  CHECK(NsLink(0, "pid", own, sizeof own));
  CHECK_OK(unshare(CLONE_NEWPID));
  CHECK_EQ(getpid(), me);
  CHECK(NsLink(0, "pid", children, sizeof children) && strcmp(children, own) == 0);
  // No process in the new namespace yet: the link names none (Linux).
  CHECK(!NsLink(0, "pid_for_children", children, sizeof children) && errno == ENOENT);
  CHECK_ERRNO(unshare(CLONE_NEWPID), EINVAL);
  CHECK_ERRNO(syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0), EINVAL);
  pid_t c = fork();
  CHECK(c >= 0);
  if (c == 0) _exit(getpid() == 1 && getppid() == 0 ? 0 : 1);
  CHECK(c > 1 && c != me);
  if (const char* why = ExpectCleanExit(c)) return why;
  CHECK(NsLink(0, "pid_for_children", children, sizeof children));
  CHECK(strncmp(children, "pid:[", 5) == 0 && strcmp(children, own) != 0);
  CHECK_ERRNO(fork(), ENOMEM);
  return nullptr;
}

const char* UnshareNewPidNextChildIsPid1() { return InChild(UnshareNewPidBody); }

// clone's combination Linux refuses: CLONE_NEWPID with CLONE_THREAD
// (EINVAL); without CAP_SYS_ADMIN, EPERM.
const char* NewPidFlagChecks() {
  CHECK_ERRNO(
      syscall(SYS_clone, CLONE_NEWPID | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, 0, 0, 0, 0),
      EINVAL);
  return nullptr;
}

const char* NewPidNoCapBody() {
  linux_abi::CapUserHeader h = {linux_abi::kCapVersion3, 0};
  linux_abi::CapUserData d[2] = {};
  CHECK_OK(syscall(SYS_capget, &h, d));
  d[0].effective &= ~(1u << linux_abi::kCapSysAdmin);
  CHECK_OK(syscall(SYS_capset, &h, d));
  CHECK_ERRNO(unshare(CLONE_NEWPID), EPERM);
  CHECK_ERRNO(CloneNewPid(), EPERM);
  return nullptr;
}

const char* NewPidNeedsCapSysAdmin() { return InChild(NewPidNoCapBody); }

// A PID namespace's init may not make siblings: clone(CLONE_PARENT) is
// EINVAL there (its parent is outside the namespace), as for init.
const char* NewPidInitRefusesCloneParent() {
  long pid = CloneNewPid();
  CHECK(pid >= 0);
  if (pid == 0) {
    errno = 0;
    long r = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, nullptr, nullptr, 0);
    if (r == 0) _exit(20);
    _exit(r == -1 && errno == EINVAL ? 0 : 21);
  }
  return ExpectCleanExit(static_cast<pid_t>(pid));
}

}  // namespace

extern const Case kNsCases[] = {
    {"ns_links_name_the_namespaces", NsLinksNameTheNamespaces},
    {"unshare_newuts_private_names", UnshareUtsIsPrivate},
    {"clone_newuts_child_copy", CloneNewUtsGivesTheChildACopy},
    {"setns_uts_back_and_forth", SetnsMovesBetweenUtsNamespaces},
    {"newuts_needs_cap_sys_admin", NamespacesNeedCapSysAdmin},
    {"unshare_newns_private_mounts", UnshareNewnsIsPrivate},
    {"clone_newns_child_copy", CloneNewnsGivesTheChildACopy},
    {"setns_mnt_kept_by_its_file", SetnsIntoANamespaceKeptByItsFile},
    {"unshare_newns_threaded", UnshareNewnsThreaded},
    {"unshare_flag_checks", UnshareFlagChecks},
    {"clone_newpid_child_is_pid_1", CloneNewPidChildIsPid1},
    {"newpid_outsider_is_invisible", NewPidOutsiderIsInvisible},
    {"newpid_init_death_kills_the_rest", NewPidInitDeathKillsTheRest},
    {"newpid_orphan_goes_to_its_init", NewPidOrphanGoesToItsInit},
    {"newpid_init_signals", NewPidInitSignals},
    {"newpid_has_its_own_ns_id", NewPidHasItsOwnNsId},
    {"unshare_newpid_next_child_is_pid_1", UnshareNewPidNextChildIsPid1},
    {"newpid_flag_checks", NewPidFlagChecks},
    {"newpid_needs_cap_sys_admin", NewPidNeedsCapSysAdmin},
    {"proc_mount_shows_its_pid_namespace", ProcMountShowsItsPidNamespace},
    {"setns_into_a_pid_namespace", SetnsIntoAPidNamespace},
    {"newpid_robust_mutex_of_dead_thread", NewPidRobustMutexOfDeadThread},
    {"newpid_init_refuses_clone_parent", NewPidInitRefusesCloneParent},
};
extern const int kNsCaseCount = sizeof kNsCases / sizeof kNsCases[0];

}  // namespace posix_test
