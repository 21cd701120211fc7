// The error table (src/base/errors.def) and the texts modules get: every
// kind once, with a text of its own, and a few modules from the spec test
// suite whose error the reference interpreter names exactly (the ones that
// read past a section's end wait for the rest of the module, so they are
// also fed one byte at a time).
#include <doctest/doctest.h>

#include <set>
#include <span>
#include <string>
#include <vector>

#include "base/errors.h"
#include "base/leb128.h"
#include "tern/tern.hpp"

using tern::ErrorCode;
using tern::ErrorKind;

namespace {

using Bytes = std::vector<uint8_t>;

Bytes module(std::initializer_list<uint8_t> sections) {
  Bytes b = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  for (uint8_t x : sections) b.push_back(x);
  return b;
}

tern::Engine& engine() {
  static tern::Engine e;
  return e;
}

// Compiles `b` in one piece and streamed a byte at a time; both must give
// the kind and the whole text of `code`.
void expectError(const Bytes& b, ErrorCode code) {
  const std::string want = tern::errorText(code);
  auto whole = tern::Module::compile(engine(), std::span<const uint8_t>(b.data(), b.size()));
  REQUIRE_FALSE(whole.ok());
  CHECK(whole.error().kind == tern::errorKind(code));
  CHECK(whole.error().message == want);

  tern::ModuleStreamer s(engine());
  for (size_t i = 0; i < b.size(); ++i)
    if (!s.feed(std::span<const uint8_t>(b.data() + i, 1))) break;
  auto streamed = s.finish();
  REQUIRE_FALSE(streamed.ok());
  CHECK(streamed.error().message == whole.error().message);
  CHECK(streamed.error().offset == whole.error().offset);
}

}  // namespace

TEST_CASE("errors: every kind once, with a text of its own") {
  std::set<std::string> texts;
  for (size_t i = 0; i < tern::kErrorCodeCount; ++i) {
    const tern::ErrorCodeInfo& e = tern::kErrorCodes[i];
    INFO("code " << i);
    REQUIRE(e.text != nullptr);
    CHECK(std::string(e.text).size() > 0);
    CHECK_MESSAGE(texts.insert(e.text).second, "text twice: " << e.text);
    CHECK((e.kind == ErrorKind::Malformed || e.kind == ErrorKind::Invalid || e.kind == ErrorKind::Link ||
           e.kind == ErrorKind::Unsupported));
  }
  CHECK(std::string(tern::errorText(ErrorCode::TypeMismatch)) == "type mismatch");
  CHECK(tern::errorKind(ErrorCode::IntegerTooLong) == ErrorKind::Malformed);
  tern::Error e = tern::makeError(ErrorCode::UnknownLocal, 12, "3");
  CHECK(e.message == "unknown local 3");
  CHECK(e.kind == ErrorKind::Invalid);
  CHECK(e.offset == 12);
  CHECK(std::string(tern::readStatusMessage(tern::ReadStatus::UnexpectedEnd)) ==
        "unexpected end of section or function");
}

TEST_CASE("errors: the reference interpreter's texts") {
  SUBCASE("a LEB128 that runs past its section is too long (binary-leb128.wast:348)") {
    expectError(module({0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x03, 0x01, 0x80, 0x80,
                        0x80, 0x80, 0x80, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b}),
                ErrorCode::IntegerTooLong);
  }
  SUBCASE("a section longer than the module (binary.wast:1353)") {
    expectError(module({0x01, 0x07, 0x02, 0x60, 0x00, 0x00}), ErrorCode::LengthOutOfBounds);
  }
  SUBCASE("a name length past the module (binary.wast:1632)") {
    expectError(module({0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x03, 0x02, 0x00, 0x00, 0x07, 0x06, 0x02,
                        0x02, 0x66, 0x31, 0x00, 0x00, 0x0a, 0x07, 0x02, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b}),
                ErrorCode::LengthOutOfBounds);
  }
  SUBCASE("the last body misses its end and a section follows (binary.wast:455)") {
    expectError(module({0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x06,
                        0x01, 0x04, 0x00, 0x41, 0x01, 0x1a, 0x0b, 0x03, 0x01, 0x01, 0x00}),
                ErrorCode::SectionSizeMismatch);
  }
  SUBCASE("the last body misses its end at the module's end") {
    expectError(module({0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x41,
                        0x01, 0x1a}),
                ErrorCode::UnexpectedEndOfSection);
  }
  SUBCASE("an empty custom section has no room for its name (custom.wast:77)") {
    expectError(module({0x00, 0x00, 0x00, 0x05, 0x01, 0x00, 0x07, 0x00, 0x00}), ErrorCode::UnexpectedEndOfSection);
  }
  SUBCASE("memory limits flags with a continuation bit (binary.wast:1572)") {
    expectError(module({0x05, 0x05, 0x01, 0x81, 0x00, 0x00, 0x00}), ErrorCode::IntegerTooLong);
  }
  SUBCASE("an invalid body that also misses its end is malformed (binary.wast:1817)") {
    expectError(module({0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x13, 0x01, 0x11, 0x00, 0x02,
                        0x40, 0x41, 0x01, 0x04, 0x40, 0x41, 0x01, 0x0e, 0x01, 0x00, 0x01, 0x02, 0x0b, 0x0b, 0x0b}),
                ErrorCode::UnexpectedEndOfSection);
  }
  SUBCASE("an invalid body: i32.add of an i64 is a type mismatch") {
    expectError(module({0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a,
                        0x09, 0x01, 0x07, 0x00, 0x42, 0x00, 0x41, 0x00, 0x6a, 0x0b}),
                ErrorCode::TypeMismatch);
  }
}
