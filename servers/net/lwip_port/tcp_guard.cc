// LWIP_HOOK_TCP_INPACKET_PCB: a guard in front of lwIP 2.1.3's tcp_receive,
// for four faults frame_input_fuzz found (README.md, Findings).
//
// 1. tcp_receive trims a segment that starts before rcv_nxt with
// TCP_SEQ_BETWEEN(rcv_nxt, seqno + 1, seqno + len - 1), comparisons that are
// ambiguous at a distance of exactly 2^31: a segment of sequence length 1 (a
// lone FIN, SYN or data byte) at rcv_nxt + 2^31 passes the test and fails
// LWIP_ASSERT("insane offset!") (tcp_in.c), which aborts the server; with
// assertions off lwIP would take it as in-sequence. Found by
// frame_input_fuzz. No window reaches that far (RFC 7323 caps windows below
// 2^30), so segments of a synchronized connection 2^30 or more from rcv_nxt
// either way are dropped here, before lwIP compares them. lwIP would have
// answered them with an ACK; dropping them silently is what RFC 5961 allows
// for blind, out-of-window segments.
//
// 2. While the peer's window is closed, lwIP's persist timer probes with the
// first unsent segment (tcp_zero_window_probe sends its first byte, or its
// FIN). When the peer acknowledges a probe that was that segment's whole
// length (one byte, or a FIN), tcp_receive frees the segment but leaves the
// persist timer on, and the next tcp_slowtmr fails
// LWIP_ASSERT("tcp_slowtimr: persist ticking with empty send buffer")
// (tcp.c): one peer's zero window and ACK abort the server. So before an ACK
// that acknowledges new data is processed, the persist timer is stopped;
// tcp_input calls tcp_output after every segment, which starts it again
// (from the first backoff step) if data is still waiting for the window.
//
// 3. tcp_write cuts segments to mss_local = min(mss, snd_wnd_max / 2), where
// snd_wnd_max is the largest window the peer announced, and takes 0 to mean
// "use the MSS". A peer that announces a zero window at first (in its SYN)
// and a small one later makes mss_local shrink below the segments already
// queued, and the next tcp_write fails LWIP_ASSERT("mss_local is too
// small") (tcp_out.c). So before a segment is processed, a snd_wnd_max of 0
// becomes 2 * mss: the same mss_local, and one a later small window cannot
// shrink (snd_wnd_max only grows).
//
// 4. tcp_parseopt applies an MSS option in any segment, not only in a SYN
// (RFC 9293 3.7.1: it is sent only in SYNs), so a peer can lower pcb->mss
// under segments already queued, and tcp_write fails "mss_local is too
// small" or "inconsistent oversize vs. space" (tcp_out.c). MSS options of
// segments without SYN are overwritten with NOPs here (the checksum has been
// verified already), so lwIP ignores them as the RFC says.
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "servers/net/lwip_port/port_hooks.h"

namespace {

constexpr uint8_t kOptEnd = 0, kOptNop = 1, kOptMss = 2, kOptMssLen = 4;

// Option byte `i`: the first opt1len bytes follow the header, the rest (when
// the options straddle two pbufs) start at opt2 (as tcp_in.c reads them).
uint8_t* OptionByte(tcp_hdr* hdr, uint16_t opt1len, uint8_t* opt2, uint16_t i) {
  if (opt2 == nullptr || i < opt1len) return reinterpret_cast<uint8_t*>(hdr) + TCP_HLEN + i;
  return opt2 + (i - opt1len);
}

// Turns every well-formed MSS option into four NOPs, walking the options as
// tcp_parseopt does (it stops at an end marker or a malformed length).
void IgnoreMssOptions(tcp_hdr* hdr, uint16_t optlen, uint16_t opt1len, uint8_t* opt2) {
  for (uint16_t i = 0; i < optlen;) {
    const uint8_t kind = *OptionByte(hdr, opt1len, opt2, i);
    if (kind == kOptEnd) return;
    if (kind == kOptNop) {
      ++i;
      continue;
    }
    if (i + 1 >= optlen) return;
    const uint8_t len = *OptionByte(hdr, opt1len, opt2, static_cast<uint16_t>(i + 1));
    if (kind == kOptMss) {
      if (len != kOptMssLen || i + kOptMssLen > optlen) return;  // lwIP stops here too
      for (uint16_t k = 0; k < kOptMssLen; ++k) {
        *OptionByte(hdr, opt1len, opt2, static_cast<uint16_t>(i + k)) = kOptNop;
      }
    } else if (len < 2) {
      return;
    }
    i = static_cast<uint16_t>(i + len);
  }
}

}  // namespace

extern "C" int8_t lwip_port_tcp_inpacket(tcp_pcb* pcb, tcp_hdr* hdr, uint16_t optlen,
                                         uint16_t opt1len, uint8_t* opt2, const pbuf*) {
  if ((TCPH_FLAGS(hdr) & TCP_SYN) == 0 && optlen > 0) IgnoreMssOptions(hdr, optlen, opt1len, opt2);
  // Only `state` may be read before it is known: for LISTEN, `pcb` is a
  // smaller tcp_pcb_listen. Before SYN_RCVD rcv_nxt means nothing yet.
  if (pcb->state < SYN_RCVD) return ERR_OK;
  constexpr uint32_t kFarthest = 1u << 30;
  // tcp_input has turned the header's fields to host byte order already.
  const uint32_t seqno = hdr->seqno;
  const uint32_t ahead = seqno - pcb->rcv_nxt;
  const uint32_t behind = pcb->rcv_nxt - seqno;
  if (ahead >= kFarthest && behind >= kFarthest) {
    TCP_STATS_INC(tcp.drop);  // lwIP counts no drop for a hook's refusal
    return ERR_VAL;
  }
  if (pcb->snd_wnd_max == 0) pcb->snd_wnd_max = 2u * pcb->mss;
  if (pcb->persist_backoff > 0 && (TCPH_FLAGS(hdr) & TCP_ACK) != 0 &&
      TCP_SEQ_GT(hdr->ackno, pcb->lastack) && TCP_SEQ_LEQ(hdr->ackno, pcb->snd_nxt)) {
    pcb->persist_backoff = 0;
  }
  return ERR_OK;
}
