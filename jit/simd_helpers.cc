// The SIMD helper JIT code calls for an instruction its Masm emitter leaves
// to C++ (jit/masm.h, "SIMD"; which ones: jit/x64/simd_x64.cc): interp/simd.h's
// function for the opcode, named by module/opcodes.def's Impl column, on the
// operands in consecutive frame slots (two for a v128), the result written
// over the first of them, as the interpreter reads and writes its slots.
#include <cstring>

#include "interp/simd.h"
#include "jit/entry.h"
#include "module/opcodes.h"

namespace tern::jit {

namespace {

simd::V128b rdv(const uint64_t* v) {
  simd::V128b r;
  std::memcpy(r.b, v, 16);
  return r;
}
void wrv(uint64_t* v, const simd::V128b& x) { std::memcpy(v, x.b, 16); }

using SimdFn = void (*)(uint64_t* v, int lane);
#define SIMD SimdFn(nullptr)
#define VUN(fn) +[](uint64_t* v, int) { wrv(v, simd::fn(rdv(v))); }
#define VBIN(fn) +[](uint64_t* v, int) { wrv(v, simd::fn(rdv(v), rdv(v + 2))); }
#define VTERN(fn) +[](uint64_t* v, int) { wrv(v, simd::fn(rdv(v), rdv(v + 2), rdv(v + 4))); }
#define VSHIFT(fn) +[](uint64_t* v, int) { wrv(v, simd::fn(rdv(v), uint32_t(v[2]))); }
#define VTEST(fn) +[](uint64_t* v, int) { v[0] = uint64_t(uint32_t(simd::fn(rdv(v)))); }
#define VSPLAT(T, fn) +[](uint64_t* v, int) { wrv(v, simd::fn(T(v[0]))); }
#define VEXTRACT(T, fn) +[](uint64_t* v, int lane) { v[0] = uint64_t(T(simd::fn(rdv(v), lane))); }
#define VREPLACE(T, fn) +[](uint64_t* v, int lane) { wrv(v, simd::fn(rdv(v), lane, T(v[2]))); }
#define VSHUFFLE(fn) SIMD
#define VCONST SIMD
#define VLOAD(fn) SIMD
#define VSTORE(fn) SIMD
#define VLOADLANE(fn) SIMD
#define VSTORELANE(fn) SIMD
#define UN(Ti, To, e) SIMD
#define BIN(Ti, To, e) SIMD
#define TUN(Ti, To, fn) SIMD
#define TBIN(Ti, To, fn) SIMD
#define LOAD(Tm, To) SIMD
#define STORE(Tv, Tm) SIMD
#define SPECIAL SIMD
const SimdFn kSimd[] = {
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) impl,
#include "module/opcodes.def"
#undef X
};
#undef SIMD
#undef UN
#undef BIN
#undef TUN
#undef TBIN
#undef LOAD
#undef STORE
#undef SPECIAL
#include "module/impl_v128_undef.inc"

}  // namespace

void jitSimd(Ctx*, uint32_t op, uint32_t lane, uint64_t* v) { kSimd[op](v, int(lane)); }

}  // namespace tern::jit
