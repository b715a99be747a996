#include "servers/net/datagram_queue.h"

#include "kstd/new.h"
#include "servers/net/address.h"

namespace netserver {

DatagramQueue::~DatagramQueue() {
  while (Datagram* d = queue_.PopFront()) {
    pbuf_free(d->data);
    delete d;
  }
}

uint32_t DatagramQueue::next_size() const {
  Datagram* d = queue_.Front();
  return d == nullptr ? 0 : d->data->tot_len;
}

bool DatagramQueue::Push(pbuf* data, const ip_addr_t& from, uint16_t port) {
  if (!Fits(data->tot_len)) return false;
  auto* d = new (kstd::nothrow) Datagram;
  if (d == nullptr) return false;
  d->data = data;
  d->from = from;
  d->port = port;
  queue_.PushBack(d);
  queued_bytes_ += data->tot_len;
  return true;
}

int DatagramQueue::Take(int family, uint8_t* out, uint32_t room, bool peek, Reply* reply) {
  Datagram* d = queue_.Front();
  if (d == nullptr) return -1;
  uint32_t size = d->data->tot_len;
  uint32_t n = size < room ? size : room;
  if (n != 0) pbuf_copy_partial(d->data, out, static_cast<u16_t>(n), 0);
  reply->length = n;
  reply->value = size;
  reply->address_length = FormatAddress(family, d->from, d->port, reply->address);
  if (!peek) {
    queue_.Remove(d);
    queued_bytes_ -= size;
    pbuf_free(d->data);
    delete d;
  }
  return static_cast<int>(n);
}

}  // namespace netserver
