// ErrorCode: one enumerator per row of base/errors.def, with its kind and
// the spec's text. Error sites name a code; the text is never written inline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tern/tern.hpp"

namespace tern {

enum class ErrorCode : uint8_t {
#define TERN_ERROR(id, kind, text) id,
#include "base/errors.def"
#undef TERN_ERROR
};

struct ErrorCodeInfo {
  ErrorKind kind;
  const char* text;
};

inline constexpr ErrorCodeInfo kErrorCodes[] = {
#define TERN_ERROR(id, kind, text) {ErrorKind::kind, text},
#include "base/errors.def"
#undef TERN_ERROR
};
inline constexpr size_t kErrorCodeCount = sizeof(kErrorCodes) / sizeof(kErrorCodes[0]);

constexpr const char* errorText(ErrorCode c) { return kErrorCodes[size_t(c)].text; }
constexpr ErrorKind errorKind(ErrorCode c) { return kErrorCodes[size_t(c)].kind; }

// The error of code `c` at byte `offset`; `detail`, when given, follows the
// spec text after a space ("unknown local 3"), so the text stays a prefix.
inline Error makeError(ErrorCode c, size_t offset = SIZE_MAX, std::string_view detail = {}) {
  Error e;
  e.kind = errorKind(c);
  e.message = errorText(c);
  if (!detail.empty()) e.message.append(1, ' ').append(detail);
  e.offset = offset;
  return e;
}

}  // namespace tern
