#include "init/liveness.h"

namespace init {
namespace {

int64_t AddClamped(int64_t a, int64_t b) {
  return a > Liveness::kNever - b ? Liveness::kNever : a + b;
}

}  // namespace

void Liveness::Start(int64_t now_ns) {
  watching_ = true;
  outstanding_ = false;
  next_ping_ns_ = AddClamped(now_ns, config_.interval_ns);
}

void Liveness::Stop() {
  watching_ = false;
  outstanding_ = false;
}

Liveness::Action Liveness::Due(int64_t now_ns, uint64_t* txid) {
  if (!watching_) return Action::kNone;
  if (outstanding_) {
    if (now_ns < AddClamped(sent_at_ns_, config_.deadline_ns)) return Action::kNone;
    Stop();
    return Action::kHung;
  }
  if (now_ns < next_ping_ns_) return Action::kNone;
  if (++txid_ == 0) ++txid_;  // 0 never names a ping
  outstanding_ = true;
  sent_at_ns_ = now_ns;
  *txid = txid_;
  return Action::kPing;
}

bool Liveness::OnPong(uint64_t txid, int64_t now_ns) {
  if (!watching_ || !outstanding_ || txid != txid_) return false;
  outstanding_ = false;
  next_ping_ns_ = AddClamped(now_ns, config_.interval_ns);
  return true;
}

int64_t Liveness::NextDeadline() const {
  if (!watching_) return kNever;
  return outstanding_ ? AddClamped(sent_at_ns_, config_.deadline_ns) : next_ping_ns_;
}

}  // namespace init
