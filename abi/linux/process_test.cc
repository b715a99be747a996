// abi/linux/wait.h, sched.h, futex.h, resource.h, mount.h, auxv.h, prctl.h,
// reboot.h and random.h against the host's headers.

#include <asm/prctl.h>
#include <elf.h>
#include <linux/futex.h>
#include <linux/reboot.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "abi/linux/abi_test_util.h"
#include "abi/linux/auxv.h"
#include "abi/linux/futex.h"
#include "abi/linux/mount.h"
#include "abi/linux/prctl.h"
#include "abi/linux/random.h"
#include "abi/linux/reboot.h"
#include "abi/linux/resource.h"
#include "abi/linux/sched.h"
#include "abi/linux/wait.h"

namespace linux_abi {
namespace {

TEST(WaitAbiTest, OptionsAndIdTypes) {
  EXPECT_SAME_VALUE(kWNoHang, WNOHANG);
  EXPECT_SAME_VALUE(kWUntraced, WUNTRACED);
  EXPECT_SAME_VALUE(kWStopped, WSTOPPED);
  EXPECT_SAME_VALUE(kWExited, WEXITED);
  EXPECT_SAME_VALUE(kWContinued, WCONTINUED);
  EXPECT_SAME_VALUE(kWNoWait, WNOWAIT);
  EXPECT_SAME_VALUE(kWNoThread, __WNOTHREAD);
  EXPECT_SAME_VALUE(kWAll, __WALL);
  EXPECT_SAME_VALUE(kWClone, static_cast<uint32_t>(__WCLONE));
  EXPECT_SAME_VALUE(kPAll, P_ALL);
  EXPECT_SAME_VALUE(kPPid, P_PID);
  EXPECT_SAME_VALUE(kPPgid, P_PGID);
  EXPECT_SAME_VALUE(kPPidfd, P_PIDFD);
}

TEST(SchedAbiTest, CloneFlags) {
  EXPECT_SAME_VALUE(kCloneSignalMask, CSIGNAL);
  EXPECT_SAME_VALUE(kCloneVm, CLONE_VM);
  EXPECT_SAME_VALUE(kCloneFs, CLONE_FS);
  EXPECT_SAME_VALUE(kCloneFiles, CLONE_FILES);
  EXPECT_SAME_VALUE(kCloneSighand, CLONE_SIGHAND);
  EXPECT_SAME_VALUE(kCloneVfork, CLONE_VFORK);
  EXPECT_SAME_VALUE(kCloneThread, CLONE_THREAD);
  EXPECT_SAME_VALUE(kCloneSysvsem, CLONE_SYSVSEM);
  EXPECT_SAME_VALUE(kCloneSetTls, CLONE_SETTLS);
  EXPECT_SAME_VALUE(kCloneParentSetTid, CLONE_PARENT_SETTID);
  EXPECT_SAME_VALUE(kCloneChildClearTid, CLONE_CHILD_CLEARTID);
  EXPECT_SAME_VALUE(kCloneDetached, CLONE_DETACHED);
  EXPECT_SAME_VALUE(kCloneChildSetTid, CLONE_CHILD_SETTID);
  EXPECT_SAME_VALUE(kCloneNewTime, CLONE_NEWTIME);
  EXPECT_SAME_VALUE(kCloneNewNs, CLONE_NEWNS);
  EXPECT_SAME_VALUE(kCloneNewCgroup, CLONE_NEWCGROUP);
  EXPECT_SAME_VALUE(kCloneNewUts, CLONE_NEWUTS);
  EXPECT_SAME_VALUE(kCloneNewIpc, CLONE_NEWIPC);
  EXPECT_SAME_VALUE(kCloneNewUser, CLONE_NEWUSER);
  EXPECT_SAME_VALUE(kCloneNewPid, CLONE_NEWPID);
  EXPECT_SAME_VALUE(kCloneNewNet, CLONE_NEWNET);
}

TEST(FutexAbiTest, OperationsAndRobustList) {
  EXPECT_SAME_VALUE(kFutexWait, FUTEX_WAIT);
  EXPECT_SAME_VALUE(kFutexWake, FUTEX_WAKE);
  EXPECT_SAME_VALUE(kFutexWaitBitset, FUTEX_WAIT_BITSET);
  EXPECT_SAME_VALUE(kFutexWakeBitset, FUTEX_WAKE_BITSET);
  EXPECT_SAME_VALUE(kFutexPrivate, FUTEX_PRIVATE_FLAG);
  EXPECT_SAME_VALUE(kFutexClockRealtime, FUTEX_CLOCK_REALTIME);
  EXPECT_SAME_VALUE(kFutexWaiters, FUTEX_WAITERS);
  EXPECT_SAME_VALUE(kFutexOwnerDied, FUTEX_OWNER_DIED);
  EXPECT_SAME_VALUE(kFutexTidMask, FUTEX_TID_MASK);
  EXPECT_SAME_VALUE(kRobustListLimit, ROBUST_LIST_LIMIT);
  EXPECT_EQ(sizeof(RobustListHead), sizeof(struct robust_list_head));
  EXPECT_SAME_OFFSET(RobustListHead, next, struct robust_list_head, list);
  EXPECT_SAME_OFFSET(RobustListHead, futex_offset, struct robust_list_head, futex_offset);
  EXPECT_SAME_OFFSET(RobustListHead, list_op_pending, struct robust_list_head, list_op_pending);
}

TEST(ResourceAbiTest, LimitsAndWho) {
  EXPECT_SAME_VALUE(kRlimitCpu, RLIMIT_CPU);
  EXPECT_SAME_VALUE(kRlimitFsize, RLIMIT_FSIZE);
  EXPECT_SAME_VALUE(kRlimitData, RLIMIT_DATA);
  EXPECT_SAME_VALUE(kRlimitRss, RLIMIT_RSS);
  EXPECT_SAME_VALUE(kRlimitNproc, RLIMIT_NPROC);
  EXPECT_SAME_VALUE(kRlimitAs, RLIMIT_AS);
  EXPECT_SAME_VALUE(kRlimitLocks, RLIMIT_LOCKS);
  EXPECT_SAME_VALUE(kRlimitSigpending, RLIMIT_SIGPENDING);
  EXPECT_SAME_VALUE(kRlimitMsgqueue, RLIMIT_MSGQUEUE);
  EXPECT_SAME_VALUE(kRlimitNice, RLIMIT_NICE);
  EXPECT_SAME_VALUE(kRlimitRtprio, RLIMIT_RTPRIO);
  EXPECT_SAME_VALUE(kRlimitRttime, RLIMIT_RTTIME);
  EXPECT_EQ(sizeof(Rlimit), sizeof(struct rlimit));
  EXPECT_SAME_VALUE(kRlimitStack, RLIMIT_STACK);
  EXPECT_SAME_VALUE(kRlimitCore, RLIMIT_CORE);
  EXPECT_SAME_VALUE(kRlimitNofile, RLIMIT_NOFILE);
  EXPECT_SAME_VALUE(kRlimitMemlock, RLIMIT_MEMLOCK);
  EXPECT_SAME_VALUE(kRlimitCount, RLIMIT_NLIMITS);
  EXPECT_EQ(kRlimInfinity, RLIM_INFINITY);
  EXPECT_SAME_VALUE(kRusageSelf, RUSAGE_SELF);
  EXPECT_SAME_VALUE(kRusageChildren, RUSAGE_CHILDREN);
  EXPECT_SAME_VALUE(kRusageThread, RUSAGE_THREAD);
}

TEST(MountAbiTest, Flags) {
  EXPECT_SAME_VALUE(kMsReadOnly, MS_RDONLY);
  EXPECT_SAME_VALUE(kMsNoSuid, MS_NOSUID);
  EXPECT_SAME_VALUE(kMsNoDev, MS_NODEV);
  EXPECT_SAME_VALUE(kMsNoExec, MS_NOEXEC);
  EXPECT_SAME_VALUE(kMsSynchronous, MS_SYNCHRONOUS);
  EXPECT_SAME_VALUE(kMsRemount, MS_REMOUNT);
  EXPECT_SAME_VALUE(kMsMandLock, MS_MANDLOCK);
  EXPECT_SAME_VALUE(kMsDirSync, MS_DIRSYNC);
  EXPECT_SAME_VALUE(kMsNoSymFollow, MS_NOSYMFOLLOW);
  EXPECT_SAME_VALUE(kMsNoAtime, MS_NOATIME);
  EXPECT_SAME_VALUE(kMsNoDirAtime, MS_NODIRATIME);
  EXPECT_SAME_VALUE(kMsBind, MS_BIND);
  EXPECT_SAME_VALUE(kMsMove, MS_MOVE);
  EXPECT_SAME_VALUE(kMsRec, MS_REC);
  EXPECT_SAME_VALUE(kMsSilent, MS_SILENT);
  EXPECT_SAME_VALUE(kMsPosixAcl, MS_POSIXACL);
  EXPECT_SAME_VALUE(kMsUnbindable, MS_UNBINDABLE);
  EXPECT_SAME_VALUE(kMsPrivate, MS_PRIVATE);
  EXPECT_SAME_VALUE(kMsSlave, MS_SLAVE);
  EXPECT_SAME_VALUE(kMsShared, MS_SHARED);
  EXPECT_SAME_VALUE(kMsRelatime, MS_RELATIME);
  EXPECT_SAME_VALUE(kMsIVersion, MS_I_VERSION);
  EXPECT_SAME_VALUE(kMsStrictAtime, MS_STRICTATIME);
  EXPECT_SAME_VALUE(kMsLazyTime, MS_LAZYTIME);
  EXPECT_SAME_VALUE(kMsNoUser, static_cast<uint32_t>(MS_NOUSER));
  EXPECT_SAME_VALUE(kMsMagicValue, MS_MGC_VAL);
  EXPECT_SAME_VALUE(kMsMagicMask, MS_MGC_MSK);
}

TEST(AuxvAbiTest, EntryTypes) {
  EXPECT_SAME_VALUE(kAtNull, AT_NULL);
  EXPECT_SAME_VALUE(kAtPhdr, AT_PHDR);
  EXPECT_SAME_VALUE(kAtPhent, AT_PHENT);
  EXPECT_SAME_VALUE(kAtPhnum, AT_PHNUM);
  EXPECT_SAME_VALUE(kAtPagesz, AT_PAGESZ);
  EXPECT_SAME_VALUE(kAtBase, AT_BASE);
  EXPECT_SAME_VALUE(kAtFlags, AT_FLAGS);
  EXPECT_SAME_VALUE(kAtEntry, AT_ENTRY);
  EXPECT_SAME_VALUE(kAtUid, AT_UID);
  EXPECT_SAME_VALUE(kAtEuid, AT_EUID);
  EXPECT_SAME_VALUE(kAtGid, AT_GID);
  EXPECT_SAME_VALUE(kAtEgid, AT_EGID);
  EXPECT_SAME_VALUE(kAtPlatform, AT_PLATFORM);
  EXPECT_SAME_VALUE(kAtHwcap, AT_HWCAP);
  EXPECT_SAME_VALUE(kAtClktck, AT_CLKTCK);
  EXPECT_SAME_VALUE(kAtSecure, AT_SECURE);
  EXPECT_SAME_VALUE(kAtRandom, AT_RANDOM);
  EXPECT_SAME_VALUE(kAtHwcap2, AT_HWCAP2);
  EXPECT_SAME_VALUE(kAtExecfn, AT_EXECFN);
  EXPECT_SAME_VALUE(kAtSysinfoEhdr, AT_SYSINFO_EHDR);
  EXPECT_SAME_VALUE(kAtMinsigstksz, AT_MINSIGSTKSZ);
}

TEST(PrctlAbiTest, OptionsAndArchCodes) {
  EXPECT_SAME_VALUE(kPrSetName, PR_SET_NAME);
  EXPECT_SAME_VALUE(kPrGetName, PR_GET_NAME);
  EXPECT_SAME_VALUE(kPrSetTimerslack, PR_SET_TIMERSLACK);
  EXPECT_SAME_VALUE(kPrGetTimerslack, PR_GET_TIMERSLACK);
  EXPECT_SAME_VALUE(kArchSetFs, ARCH_SET_FS);
  EXPECT_SAME_VALUE(kArchGetFs, ARCH_GET_FS);
}

TEST(RebootAbiTest, MagicsAndCommands) {
  EXPECT_SAME_VALUE(kRebootMagic1, LINUX_REBOOT_MAGIC1);
  EXPECT_SAME_VALUE(kRebootMagic2[0], LINUX_REBOOT_MAGIC2);
  EXPECT_SAME_VALUE(kRebootMagic2[1], LINUX_REBOOT_MAGIC2A);
  EXPECT_SAME_VALUE(kRebootMagic2[2], LINUX_REBOOT_MAGIC2B);
  EXPECT_SAME_VALUE(kRebootMagic2[3], LINUX_REBOOT_MAGIC2C);
  EXPECT_SAME_VALUE(kRebootCmdRestart, LINUX_REBOOT_CMD_RESTART);
  EXPECT_SAME_VALUE(kRebootCmdHalt, LINUX_REBOOT_CMD_HALT);
  EXPECT_SAME_VALUE(kRebootCmdPowerOff, LINUX_REBOOT_CMD_POWER_OFF);
  EXPECT_SAME_VALUE(kRebootCmdCadOn, LINUX_REBOOT_CMD_CAD_ON);
  EXPECT_SAME_VALUE(kRebootCmdCadOff, LINUX_REBOOT_CMD_CAD_OFF);
}

TEST(RandomAbiTest, GetrandomFlags) {
  EXPECT_SAME_VALUE(kGrndNonBlock, GRND_NONBLOCK);
  EXPECT_SAME_VALUE(kGrndRandom, GRND_RANDOM);
  EXPECT_SAME_VALUE(kGrndInsecure, GRND_INSECURE);
}

}  // namespace
}  // namespace linux_abi
