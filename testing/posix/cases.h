#pragma once

#include "testing/posix/harness.h"

namespace posix_test {

extern const Case kProcessCases[];  // fork, wait, process groups, sessions
extern const int kProcessCaseCount;
extern const Case kFdCases[];  // pipes, dup, fcntl, poll
extern const int kFdCaseCount;
extern const Case kExecCases[];  // execve
extern const int kExecCaseCount;
extern const Case kSignalCases[];  // signals
extern const int kSignalCaseCount;
extern const Case kFileCases[];  // files and directories on /tmp
extern const int kFileCaseCount;
extern const Case kTimerCases[];  // clocks, alarm, interval timers
extern const int kTimerCaseCount;
extern const Case kMemoryCases[];  // mmap, mremap
extern const int kMemoryCaseCount;
extern const Case kMountCases[];  // mount(2)/umount2(2) with tmpfs and proc (root only)
extern const int kMountCaseCount;
extern const Case kThreadCases[];  // pthreads: clone(CLONE_THREAD), tids, signals, exit
extern const int kThreadCaseCount;
extern const Case kInetCases[];  // AF_INET/AF_INET6 on the loopback: TCP, UDP, dual stack
extern const int kInetCaseCount;
extern const Case kSocketCases[];  // AF_UNIX sockets: stream, dgram, seqpacket, SCM_RIGHTS
extern const int kSocketCaseCount;
extern const Case
    kKlogCases[];  // syslog, /dev/kmsg, /proc/kmsg; sendfile, copy_file_range, splice, tee
extern const int kKlogCaseCount;
extern const Case kEventCases[];  // epoll, eventfd, timerfd, signalfd, pidfd, ppoll masks
extern const int kEventCaseCount;
extern const Case kSysvCases[];  // System V shared memory, semaphores, message queues
extern const int kSysvCaseCount;
extern const Case kCredCases[];  // credentials, capabilities and permission checks (root only)
extern const int kCredCaseCount;
extern const Case kCoreCases[];  // core dumps: RLIMIT_CORE, the ELF core file, core_pattern
extern const int kCoreCaseCount;
extern const Case kSysctlCases[];  // /proc/sys and vm.max_map_count
extern const int kSysctlCaseCount;
extern const Case kLockCases[];  // fcntl record and OFD locks, flock, /proc/locks
extern const int kLockCaseCount;
extern const Case kMemfdCases[];  // memfd_create, file seals
extern const int kMemfdCaseCount;
extern const Case kLeaseCases[];  // fcntl F_SETLEASE/F_GETLEASE, lease breaks
extern const int kLeaseCaseCount;
extern const Case kTaskCases[];  // /proc/<pid>/task, per-thread timer slack
extern const int kTaskCaseCount;
extern const Case kNsCases[];  // UTS namespaces, /proc/<pid>/ns, unshare and setns
extern const int kNsCaseCount;

}  // namespace posix_test
