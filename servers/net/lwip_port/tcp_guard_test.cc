// The TCP input guard's two rules (tcp_guard.cc) on hand-made pcbs and
// headers: lwIP has converted the header to host byte order by the time the
// hook runs, and the hook only reads and resets fields.
#include <gtest/gtest.h>
#include <string.h>

#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "servers/net/lwip_port/port_hooks.h"

namespace lwip_port {
namespace {

struct Segment {
  tcp_pcb pcb;
  tcp_hdr hdr;

  Segment() {
    memset(&pcb, 0, sizeof(pcb));
    memset(&hdr, 0, sizeof(hdr));
    pcb.state = ESTABLISHED;
    pcb.rcv_nxt = 1000;
    pcb.lastack = 5000;
    pcb.snd_nxt = 5001;
  }

  int8_t Input(uint32_t seqno, uint32_t ackno, uint8_t flags) {
    hdr.seqno = seqno;
    hdr.ackno = ackno;
    TCPH_HDRLEN_FLAGS_SET(&hdr, 5, flags);
    return lwip_port_tcp_inpacket(&pcb, &hdr, 0, 0, nullptr, nullptr);
  }
};

TEST(TcpGuard, DropsSegmentsTwoToThe30OrMoreFromRcvNxt) {
  Segment s;
  EXPECT_EQ(s.Input(1000, 5000, TCP_ACK), ERR_OK);
  EXPECT_EQ(s.Input(1000 + (1u << 30) - 1, 5000, TCP_ACK), ERR_OK);
  EXPECT_EQ(s.Input(1000 - (1u << 30) + 1, 5000, TCP_ACK), ERR_OK);
  EXPECT_NE(s.Input(1000 + (1u << 30), 5000, TCP_ACK), ERR_OK);
  EXPECT_NE(s.Input(1000 + 0x80000000u, 5000, TCP_FIN | TCP_ACK), ERR_OK);
  EXPECT_NE(s.Input(1000 - (1u << 30), 5000, TCP_ACK), ERR_OK);
}

TEST(TcpGuard, LeavesUnsynchronizedAndListeningPcbsAlone) {
  Segment s;
  for (tcp_state state : {CLOSED, LISTEN, SYN_SENT}) {
    s.pcb.state = state;
    EXPECT_EQ(s.Input(1000 + 0x80000000u, 0, TCP_SYN), ERR_OK);
  }
  s.pcb.state = SYN_RCVD;
  EXPECT_NE(s.Input(1000 + 0x80000000u, 5001, TCP_ACK), ERR_OK);
}

TEST(TcpGuard, AckOfNewDataStopsThePersistTimer) {
  Segment s;
  s.pcb.persist_backoff = 3;
  EXPECT_EQ(s.Input(1000, 5000, TCP_ACK), ERR_OK);  // duplicate: nothing new
  EXPECT_EQ(s.pcb.persist_backoff, 3);
  EXPECT_EQ(s.Input(1000, 5002, TCP_ACK), ERR_OK);  // beyond snd_nxt
  EXPECT_EQ(s.pcb.persist_backoff, 3);
  EXPECT_EQ(s.Input(1000, 5001, 0), ERR_OK);  // no ACK flag
  EXPECT_EQ(s.pcb.persist_backoff, 3);
  EXPECT_EQ(s.Input(1000, 5001, TCP_ACK), ERR_OK);  // acknowledges the probe
  EXPECT_EQ(s.pcb.persist_backoff, 0);
}

TEST(TcpGuard, ZeroMaximumWindowBecomesTwoSegments) {
  Segment s;
  s.pcb.mss = 536;
  s.pcb.snd_wnd_max = 0;
  EXPECT_EQ(s.Input(1000, 5000, TCP_ACK), ERR_OK);
  EXPECT_EQ(s.pcb.snd_wnd_max, 2u * 536);
  s.pcb.snd_wnd_max = 300;  // a real announcement stays as it is
  EXPECT_EQ(s.Input(1000, 5000, TCP_ACK), ERR_OK);
  EXPECT_EQ(s.pcb.snd_wnd_max, 300u);
}

}  // namespace
}  // namespace lwip_port
