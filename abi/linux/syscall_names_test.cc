// LinuxSyscallName against Debian 12's <asm/unistd_64.h> (testdata/).

#include "abi/linux/syscall_names.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <string>

namespace tessera {
namespace {

std::map<uint64_t, std::string> HeaderNames() {
  std::ifstream in("abi/linux/testdata/linux_6.1_unistd_64.h");
  EXPECT_TRUE(in.good());
  std::map<uint64_t, std::string> names;
  std::regex define(R"(^#define __NR_(\w+) (\d+)$)");
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, define)) names[std::stoull(m[2])] = m[1];
  }
  return names;
}

TEST(SyscallNames, EveryNumberOfTheHeader) {
  std::map<uint64_t, std::string> names = HeaderNames();
  ASSERT_GT(names.size(), 350u);
  for (uint64_t nr = 0; nr < 1024; ++nr) {
    const char* ours = LinuxSyscallName(nr);
    auto it = names.find(nr);
    if (it == names.end()) {
      EXPECT_EQ(ours, nullptr) << nr;
    } else {
      ASSERT_NE(ours, nullptr) << nr;
      EXPECT_EQ(std::string(ours), it->second) << nr;
    }
  }
}

TEST(SyscallNames, SomeWellKnownOnes) {
  EXPECT_STREQ(LinuxSyscallName(0), "read");
  EXPECT_STREQ(LinuxSyscallName(99), "sysinfo");
  EXPECT_STREQ(LinuxSyscallName(231), "exit_group");
  EXPECT_STREQ(LinuxSyscallName(450), "set_mempolicy_home_node");
  EXPECT_EQ(LinuxSyscallName(335), nullptr);
  EXPECT_EQ(LinuxSyscallName(~0ULL), nullptr);
}

}  // namespace
}  // namespace tessera
