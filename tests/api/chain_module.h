// A module of many functions of different sizes, for the compile tests
// (test_parallel.cc, test_background.cc): chainModule and what it computes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tern::test {

inline void uleb(std::vector<uint8_t>& out, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out.push_back(v ? b | 0x80 : b);
  } while (v);
}

inline void sleb(std::vector<uint8_t>& out, int64_t v) {
  for (;;) {
    uint8_t b = v & 0x7f;
    v >>= 7;
    bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
    out.push_back(done ? b : b | 0x80);
    if (done) return;
  }
}

inline void section(std::vector<uint8_t>& out, uint8_t id, const std::vector<uint8_t>& payload) {
  out.push_back(id);
  uleb(out, payload.size());
  out.insert(out.end(), payload.begin(), payload.end());
}

// How many rounds function `i` of chainModule does, and its round r's key.
inline uint32_t rounds(uint32_t i) { return i % 23; }
inline uint32_t key(uint32_t i, uint32_t r) { return i * 7 + r; }

// A module of functions (i32) -> i32 with these bodies (each without its
// size), exported as "last" (the last one) with `last`, and function i as
// "f<i>" with `export_all`.
inline std::vector<uint8_t> i32Module(const std::vector<std::vector<uint8_t>>& bodies, bool last, bool export_all) {
  const uint32_t n = uint32_t(bodies.size());
  std::vector<uint8_t> m = {0, 'a', 's', 'm', 1, 0, 0, 0};
  section(m, 1, {1, 0x60, 1, 0x7f, 1, 0x7f});
  std::vector<uint8_t> funcs;
  uleb(funcs, n);
  for (uint32_t i = 0; i < n; ++i) funcs.push_back(0);
  section(m, 3, funcs);
  std::vector<uint8_t> exports;
  uleb(exports, (last ? 1 : 0) + (export_all ? n : 0));
  if (last) {
    exports.insert(exports.end(), {4, 'l', 'a', 's', 't', 0});
    uleb(exports, n - 1);
  }
  for (uint32_t i = 0; export_all && i < n; ++i) {
    std::string name = std::to_string(i);
    name.insert(name.begin(), 'f');  // not "f" + ...: a false -Wrestrict of GCC 12
    uleb(exports, name.size());
    exports.insert(exports.end(), name.begin(), name.end());
    exports.push_back(0);
    uleb(exports, i);
  }
  section(m, 7, exports);
  std::vector<uint8_t> code;
  uleb(code, n);
  for (const std::vector<uint8_t>& body : bodies) {
    uleb(code, body.size());
    code.insert(code.end(), body.begin(), body.end());
  }
  section(m, 10, code);
  return m;
}

// `n` functions (i32) -> i32 of different sizes: function i xors and
// multiplies its argument rounds(i) times, then passes it to function i - 1.
// "last" exports the last one. A body listed in `invalid` adds with an
// empty operand stack.
// With `export_all`, function i is also exported as "f<i>".
inline std::vector<uint8_t> chainModule(uint32_t n, std::vector<uint32_t> invalid = {}, bool export_all = false) {
  std::vector<std::vector<uint8_t>> bodies(n);
  for (uint32_t i = 0; i < n; ++i) {
    std::vector<uint8_t>& body = bodies[i];
    body = {0};  // no locals
    for (uint32_t bad : invalid)
      if (bad == i) body.push_back(0x6a);  // i32.add
    body.insert(body.end(), {0x20, 0});    // local.get 0
    for (uint32_t r = 0; r < rounds(i); ++r) {
      body.push_back(0x41);  // i32.const
      sleb(body, int32_t(key(i, r)));
      body.insert(body.end(), {0x73, 0x41, 3, 0x6c});  // i32.xor, i32.const 3, i32.mul
    }
    if (i > 0) {
      body.push_back(0x10);  // call
      uleb(body, i - 1);
    }
    body.push_back(0x0b);
  }
  return i32Module(bodies, true, export_all);
}

// What chainModule(n)'s "last" (or "f<n-1>") returns for x.
inline uint32_t chainResult(uint32_t n, uint32_t x) {
  for (uint32_t i = n; i-- > 0;)
    for (uint32_t r = 0; r < rounds(i); ++r) x = (x ^ key(i, r)) * 3;
  return x;
}

}  // namespace tern::test
