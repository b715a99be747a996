#include "hal/boot/cmdline.h"

#include <gtest/gtest.h>

namespace hal {
namespace {

TEST(Cmdline, FindsWholeWordsOnly) {
  const char* line = "quiet tessera.test=boot panic=halt";
  EXPECT_TRUE(CmdlineHas(line, "quiet"));
  EXPECT_TRUE(CmdlineHas(line, "tessera.test"));
  EXPECT_TRUE(CmdlineHas(line, "panic"));
  EXPECT_FALSE(CmdlineHas(line, "qui"));
  EXPECT_FALSE(CmdlineHas(line, "test"));
  EXPECT_FALSE(CmdlineHas(line, "boot"));
  EXPECT_FALSE(CmdlineHas("", "quiet"));
  EXPECT_FALSE(CmdlineHas(nullptr, "quiet"));
}

TEST(Cmdline, ValuesAreBounded) {
  const char* line = "  a=1 tessera.test=boot b= c";
  char out[8];
  ASSERT_TRUE(CmdlineValue(line, "tessera.test", out, sizeof out));
  EXPECT_STREQ(out, "boot");
  ASSERT_TRUE(CmdlineValue(line, "a", out, sizeof out));
  EXPECT_STREQ(out, "1");
  ASSERT_TRUE(CmdlineValue(line, "b", out, sizeof out));
  EXPECT_STREQ(out, "");
  EXPECT_FALSE(CmdlineValue(line, "c", out, sizeof out));
  EXPECT_FALSE(CmdlineValue(line, "tessera.test", out, 4));  // "boot" needs 5
}

}  // namespace
}  // namespace hal
