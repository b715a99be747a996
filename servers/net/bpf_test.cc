// The classic BPF checker and interpreter against programs written with the
// host's <linux/filter.h> macros: what Linux refuses is refused, loads past
// the packet and division by X = 0 drop it, link- and network-relative and
// ancillary loads see the right bytes.
#include "servers/net/bpf.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <string.h>

#include <vector>

namespace netserver {
namespace {

static_assert(sizeof(sock_filter) == sizeof(packet::BpfInsn));

struct Program {
  std::vector<packet::BpfInsn> code;
  Program(std::initializer_list<sock_filter> list) {
    for (const sock_filter& f : list) {
      packet::BpfInsn in;
      memcpy(&in, &f, sizeof in);
      code.push_back(in);
    }
  }
  int Check() const { return CheckBpf(code.data(), static_cast<uint32_t>(code.size())); }
  uint32_t Run(const std::vector<uint8_t>& frame, uint32_t data_offset = 14) const {
    BpfPacket p;
    p.frame = frame.data();
    p.frame_length = static_cast<uint32_t>(frame.size());
    p.data_offset = data_offset;
    p.protocol = 0x0800;
    p.pkttype = 1;
    p.ifindex = 2;
    p.hatype = 1;
    EXPECT_EQ(Check(), 0);
    return RunBpf(code.data(), static_cast<uint32_t>(code.size()), p);
  }
};

std::vector<uint8_t> AFrame() {
  std::vector<uint8_t> f(14 + 20, 0);
  for (size_t i = 0; i < f.size(); ++i) f[i] = static_cast<uint8_t>(i);
  f[14] = 0x45;
  return f;
}

TEST(BpfTest, RefusesWhatLinuxRefuses) {
  EXPECT_EQ(CheckBpf(nullptr, 0), -EINVAL);
  EXPECT_EQ(Program({BPF_STMT(BPF_LD | BPF_IMM, 1)}).Check(), -EINVAL) << "no return";
  EXPECT_EQ(Program({BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0), BPF_STMT(BPF_RET | BPF_K, 0)}).Check(),
            -EINVAL)
      << "jump past the end";
  EXPECT_EQ(
      Program({BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 9), BPF_STMT(BPF_RET | BPF_K, 0)}).Check(),
      -EINVAL);
  EXPECT_EQ(Program({BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), BPF_STMT(BPF_RET | BPF_A, 0)}).Check(),
            -EINVAL);
  EXPECT_EQ(
      Program({BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), BPF_STMT(BPF_RET | BPF_A, 0)}).Check(),
      -EINVAL);
  EXPECT_EQ(Program({BPF_STMT(BPF_ST, 16), BPF_STMT(BPF_RET | BPF_A, 0)}).Check(), -EINVAL);
  EXPECT_EQ(Program({BPF_STMT(0xffff, 0), BPF_STMT(BPF_RET | BPF_A, 0)}).Check(), -EINVAL);
  EXPECT_EQ(Program({BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                              static_cast<uint32_t>(SKF_AD_OFF + SKF_AD_RANDOM)),
                     BPF_STMT(BPF_RET | BPF_A, 0)})
                .Check(),
            -EINVAL)
      << "an ancillary load this server cannot answer";
  std::vector<packet::BpfInsn> huge(packet::kBpfMaxInsns + 1, packet::BpfInsn{0x06, 0, 0, 0});
  EXPECT_EQ(CheckBpf(huge.data(), static_cast<uint32_t>(huge.size())), -EINVAL);
}

TEST(BpfTest, LoadsArithmeticAndJumps) {
  auto f = AFrame();
  // Data starts at the IP header: byte 0 is 0x45.
  EXPECT_EQ(Program({BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0), BPF_STMT(BPF_RET | BPF_A, 0)}).Run(f),
            0x45u);
  EXPECT_EQ(Program({BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 1), BPF_STMT(BPF_RET | BPF_A, 0)}).Run(f),
            0x0f10u);
  EXPECT_EQ(Program({BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), BPF_STMT(BPF_RET | BPF_A, 0)}).Run(f),
            20u);
  EXPECT_EQ(Program({BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), BPF_STMT(BPF_MISC | BPF_TXA, 0),
                     BPF_STMT(BPF_RET | BPF_A, 0)})
                .Run(f),
            20u);
  // Past the end: dropped. Through SKF_LL_OFF / SKF_NET_OFF: the frame's bytes.
  EXPECT_EQ(Program({BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 18), BPF_STMT(BPF_RET | BPF_K, 9)}).Run(f),
            0u);
  EXPECT_EQ(Program({BPF_STMT(BPF_LD | BPF_B | BPF_ABS, static_cast<uint32_t>(SKF_LL_OFF) + 6),
                     BPF_STMT(BPF_RET | BPF_A, 0)})
                .Run(f),
            6u);
  EXPECT_EQ(Program({BPF_STMT(BPF_LD | BPF_B | BPF_ABS, static_cast<uint32_t>(SKF_NET_OFF)),
                     BPF_STMT(BPF_RET | BPF_A, 0)})
                .Run(f, 0),
            0x45u);
  EXPECT_EQ(Program({BPF_STMT(BPF_LD | BPF_H | BPF_ABS,
                              static_cast<uint32_t>(SKF_AD_OFF + SKF_AD_PROTOCOL)),
                     BPF_STMT(BPF_RET | BPF_A, 0)})
                .Run(f),
            0x0800u);
  EXPECT_EQ(Program({BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                              static_cast<uint32_t>(SKF_AD_OFF + SKF_AD_IFINDEX)),
                     BPF_STMT(BPF_RET | BPF_A, 0)})
                .Run(f),
            2u);
  // X = 0 as a divisor drops the packet.
  EXPECT_EQ(Program({BPF_STMT(BPF_LD | BPF_IMM, 8), BPF_STMT(BPF_LDX | BPF_IMM, 0),
                     BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0), BPF_STMT(BPF_RET | BPF_K, 5)})
                .Run(f),
            0u);
  EXPECT_EQ(Program({BPF_STMT(BPF_LD | BPF_IMM, 7), BPF_STMT(BPF_ST, 3),
                     BPF_STMT(BPF_LD | BPF_IMM, 0), BPF_STMT(BPF_LDX | BPF_MEM, 3),
                     BPF_STMT(BPF_MISC | BPF_TXA, 0), BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 6),
                     BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 42, 1, 0), BPF_STMT(BPF_RET | BPF_K, 1),
                     BPF_STMT(BPF_RET | BPF_A, 0)})
                .Run(f),
            42u);
}

}  // namespace
}  // namespace netserver
