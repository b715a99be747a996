#include "core/crypto/chacha20.h"

namespace core::crypto {
namespace {

constexpr uint32_t Rotl(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

inline void QuarterRound(uint32_t* x, int a, int b, int c, int d) {
  x[a] += x[b];
  x[d] = Rotl(x[d] ^ x[a], 16);
  x[c] += x[d];
  x[b] = Rotl(x[b] ^ x[c], 12);
  x[a] += x[b];
  x[d] = Rotl(x[d] ^ x[a], 8);
  x[c] += x[d];
  x[b] = Rotl(x[b] ^ x[c], 7);
}

inline uint32_t LoadWord(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

// Overwrites secrets so the compiler cannot drop the stores.
void Wipe(void* p, size_t n) {
  volatile uint8_t* v = static_cast<volatile uint8_t*>(p);
  for (size_t i = 0; i < n; ++i) v[i] = 0;
}

// Nonce domains: output blocks use (generation, 0, 0); mixing uses "mix".
constexpr uint32_t kMixDomain = 0x78696d00;  // "\0mix"

}  // namespace

void ChaCha20Block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3],
                   uint8_t out[64]) {
  // RFC 8439 §2.3: "expand 32-byte k", key, counter, nonce.
  uint32_t state[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574, key[0], key[1],
                        key[2],     key[3],     key[4],     key[5],     key[6], key[7],
                        counter,    nonce[0],   nonce[1],   nonce[2]};
  uint32_t x[16];
  for (int i = 0; i < 16; ++i) x[i] = state[i];
  for (int round = 0; round < 10; ++round) {  // 20 rounds: column + diagonal
    QuarterRound(x, 0, 4, 8, 12);
    QuarterRound(x, 1, 5, 9, 13);
    QuarterRound(x, 2, 6, 10, 14);
    QuarterRound(x, 3, 7, 11, 15);
    QuarterRound(x, 0, 5, 10, 15);
    QuarterRound(x, 1, 6, 11, 12);
    QuarterRound(x, 2, 7, 8, 13);
    QuarterRound(x, 3, 4, 9, 14);
  }
  for (int i = 0; i < 16; ++i) {
    uint32_t v = x[i] + state[i];
    out[4 * i + 0] = static_cast<uint8_t>(v);
    out[4 * i + 1] = static_cast<uint8_t>(v >> 8);
    out[4 * i + 2] = static_cast<uint8_t>(v >> 16);
    out[4 * i + 3] = static_cast<uint8_t>(v >> 24);
  }
  Wipe(x, sizeof(x));
  Wipe(state, sizeof(state));
}

Csprng::~Csprng() { Wipe(key_, sizeof(key_)); }

void Csprng::MixLocked(const uint8_t* data, size_t size) {
  uint32_t nonce[3] = {kMixDomain, static_cast<uint32_t>(generation_),
                       static_cast<uint32_t>(generation_ >> 32)};
  uint8_t block[64];
  uint32_t mixed[8];
  for (size_t offset = 0; offset < size; offset += 32) {
    uint8_t chunk[32] = {};
    size_t n = size - offset < 32 ? size - offset : 32;
    __builtin_memcpy(chunk, data + offset, n);
    for (int i = 0; i < 8; ++i) mixed[i] = key_[i] ^ LoadWord(chunk + 4 * i);
    ChaCha20Block(mixed, static_cast<uint32_t>(offset / 32), nonce, block);
    for (int i = 0; i < 8; ++i) key_[i] = LoadWord(block + 4 * i);
    Wipe(chunk, sizeof(chunk));
  }
  ++generation_;
  Wipe(block, sizeof(block));
  Wipe(mixed, sizeof(mixed));
}

void Csprng::SeedLocked() {
  if (source_ == nullptr) return;
  uint8_t buffer[64];
  size_t got = source_->Gather(kstd::Span<uint8_t>(buffer, sizeof(buffer)));
  if (got > sizeof(buffer)) got = sizeof(buffer);
  MixLocked(buffer, sizeof(buffer));  // all 64 bytes: uncredited ones do no harm
  entropy_bytes_ += got;
  since_reseed_ = 0;
  Wipe(buffer, sizeof(buffer));
}

bool Csprng::Seed() {
  SpinLockGuard guard(lock_);
  SeedLocked();
  return entropy_bytes_ >= kSeedBytes;
}

bool Csprng::seeded() const {
  SpinLockGuard guard(lock_);
  return entropy_bytes_ >= kSeedBytes;
}

void Csprng::Mix(kstd::Span<const uint8_t> data) {
  SpinLockGuard guard(lock_);
  MixLocked(data.data(), data.size());
}

void Csprng::Generate(kstd::Span<uint8_t> out) {
  SpinLockGuard guard(lock_);
  if (since_reseed_ >= kReseedInterval || (entropy_bytes_ < kSeedBytes && source_ != nullptr)) {
    SeedLocked();
  }
  uint32_t nonce[3] = {static_cast<uint32_t>(generation_), static_cast<uint32_t>(generation_ >> 32),
                       0};
  ++generation_;
  uint8_t block[64];
  ChaCha20Block(key_, 0, nonce, block);
  // Fast key erasure: block 0's first half is the next key, never output.
  uint32_t next_key[8];
  for (int i = 0; i < 8; ++i) next_key[i] = LoadWord(block + 4 * i);
  size_t done = 0;
  size_t first = out.size() < 32 ? out.size() : 32;
  // An empty span may have a null data(): memcpy's arguments must not be null.
  if (first != 0) __builtin_memcpy(out.data(), block + 32, first);
  done = first;
  uint32_t counter = 1;
  while (done < out.size()) {
    ChaCha20Block(key_, counter++, nonce, block);
    size_t n = out.size() - done < 64 ? out.size() - done : 64;
    __builtin_memcpy(out.data() + done, block, n);
    done += n;
    if (counter == 0) {  // 256 GiB in one call: move to a fresh nonce
      nonce[2] += 1;
      counter = 1;
    }
  }
  for (int i = 0; i < 8; ++i) key_[i] = next_key[i];
  since_reseed_ += out.size();
  Wipe(block, sizeof(block));
  Wipe(next_key, sizeof(next_key));
}

}  // namespace core::crypto
