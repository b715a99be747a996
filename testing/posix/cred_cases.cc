// POSIX cases for credentials and permissions, modelled on LTP's setuid*,
// setresuid*, setgroups*, capget*, access*, chmod*, chown*, kill* and
// unlink* tests. They need root to start (the suite runs as root on the
// host and on Tessera); each drops privileges in a forked child, so the
// suite's process keeps them. Files live in a directory of their own under
// /tmp (mode 0755: reachable by the unprivileged child on the host too).

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/route.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abi/linux/capability.h"
#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

namespace posix_test {
namespace {

constexpr uid_t kUser = 1000, kOther = 2000;
constexpr gid_t kUserGroup = 1000;

bool AllIdsMapped();

// A scratch directory under /tmp, mode 0755, removed with everything in it
// by the case's end (rm -r through the helper-free recursive unlink below).
class ScratchDir {
 public:
  ScratchDir() {
    snprintf(path_, sizeof path_, "/tmp/posixcred.XXXXXX");
    ok_ = mkdtemp(path_) != nullptr && chmod(path_, 0755) == 0;
  }
  ~ScratchDir() { Remove(path_); }
  bool ok() const { return ok_; }
  const char* Path(const char* name) {
    snprintf(buf_[next_], sizeof buf_[next_], "%s/%s", path_, name);
    const char* p = buf_[next_];
    next_ = (next_ + 1) % 8;
    return p;
  }
  const char* path() const { return path_; }

 private:
  static void Remove(const char* path) {
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
      chmod(path, 0700);
      // Names the cases use; a directory of our own holds nothing else.
      const char* names[] = {"secret", "public",    "private",  "private/file",  "made",
                             "f",      "g",         "sticky",   "sticky/theirs", "sticky/mine",
                             "sgid",   "sgid/file", "sgid/dir", "mine",          "suid",
                             "link",   "moved"};
      for (int i = static_cast<int>(sizeof names / sizeof names[0]) - 1; i >= 0; --i) {
        char child[PATH_MAX];
        snprintf(child, sizeof child, "%s/%s", path, names[i]);
        struct stat cs;
        if (lstat(child, &cs) != 0) continue;
        if (S_ISDIR(cs.st_mode)) {
          chmod(child, 0700);
          rmdir(child);
        } else {
          unlink(child);
        }
      }
      rmdir(path);
    } else {
      unlink(path);
    }
  }

  char path_[64];
  char buf_[8][PATH_MAX];
  int next_ = 0;
  bool ok_ = false;
};

// Runs fn in a forked child; its failure message (or nothing) comes back
// through a pipe.
const char* InChild(const char* (*fn)(ScratchDir&), ScratchDir& dir) {
  int p[2];
  CHECK(pipe(p) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    const char* why = fn(dir);
    if (why != nullptr) (void)!write(p[1], why, strlen(why));
    _exit(why == nullptr ? 0 : 1);
  }
  close(p[1]);
  static char message[512];
  ssize_t n = ReadAll(p[0], message, sizeof message);
  close(p[0]);
  int status;
  CHECK(waitpid(pid, &status, 0) == pid);
  if (n > 0) return message;
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return nullptr;
}

// Becomes kUser:kUserGroup with no supplementary groups (as su does).
const char* BecomeUser() {
  CHECK_OK(setgroups(0, nullptr));
  CHECK_OK(setgid(kUserGroup));
  CHECK_OK(setuid(kUser));
  return nullptr;
}

// ---- identity calls

const char* SetuidFromRootDropsEverything(ScratchDir& dir) {
  (void)dir;
  if (const char* why = BecomeUser()) return why;
  uid_t r, e, s;
  CHECK_OK(getresuid(&r, &e, &s));
  CHECK(r == kUser && e == kUser && s == kUser);
  CHECK_EQ(getuid(), kUser);
  CHECK_EQ(getegid(), kUserGroup);
  CHECK_EQ(getgroups(0, nullptr), 0);
  CHECK_ERRNO(setuid(0), EPERM);
  CHECK_ERRNO(setresuid(-1, 0, -1), EPERM);
  CHECK_ERRNO(setgid(0), EPERM);
  CHECK_ERRNO(setgroups(0, nullptr), EPERM);
  linux_abi::CapUserHeader h = {linux_abi::kCapVersion3, 0};
  linux_abi::CapUserData d[2] = {};
  CHECK_OK(syscall(SYS_capget, &h, d));
  CHECK(d[0].effective == 0 && d[0].permitted == 0 && d[1].effective == 0);
  // The real uid may come back as the effective one, nothing else.
  CHECK_OK(setuid(kUser));
  return nullptr;
}

const char* SeteuidKeepsTheWayBack(ScratchDir& dir) {
  (void)dir;
  CHECK_OK(seteuid(kUser));
  CHECK_EQ(getuid(), 0);
  CHECK_EQ(geteuid(), kUser);
  uid_t r, e, s;
  CHECK_OK(getresuid(&r, &e, &s));
  CHECK(r == 0 && e == kUser && s == 0);
  CHECK_ERRNO(sethostname("x", 1), EPERM);  // no effective capabilities now
  CHECK_OK(seteuid(0));
  CHECK_EQ(geteuid(), 0);
  // setreuid(a, b) with a real change sets the saved uid to the new effective.
  CHECK_OK(setreuid(kUser, kOther));
  CHECK_OK(getresuid(&r, &e, &s));
  CHECK(r == kUser && e == kOther && s == kOther);
  CHECK_ERRNO(setreuid(-1, 0), EPERM);
  return nullptr;
}

const char* SetfsuidReturnsThePreviousValue(ScratchDir& dir) {
  (void)dir;
  CHECK_EQ(setfsuid(kUser), 0);
  CHECK_EQ(setfsuid(-1), kUser);  // -1: a query
  CHECK_EQ(setfsgid(kUserGroup), 0);
  CHECK_EQ(setfsgid(-1), kUserGroup);
  // fsuid 1000 has no file capabilities: root's own 0600 file is closed.
  CHECK_OK(setfsuid(0));
  CHECK_OK(setfsgid(0));
  if (const char* why = BecomeUser()) return why;
  CHECK_EQ(setfsuid(0), kUser);  // refused silently
  CHECK_EQ(setfsuid(-1), kUser);
  return nullptr;
}

const char* GroupsSortedAndBounded(ScratchDir& dir) {
  (void)dir;
  gid_t in[] = {30, 10, 20};
  CHECK_OK(setgroups(3, in));
  gid_t out[8] = {};
  CHECK_EQ(getgroups(0, nullptr), 3);
  CHECK_ERRNO(getgroups(2, out), EINVAL);
  CHECK_EQ(getgroups(8, out), 3);
  // Linux keeps them sorted.
  CHECK(out[0] == 10 && out[1] == 20 && out[2] == 30);
  CHECK_ERRNO(setgroups(linux_abi::kNgroupsMax + 1, in), EINVAL);  // before reading the list
  return nullptr;
}

const char* CapabilitiesAndBoundingSet(ScratchDir& dir) {
  (void)dir;
  // An unknown version: the kernel's is written back; a probe (no data)
  // succeeds, a real call is EINVAL.
  linux_abi::CapUserHeader h = {0x12345678, 0};
  CHECK_OK(syscall(SYS_capget, &h, nullptr));
  CHECK_EQ(h.version, linux_abi::kCapVersion3);
  linux_abi::CapUserData d[2] = {};
  h.version = 0x12345678;
  CHECK_ERRNO(syscall(SYS_capget, &h, d), EINVAL);
  CHECK_EQ(h.version, linux_abi::kCapVersion3);
  CHECK_OK(syscall(SYS_capget, &h, d));
  CHECK(d[0].effective & (1u << linux_abi::kCapKill));
  // Drop linux_abi::kCapSysAdmin from the effective set only: sethostname fails, and
  // it comes back from the permitted set.
  d[0].effective &= ~(1u << linux_abi::kCapSysAdmin);
  CHECK_OK(syscall(SYS_capset, &h, d));
  CHECK_ERRNO(sethostname("x", 1), EPERM);
  d[0].effective |= 1u << linux_abi::kCapSysAdmin;
  CHECK_OK(syscall(SYS_capset, &h, d));
  // Permitted never grows back.
  d[0].permitted &= ~(1u << linux_abi::kCapMknod);
  d[0].effective &= ~(1u << linux_abi::kCapMknod);
  CHECK_OK(syscall(SYS_capset, &h, d));
  d[0].permitted |= 1u << linux_abi::kCapMknod;
  CHECK_ERRNO(syscall(SYS_capset, &h, d), EPERM);
  CHECK_EQ(prctl(PR_CAPBSET_READ, linux_abi::kCapKill, 0, 0, 0), 1);
  CHECK_OK(prctl(PR_CAPBSET_DROP, linux_abi::kCapKill, 0, 0, 0));
  CHECK_EQ(prctl(PR_CAPBSET_READ, linux_abi::kCapKill, 0, 0, 0), 0);
  CHECK_ERRNO(prctl(PR_CAPBSET_READ, 64, 0, 0, 0), EINVAL);
  CHECK_EQ(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
  CHECK_OK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
  CHECK_OK(setresuid(kUser, kUser, kUser));
  CHECK_OK(syscall(SYS_capget, &h, d));
  CHECK(d[0].effective == 0 &&
        (d[0].permitted & (1u << linux_abi::kCapSetuid)));  // kept, not effective
  return nullptr;
}

const char* StatusShowsTheIds(ScratchDir& dir) {
  (void)dir;
  gid_t groups[] = {5, 7};
  CHECK_OK(setgroups(2, groups));
  CHECK_OK(setresgid(1001, 1002, 1003));
  CHECK_OK(setresuid(kUser, 1004, 1005));
  int fd = open("/proc/self/status", O_RDONLY);
  CHECK(fd >= 0);
  char text[4096];
  CHECK(ReadAll(fd, text, sizeof text) > 0);
  close(fd);
  CHECK(strstr(text, "\nUid:\t1000\t1004\t1005\t1004\n") != nullptr);
  CHECK(strstr(text, "\nGid:\t1001\t1002\t1003\t1002\n") != nullptr);
  CHECK(strstr(text, "\nGroups:\t5 7 \n") != nullptr);
  CHECK(strstr(text, "\nCapEff:\t0000000000000000\n") != nullptr);
  return nullptr;
}

// ---- permissions

const char* FilesOfAnotherUser(ScratchDir& dir) {
  if (const char* why = BecomeUser()) return why;
  CHECK_ERRNO(open(dir.Path("secret"), O_RDONLY), EACCES);
  int fd = open(dir.Path("public"), O_RDONLY);
  CHECK(fd >= 0);
  close(fd);
  CHECK_ERRNO(open(dir.Path("public"), O_WRONLY), EACCES);
  CHECK_ERRNO(open(dir.Path("public"), O_RDONLY | O_TRUNC), EACCES);
  CHECK_ERRNO(access(dir.Path("secret"), R_OK), EACCES);
  CHECK_OK(access(dir.Path("public"), R_OK));
  CHECK_ERRNO(access(dir.Path("public"), W_OK), EACCES);
  struct stat st;
  CHECK_ERRNO(stat(dir.Path("private/file"), &st), EACCES);  // no search permission
  CHECK_ERRNO(open(dir.Path("made"), O_CREAT | O_WRONLY, 0644), EACCES);
  CHECK_ERRNO(mkdir(dir.Path("made"), 0755), EACCES);
  CHECK_ERRNO(unlink(dir.Path("public")), EACCES);
  CHECK_ERRNO(rename(dir.Path("public"), dir.Path("moved")), EACCES);
  CHECK_ERRNO(chmod(dir.Path("public"), 0666), EPERM);
  CHECK_ERRNO(chown(dir.Path("public"), kUser, kUserGroup), EPERM);
  CHECK_ERRNO(truncate(dir.Path("public"), 0), EACCES);
  CHECK_ERRNO(utimensat(AT_FDCWD, dir.Path("public"), nullptr, 0), EACCES);
  CHECK_ERRNO(link(dir.Path("secret"), "/tmp/posixcred-link"), EPERM);  // protected_hardlinks
  CHECK_ERRNO(chdir(dir.Path("private")), EACCES);
  CHECK_ERRNO(mknod(dir.Path("made"), S_IFCHR | 0600, makedev(1, 3)), EACCES);
  CHECK_ERRNO(mount("none", dir.path(), "tmpfs", 0, nullptr), EPERM);
  CHECK_ERRNO(sethostname("evil", 4), EPERM);
  CHECK_ERRNO(open("/proc/sys/kernel/hostname", O_WRONLY), EACCES);  // sysctls: root only
  // Raw and packet sockets need CAP_NET_RAW (with or without a network).
  CHECK_ERRNO(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), EPERM);
  CHECK_ERRNO(socket(AF_PACKET, SOCK_RAW, 0), EPERM);
  return nullptr;
}

const char* ExecuteNeedsAnXBitEvenForRoot(ScratchDir& dir) {
  // Root may read and write a mode-0 file but not run it.
  CHECK(WriteFile(dir.Path("f"), "#!/bin/sh\n", 10, 0));
  CHECK_OK(access(dir.Path("f"), R_OK | W_OK));
  CHECK_ERRNO(access(dir.Path("f"), X_OK), EACCES);
  const char* argv[] = {"f", nullptr};
  CHECK_ERRNO(execve(dir.Path("f"), const_cast<char* const*>(argv), nullptr), EACCES);
  return nullptr;
}

const char* AccessUsesTheRealIds(ScratchDir& dir) {
  CHECK_OK(seteuid(kUser));
  // Real root may; the effective user may not.
  CHECK_OK(access(dir.Path("secret"), R_OK));
  CHECK_ERRNO(faccessat(AT_FDCWD, dir.Path("secret"), R_OK, AT_EACCESS), EACCES);
  CHECK_ERRNO(open(dir.Path("secret"), O_RDONLY), EACCES);
  return nullptr;
}

const char* OwnerMayChmodAndChgrpToOwnGroups(ScratchDir& dir) {
  gid_t groups[] = {60};
  CHECK_OK(setgroups(1, groups));
  CHECK_OK(setgid(kUserGroup));
  CHECK_OK(setuid(kUser));
  CHECK_OK(chmod(dir.Path("mine"), 0640));
  CHECK_OK(chown(dir.Path("mine"), -1, 60));
  CHECK_ERRNO(chown(dir.Path("mine"), -1, 70), EPERM);
  CHECK_ERRNO(chown(dir.Path("mine"), kOther, -1), EPERM);
  CHECK_OK(chown(dir.Path("mine"), kUser, -1));  // to oneself: allowed
  // Set-group-ID for a group the owner is not in is dropped silently.
  CHECK_OK(chown(dir.Path("mine"), -1, kUserGroup));
  CHECK_OK(chmod(dir.Path("mine"), 02755));
  struct stat st;
  CHECK_OK(stat(dir.Path("mine"), &st));
  CHECK((st.st_mode & S_ISGID) != 0);  // kUserGroup is the caller's own
  CHECK_OK(chown(dir.Path("mine"), -1, 60));
  CHECK_OK(stat(dir.Path("mine"), &st));
  CHECK((st.st_mode & 07777) == 0755);  // chgrp cleared set-group-ID (group-executable)
  CHECK_OK(chmod(dir.Path("mine"), 02755));
  CHECK_OK(stat(dir.Path("mine"), &st));
  CHECK((st.st_mode & S_ISGID) != 0);  // 60 is a supplementary group: kept
  return nullptr;
}

// Creates `path` with `mode` (the umask applies) and stats it.
bool CreateAndStat(const char* path, mode_t mode, struct stat* st) {
  int fd = open(path, O_CREAT | O_WRONLY, mode);
  if (fd < 0) return false;
  close(fd);
  return stat(path, st) == 0;
}

const char* StickyDirectoryKeepsOthersFiles(ScratchDir& dir) {
  if (const char* why = BecomeUser()) return why;
  CHECK_ERRNO(unlink(dir.Path("sticky/theirs")), EPERM);
  CHECK_ERRNO(rename(dir.Path("sticky/theirs"), dir.Path("sticky/x")), EPERM);
  int fd = open(dir.Path("sticky/mine"), O_CREAT | O_WRONLY, 0600);
  CHECK(fd >= 0);
  close(fd);
  struct stat st;
  CHECK_OK(stat(dir.Path("sticky/mine"), &st));
  CHECK(st.st_uid == kUser && st.st_gid == kUserGroup);
  CHECK_OK(unlink(dir.Path("sticky/mine")));
  // A group-executable set-group-ID file keeps the bit in an ordinary
  // directory, and loses it in a set-group-ID one of a group the maker is
  // not in (Linux's mode_strip_sgid).
  CHECK(CreateAndStat(dir.Path("sticky/mine"), 02755, &st));
  CHECK_EQ(st.st_mode & 07777, 02755);
  CHECK_OK(unlink(dir.Path("sticky/mine")));
  CHECK(CreateAndStat(dir.Path("sgid/mine"), 02755, &st));
  CHECK_EQ(st.st_mode & 07777, 0755);
  CHECK_EQ(st.st_gid, 50);
  return nullptr;
}

const char* SetgidDirectoryGivesItsGroup(ScratchDir& dir) {
  (void)dir;
  int fd = open(dir.Path("sgid/file"), O_CREAT | O_WRONLY, 0644);
  CHECK(fd >= 0);
  close(fd);
  CHECK_OK(mkdir(dir.Path("sgid/dir"), 0755));
  struct stat st;
  CHECK_OK(stat(dir.Path("sgid/file"), &st));
  CHECK_EQ(st.st_gid, 50);
  CHECK_OK(stat(dir.Path("sgid/dir"), &st));
  CHECK_EQ(st.st_gid, 50);
  CHECK((st.st_mode & S_ISGID) != 0);
  return nullptr;
}

const char* SignalsOnlyToOnesOwnProcesses(ScratchDir& dir) {
  (void)dir;
  pid_t root_parent = getppid();
  if (const char* why = BecomeUser()) return why;
  CHECK_ERRNO(kill(root_parent, 0), EPERM);
  CHECK_ERRNO(kill(root_parent, SIGTERM), EPERM);
  CHECK_ERRNO(kill(1, SIGKILL), EPERM);
  pid_t mine = fork();
  CHECK(mine >= 0);
  if (mine == 0) {
    pause();
    _exit(0);
  }
  CHECK_OK(kill(mine, 0));
  CHECK_OK(kill(mine, SIGKILL));
  int status;
  CHECK(waitpid(mine, &status, 0) == mine && WIFSIGNALED(status));
  return nullptr;
}

// Changing the network needs CAP_NET_ADMIN, checked before anything else
// (Linux's dev_ioctl, devinet_ioctl, ip_rt_ioctl, arp_ioctl and
// rtnetlink_rcv_msg): EPERM for a user, and the stack is untouched; asking
// (SIOCGIF*, RTM_GET*) is open to all. Everything here fails, so the case
// changes nothing on the host either.
const char* NetworkChangesNeedCapNetAdmin(ScratchDir& dir) {
  (void)dir;
  if (const char* why = BecomeUser()) return why;
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  CHECK(s >= 0);
  ifreq ifr = {};
  strcpy(ifr.ifr_name, "lo");
  CHECK_OK(ioctl(s, SIOCGIFMTU, &ifr));
  const int mtu = ifr.ifr_mtu;
  ifr.ifr_mtu = 1280;
  CHECK_ERRNO(ioctl(s, SIOCSIFMTU, &ifr), EPERM);
  CHECK_OK(ioctl(s, SIOCGIFMTU, &ifr));
  CHECK_EQ(ifr.ifr_mtu, mtu);
  CHECK_OK(ioctl(s, SIOCGIFFLAGS, &ifr));
  CHECK_ERRNO(ioctl(s, SIOCSIFFLAGS, &ifr), EPERM);
  auto* in = reinterpret_cast<sockaddr_in*>(&ifr.ifr_addr);
  in->sin_family = AF_INET;
  in->sin_addr.s_addr = htonl(0x7f000009);
  CHECK_ERRNO(ioctl(s, SIOCSIFADDR, &ifr), EPERM);
  CHECK_ERRNO(ioctl(s, SIOCSIFNETMASK, &ifr), EPERM);
  rtentry rt = {};
  reinterpret_cast<sockaddr_in*>(&rt.rt_dst)->sin_family = AF_INET;
  reinterpret_cast<sockaddr_in*>(&rt.rt_genmask)->sin_family = AF_INET;
  auto* gw = reinterpret_cast<sockaddr_in*>(&rt.rt_gateway);
  gw->sin_family = AF_INET;
  gw->sin_addr.s_addr = htonl(0x7f000001);
  rt.rt_flags = RTF_UP | RTF_GATEWAY;
  CHECK_ERRNO(ioctl(s, SIOCADDRT, &rt), EPERM);
  CHECK_ERRNO(ioctl(s, SIOCDELRT, &rt), EPERM);
  arpreq arp = {};
  auto* pa = reinterpret_cast<sockaddr_in*>(&arp.arp_pa);
  pa->sin_family = AF_INET;
  pa->sin_addr.s_addr = htonl(0x7f000009);
  arp.arp_ha.sa_family = ARPHRD_ETHER;
  arp.arp_flags = ATF_PERM | ATF_COM;
  CHECK_ERRNO(ioctl(s, SIOCSARP, &arp), EPERM);
  CHECK_ERRNO(ioctl(s, SIOCDARP, &arp), EPERM);
  close(s);

  // rtnetlink: RTM_NEWADDR (ip addr add 127.0.0.9/8 dev lo) is refused in
  // its ack; a link dump still answers.
  int nl = socket(AF_NETLINK, SOCK_RAW, 0 /* NETLINK_ROUTE */);
  CHECK(nl >= 0);
  struct {
    uint32_t length;
    uint16_t type, flags;
    uint32_t seq, pid;
    uint8_t family, prefix, ifa_flags, scope;
    uint32_t index;
    uint16_t rta_length, rta_type;
    uint32_t local;
  } add = {};
  add.length = sizeof add;
  add.type = 20;                      // RTM_NEWADDR
  add.flags = 1 | 4 | 0x400 | 0x200;  // NLM_F_REQUEST | ACK | CREATE | EXCL
  add.seq = 1;
  add.family = AF_INET;
  add.prefix = 8;
  add.index = if_nametoindex("lo");
  CHECK(add.index != 0);
  add.rta_length = 8;
  add.rta_type = 2;  // IFA_LOCAL
  add.local = htonl(0x7f000009);
  CHECK(send(nl, &add, sizeof add, 0) == static_cast<ssize_t>(sizeof add));
  struct {
    uint32_t length;
    uint16_t type, flags;
    uint32_t seq, pid;
    int32_t error;
    uint8_t rest[4096];
  } answer;
  ssize_t n = recv(nl, &answer, sizeof answer, 0);
  CHECK(n >= 20);
  CHECK_EQ(answer.type, 2);  // NLMSG_ERROR
  CHECK_EQ(answer.seq, 1u);
  CHECK_EQ(answer.error, -EPERM);
  struct {
    uint32_t length;
    uint16_t type, flags;
    uint32_t seq, pid;
    uint8_t family, pad[3];
  } dump = {};
  dump.length = sizeof dump;
  dump.type = 18;          // RTM_GETLINK
  dump.flags = 1 | 0x300;  // NLM_F_REQUEST | NLM_F_DUMP
  dump.seq = 2;
  CHECK(send(nl, &dump, sizeof dump, 0) == static_cast<ssize_t>(sizeof dump));
  n = recv(nl, &answer, sizeof answer, 0);
  CHECK(n >= 16);
  CHECK_EQ(answer.type, 16);  // RTM_NEWLINK
  CHECK_EQ(answer.seq, 2u);
  close(nl);
  return nullptr;
}

const char* SyslogNeedsCapSyslog(ScratchDir& dir) {
  (void)dir;
  // kernel.dmesg_restrict decides whether anyone may read the ring (Linux's
  // default 0, what Tessera does; 1 on Debian's kernels).
  int restrict_dmesg = 0;
  int fd = open("/proc/sys/kernel/dmesg_restrict", O_RDONLY);
  if (fd >= 0) {
    char text[8] = {};
    if (read(fd, text, sizeof text - 1) > 0) restrict_dmesg = atoi(text);
    close(fd);
  }
  if (const char* why = BecomeUser()) return why;
  CHECK_ERRNO(klogctl(5 /* SYSLOG_ACTION_CLEAR */, nullptr, 0), EPERM);
  CHECK_ERRNO(klogctl(6 /* SYSLOG_ACTION_CONSOLE_OFF */, nullptr, 0), EPERM);
  char buf[64];
  if (restrict_dmesg != 0) {
    CHECK_ERRNO(klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof buf), EPERM);
  } else {
    CHECK_OK(klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof buf));
  }
  return nullptr;
}

// Made by root before the child drops its privileges.
int g_shm = -1, g_shm_open = -1, g_sem = -1, g_msg = -1;
constexpr key_t kMsgKey = 0x7e55c0de;

const char* SysvObjectsOfRoot(ScratchDir& dir) {
  (void)dir;
  if (const char* why = BecomeUser()) return why;
  CHECK_ERRNO(reinterpret_cast<intptr_t>(shmat(g_shm, nullptr, 0)), EACCES);
  CHECK_ERRNO(reinterpret_cast<intptr_t>(shmat(g_shm, nullptr, SHM_RDONLY)), EACCES);
  struct shmid_ds ds;
  CHECK_ERRNO(shmctl(g_shm, IPC_STAT, &ds), EACCES);
  CHECK_ERRNO(shmctl(g_shm, IPC_RMID, nullptr), EPERM);
  void* p = shmat(g_shm_open, nullptr, 0);  // mode 0666: anyone
  CHECK(p != reinterpret_cast<void*>(-1));
  CHECK_OK(shmdt(p));
  sembuf up = {0, 1, 0};
  CHECK_ERRNO(semop(g_sem, &up, 1), EACCES);
  CHECK_ERRNO(semctl(g_sem, 0, GETVAL), EACCES);
  CHECK_ERRNO(semctl(g_sem, 0, IPC_RMID), EPERM);
  struct {
    long type;
    char text[4];
  } m = {1, "hey"};
  CHECK_ERRNO(msgsnd(g_msg, &m, sizeof m.text, IPC_NOWAIT), EACCES);  // 0640: group may read
  CHECK_ERRNO(msgrcv(g_msg, &m, sizeof m.text, 0, IPC_NOWAIT), EACCES);
  CHECK_EQ(msgget(kMsgKey, 0), g_msg);  // asking for nothing is allowed
  CHECK_ERRNO(msgget(kMsgKey, 0600), EACCES);
  return nullptr;
}

const char* MakeSysvObjects(ScratchDir& dir) {
  (void)dir;
  g_shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
  g_shm_open = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0666);
  g_sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  g_msg = msgget(kMsgKey, IPC_CREAT | IPC_EXCL | 0640);
  CHECK(g_shm >= 0 && g_shm_open >= 0 && g_sem >= 0 && g_msg >= 0);
  return nullptr;
}

const char* CaseSysvPermissions() {
  const char* why = nullptr;
  {
    ScratchDir dir;
    CHECK(dir.ok());
    if (!AllIdsMapped()) {
      printf("posix: note: only uid 0 exists in this user namespace: credential case not run\n");
      return nullptr;
    }
    why = MakeSysvObjects(dir);
    if (why == nullptr) why = InChild(SysvObjectsOfRoot, dir);
  }
  // Root removes them whatever happened.
  if (g_shm >= 0) shmctl(g_shm, IPC_RMID, nullptr);
  if (g_shm_open >= 0) shmctl(g_shm_open, IPC_RMID, nullptr);
  if (g_sem >= 0) semctl(g_sem, 0, IPC_RMID);
  if (g_msg >= 0) msgctl(g_msg, IPC_RMID, nullptr);
  g_shm = g_shm_open = g_sem = g_msg = -1;
  return why;
}

// Runs the set-user-ID copy of posixhelper ("suid" in `dir`) and checks
// the effective uid and AT_SECURE it reports.
const char* RunSetuidHelperAsUser(ScratchDir& dir, uid_t euid, int secure) {
  RunResult r;
  const char* argv[] = {"suid", "creds", nullptr};
  const char* envp[] = {nullptr};
  CHECK(RunProgram(dir.Path("suid"), argv, envp, &r));
  CHECK(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
  char want[128];
  snprintf(want, sizeof want, "ruid=%u euid=%u secure=%d\n", kUser, euid, secure);
  if (strstr(r.out, want) == nullptr) return Fail("want \"%s\", got \"%s\"", want, r.out);
  return nullptr;
}

const char* SetuidProgramRunsAsItsOwner(ScratchDir& dir) {
  // posixhelper as a set-user-ID root program run by kUser: effective 0,
  // AT_SECURE, unless the scratch file system is mounted nosuid.
  struct statvfs fs;
  CHECK_OK(statvfs(dir.path(), &fs));
  const bool nosuid = (fs.f_flag & ST_NOSUID) != 0;
  if (const char* why = BecomeUser()) return why;
  return RunSetuidHelperAsUser(dir, nosuid ? kUser : 0, nosuid ? 0 : 1);
}

// Whether every uid exists here. Under a user namespace that maps only
// root (Bazel's sandbox on the host) uid 1000 does not: the cases then pass
// without running and say so; //testing/posix:posixtest_cred_on_host runs
// them on the host outside the sandbox.
bool AllIdsMapped() {
  int fd = open("/proc/self/uid_map", O_RDONLY);
  if (fd < 0) return true;  // no user namespaces (Tessera)
  char text[256];
  ssize_t n = ReadAll(fd, text, sizeof text);
  close(fd);
  unsigned long inside = 1, outside = 1, count = 0;
  return n > 0 && sscanf(text, "%lu %lu %lu", &inside, &outside, &count) == 3 && inside == 0 &&
         outside == 0 && count == 4294967295ul;
}

// PR_SET_NO_NEW_PRIVS: once set (for good), a set-user-ID program runs
// with the caller's ids.
const char* NoNewPrivsIgnoresSetuid(ScratchDir& dir) {
  CHECK_ERRNO(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), EINVAL);
  CHECK_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
  CHECK_OK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
  CHECK_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
  if (const char* why = BecomeUser()) return why;
  if (const char* why = RunSetuidHelperAsUser(dir, kUser, 0)) return why;
  int fd = open("/proc/self/status", O_RDONLY);
  CHECK(fd >= 0);
  char text[4096];
  CHECK(ReadAll(fd, text, sizeof text) > 0);
  close(fd);
  CHECK(strstr(text, "\nNoNewPrivs:\t1\n") != nullptr);
  return nullptr;
}

// RLIMIT_NPROC counts a user's processes (root is exempt); raising a hard
// limit needs CAP_SYS_RESOURCE; /proc/self/limits shows the values.
const char* NprocLimitsAUser(ScratchDir& dir) {
  (void)dir;
  struct rlimit two = {2, 2};
  CHECK_OK(setrlimit(RLIMIT_NPROC, &two));
  CHECK_OK(setgroups(0, nullptr));
  CHECK_OK(setgid(4242));
  CHECK_OK(setuid(4242));  // a uid with no other processes
  pid_t first = fork();
  CHECK(first >= 0);
  if (first == 0) {
    for (;;) pause();  // killed below
  }
  errno = 0;
  pid_t second = fork();
  if (second == 0) _exit(0);
  const int err = errno;
  kill(first, SIGKILL);
  int status;
  waitpid(first, &status, 0);
  if (second > 0) waitpid(second, &status, 0);
  CHECK(second == -1 && err == EAGAIN);
  struct rlimit more = {3, 3}, bad = {2, 1}, got;
  CHECK_ERRNO(setrlimit(RLIMIT_NPROC, &more), EPERM);
  CHECK_ERRNO(setrlimit(RLIMIT_NPROC, &bad), EINVAL);
  CHECK_OK(getrlimit(RLIMIT_NPROC, &got));
  CHECK(got.rlim_cur == 2 && got.rlim_max == 2);
  struct rlimit one = {1, 2};
  CHECK_OK(setrlimit(RLIMIT_NPROC, &one));  // lowering the soft limit: fine
  int fd = open("/proc/self/limits", O_RDONLY);
  CHECK(fd >= 0);
  char text[4096];
  CHECK(ReadAll(fd, text, sizeof text) > 0);
  close(fd);
  CHECK(strstr(text,
               "\nMax processes             1                    2                    "
               "processes \n") != nullptr);
  CHECK_ERRNO(prlimit(getppid(), RLIMIT_CORE, nullptr, &got), EPERM);  // root's process
  return nullptr;
}

// Each case sets up as root, then checks as the user in a child.
const char* Run(const char* (*setup)(ScratchDir&), const char* (*check)(ScratchDir&)) {
  if (!AllIdsMapped()) {
    printf("posix: note: only uid 0 exists in this user namespace: credential case not run\n");
    return nullptr;
  }
  ScratchDir dir;
  CHECK(dir.ok());
  if (setup != nullptr) {
    if (const char* why = setup(dir)) return why;
  }
  return InChild(check, dir);
}

const char* SetUpFiles(ScratchDir& dir) {
  CHECK(WriteFile(dir.Path("secret"), "s", 1, 0600));
  CHECK(WriteFile(dir.Path("public"), "p", 1, 0644));
  CHECK_OK(mkdir(dir.Path("private"), 0700));
  CHECK(WriteFile(dir.Path("private/file"), "f", 1, 0644));
  CHECK(WriteFile(dir.Path("mine"), "m", 1, 0644));
  CHECK_OK(chown(dir.Path("mine"), kUser, kUserGroup));
  CHECK_OK(mkdir(dir.Path("sticky"), 01777));
  CHECK_OK(chmod(dir.Path("sticky"), 01777));  // past the umask
  CHECK(WriteFile(dir.Path("sticky/theirs"), "t", 1, 0666));
  CHECK_OK(chown(dir.Path("sticky/theirs"), kOther, kOther));
  CHECK_OK(mkdir(dir.Path("sgid"), 0755));
  CHECK_OK(chown(dir.Path("sgid"), 0, 50));
  CHECK_OK(chmod(dir.Path("sgid"), 02777));
  return nullptr;
}

const char* SetUpSetuidHelper(ScratchDir& dir) {
  int in = open(HelperPath(), O_RDONLY);
  CHECK(in >= 0);
  int out = open(dir.Path("suid"), O_CREAT | O_WRONLY | O_TRUNC, 0755);
  CHECK(out >= 0);
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0) CHECK(write(out, buf, n) == n);
  close(in);
  close(out);
  CHECK_OK(chown(dir.Path("suid"), 0, 0));
  CHECK_OK(chmod(dir.Path("suid"), 04755));
  return nullptr;
}

#define CRED_CASE(name, setup, check) \
  const char* name() { return Run(setup, check); }
CRED_CASE(CaseSetuidDrops, nullptr, SetuidFromRootDropsEverything)
CRED_CASE(CaseSeteuid, nullptr, SeteuidKeepsTheWayBack)
CRED_CASE(CaseSetfsuid, nullptr, SetfsuidReturnsThePreviousValue)
CRED_CASE(CaseGroups, nullptr, GroupsSortedAndBounded)
CRED_CASE(CaseCapabilities, nullptr, CapabilitiesAndBoundingSet)
CRED_CASE(CaseStatus, nullptr, StatusShowsTheIds)
CRED_CASE(CaseOtherUsersFiles, SetUpFiles, FilesOfAnotherUser)
CRED_CASE(CaseExecNeedsX, nullptr, ExecuteNeedsAnXBitEvenForRoot)
CRED_CASE(CaseAccessRealIds, SetUpFiles, AccessUsesTheRealIds)
CRED_CASE(CaseOwnerChmodChgrp, SetUpFiles, OwnerMayChmodAndChgrpToOwnGroups)
CRED_CASE(CaseSticky, SetUpFiles, StickyDirectoryKeepsOthersFiles)
CRED_CASE(CaseSetgidDir, SetUpFiles, SetgidDirectoryGivesItsGroup)
CRED_CASE(CaseKill, nullptr, SignalsOnlyToOnesOwnProcesses)
CRED_CASE(CaseSetuidExec, SetUpSetuidHelper, SetuidProgramRunsAsItsOwner)
CRED_CASE(CaseSyslog, nullptr, SyslogNeedsCapSyslog)
CRED_CASE(CaseNetAdmin, nullptr, NetworkChangesNeedCapNetAdmin)
CRED_CASE(CaseNoNewPrivs, SetUpSetuidHelper, NoNewPrivsIgnoresSetuid)
CRED_CASE(CaseNproc, nullptr, NprocLimitsAUser)
#undef CRED_CASE

}  // namespace

const Case kCredCases[] = {
    {"cred_setuid_from_root_drops_all", CaseSetuidDrops},
    {"cred_seteuid_and_back", CaseSeteuid},
    {"cred_setfsuid_returns_old", CaseSetfsuid},
    {"cred_groups_sorted_bounded", CaseGroups},
    {"cred_capabilities_bounding_keepcaps", CaseCapabilities},
    {"cred_proc_status_ids", CaseStatus},
    {"cred_other_users_files", CaseOtherUsersFiles},
    {"cred_exec_needs_x_even_for_root", CaseExecNeedsX},
    {"cred_access_uses_real_ids", CaseAccessRealIds},
    {"cred_owner_chmod_chgrp", CaseOwnerChmodChgrp},
    {"cred_sticky_directory", CaseSticky},
    {"cred_setgid_directory", CaseSetgidDir},
    {"cred_kill_permission", CaseKill},
    {"cred_setuid_program", CaseSetuidExec},
    {"cred_syslog_needs_cap", CaseSyslog},
    {"cred_network_changes_need_cap_net_admin", CaseNetAdmin},
    {"cred_no_new_privs", CaseNoNewPrivs},
    {"cred_rlimit_nproc", CaseNproc},
    {"cred_sysv_permissions", CaseSysvPermissions},
};
const int kCredCaseCount = sizeof kCredCases / sizeof kCredCases[0];

}  // namespace posix_test
