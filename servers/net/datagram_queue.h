#pragma once

// Received datagrams waiting for the kernel to read them (UDP and raw IP
// sockets): pbufs with their sources, in arrival order, bounded by a byte
// limit (the receive buffer; Linux drops beyond it). Reads are Linux's
// datagram reads: one datagram per call, truncated to the room given,
// MSG_PEEK leaves it queued.

#include <stdint.h>

#include "kstd/intrusive_list.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "servers/net/socket.h"

namespace netserver {

class DatagramQueue {
 public:
  explicit DatagramQueue(uint32_t limit) : limit_(limit) {}
  ~DatagramQueue();
  DatagramQueue(const DatagramQueue&) = delete;
  DatagramQueue& operator=(const DatagramQueue&) = delete;

  bool empty() const { return queue_.empty(); }
  /// The next datagram's size (0 when empty): FIONREAD on a datagram socket.
  uint32_t next_size() const;

  /// Whether `bytes` more fit under the limit.
  bool Fits(uint32_t bytes) const { return queued_bytes_ + bytes <= limit_; }
  /// Queues `data` (taken) from `from`:`port`. False (nothing taken) when it
  /// does not fit or memory is short.
  bool Push(pbuf* data, const ip_addr_t& from, uint16_t port);

  /// Copies the next datagram into `out` (at most `room` bytes) and fills
  /// `reply` (length, value = the datagram's size, the source as a socket
  /// of `family` reports it); removes it unless `peek`. Returns the bytes
  /// copied, or -1 when the queue is empty.
  int Take(int family, uint8_t* out, uint32_t room, bool peek, Reply* reply);

 private:
  struct Datagram {
    pbuf* data;
    ip_addr_t from;
    uint16_t port;
    kstd::ListNode node;
  };

  const uint32_t limit_;
  uint32_t queued_bytes_ = 0;
  kstd::IntrusiveList<Datagram, &Datagram::node> queue_;
};

}  // namespace netserver
