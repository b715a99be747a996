// The board's frameproto::Os: lib/tessera's system calls.

#include <sys/mman.h>

#include "abi/linux/mman.h"
#include "lib/frameproto/client.h"
#include "lib/frameproto/os.h"
#include "lib/tessera/process.h"
#include "lib/tessera/syscalls.h"

namespace frameproto {
namespace {

namespace sys = tessera::sys;

kstd::Error ErrorOf(int64_t r) { return static_cast<kstd::Error>(-r); }

class KernelOs final : public Os {
 public:
  kstd::Result<void> Call(tessera::handle_t channel, const void* request, uint32_t request_bytes,
                          void* reply, uint32_t reply_capacity, uint32_t* reply_bytes,
                          tessera::handle_t* handles, uint32_t handle_capacity,
                          uint32_t* handle_count, int64_t deadline) override {
    tessera::ChannelCallArgs args{};
    args.write_bytes = request;
    args.write_num_bytes = request_bytes;
    args.read_bytes = reply;
    args.read_bytes_capacity = reply_capacity;
    args.read_handles = handles;
    args.read_handles_capacity = handle_capacity;
    args.deadline = deadline;
    int64_t r = sys::ChannelCall(channel, &args);
    *reply_bytes = r >= 0 ? args.actual_bytes : 0;
    *handle_count = r >= 0 ? args.actual_handles : 0;
    if (r < 0) return ErrorOf(r);
    return kstd::Ok();
  }
  kstd::Result<uint8_t*> Map(tessera::handle_t vmo, uint64_t bytes) override {
    int64_t r = sys::VmoMap(vmo, 0, bytes, linux_abi::kProtRead | linux_abi::kProtWrite, 0,
                            tessera::kVmoMapShared);
    if (r < 0) return ErrorOf(r);
    return reinterpret_cast<uint8_t*>(r);
  }
  void Unmap(uint8_t* address, uint64_t bytes) override { munmap(address, bytes); }
  void Close(tessera::handle_t handle) override { sys::HandleClose(handle); }
  void Signal(tessera::handle_t handle) override { (void)sys::NotificationSignal(handle, 1); }
  uint64_t Take(tessera::handle_t handle) override {
    uint64_t bits = 0;
    if (sys::NotificationTake(handle, &bits) < 0) return 0;
    return bits;
  }
  int64_t Now() override { return tessera::NowNs(); }
};

}  // namespace

Os& TesseraOs() {
  static KernelOs os;
  return os;
}

kstd::Result<Client*> Client::Attach(tessera::handle_t channel) {
  return Attach(channel, TesseraOs());
}

}  // namespace frameproto
