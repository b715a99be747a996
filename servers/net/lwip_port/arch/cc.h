// lwIP's architecture header for Tessera's net server (lwIP 2.1.3,
// src/include/lwip/arch.h names what it may define). The same header serves
// the host (tests, fuzzers: glibc) and Tessera (static musl): both are LP64
// little-endian x86-64 with a full C library, so lwIP's defaults for the
// integer types, printf formats and <ctype.h> hold; only the byte order, the
// diagnostics and randomness are ours.
#pragma once

#include <endian.h>

#include "port_hooks.h"

#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif
#if BYTE_ORDER != LITTLE_ENDIAN
#error "Tessera's lwIP port assumes a little-endian machine"
#endif

// A failed LWIP_ASSERT logs the message, file and line to stderr and aborts
// the process: never silent, never carried on past (init restarts the server).
#define LWIP_PLATFORM_ASSERT(message) lwip_port_assert_failed((message), __FILE__, __LINE__)

// Diagnostics (only with LWIP_DEBUG): x is a parenthesised printf argument list.
#define LWIP_PLATFORM_DIAG(x) \
  do {                        \
    lwip_port_diag x;         \
  } while (0)

// Random numbers for ephemeral ports, DHCP/DHCPv6 transaction ids and the
// IGMP/MLD report delays: a keyed hash of a counter (port_random.cc).
#define LWIP_RAND() lwip_port_rand()
