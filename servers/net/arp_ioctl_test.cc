// The ARP ioctls over the harness's eth0 (10.0.2.15/24), checked against
// the struct arpreq and the flags Linux's arp_ioctl gives back, and against
// /proc/net/arp.

#include <arpa/inet.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>

#include <string>

#include "servers/net/arp_ioctl.h"
#include "servers/net/interfaces.h"
#include "servers/net/link_test_harness.h"

namespace netserver::test {
namespace {

static_assert(sizeof(struct arpreq) == kArpreqSize, "struct arpreq layout");
static_assert(SIOCSARP == kSiocSArp && SIOCDARP == kSiocDArp && SIOCGARP == kSiocGArp);
static_assert(ATF_COM == kAtfCom && ATF_PERM == kAtfPerm && ATF_PUBL == kAtfPubl);

constexpr uint8_t kPeerMac[6] = {0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc};

arpreq Req(const char* ip, const char* dev = "eth0") {
  arpreq r{};
  auto* pa = reinterpret_cast<sockaddr_in*>(&r.arp_pa);
  pa->sin_family = AF_INET;
  inet_pton(AF_INET, ip, &pa->sin_addr);
  r.arp_ha.sa_family = ARPHRD_ETHER;
  memcpy(r.arp_ha.sa_data, kPeerMac, 6);
  r.arp_flags = ATF_PERM | ATF_COM;
  snprintf(r.arp_dev, sizeof r.arp_dev, "%s", dev);
  return r;
}

int Ioctl(uint32_t request, arpreq* r, uint32_t* out_length = nullptr) {
  uint32_t ignored;
  return InterfaceIoctl(request, reinterpret_cast<uint8_t*>(r), sizeof *r, false,
                        out_length != nullptr ? out_length : &ignored);
}

std::string ProcNetArp() {
  std::string text(4096, '\0');
  int n = RenderProcNet(netproto::kProcNetArp, text.data(), static_cast<uint32_t>(text.size()));
  EXPECT_GE(n, 0);
  text.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return text;
}

class ArpIoctlTest : public LinkHarness {};

TEST_F(ArpIoctlTest, SetGetDeleteAPermanentEntry) {
  arpreq r = Req("10.0.2.77");
  ASSERT_EQ(Ioctl(SIOCSARP, &r), 0);
  arpreq got = Req("10.0.2.77");
  memset(&got.arp_ha, 0, sizeof got.arp_ha);
  got.arp_flags = 0;
  uint32_t length = 0;
  ASSERT_EQ(Ioctl(SIOCGARP, &got, &length), 0);
  EXPECT_EQ(length, sizeof(arpreq));
  EXPECT_EQ(got.arp_ha.sa_family, ARPHRD_ETHER);
  EXPECT_EQ(memcmp(got.arp_ha.sa_data, kPeerMac, 6), 0);
  EXPECT_EQ(got.arp_flags, ATF_COM | ATF_PERM);
  EXPECT_STREQ(got.arp_dev, "eth0");
  std::string table = ProcNetArp();
  EXPECT_NE(
      table.find("10.0.2.77        0x1         0x6         02:00:00:aa:bb:cc     *        eth0"),
      std::string::npos)
      << table;
  ASSERT_EQ(Ioctl(SIOCDARP, &r), 0);
  EXPECT_EQ(Ioctl(SIOCGARP, &got), -ENXIO);
  EXPECT_EQ(Ioctl(SIOCDARP, &r), -ENXIO);
  EXPECT_EQ(ProcNetArp().find("10.0.2.77"), std::string::npos);
}

TEST_F(ArpIoctlTest, ALearntEntryIsReadAndDeleted) {
  ip4_addr_t ip;
  IP4_ADDR(&ip, 10, 0, 2, 88);
  struct eth_addr mac;
  memcpy(mac.addr, kPeerMac, 6);
  // What an ARP reply leaves: a dynamic entry (through lwIP's input path).
  uint8_t frame[42] = {};
  memcpy(frame, kMac, 6);
  memcpy(frame + 6, kPeerMac, 6);
  frame[12] = 0x08, frame[13] = 0x06;                          // ARP
  frame[14] = 0, frame[15] = 1, frame[16] = 8, frame[17] = 0;  // Ethernet, IPv4
  frame[18] = 6, frame[19] = 4, frame[20] = 0, frame[21] = 2;  // reply
  memcpy(frame + 22, kPeerMac, 6);
  memcpy(frame + 28, &ip, 4);
  memcpy(frame + 32, kMac, 6);
  frame[38] = 10, frame[39] = 0, frame[40] = 2, frame[41] = 15;
  struct pbuf* p = pbuf_alloc(PBUF_RAW, sizeof frame, PBUF_POOL);
  ASSERT_NE(p, nullptr);
  pbuf_take(p, frame, sizeof frame);
  ASSERT_EQ(Eth().n.input(p, &Eth().n), ERR_OK);

  arpreq got = Req("10.0.2.88");
  ASSERT_EQ(Ioctl(SIOCGARP, &got), 0);
  EXPECT_EQ(got.arp_flags, ATF_COM) << "learnt, not permanent";
  arpreq del = Req("10.0.2.88");
  ASSERT_EQ(Ioctl(SIOCDARP, &del), 0);
  EXPECT_EQ(Ioctl(SIOCGARP, &got), -ENXIO);
}

TEST_F(ArpIoctlTest, BadRequestsGetLinuxsErrors) {
  arpreq r = Req("10.0.2.77");
  r.arp_pa.sa_family = AF_INET6;
  EXPECT_EQ(Ioctl(SIOCSARP, &r), -EPFNOSUPPORT);
  r = Req("10.0.2.77", "eth9");
  EXPECT_EQ(Ioctl(SIOCSARP, &r), -ENODEV);
  r = Req("10.0.2.77");
  r.arp_ha.sa_family = ARPHRD_LOOPBACK;
  EXPECT_EQ(Ioctl(SIOCSARP, &r), -EINVAL);
  r = Req("10.0.2.77");
  r.arp_ha.sa_data[0] = 0x01;  // multicast
  EXPECT_EQ(Ioctl(SIOCSARP, &r), -EINVAL);
  r = Req("10.0.2.77");
  r.arp_flags |= ATF_PUBL;
  EXPECT_EQ(Ioctl(SIOCSARP, &r), -EOPNOTSUPP);
  r = Req("10.0.2.77");
  uint32_t length = 0;
  EXPECT_EQ(InterfaceIoctl(SIOCSARP, reinterpret_cast<uint8_t*>(&r), sizeof r - 1, false, &length),
            -EINVAL);
  EXPECT_EQ(ProcNetArp().find("10.0.2.77"), std::string::npos) << "nothing was added";
}

}  // namespace
}  // namespace netserver::test
