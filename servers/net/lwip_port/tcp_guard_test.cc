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

// A header followed by its options in one buffer, as lwIP sees a segment.
struct WithOptions {
  alignas(4) uint8_t bytes[TCP_HLEN + 40] = {};
  tcp_hdr* hdr() { return reinterpret_cast<tcp_hdr*>(bytes); }
  uint8_t* opts() { return bytes + TCP_HLEN; }
};

TEST(TcpGuard, MssOptionOutsideSynIsIgnored) {
  Segment s;
  for (uint8_t flags : {uint8_t{TCP_ACK}, uint8_t{TCP_SYN | TCP_ACK}}) {
    WithOptions w;
    const uint8_t opts[] = {1, 1, 4, 2, 2, 4, 0x01, 0x00, 3, 3, 7, 0};  // NOP NOP SACKP MSS WS
    memcpy(w.opts(), opts, sizeof(opts));
    w.hdr()->seqno = 1000;
    w.hdr()->ackno = 5000;
    TCPH_HDRLEN_FLAGS_SET(w.hdr(), 5 + 3, flags);
    EXPECT_EQ(lwip_port_tcp_inpacket(&s.pcb, w.hdr(), 12, 12, nullptr, nullptr), ERR_OK);
    if (flags & TCP_SYN) {
      EXPECT_EQ(memcmp(w.opts(), opts, sizeof(opts)), 0);
    } else {
      const uint8_t want[] = {1, 1, 4, 2, 1, 1, 1, 1, 3, 3, 7, 0};
      EXPECT_EQ(memcmp(w.opts(), want, sizeof(want)), 0);
    }
  }
}

TEST(TcpGuard, MssOptionSplitAcrossPbufsIsIgnored) {
  Segment s;
  WithOptions w;
  uint8_t second[2] = {0x05, 0xb4};
  const uint8_t first[] = {2, 4};
  memcpy(w.opts(), first, sizeof(first));
  w.hdr()->seqno = 1000;
  w.hdr()->ackno = 5000;
  TCPH_HDRLEN_FLAGS_SET(w.hdr(), 6, TCP_ACK);
  EXPECT_EQ(lwip_port_tcp_inpacket(&s.pcb, w.hdr(), 4, 2, second, nullptr), ERR_OK);
  EXPECT_EQ(w.opts()[0], 1);
  EXPECT_EQ(w.opts()[1], 1);
  EXPECT_EQ(second[0], 1);
  EXPECT_EQ(second[1], 1);
}

TEST(TcpGuard, MalformedMssOptionIsLeftForLwipToStopAt) {
  Segment s;
  WithOptions w;
  const uint8_t opts[] = {2, 3, 0x05, 0xb4};
  memcpy(w.opts(), opts, sizeof(opts));
  w.hdr()->seqno = 1000;
  w.hdr()->ackno = 5000;
  TCPH_HDRLEN_FLAGS_SET(w.hdr(), 6, TCP_ACK);
  EXPECT_EQ(lwip_port_tcp_inpacket(&s.pcb, w.hdr(), 4, 4, nullptr, nullptr), ERR_OK);
  EXPECT_EQ(memcmp(w.opts(), opts, sizeof(opts)), 0);
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
