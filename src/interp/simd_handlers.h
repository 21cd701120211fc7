// What the interpreter's v128 handlers (interp.cc, generated from
// opcodes.def's V* Impl macros) call: a v128 read from and written to two
// frame slots, and the lane work of each row out of line.
#pragma once

#include <cstdint>
#include <cstring>

#include "interp/simd.h"

namespace tern::interp {

// A v128 in two frame slots, low half first.
inline simd::V128b rdV(const uint64_t* p) {
  simd::V128b v;
  std::memcpy(v.b, p, 16);
  return v;
}
inline void wrV(uint64_t* p, const simd::V128b& v) { std::memcpy(p, v.b, 16); }

// The v128 handlers' work, out of line, one instantiation per opcodes.def
// row (F is the row's interp/simd.h function): inlined, the lane loops
// would compete with the scalar handlers for run()'s registers (interpreter
// sha256 and nbody ran 3% and 7% more instructions). Operands are slot
// pointers; the memory forms get the checked address.
template <auto F>
[[gnu::noinline]] void vUn(uint64_t* d, const uint64_t* a) {
  wrV(d, F(rdV(a)));
}
template <auto F>
[[gnu::noinline]] void vBin(uint64_t* d, const uint64_t* a, const uint64_t* b) {
  wrV(d, F(rdV(a), rdV(b)));
}
template <auto F>
[[gnu::noinline]] void vTern(uint64_t* d, const uint64_t* a, const uint64_t* b, const uint64_t* c) {
  wrV(d, F(rdV(a), rdV(b), rdV(c)));
}
template <auto F>
[[gnu::noinline]] void vShift(uint64_t* d, const uint64_t* a, uint32_t n) {
  wrV(d, F(rdV(a), n));
}
template <auto F>
[[gnu::noinline]] uint32_t vTest(const uint64_t* a) {
  return F(rdV(a));
}
template <class T, auto F>
[[gnu::noinline]] void vSplat(uint64_t* d, T x) {
  wrV(d, F(x));
}
template <class T, auto F>
[[gnu::noinline]] T vExtract(const uint64_t* a, int lane) {
  return T(F(rdV(a), lane));
}
template <class T, auto F>
[[gnu::noinline]] void vReplace(uint64_t* d, const uint64_t* a, int lane, T x) {
  wrV(d, F(rdV(a), lane, x));
}
template <auto F>
[[gnu::noinline]] void vShuffle(uint64_t* d, const uint64_t* a, const uint64_t* b, const uint8_t* idx) {
  wrV(d, F(rdV(a), rdV(b), idx));
}
template <auto F>
[[gnu::noinline]] void vLoad(uint64_t* d, const uint8_t* src) {
  wrV(d, F(src));
}
template <auto F>
[[gnu::noinline]] void vStore(const uint64_t* a, uint8_t* dst) {
  F(rdV(a), dst);
}
template <auto F>
[[gnu::noinline]] void vLoadLane(uint64_t* d, const uint64_t* a, int lane, const uint8_t* src) {
  wrV(d, F(rdV(a), lane, src));
}
template <auto F>
[[gnu::noinline]] void vStoreLane(const uint64_t* a, int lane, uint8_t* dst) {
  F(rdV(a), lane, dst);
}

}  // namespace tern::interp
