// abi/linux/capability.h against the host's <linux/capability.h> and
// <sys/prctl.h>.

#include <limits.h>
#include <linux/capability.h>
#include <sys/prctl.h>

#include "abi/linux/abi_test_util.h"
#include "abi/linux/capability.h"

namespace linux_abi {
namespace {

TEST(CapabilityAbiTest, Numbers) {
  EXPECT_SAME_VALUE(kCapChown, CAP_CHOWN);
  EXPECT_SAME_VALUE(kCapDacOverride, CAP_DAC_OVERRIDE);
  EXPECT_SAME_VALUE(kCapDacReadSearch, CAP_DAC_READ_SEARCH);
  EXPECT_SAME_VALUE(kCapFowner, CAP_FOWNER);
  EXPECT_SAME_VALUE(kCapFsetid, CAP_FSETID);
  EXPECT_SAME_VALUE(kCapKill, CAP_KILL);
  EXPECT_SAME_VALUE(kCapSetgid, CAP_SETGID);
  EXPECT_SAME_VALUE(kCapSetuid, CAP_SETUID);
  EXPECT_SAME_VALUE(kCapSetpcap, CAP_SETPCAP);
  EXPECT_SAME_VALUE(kCapLinuxImmutable, CAP_LINUX_IMMUTABLE);
  EXPECT_SAME_VALUE(kCapNetBindService, CAP_NET_BIND_SERVICE);
  EXPECT_SAME_VALUE(kCapNetBroadcast, CAP_NET_BROADCAST);
  EXPECT_SAME_VALUE(kCapNetAdmin, CAP_NET_ADMIN);
  EXPECT_SAME_VALUE(kCapNetRaw, CAP_NET_RAW);
  EXPECT_SAME_VALUE(kCapIpcLock, CAP_IPC_LOCK);
  EXPECT_SAME_VALUE(kCapIpcOwner, CAP_IPC_OWNER);
  EXPECT_SAME_VALUE(kCapSysModule, CAP_SYS_MODULE);
  EXPECT_SAME_VALUE(kCapSysRawio, CAP_SYS_RAWIO);
  EXPECT_SAME_VALUE(kCapSysChroot, CAP_SYS_CHROOT);
  EXPECT_SAME_VALUE(kCapSysPtrace, CAP_SYS_PTRACE);
  EXPECT_SAME_VALUE(kCapSysPacct, CAP_SYS_PACCT);
  EXPECT_SAME_VALUE(kCapSysAdmin, CAP_SYS_ADMIN);
  EXPECT_SAME_VALUE(kCapSysBoot, CAP_SYS_BOOT);
  EXPECT_SAME_VALUE(kCapSysNice, CAP_SYS_NICE);
  EXPECT_SAME_VALUE(kCapSysResource, CAP_SYS_RESOURCE);
  EXPECT_SAME_VALUE(kCapSysTime, CAP_SYS_TIME);
  EXPECT_SAME_VALUE(kCapSysTtyConfig, CAP_SYS_TTY_CONFIG);
  EXPECT_SAME_VALUE(kCapMknod, CAP_MKNOD);
  EXPECT_SAME_VALUE(kCapLease, CAP_LEASE);
  EXPECT_SAME_VALUE(kCapAuditWrite, CAP_AUDIT_WRITE);
  EXPECT_SAME_VALUE(kCapAuditControl, CAP_AUDIT_CONTROL);
  EXPECT_SAME_VALUE(kCapSetfcap, CAP_SETFCAP);
  EXPECT_SAME_VALUE(kCapMacOverride, CAP_MAC_OVERRIDE);
  EXPECT_SAME_VALUE(kCapMacAdmin, CAP_MAC_ADMIN);
  EXPECT_SAME_VALUE(kCapSyslog, CAP_SYSLOG);
  EXPECT_SAME_VALUE(kCapWakeAlarm, CAP_WAKE_ALARM);
  EXPECT_SAME_VALUE(kCapBlockSuspend, CAP_BLOCK_SUSPEND);
  EXPECT_SAME_VALUE(kCapAuditRead, CAP_AUDIT_READ);
  EXPECT_SAME_VALUE(kCapPerfmon, CAP_PERFMON);
  EXPECT_SAME_VALUE(kCapBpf, CAP_BPF);
  EXPECT_SAME_VALUE(kCapCheckpointRestore, CAP_CHECKPOINT_RESTORE);
  EXPECT_SAME_VALUE(kCapLastCap, CAP_LAST_CAP);
}

TEST(CapabilityAbiTest, VersionsAndLayouts) {
  EXPECT_SAME_VALUE(kCapVersion1, _LINUX_CAPABILITY_VERSION_1);
  EXPECT_SAME_VALUE(kCapVersion2, _LINUX_CAPABILITY_VERSION_2);
  EXPECT_SAME_VALUE(kCapVersion3, _LINUX_CAPABILITY_VERSION_3);
  EXPECT_EQ(sizeof(CapUserHeader), sizeof(__user_cap_header_struct));
  EXPECT_SAME_OFFSET(CapUserHeader, version, __user_cap_header_struct, version);
  EXPECT_SAME_OFFSET(CapUserHeader, pid, __user_cap_header_struct, pid);
  EXPECT_EQ(sizeof(CapUserData), sizeof(__user_cap_data_struct));
  EXPECT_SAME_OFFSET(CapUserData, effective, __user_cap_data_struct, effective);
  EXPECT_SAME_OFFSET(CapUserData, permitted, __user_cap_data_struct, permitted);
  EXPECT_SAME_OFFSET(CapUserData, inheritable, __user_cap_data_struct, inheritable);
}

TEST(CapabilityAbiTest, PrctlOptions) {
  EXPECT_SAME_VALUE(kPrGetKeepCaps, PR_GET_KEEPCAPS);
  EXPECT_SAME_VALUE(kPrSetKeepCaps, PR_SET_KEEPCAPS);
  EXPECT_SAME_VALUE(kPrCapBsetRead, PR_CAPBSET_READ);
  EXPECT_SAME_VALUE(kPrCapBsetDrop, PR_CAPBSET_DROP);
  EXPECT_SAME_VALUE(kPrCapAmbient, PR_CAP_AMBIENT);
  EXPECT_SAME_VALUE(kPrCapAmbientIsSet, PR_CAP_AMBIENT_IS_SET);
  EXPECT_SAME_VALUE(kPrCapAmbientRaise, PR_CAP_AMBIENT_RAISE);
  EXPECT_SAME_VALUE(kPrCapAmbientLower, PR_CAP_AMBIENT_LOWER);
  EXPECT_SAME_VALUE(kPrCapAmbientClearAll, PR_CAP_AMBIENT_CLEAR_ALL);
  EXPECT_SAME_VALUE(kNgroupsMax, NGROUPS_MAX);
}

}  // namespace
}  // namespace linux_abi
