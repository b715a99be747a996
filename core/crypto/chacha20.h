#pragma once

// ChaCha20 (RFC 8439 §2.3) and the kernel's CSPRNG built on it, which feeds
// /dev/random, /dev/urandom (and later getrandom(2) and AT_RANDOM).
//
// Csprng design ("fast key erasure", as in Bernstein's 2017 note and the
// Linux 5.17+ random.c in spirit; written from the description, no code
// taken):
// - State: a 256-bit key and a 64-bit generation counter.
// - Generate(out): computes ChaCha20 blocks under the key with nonce =
//   generation; the first 32 bytes of block 0 become the next key at once,
//   the remaining keystream is the output. The old key is then overwritten, so
//   a later compromise of the state reveals nothing about earlier output.
// - Mix(data): folds bytes in 32 at a time: key = first 32 bytes of
//   ChaCha20(key XOR chunk, nonce = "mix" domain). Used for reseeding from
//   the entropy source and for writes to /dev/random (which, like Linux,
//   credit no entropy).
// - Seeding: Seed() asks the EntropySource (kernel: hal::GatherEntropy,
//   RDRAND and TSC jitter; tests: a fixed fake) for 64 bytes and
//   mixes them in; the generator counts as seeded once the source has
//   delivered at least 32 bytes in total. Generate reseeds from the source
//   every kReseedInterval output bytes.
// - /dev/urandom never blocks (unseeded it still produces output from
//   whatever was mixed in, like Linux before crng init); /dev/random reports
//   kAgain until seeded.
//
// Thread safety: Csprng methods take its own leaf lock. Generation runs with
// the lock held; callers generate at most a bounce buffer at a time.

#include <stddef.h>
#include <stdint.h>

#include "core/sync/spin_lock.h"
#include "kstd/span.h"

namespace core::crypto {

/// One 64-byte ChaCha20 block: key (8 words), 32-bit block counter, 96-bit
/// nonce (3 words), serialized little-endian as RFC 8439 §2.3 specifies.
void ChaCha20Block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3],
                   uint8_t out[64]);

/// Fills `out` with true entropy as far as the source can.
class EntropySource {
 public:
  /// Writes up to out.size() bytes and returns how many are real entropy.
  virtual size_t Gather(kstd::Span<uint8_t> out) = 0;

 protected:
  ~EntropySource() = default;
};

class Csprng {
 public:
  static constexpr size_t kSeedBytes = 32;
  static constexpr uint64_t kReseedInterval = 1 << 20;

  /// `source` may be null (then only Mix feeds the generator).
  explicit Csprng(EntropySource* source) : source_(source) {}
  Csprng(const Csprng&) = delete;
  Csprng& operator=(const Csprng&) = delete;
  ~Csprng();

  /// Pulls entropy from the source and mixes it in. Returns true if the
  /// generator is seeded afterwards.
  bool Seed();
  bool seeded() const;
  /// Fills `out` with pseudo-random bytes (never fails).
  void Generate(kstd::Span<uint8_t> out);
  /// Mixes caller data into the key without crediting entropy.
  void Mix(kstd::Span<const uint8_t> data);

 private:
  void MixLocked(const uint8_t* data, size_t size) REQUIRES(lock_);
  void SeedLocked() REQUIRES(lock_);

  mutable SpinLock lock_;
  EntropySource* const source_;
  uint32_t key_[8] GUARDED_BY(lock_) = {};
  uint64_t generation_ GUARDED_BY(lock_) = 0;
  uint64_t since_reseed_ GUARDED_BY(lock_) = 0;
  uint64_t entropy_bytes_ GUARDED_BY(lock_) = 0;
};

}  // namespace core::crypto
