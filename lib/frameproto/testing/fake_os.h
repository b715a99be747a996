#pragma once

// A frameproto::Os for host tests: handles name memory (a vector it keeps
// alive, or memory the test owns), notifications (pending bits and a signal
// count the test owns) or channels; a channel_call is answered by the
// `driver` function the test installs, in the same thread.

#include <gtest/gtest.h>
#include <string.h>

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "lib/frameproto/os.h"

namespace frameproto::testing {

class FakeOs final : public Os {
 public:
  struct Object {
    uint8_t* data = nullptr;  // memory
    size_t size = 0;
    std::shared_ptr<std::vector<uint8_t>> keep;
    uint64_t* bits = nullptr;  // notification
    int* signals = nullptr;
  };
  static Object Memory(std::shared_ptr<std::vector<uint8_t>> v) {
    return Object{v->data(), v->size(), v, nullptr, nullptr};
  }
  static Object Raw(uint8_t* data, size_t size) {
    return Object{data, size, nullptr, nullptr, nullptr};
  }
  static Object Notification(uint64_t* bits, int* signals) {
    return Object{nullptr, 0, nullptr, bits, signals};
  }
  static Object Channel() { return Object{}; }

  using Driver = std::function<void(AttachReply*, std::vector<tessera::handle_t>*)>;

  tessera::handle_t Add(Object o) {
    tessera::handle_t h = next_++;
    objects_[h] = o;
    return h;
  }
  size_t open_handles() const { return objects_.size(); }
  int bad_closes = 0;
  int maps = 0, unmaps = 0;
  Driver driver;  // answers kAttach
  bool peer_gone = false;

  kstd::Result<void> Call(tessera::handle_t channel, const void* request, uint32_t request_bytes,
                          void* reply, uint32_t reply_capacity, uint32_t* reply_bytes,
                          tessera::handle_t* handles, uint32_t handle_capacity,
                          uint32_t* handle_count, int64_t) override {
    *reply_bytes = 0;
    *handle_count = 0;
    if (objects_.count(channel) == 0) return kstd::Error::kBadHandle;
    if (peer_gone || !driver) return kstd::Error::kPipe;
    EXPECT_EQ(request_bytes, sizeof(AttachRequest));
    AttachRequest req;
    memcpy(&req, request, sizeof req);
    EXPECT_EQ(req.magic, kMagic);
    EXPECT_EQ(req.op, kAttach);
    AttachReply r{};
    std::vector<tessera::handle_t> hs;
    driver(&r, &hs);
    if (reply_capacity < sizeof r || handle_capacity < hs.size()) return kstd::Error::kMessageSize;
    memcpy(reply, &r, sizeof r);
    *reply_bytes = sizeof r;
    for (size_t i = 0; i < hs.size(); ++i) handles[i] = hs[i];
    *handle_count = static_cast<uint32_t>(hs.size());
    return kstd::Ok();
  }
  kstd::Result<uint8_t*> Map(tessera::handle_t vmo, uint64_t bytes) override {
    auto it = objects_.find(vmo);
    if (it == objects_.end() || it->second.data == nullptr) return kstd::Error::kBadHandle;
    if (bytes > it->second.size) return kstd::Error::kNoMemory;
    ++maps;
    return it->second.data;
  }
  void Unmap(uint8_t*, uint64_t) override { ++unmaps; }
  void Close(tessera::handle_t handle) override {
    if (objects_.erase(handle) == 0) ++bad_closes;
  }
  void Signal(tessera::handle_t handle) override {
    auto it = objects_.find(handle);
    ASSERT_NE(it, objects_.end());
    ASSERT_NE(it->second.bits, nullptr);
    *it->second.bits |= 1;
    ++*it->second.signals;
  }
  uint64_t Take(tessera::handle_t handle) override {
    auto it = objects_.find(handle);
    if (it == objects_.end() || it->second.bits == nullptr) return 0;
    uint64_t b = *it->second.bits;
    *it->second.bits = 0;
    return b;
  }
  int64_t Now() override { return 0; }

 private:
  tessera::handle_t next_ = 100;
  std::map<tessera::handle_t, Object> objects_;
};

}  // namespace frameproto::testing
