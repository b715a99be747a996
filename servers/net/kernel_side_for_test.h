#pragma once

// For the server's host tests: a Dispatcher driven through netproto as the
// kernel drives it (requests with txids, a data area, replies and readiness
// events collected per batch). Each test fixture derives from it and adds
// its own lwIP set-up. Checks as it goes that no event follows a reply in
// one batch (the dispatcher's promise: events first).

#include <gtest/gtest.h>
#include <stdint.h>
#include <string.h>

#include <map>
#include <vector>

#include "abi/tessera/netproto.h"
#include "servers/net/dispatcher.h"

namespace netserver::test {

class KernelSide {
 protected:
  /// `slot`: the data-area slot requests use; `first_id`: socket ids start after it.
  KernelSide(uint32_t slot, uint64_t first_id)
      : area_(netproto::kDataAreaSize),
        dispatcher_(area_.data()),
        slot_(slot),
        next_id_(first_id) {}

  void Collect() {
    netproto::Delivery batch[netproto::kMaxDeliveries];
    for (;;) {
      size_t n = dispatcher_.TakeBatch(batch, netproto::kMaxDeliveries);
      if (n == 0) break;
      bool saw_reply = false;
      for (size_t i = 0; i < n; ++i) {
        if (batch[i].kind == netproto::kEvent) {
          readiness_[batch[i].id] = batch[i].value;
          ASSERT_FALSE(saw_reply) << "an event came after a reply in one batch";
        } else {
          replies_[static_cast<uint32_t>(batch[i].id)] = batch[i];
          saw_reply = true;
        }
      }
    }
  }

  // A request as the kernel sends it; returns the reply.
  netproto::Delivery Call(netproto::Op op, uint64_t socket, std::vector<uint64_t> args = {},
                          const std::vector<uint8_t>& address = {},
                          const std::vector<uint8_t>& data_in = {}, uint32_t room = 0,
                          int flags = 0) {
    netproto::Request r{};
    r.magic = netproto::kMagic;
    r.op = op;
    r.socket = socket;
    for (size_t i = 0; i < args.size() && i < 3; ++i) r.arg[i] = args[i];
    r.slot = netproto::kNoSlot;
    if (!data_in.empty() || room != 0) {
      r.slot = slot_;
      r.length = data_in.empty() ? room : static_cast<uint32_t>(data_in.size());
      if (!data_in.empty()) memcpy(Slot(), data_in.data(), data_in.size());
    }
    r.flags = flags;
    r.address_length = static_cast<uint32_t>(address.size());
    if (!address.empty()) memcpy(r.address, address.data(), address.size());
    uint32_t txid = ++txid_;
    dispatcher_.Handle(reinterpret_cast<const uint8_t*>(&r), sizeof r, txid);
    Collect();
    EXPECT_EQ(replies_.count(txid), 1u) << "no reply for op " << op;
    return replies_[txid];
  }

  // kClose is one-way (txid 0), as the kernel posts it.
  void Close(uint64_t socket) {
    netproto::Request r{};
    r.magic = netproto::kMagic;
    r.op = netproto::kClose;
    r.socket = socket;
    r.slot = netproto::kNoSlot;
    dispatcher_.Handle(reinterpret_cast<const uint8_t*>(&r), sizeof r, 0);
    Collect();
  }

  uint8_t* Slot() { return area_.data() + size_t{slot_} * netproto::kSlotSize; }

  std::vector<uint8_t> area_;
  Dispatcher dispatcher_;
  std::map<uint64_t, uint64_t> readiness_;
  std::map<uint32_t, netproto::Delivery> replies_;
  uint32_t txid_ = 0;
  const uint32_t slot_;
  uint64_t next_id_;
};

}  // namespace netserver::test
