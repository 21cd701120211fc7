// What both decode targets check about one module's bytes:
//   - Module::validate either accepts them or returns an Error with a reason
//     (a message) and the offset of the offending byte inside the module;
//   - compiling them on each tier (interpreter, JIT, JIT with explicit
//     bounds checks) agrees: a module validate accepts compiles everywhere
//     (or is Unsupported, at an offset: v128 the tiers do not run yet), one
//     it rejects is rejected everywhere with the same kind, offset and
//     message.
// Anything else aborts with a report; ASan and UBSan watch everything.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>

#include "tern/tern.hpp"

namespace fuzzcheck {

[[noreturn]] inline void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz: %s: %s\n", what, detail.c_str());
  std::abort();
}

inline tern::Engine& engine(int tier) {
  auto make = [](tern::Tier t, bool bounds_checks) {
    tern::Config c;
    c.tier = t;
    c.bounds_checks = bounds_checks;
    return new tern::Engine(c);
  };
  static tern::Engine* engines[3] = {make(tern::Tier::Interp, false), make(tern::Tier::Jit, false),
                                     make(tern::Tier::Jit, true)};
  return *engines[tier];
}
inline const char* const kTierNames[3] = {"interp", "jit", "jit-bounds-checks"};

inline void checkModule(std::span<const uint8_t> bytes) {
  std::optional<tern::Error> verdict = tern::Module::validate(bytes);
  if (verdict) {
    const tern::Error& e = *verdict;
    if (e.message.empty()) fail("a rejection without a reason", e.toString());
    if (e.offset == SIZE_MAX) fail("a rejection without an offset", e.toString());
    if (e.offset > bytes.size())
      fail("a rejection's offset is past the end", e.toString() + " (size " + std::to_string(bytes.size()) + ")");
    if (e.kind != tern::ErrorKind::Malformed && e.kind != tern::ErrorKind::Invalid)
      fail("a rejection of an unexpected kind", e.toString());
  }
  for (int tier = 0; tier < 3; ++tier) {
    auto m = tern::Module::compile(engine(tier), bytes);
    std::string where = std::string(" on ") + kTierNames[tier];
    // A valid module this build cannot run yet (v128 until the tiers run
    // it) is the one rejection compile may add, with its offset.
    if (!verdict && !m && (m.error().kind != tern::ErrorKind::Unsupported || m.error().offset > bytes.size()))
      fail("validate accepts, compile rejects", m.error().toString() + where);
    if (verdict && m) fail("validate rejects, compile accepts", verdict->toString() + where);
    if (verdict && (m.error().kind != verdict->kind || m.error().offset != verdict->offset ||
                    m.error().message != verdict->message))
      fail("compile and validate reject differently", verdict->toString() + " vs " + m.error().toString() + where);
  }
}

}  // namespace fuzzcheck
