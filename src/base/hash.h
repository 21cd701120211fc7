// A fast 64-bit hash of a byte string: the module hash and the checksum of
// a .cwasm file (runtime/serialize.cc), the key of the compiled-code cache.
//
// Not cryptographic. Each step mixes one 8-byte word into the state by
// xor, multiplication by an odd constant and rotation, each invertible for
// a fixed word, so two inputs of the same length that differ in one word
// always hash differently: a damaged byte is never missed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace tern {

inline uint64_t hashBytes(std::span<const uint8_t> bytes, uint64_t seed = 0) {
  constexpr uint64_t kMul1 = 0x9e3779b97f4a7c15ull, kMul2 = 0xc2b2ae3d27d4eb4full;
  auto step = [&](uint64_t h, uint64_t w) {
    h = (h ^ w) * kMul1;
    return ((h << 31) | (h >> 33)) * kMul2;
  };
  uint64_t h = seed ^ (uint64_t(bytes.size()) * kMul2);
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    h = step(h, w);
  }
  if (i < bytes.size()) {
    uint64_t w = 0;
    std::memcpy(&w, bytes.data() + i, bytes.size() - i);
    h = step(h, w);
  }
  h ^= h >> 29;
  h *= kMul1;
  return h ^ (h >> 32);
}

}  // namespace tern
