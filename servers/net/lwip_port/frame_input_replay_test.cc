// Runs frame_input_fuzz's harness, built with the ordinary host toolchain
// (and so under --config=asan/ubsan too), over the seed corpus and the saved
// reproducers of testdata/frame_input_corpus: every input must pass without
// an lwIP assertion or a sanitizer report, and the seeds must reach what they
// were written for (checksums accepted, TCP, UDP, ICMP, ARP, ND and DHCP
// traffic handled, replies sent).
#include <gtest/gtest.h>
#include <stdio.h>

#include <string>
#include <vector>

#include "lwip/stats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" uint64_t frame_input_fuzz_accepts;
extern "C" uint64_t frame_input_fuzz_bytes_echoed;

namespace {

std::vector<std::string> g_inputs;

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::vector<uint8_t> bytes;
  FILE* f = fopen(path.c_str(), "rb");
  if (f == nullptr) return bytes;
  uint8_t buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  fclose(f);
  return bytes;
}

bool IsReproducer(const std::string& path) { return path.find("/repro_") != std::string::npos; }

void RunInput(const std::string& path) {
  SCOPED_TRACE(path);
  std::vector<uint8_t> input = ReadFile(path);
  ASSERT_FALSE(input.empty());
  EXPECT_EQ(LLVMFuzzerTestOneInput(input.data(), input.size()), 0);
}

// The seeds first (the counters below are theirs), then the reproducers of
// past findings (README.md), which must simply run through now.
TEST(FrameInputReplay, CorpusRunsCleanAndReachesTheProtocols) {
  int seeds = 0;
  for (const std::string& path : g_inputs) {
    if (!IsReproducer(path)) {
      RunInput(path);
      seeds++;
    }
  }
  ASSERT_GE(seeds, 16);
  EXPECT_GT(lwip_stats.link.recv, 0);
  EXPECT_GT(lwip_stats.link.xmit, 0);
  EXPECT_GT(lwip_stats.etharp.recv, 0);
  EXPECT_EQ(lwip_stats.ip.chkerr, 0);
  EXPECT_GT(lwip_stats.icmp.recv, 0);
  EXPECT_GT(lwip_stats.icmp.xmit, 0);
  EXPECT_EQ(lwip_stats.icmp.chkerr, 0);
  EXPECT_GT(lwip_stats.tcp.recv, 0);
  EXPECT_GT(lwip_stats.tcp.xmit, 0);
  EXPECT_EQ(lwip_stats.tcp.chkerr, 0);
  EXPECT_GT(lwip_stats.udp.recv, 0);
  EXPECT_EQ(lwip_stats.udp.chkerr, 0);
  EXPECT_GT(lwip_stats.ip_frag.recv, 0);
  EXPECT_GT(lwip_stats.ip6.recv, 0);
  EXPECT_GT(lwip_stats.icmp6.recv, 0);
  EXPECT_EQ(lwip_stats.icmp6.chkerr, 0);
  EXPECT_GT(lwip_stats.nd6.recv, 0);
  EXPECT_GT(lwip_stats.igmp.rx_general, 0);
  // The handshake seeds (IPv4 and IPv6) complete and their data is echoed.
  EXPECT_GE(frame_input_fuzz_accepts, 2u);
  EXPECT_GE(frame_input_fuzz_bytes_echoed, 18u + 512u);

  int reproducers = 0;
  for (const std::string& path : g_inputs) {
    if (IsReproducer(path)) {
      RunInput(path);
      reproducers++;
    }
  }
  EXPECT_GE(reproducers, 2);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) g_inputs.push_back(argv[i]);
  return RUN_ALL_TESTS();
}
