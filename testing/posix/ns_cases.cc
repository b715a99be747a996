// POSIX cases for namespaces: UTS namespaces (unshare and clone with
// CLONE_NEWUTS, setns through /proc/<pid>/ns/uts, CAP_SYS_ADMIN), mount
// namespaces (unshare and clone with CLONE_NEWNS, mounts seen in one only,
// /proc/<pid>/mounts, setns through /proc/<pid>/ns/mnt), the links of
// /proc/<pid>/ns/ and unshare's flag checks. Every case works in forked
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
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
      const int kRefused[] = {CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUSER,
                              CLONE_NEWCGROUP};
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
};
extern const int kNsCaseCount = sizeof kNsCases / sizeof kNsCases[0];

}  // namespace posix_test
