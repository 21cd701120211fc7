// Rounding and square root without libm (src/base/fmath.h), bit for bit
// against the C library's on the edge cases and on random bit patterns of
// every exponent: the spec suite checks few values per operator, and the
// interpreter and the JIT's helpers round through these.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <ios>
#include <limits>
#include <random>
#include <vector>

#include "base/fmath.h"

namespace {

template <class T>
auto bitsOf(T v) {
  using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  U u;
  std::memcpy(&u, &v, sizeof v);
  return u;
}

template <class T>
void checkOne(T a) {
  if (a != a) return;  // NaN: semantics.h quiets it before rounding
  INFO("operand " << a << " bits 0x" << std::hex << uint64_t(bitsOf(a)));
  using namespace tern::fmath;
  CHECK(bitsOf(round<kNearest>(a)) == bitsOf(std::nearbyint(a)));
  CHECK(bitsOf(round<kCeil>(a)) == bitsOf(std::ceil(a)));
  CHECK(bitsOf(round<kFloor>(a)) == bitsOf(std::floor(a)));
  CHECK(bitsOf(round<kTrunc>(a)) == bitsOf(std::trunc(a)));
  if (!(a < 0)) CHECK(bitsOf(tern::fmath::sqrt(a)) == bitsOf(std::sqrt(a)));
  else CHECK(std::isnan(tern::fmath::sqrt(a)));
}

template <class T>
std::vector<T> edges() {
  using L = std::numeric_limits<T>;
  constexpr T big = sizeof(T) == 4 ? T(8388608.0) : T(4503599627370496.0);  // 2^23, 2^52
  std::vector<T> out = {T(0),
                        T(0.5),
                        T(1.5),
                        T(2.5),
                        T(0.49999997),
                        T(0.75),
                        T(1),
                        T(-1),
                        big,
                        big - T(0.5),
                        big + T(1),
                        std::nextafter(big, T(0)),
                        2 * big,
                        L::min(),
                        L::denorm_min(),
                        L::max(),
                        L::infinity(),
                        L::epsilon(),
                        std::nextafter(T(1), T(0)),
                        std::nextafter(T(0.5), T(1))};
  size_t n = out.size();
  for (size_t i = 0; i < n; ++i) out.push_back(-out[i]);
  return out;
}

template <class T>
void checkAll() {
  for (T a : edges<T>()) checkOne(a);
  std::mt19937_64 rng(15);
  using U = decltype(bitsOf(T(0)));
  for (int i = 0; i < 2000000; ++i) {
    U u = U(rng());
    // Half of them with an exponent near the integer boundary, where the
    // rounding works; the other half anywhere.
    if (i & 1) {
      constexpr int mant = sizeof(T) == 4 ? 23 : 52, bias = sizeof(T) == 4 ? 127 : 1023;
      U e = U(bias - 2 + rng() % (mant + 4));
      u = (u & ~(((U(1) << (sizeof(T) * 8 - 1 - mant)) - 1) << mant)) | (e << mant);
    }
    T a;
    std::memcpy(&a, &u, sizeof a);
    checkOne(a);
  }
}

}  // namespace

TEST_CASE("fmath: float rounding and sqrt match the C library bit for bit") { checkAll<float>(); }
TEST_CASE("fmath: double rounding and sqrt match the C library bit for bit") { checkAll<double>(); }
