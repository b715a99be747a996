// lwIP 2.1.3's configuration for Tessera's net server (every option not set
// here keeps lwIP's default from src/include/lwip/opt.h). The server runs
// lwIP's raw API in one single-threaded event loop (NO_SYS): it calls
// netif->input for received frames, netif_poll_all() for the loopback queue
// and sys_check_timeouts() when sys_timeouts_sleeptime() says so. Sizes are
// for 64+ concurrent TCP connections each with a 128 KiB scaled receive window
// and a 128 KiB send buffer; the pools and heap are static (BSS, so untouched
// pages cost a Tessera process nothing). README.md explains the choices.
#pragma once

// ---- System: no threads, no OS layer ----------------------------------------
#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0  // one thread: nothing to protect against
#define LWIP_TIMERS 1           // sys_check_timeouts() over sys_now() (clock.cc)
#define LWIP_SOCKET 0           // the Linux socket layer is Tessera's own
#define LWIP_NETCONN 0
#define LWIP_NETIF_API 0

// ---- Memory ---------------------------------------------------------------
#define MEM_ALIGNMENT 8
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 0
// The heap: PBUF_RAM for TCP's send queues (tcp_write copies), loopback
// copies and the server's own outgoing datagrams. 64 x 128 KiB of send buffer
// plus headroom.
#define MEM_SIZE (24 * 1024 * 1024)
// Received frames (the driver fills PBUF_POOL pbufs): enough to hold every
// window of 64 connections' worth of in-flight data plus reassembly.
#define PBUF_POOL_SIZE 6144
#define PBUF_POOL_BUFSIZE 1536  // a full Ethernet frame (1514) in one pbuf
#define MEMP_NUM_PBUF 1024      // PBUF_ROM/PBUF_REF (zero-copy writes)
#define MEMP_NUM_RAW_PCB 32
#define MEMP_NUM_UDP_PCB 128
#define MEMP_NUM_TCP_PCB 512  // 64+ live connections, their TIME_WAITs and half-open ones
#define MEMP_NUM_TCP_PCB_LISTEN 64
#define MEMP_NUM_TCP_SEG (64 * TCP_SND_QUEUELEN)  // every send queue full
#define MEMP_NUM_REASSDATA 32
#define MEMP_NUM_FRAG_PBUF 256
#define MEMP_NUM_ARP_QUEUE 128
#define MEMP_NUM_IGMP_GROUP 16
#define MEMP_NUM_ND6_QUEUE 64
#define MEMP_NUM_MLD6_GROUP 16
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 16)

// ---- Link layer -------------------------------------------------------------
#define LWIP_ETHERNET 1
#define LWIP_ARP 1
#define ARP_TABLE_SIZE 64
#define ARP_QUEUEING 1  // queue every packet sent while ARP resolves, not just the last
#define ETHARP_SUPPORT_STATIC_ENTRIES 1
#define ETH_PAD_SIZE 0

// ---- Network interfaces -----------------------------------------------------
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_EXT_STATUS_CALLBACK 1
#define LWIP_NETIF_HOSTNAME 1      // DHCP option 12
#define LWIP_HAVE_LOOPIF 1         // "lo": 127.0.0.1 and ::1
#define LWIP_NETIF_LOOPBACK 1      // packets to the netif's own address loop back
#define LWIP_LOOPBACK_MAX_PBUFS 0  // no cap: TCP's windows bound the queue

// ---- IPv4 -------------------------------------------------------------------
#define LWIP_IPV4 1
#define IP_DEFAULT_TTL 64  // Linux's net.ipv4.ip_default_ttl
#define IP_FORWARD 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define IP_REASS_MAX_PBUFS 128   // a 64 KiB datagram is 45 fragments
#define IP_SOF_BROADCAST 1       // sending to a broadcast address needs SO_BROADCAST
#define IP_SOF_BROADCAST_RECV 0  // as Linux: receiving broadcasts does not
#define LWIP_ICMP 1
#define LWIP_BROADCAST_PING 1
#define LWIP_MULTICAST_PING 1
#define LWIP_RAW 1
#define LWIP_IGMP 1
#define LWIP_MULTICAST_TX_OPTIONS 1
#define LWIP_DHCP 1
#define DHCP_DOES_ARP_CHECK 1
#define LWIP_DHCP_GET_NTP_SRV 0
#define LWIP_AUTOIP 0
#define LWIP_DNS 0  // name resolution is the C library's business

// ---- IPv6 -------------------------------------------------------------------
#define LWIP_IPV6 1
#define LWIP_IPV6_NUM_ADDRESSES 4  // link-local, SLAAC and a static or two
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_SEND_ROUTER_SOLICIT 1
#define LWIP_IPV6_MLD 1
#define LWIP_ND6_ALLOW_RA_UPDATES 1
// Off: lwIP 2.1.3's ip6_frag walks off the end of a TCP segment's pbuf
// chain (ip6_frag.c, a null pbuf dereferenced: the server crashes) when a
// segment is larger than the path MTU, which a peer can arrange (found by
// frame_input_fuzz; reproducer testdata/frame_input_corpus/repro_ip6_frag_oversize_segment).
// Without it an IPv6 packet larger than the path MTU is dropped at the
// link instead: TCP sizes its segments by the path MTU (Linux peers
// announce MSS 1440 over IPv6), a UDP datagram over 1452 bytes on IPv6
// fails with ENOBUFS (Linux would fragment it). Reassembly stays on.
#define LWIP_IPV6_FRAG 0
#define LWIP_IPV6_REASS 1
#define IPV6_FRAG_COPYHEADER 1  // 64-bit pointers do not fit in the fragment header
#define LWIP_IPV6_DHCP6 0
#define LWIP_ICMP6 1

// ---- UDP --------------------------------------------------------------------
#define LWIP_UDP 1
#define LWIP_UDPLITE 0
#define LWIP_NETBUF_RECVINFO 0

// ---- TCP --------------------------------------------------------------------
#define LWIP_TCP 1
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 2  // windows up to 256 KiB
#define TCP_WND (128 * 1024)
#define TCP_SND_BUF (128 * 1024)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
#define TCP_SNDLOWAT (16 * 1024)  // unused without sockets; must fit lwIP's u16 check
#define TCP_SNDQUEUELOWAT (TCP_SND_QUEUELEN / 2)
#define TCP_QUEUE_OOSEQ 1
#define LWIP_TCP_SACK_OUT 1
#define LWIP_TCP_MAX_SACK_NUM 4
// Off: lwIP 2.1.3 parses the option with `u8_t << 24` into int (tcp_in.c,
// tcp_parseopt), undefined behaviour UBSan reports on every timestamped
// segment whose value has its top bit set. Linux peers then send none.
#define LWIP_TCP_TIMESTAMPS 0
#define LWIP_TCP_KEEPALIVE 1  // TCP_KEEPIDLE/INTVL/CNT per pcb
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 0xff
#define SO_REUSE 1
#define SO_REUSE_RXTOALL 1
#define TCP_CALCULATE_EFF_SEND_MSS 1
#define LWIP_TCP_PCB_NUM_EXT_ARGS 1  // for the socket layer's per-pcb state
#define LWIP_CALLBACK_API 1

// RFC 6528 initial sequence numbers (secrets.cc).
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) \
  lwip_port_tcp_isn((local_ip), (local_port), (remote_ip), (remote_port))

// Drops segments whose sequence number is 2^30 or more away from rcv_nxt
// before lwIP's tcp_receive misjudges them (tcp_guard.cc, README.md).
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p) \
  lwip_port_tcp_inpacket((pcb), (hdr), (optlen), (opt1len), (opt2), (p))

// ---- Checksums: all generated and checked in software (no offload) ----------
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_GEN_ICMP 1
#define CHECKSUM_GEN_ICMP6 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_ICMP 1
#define CHECKSUM_CHECK_ICMP6 1
#define LWIP_CHECKSUM_CTRL_PER_NETIF 0

// ---- Statistics (the server's /proc/net/snmp and /proc/net/snmp6) ------------
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
#define MIB2_STATS 1
#define LINK_STATS 1
#define ETHARP_STATS 1
#define IP_STATS 1
#define IPFRAG_STATS 1
#define ICMP_STATS 1
#define IGMP_STATS 1
#define UDP_STATS 1
#define TCP_STATS 1
#define MEM_STATS 1
#define MEMP_STATS 1
#define SYS_STATS 0
#define IP6_STATS 1
#define ICMP6_STATS 1
#define IP6_FRAG_STATS 1
#define MLD6_STATS 1
#define ND6_STATS 1

// ---- Debugging --------------------------------------------------------------
// LWIP_ASSERT stays on in every build (arch/cc.h: log and abort).
#define LWIP_DBG_MIN_LEVEL LWIP_DBG_LEVEL_ALL
#define LWIP_DBG_TYPES_ON LWIP_DBG_OFF
