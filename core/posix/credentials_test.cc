// Linux's credential rules (core/posix/credentials.h). The same rules run
// against the host's kernel in testing/posix/cred_cases.cc.

#include "core/posix/credentials.h"

#include <gtest/gtest.h>

#include "abi/linux/stat.h"

namespace core::posix {
namespace {

using linux_abi::kCapChown;
using linux_abi::kCapDacOverride;
using linux_abi::kCapKill;
using linux_abi::kCapSetpcap;
using linux_abi::kCapSetuid;
using linux_abi::kCapSysPtrace;

TEST(CredentialsTest, RootHasEveryCapabilityAndAUserNone) {
  Credentials root = Credentials::Root();
  for (uint32_t cap = 0; cap <= linux_abi::kCapLastCap; ++cap) EXPECT_TRUE(root.Has(cap));
  EXPECT_FALSE(root.Has(linux_abi::kCapLastCap + 1));
  Credentials user = Credentials::User(1000, 100);
  EXPECT_FALSE(user.Has(kCapChown));
  EXPECT_TRUE(user.InGroup(100));
  EXPECT_FALSE(user.InGroup(0));
}

TEST(CredentialsTest, RootSetuidDropsEverything) {
  Credentials c = SetUid(Credentials::Root(), 1000).value();
  EXPECT_EQ(c.ruid, 1000u);
  EXPECT_EQ(c.euid, 1000u);
  EXPECT_EQ(c.suid, 1000u);
  EXPECT_EQ(c.fsuid, 1000u);
  EXPECT_EQ(c.permitted, 0u);
  EXPECT_EQ(c.effective, 0u);
  // And there is no way back.
  EXPECT_EQ(SetUid(c, 0).error(), kstd::Error::kPermission);
  EXPECT_EQ(SetResuid(c, 0, kNoId, kNoId).error(), kstd::Error::kPermission);
  EXPECT_EQ(SetUid(c, kNoId).error(), kstd::Error::kInvalid);
}

TEST(CredentialsTest, KeepCapsKeepsPermittedButNotEffective) {
  Credentials root = Credentials::Root();
  root.keep_caps = true;
  Credentials c = SetResuid(root, 1000, 1000, 1000).value();
  EXPECT_EQ(c.permitted, kAllCaps);
  EXPECT_EQ(c.effective, 0u);
}

TEST(CredentialsTest, TemporaryDropAndRegain) {
  // seteuid(1000) keeps the saved uid 0, so seteuid(0) comes back.
  Credentials c = SetResuid(Credentials::Root(), kNoId, 1000, kNoId).value();
  EXPECT_EQ(c.euid, 1000u);
  EXPECT_EQ(c.suid, 0u);
  EXPECT_EQ(c.effective, 0u);
  EXPECT_EQ(c.permitted, kAllCaps);
  Credentials back = SetResuid(c, kNoId, 0, kNoId).value();
  EXPECT_EQ(back.euid, 0u);
  EXPECT_EQ(back.effective, kAllCaps);
}

TEST(CredentialsTest, UnprivilegedSetuidChoosesAmongRealAndSaved) {
  Credentials c = Credentials::User(1000, 1000);
  c.euid = c.fsuid = 2000;  // as after a set-user-ID exec
  c.suid = 2000;
  Credentials dropped = SetUid(c, 1000).value();  // to the real uid: euid only
  EXPECT_EQ(dropped.euid, 1000u);
  EXPECT_EQ(dropped.suid, 2000u);
  EXPECT_EQ(SetUid(dropped, 2000).value().euid, 2000u);  // the saved one
  EXPECT_EQ(SetUid(c, 3000).error(), kstd::Error::kPermission);
}

TEST(CredentialsTest, SetreuidSetsSavedAsLinux) {
  Credentials c = Credentials::User(1000, 1000);
  c.euid = c.suid = c.fsuid = 2000;
  // Swapping real and effective: the saved uid becomes the new effective.
  Credentials s = SetReuid(c, 2000, 1000).value();
  EXPECT_EQ(s.ruid, 2000u);
  EXPECT_EQ(s.euid, 1000u);
  EXPECT_EQ(s.suid, 1000u);
  // Only the effective, to the real uid: saved unchanged.
  Credentials e = SetReuid(c, kNoId, 1000).value();
  EXPECT_EQ(e.suid, 2000u);
  EXPECT_EQ(SetReuid(c, 3000, kNoId).error(), kstd::Error::kPermission);
}

TEST(CredentialsTest, SetfsuidReturnsTheOldValueAndMovesFsCaps) {
  Credentials root = Credentials::Root();
  Credentials c;
  EXPECT_EQ(SetFsuid(root, 1000, &c), 0u);
  EXPECT_EQ(c.fsuid, 1000u);
  EXPECT_FALSE(c.Has(kCapDacOverride));
  EXPECT_FALSE(c.Has(kCapChown));
  EXPECT_TRUE(c.Has(kCapKill));  // not a file-system capability
  Credentials back;
  EXPECT_EQ(SetFsuid(c, 0, &back), 1000u);
  EXPECT_TRUE(back.Has(kCapDacOverride));
  Credentials user = Credentials::User(1000, 1000), same;
  EXPECT_EQ(SetFsuid(user, 0, &same), 1000u);
  EXPECT_EQ(same.fsuid, 1000u);  // refused silently
}

TEST(CredentialsTest, GidsFollowTheSameRulesWithCapSetgid) {
  Credentials c = SetGid(Credentials::Root(), 50).value();
  EXPECT_EQ(c.rgid, 50u);
  EXPECT_EQ(c.sgid, 50u);
  EXPECT_EQ(c.fsgid, 50u);
  Credentials user = Credentials::User(1000, 1000);
  EXPECT_EQ(SetGid(user, 0).error(), kstd::Error::kPermission);
  EXPECT_EQ(SetResgid(user, kNoId, 0, kNoId).error(), kstd::Error::kPermission);
  EXPECT_EQ(SetRegid(user, 1000, 1000).value().egid, 1000u);
}

TEST(CredentialsTest, SetgroupsSortsNeedsCapSetgidAndIsBounded) {
  const uint32_t groups[] = {30, 10, 20, 10};
  Credentials c = SetGroups(Credentials::Root(), groups, 4).value();
  ASSERT_EQ(c.ngroups, 4u);
  EXPECT_EQ(c.groups[0], 10u);
  EXPECT_EQ(c.groups[1], 10u);
  EXPECT_EQ(c.groups[3], 30u);
  EXPECT_TRUE(c.InGroup(20));
  EXPECT_EQ(SetGroups(Credentials::User(1, 1), groups, 1).error(), kstd::Error::kPermission);
  uint32_t many[Credentials::kMaxGroups + 1] = {};
  EXPECT_EQ(SetGroups(Credentials::Root(), many, Credentials::kMaxGroups + 1).error(),
            kstd::Error::kInvalid);
}

TEST(CredentialsTest, CapsetNeverGrowsPermitted) {
  Credentials root = Credentials::Root();
  Credentials less = SetCapabilities(root, CapBit(kCapKill), CapBit(kCapKill), 0).value();
  EXPECT_TRUE(less.Has(kCapKill));
  EXPECT_FALSE(less.Has(kCapChown));
  EXPECT_EQ(SetCapabilities(less, 0, CapBit(kCapKill) | CapBit(kCapChown), 0).error(),
            kstd::Error::kPermission);
  EXPECT_EQ(SetCapabilities(less, CapBit(kCapChown), CapBit(kCapKill), 0).error(),
            kstd::Error::kPermission);  // effective outside permitted
  // Without CAP_SETPCAP the inheritable set stays within permitted.
  EXPECT_EQ(SetCapabilities(less, 0, CapBit(kCapKill), CapBit(kCapChown)).error(),
            kstd::Error::kPermission);
}

TEST(CredentialsTest, BoundingAndAmbient) {
  Credentials root = Credentials::Root();
  Credentials b = DropBounding(root, kCapSysPtrace).value();
  EXPECT_FALSE(b.bounding & CapBit(kCapSysPtrace));
  EXPECT_EQ(DropBounding(Credentials::User(1, 1), kCapKill).error(), kstd::Error::kPermission);
  EXPECT_EQ(DropBounding(root, 99).error(), kstd::Error::kInvalid);
  EXPECT_EQ(RaiseAmbient(root, kCapKill).error(), kstd::Error::kPermission);  // not inheritable
  Credentials inh = SetCapabilities(root, kAllCaps, kAllCaps, CapBit(kCapKill)).value();
  Credentials amb = RaiseAmbient(inh, kCapKill).value();
  EXPECT_EQ(amb.ambient, CapBit(kCapKill));
  EXPECT_EQ(LowerAmbient(amb, kCapKill).ambient, 0u);
}

TEST(CredentialsTest, ExecOfASetuidRootProgram) {
  ExecFile su{linux_abi::kModeRegular | 04755, 0, 0, false};
  ExecCredentials e = CredentialsForExec(Credentials::User(1000, 1000), su);
  EXPECT_EQ(e.creds.ruid, 1000u);
  EXPECT_EQ(e.creds.euid, 0u);
  EXPECT_EQ(e.creds.suid, 0u);
  EXPECT_EQ(e.creds.fsuid, 0u);
  EXPECT_EQ(e.creds.effective, kAllCaps);
  EXPECT_TRUE(e.secure);
  // On a nosuid mount the bit is ignored.
  su.nosuid = true;
  ExecCredentials plain = CredentialsForExec(Credentials::User(1000, 1000), su);
  EXPECT_EQ(plain.creds.euid, 1000u);
  EXPECT_EQ(plain.creds.permitted, 0u);
  EXPECT_FALSE(plain.secure);
}

TEST(CredentialsTest, ExecSetgidNeedsGroupExecute) {
  ExecFile f{linux_abi::kModeRegular | 02755, 5, 50, false};
  EXPECT_EQ(CredentialsForExec(Credentials::User(1000, 1000), f).creds.egid, 50u);
  f.mode = linux_abi::kModeRegular | 02745;  // mandatory-locking marker, not set-group-ID
  EXPECT_EQ(CredentialsForExec(Credentials::User(1000, 1000), f).creds.egid, 1000u);
}

TEST(CredentialsTest, ExecByRootKeepsCapabilitiesAndClearsKeepCaps) {
  Credentials root = Credentials::Root();
  root.keep_caps = true;
  ExecFile f{linux_abi::kModeRegular | 0755, 1000, 1000, false};
  ExecCredentials e = CredentialsForExec(root, f);
  EXPECT_EQ(e.creds.effective, kAllCaps);
  EXPECT_FALSE(e.creds.keep_caps);
  EXPECT_FALSE(e.secure);
  // A process that kept permitted caps across setuid loses them at exec.
  Credentials kept = SetResuid(root, 1000, 1000, 1000).value();
  EXPECT_EQ(CredentialsForExec(kept, f).creds.permitted, 0u);
}

TEST(CredentialsTest, CheckAccessUsesOneClassOfBits) {
  Credentials user = Credentials::User(1000, 1000);
  FileOwnership f{linux_abi::kModeRegular | 0406, 1000, 1000};
  // The owner class decides even when "other" would allow more.
  EXPECT_TRUE(CheckAccess(user, f, kMayRead).ok());
  EXPECT_EQ(CheckAccess(user, f, kMayWrite).error(), kstd::Error::kAccess);
  FileOwnership g{linux_abi::kModeRegular | 0070, 0, 77};
  EXPECT_EQ(CheckAccess(user, g, kMayRead).error(), kstd::Error::kAccess);
  Credentials member = SetGroups(Credentials::Root(), (const uint32_t[]){77}, 1).value();
  member = SetResuid(member, 1000, 1000, 1000).value();
  EXPECT_TRUE(CheckAccess(member, g, kMayRead | kMayWrite | kMayExec).ok());
}

TEST(CredentialsTest, RootOverridesExceptExecuteWithoutAnyXBit) {
  Credentials root = Credentials::Root();
  FileOwnership secret{linux_abi::kModeRegular | 0000, 1000, 1000};
  EXPECT_TRUE(CheckAccess(root, secret, kMayRead | kMayWrite).ok());
  EXPECT_EQ(CheckAccess(root, secret, kMayExec).error(), kstd::Error::kAccess);
  FileOwnership user_x{linux_abi::kModeRegular | 0100, 1000, 1000};
  EXPECT_TRUE(CheckAccess(root, user_x, kMayExec).ok());
  FileOwnership dir{linux_abi::kModeDirectory | 0000, 1000, 1000};
  EXPECT_TRUE(CheckAccess(root, dir, kMayExec | kMayWrite).ok());
}

TEST(CredentialsTest, StickyDirectoriesProtectOthersEntries) {
  Credentials user = Credentials::User(1000, 1000);
  const uint32_t tmp = linux_abi::kModeDirectory | 01777;
  EXPECT_TRUE(MayDeleteFromSticky(user, tmp, 0, 1000));
  EXPECT_FALSE(MayDeleteFromSticky(user, tmp, 0, 2000));
  EXPECT_TRUE(MayDeleteFromSticky(user, linux_abi::kModeDirectory | 0777, 0, 2000));
  EXPECT_TRUE(MayDeleteFromSticky(Credentials::Root(), tmp, 0, 2000));
}

TEST(CredentialsTest, SignalsAndInspection) {
  Credentials a = Credentials::User(1000, 1000), b = Credentials::User(2000, 2000);
  EXPECT_TRUE(MaySignal(a, a));
  EXPECT_FALSE(MaySignal(a, b));
  EXPECT_FALSE(MaySignal(a, Credentials::Root()));
  EXPECT_TRUE(MaySignal(Credentials::Root(), a));
  // A set-user-ID program started by `a` keeps a's real uid: a may signal it.
  Credentials setuid_prog = a;
  setuid_prog.euid = setuid_prog.suid = 0;
  EXPECT_TRUE(MaySignal(a, setuid_prog));
  // ... but not inspect it.
  EXPECT_FALSE(MayInspect(a, setuid_prog, true));
  EXPECT_TRUE(MayInspect(a, a, true));
  EXPECT_FALSE(MayInspect(a, a, false));
  EXPECT_TRUE(MayInspect(Credentials::Root(), b, false));
  EXPECT_FALSE(MayInspect(a, Credentials::Root(), true));
}

}  // namespace
}  // namespace core::posix
