#pragma once

// init::Liveness: when init pings a supervised service over its control
// channel (abi/tessera/controlproto.h) and when a service that does not
// answer counts as hung. Pure logic on monotonic timestamps (host-tested);
// the StorageStack (storage.h) sends the pings, reads the pongs and kills.
//
//   - Start(now): a service (re)started; its first ping is due one interval
//     later.
//   - One ping at a time: Due() says kPing (with a fresh txid) when the
//     interval since the last answer (or the start) has passed and no ping
//     is outstanding; kHung when the outstanding ping is older than the
//     deadline. After kHung the service is no longer watched (until Start).
//   - OnPong(txid): only the outstanding ping's txid counts; a stale,
//     repeated or invented txid changes nothing (a confused service cannot
//     buy itself time with pongs it was not asked for).
//
// A busy service is not hung: the services answer from their main loops
// whenever they wait, also with requests in flight (the fs server while its
// block requests are at the driver). The deadline is about silence of the
// loop itself, so it is several intervals long to allow for TCG and for
// init's own delays (init reads the pongs before it checks the deadline).

#include <stdint.h>

namespace init {

class Liveness {
 public:
  struct Config {
    int64_t interval_ns = 2'000'000'000;  // from an answer (or the start) to the next ping
    int64_t deadline_ns = 5'000'000'000;  // from a ping to "hung"
  };
  enum class Action : uint8_t {
    kNone,  // nothing to do now
    kPing,  // send a ping with the txid given; it is outstanding from now
    kHung,  // the outstanding ping was not answered within the deadline
  };

  static constexpr int64_t kNever = INT64_MAX;

  Liveness() = default;
  explicit Liveness(const Config& config) : config_(config) {}

  /// The service (re)started at `now_ns`: watched, first ping one interval on.
  void Start(int64_t now_ns);
  /// Not watched any more (the service ended or is being replaced).
  void Stop();
  bool watching() const { return watching_; }

  /// What to do at `now_ns`. kPing: *txid (not 0) is the ping to send, now
  /// outstanding. kHung: stops watching.
  Action Due(int64_t now_ns, uint64_t* txid);
  /// A pong with `txid` arrived at `now_ns`. True when it answers the
  /// outstanding ping (then the next ping is due one interval on).
  bool OnPong(uint64_t txid, int64_t now_ns);

  /// When Due has something to do (kNever when not watching).
  int64_t NextDeadline() const;

  const Config& config() const { return config_; }

 private:
  Config config_;
  bool watching_ = false;
  bool outstanding_ = false;
  uint64_t txid_ = 0;         // the outstanding ping's (or the last one's) txid
  int64_t sent_at_ns_ = 0;    // when the outstanding ping was sent
  int64_t next_ping_ns_ = 0;  // when the next ping is due (no ping outstanding)
};

}  // namespace init
