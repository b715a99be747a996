// lwip_link_check: proves that @lwip//:lwip compiles and links into a Tessera
// user program (static musl, the q35 user toolchain), and does one real thing
// with it when run: a UDP datagram from 127.0.0.1 to itself through lwIP's
// loopback netif. Prints one result line; exits 0 only if the datagram came
// back intact.
#include <stdio.h>
#include <string.h>

#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "servers/net/lwip_port/port.h"

namespace {

constexpr char kPayload[] = "tessera lwip link check";
bool g_received = false;

void OnReceive(void*, udp_pcb*, pbuf* p, const ip_addr_t*, u16_t) {
  char buf[sizeof(kPayload)] = {};
  g_received = p->tot_len == sizeof(kPayload) &&
               pbuf_copy_partial(p, buf, sizeof(buf), 0) == sizeof(buf) &&
               memcmp(buf, kPayload, sizeof(buf)) == 0;
  pbuf_free(p);
}

}  // namespace

int main() {
  if (!lwip_port::InitSecrets()) {
    perror("lwip_link_check: getrandom");
    return 1;
  }
  lwip_init();
  udp_pcb* pcb = udp_new_ip_type(IPADDR_TYPE_V4);
  if (pcb == nullptr || udp_bind(pcb, IP4_ADDR_ANY, 7) != ERR_OK) {
    printf("lwip_link_check: FAIL (udp_bind)\n");
    return 1;
  }
  udp_recv(pcb, OnReceive, nullptr);
  pbuf* p = pbuf_alloc(PBUF_TRANSPORT, sizeof(kPayload), PBUF_RAM);
  if (p == nullptr) return 1;
  memcpy(p->payload, kPayload, sizeof(kPayload));
  ip_addr_t loopback;
  ip_addr_set_loopback(0, &loopback);
  err_t err = udp_sendto(pcb, p, &loopback, 7);
  pbuf_free(p);
  netif_poll_all();
  sys_check_timeouts();
  udp_remove(pcb);
  bool ok = err == ERR_OK && g_received;
  printf("lwip_link_check: %s\n", ok ? "ok" : "FAIL");
  return ok ? 0 : 1;
}
