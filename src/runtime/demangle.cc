// Demangling of C++ and Rust symbol names (see demangle.h).
#include "runtime/demangle.h"

#include <cxxabi.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace tern {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isLower(char c) { return c >= 'a' && c <= 'z'; }
bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool isHex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f'); }
int hexValue(char c) { return isDigit(c) ? c - '0' : c - 'a' + 10; }

// Longer names are left alone: nothing real is this long, and it bounds the
// work (and __cxa_demangle's recursion) on hostile input.
constexpr size_t kMaxSymbol = 4096;
constexpr size_t kMaxOutput = 1 << 16;

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xc0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += char(0xe0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3f));
    out += char(0x80 | (cp & 0x3f));
  } else {
    out += char(0xf0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3f));
    out += char(0x80 | ((cp >> 6) & 0x3f));
    out += char(0x80 | (cp & 0x3f));
  }
}

// ---- Rust legacy: an Itanium nested name whose last part is the hash ----

// One path component with rustc's escapes ($LT$, $u20$, .. and so on).
bool legacyComponent(std::string_view c, std::string& out) {
  if (c.size() >= 2 && c[0] == '_' && c[1] == '$') c.remove_prefix(1);
  size_t i = 0;
  while (i < c.size()) {
    if (c[i] == '$') {
      size_t end = c.find('$', i + 1);
      if (end == std::string_view::npos) return false;
      std::string_view e = c.substr(i + 1, end - i - 1);
      if (e == "SP") out += '@';
      else if (e == "BP") out += '*';
      else if (e == "RF") out += '&';
      else if (e == "LT") out += '<';
      else if (e == "GT") out += '>';
      else if (e == "LP") out += '(';
      else if (e == "RP") out += ')';
      else if (e == "C") out += ',';
      else if (e.size() >= 2 && e[0] == 'u') {
        uint32_t cp = 0;
        for (size_t k = 1; k < e.size(); ++k) {
          if (!isHex(e[k]) || k > 6) return false;
          cp = cp * 16 + uint32_t(hexValue(e[k]));
        }
        if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) return false;
        appendUtf8(out, cp);
      } else {
        return false;
      }
      i = end + 1;
    } else if (c[i] == '.' && i + 1 < c.size() && c[i + 1] == '.') {
      out += "::";
      i += 2;
    } else {
      out += c[i++];
    }
  }
  return true;
}

// ---- Rust v0 (RFC 2603) ----

class V0 {
 public:
  explicit V0(std::string_view s) : s_(s) {}

  bool run(std::string* out) {
    if (!path(true)) return false;
    // The instantiating crate is not shown.
    if (p_ < s_.size() && isUpper(s_[p_])) {
      size_t keep = out_.size();
      if (!path(false)) return false;
      out_.resize(keep);
    }
    // A vendor suffix (".llvm.1234") is dropped; nothing else may follow.
    if (p_ < s_.size() && s_[p_] != '.' && s_[p_] != '$') return false;
    *out = std::move(out_);
    return true;
  }

 private:
  char peek() const { return p_ < s_.size() ? s_[p_] : '\0'; }
  bool eat(char c) {
    if (peek() != c || p_ >= s_.size()) return false;
    ++p_;
    return true;
  }
  bool put(std::string_view t) {
    out_.append(t);
    return out_.size() <= kMaxOutput;
  }
  struct Depth {
    int& d;
    explicit Depth(int& x) : d(x) { ++d; }
    ~Depth() { --d; }
  };
  bool tooDeep() const { return depth_ > 200; }

  // "_" is 0; otherwise base-62 digits then "_", the value plus one.
  bool base62(uint64_t* v) {
    if (eat('_')) {
      *v = 0;
      return true;
    }
    uint64_t x = 0;
    bool any = false;
    for (;;) {
      char c = peek();
      int d;
      if (isDigit(c)) d = c - '0';
      else if (isLower(c)) d = c - 'a' + 10;
      else if (isUpper(c)) d = c - 'A' + 36;
      else break;
      if (x > (UINT64_MAX - 61) / 62) return false;
      x = x * 62 + uint64_t(d);
      ++p_;
      any = true;
    }
    if (!any || !eat('_') || x == UINT64_MAX) return false;
    *v = x + 1;
    return true;
  }
  bool decimal(uint64_t* v) {
    if (!isDigit(peek())) return false;
    if (eat('0')) {
      *v = 0;
      return true;
    }
    uint64_t x = 0;
    while (isDigit(peek())) {
      if (x > (UINT64_MAX - 9) / 10) return false;
      x = x * 10 + uint64_t(s_[p_++] - '0');
    }
    *v = x;
    return true;
  }
  bool disambiguator(uint64_t* v) {
    *v = 0;
    if (!eat('s')) return true;
    if (!base62(v)) return false;
    *v += 1;
    return true;
  }
  // Punycode ("u" prefix) is not decoded: the caller shows the raw name.
  bool ident(std::string_view* name) {
    if (peek() == 'u') return false;
    uint64_t n;
    if (!decimal(&n)) return false;
    eat('_');
    if (n > s_.size() - p_) return false;
    *name = s_.substr(p_, size_t(n));
    p_ += size_t(n);
    return true;
  }

  // Parses what a backref points at with `f`, then continues after it.
  template <class F>
  bool backref(F f) {
    size_t at = p_ - 1;  // the 'B'
    uint64_t i;
    if (!base62(&i) || i >= at) return false;
    size_t resume = p_;
    p_ = size_t(i);
    bool ok = f();
    p_ = resume;
    return ok;
  }

  bool lifetimeName(uint64_t i) {
    if (i == 0) return put("'_");
    if (i > bound_) return false;
    uint64_t depth = bound_ - i;
    if (depth < 26) return put(std::string("'") + char('a' + depth));
    return put("'_") && put(std::to_string(depth));
  }
  // "G" n: n + 1 lifetimes bound for what follows, shown as for<'a, ...>.
  bool binder(uint64_t* added) {
    *added = 0;
    if (!eat('G')) return true;
    uint64_t n;
    if (!base62(&n) || n > 64) return false;
    *added = n + 1;
    if (!put("for<")) return false;
    for (uint64_t k = 0; k < *added; ++k) {
      if (k && !put(", ")) return false;
      ++bound_;
      if (!lifetimeName(1)) return false;
    }
    return put("> ");
  }

  bool path(bool in_value) {
    Depth guard(depth_);
    if (tooDeep()) return false;
    char tag = peek();
    ++p_;
    switch (tag) {
      case 'C': {
        uint64_t dis;
        std::string_view name;
        if (!disambiguator(&dis) || !ident(&name)) return false;
        return put(name);
      }
      case 'N': {
        char ns = peek();
        if (!isLower(ns) && !isUpper(ns)) return false;
        ++p_;
        if (!path(in_value)) return false;
        uint64_t dis;
        std::string_view name;
        if (!disambiguator(&dis) || !ident(&name)) return false;
        if (isUpper(ns)) {
          std::string s = "::{";
          s += ns == 'C' ? "closure" : ns == 'S' ? "shim" : std::string(1, ns);
          if (!name.empty()) s.append(":").append(name);
          s += '#';
          s += std::to_string(dis);
          s += '}';
          return put(s);
        }
        if (name.empty()) return true;
        return put("::") && put(name);
      }
      case 'M':
      case 'X':
      case 'Y': {
        if (tag != 'Y') {
          // The impl's own path is not shown.
          uint64_t dis;
          size_t keep = out_.size();
          if (!disambiguator(&dis) || !path(false)) return false;
          out_.resize(keep);
        }
        if (!put("<") || !type()) return false;
        if (tag != 'M' && (!put(" as ") || !path(false))) return false;
        return put(">");
      }
      case 'I': {
        if (!path(in_value)) return false;
        if (in_value && !put("::")) return false;
        if (!put("<")) return false;
        for (bool first = true; !eat('E'); first = false) {
          if (p_ >= s_.size()) return false;
          if (!first && !put(", ")) return false;
          if (!genericArg()) return false;
        }
        return put(">");
      }
      case 'B': return backref([&] { return path(in_value); });
      default: return false;
    }
  }

  bool genericArg() {
    if (eat('L')) {
      uint64_t i;
      return base62(&i) && lifetimeName(i);
    }
    if (eat('K')) return constant();
    return type();
  }

  static const char* basicType(char c) {
    switch (c) {
      case 'a': return "i8";
      case 'b': return "bool";
      case 'c': return "char";
      case 'd': return "f64";
      case 'e': return "str";
      case 'f': return "f32";
      case 'h': return "u8";
      case 'i': return "isize";
      case 'j': return "usize";
      case 'l': return "i32";
      case 'm': return "u32";
      case 'n': return "i128";
      case 'o': return "u128";
      case 's': return "i16";
      case 't': return "u16";
      case 'u': return "()";
      case 'v': return "...";
      case 'x': return "i64";
      case 'y': return "u64";
      case 'z': return "!";
      case 'p': return "_";
    }
    return nullptr;
  }

  bool type() {
    Depth guard(depth_);
    if (tooDeep()) return false;
    char tag = peek();
    if (const char* b = basicType(tag)) {
      ++p_;
      return put(b);
    }
    switch (tag) {
      case 'A':
      case 'S':
        ++p_;
        if (!put("[") || !type()) return false;
        if (tag == 'A' && (!put("; ") || !constant())) return false;
        return put("]");
      case 'T': {
        ++p_;
        if (!put("(")) return false;
        size_t n = 0;
        while (!eat('E')) {
          if (p_ >= s_.size()) return false;
          if (n++ && !put(", ")) return false;
          if (!type()) return false;
        }
        return put(n == 1 ? ",)" : ")");
      }
      case 'R':
      case 'Q': {
        ++p_;
        if (!put("&")) return false;
        if (eat('L')) {
          uint64_t i;
          if (!base62(&i)) return false;
          if (i != 0 && (!lifetimeName(i) || !put(" "))) return false;
        }
        if (tag == 'Q' && !put("mut ")) return false;
        return type();
      }
      case 'P': ++p_; return put("*const ") && type();
      case 'O': ++p_; return put("*mut ") && type();
      case 'F': ++p_; return fnSig();
      case 'D': ++p_; return dynBounds();
      case 'B': ++p_; return backref([&] { return type(); });
      case 'C':
      case 'N':
      case 'M':
      case 'X':
      case 'Y':
      case 'I': return path(false);
      default: return false;
    }
  }

  bool fnSig() {
    uint64_t bound;
    if (!binder(&bound)) return false;
    if (eat('U') && !put("unsafe ")) return false;
    if (eat('K')) {
      if (eat('C')) {
        if (!put("extern \"C\" ")) return false;
      } else {
        std::string_view abi;
        if (!ident(&abi)) return false;
        std::string a(abi);
        for (char& c : a)
          if (c == '_') c = '-';
        if (!put("extern \"") || !put(a) || !put("\" ")) return false;
      }
    }
    if (!put("fn(")) return false;
    for (bool first = true; !eat('E'); first = false) {
      if (p_ >= s_.size()) return false;
      if (!first && !put(", ")) return false;
      if (!type()) return false;
    }
    if (!put(")")) return false;
    if (eat('u')) {
      // returns (): not shown
    } else if (!put(" -> ") || !type()) {
      return false;
    }
    bound_ -= bound;
    return true;
  }

  bool dynBounds() {
    if (!put("dyn ")) return false;
    uint64_t bound;
    if (!binder(&bound)) return false;
    for (bool first = true; !eat('E'); first = false) {
      if (p_ >= s_.size()) return false;
      if (!first && !put(" + ")) return false;
      if (!dynTrait()) return false;
    }
    bound_ -= bound;
    if (!eat('L')) return false;
    uint64_t i;
    if (!base62(&i)) return false;
    if (i != 0 && (!put(" + ") || !lifetimeName(i))) return false;
    return true;
  }

  bool dynTrait() {
    if (!path(false)) return false;
    bool open = false;
    while (eat('p')) {
      if (!open) {
        // Join the trait's own generic arguments, if it printed any.
        if (!out_.empty() && out_.back() == '>') {
          out_.pop_back();
          if (!put(", ")) return false;
        } else if (!put("<")) {
          return false;
        }
        open = true;
      } else if (!put(", ")) {
        return false;
      }
      std::string_view name;
      if (!ident(&name) || !put(name) || !put(" = ") || !type()) return false;
    }
    return !open || put(">");
  }

  bool constant() {
    Depth guard(depth_);
    if (tooDeep()) return false;
    if (eat('p')) return put("_");
    if (eat('B')) return backref([&] { return constant(); });
    char t = peek();
    ++p_;
    bool is_signed = t == 'a' || t == 's' || t == 'l' || t == 'x' || t == 'n' || t == 'i';
    bool is_unsigned = t == 'h' || t == 't' || t == 'm' || t == 'y' || t == 'o' || t == 'j';
    if (!is_signed && !is_unsigned && t != 'b' && t != 'c') return false;
    bool neg = is_signed && eat('n');
    size_t start = p_;
    while (isHex(peek())) ++p_;
    std::string_view hex = s_.substr(start, p_ - start);
    if (!eat('_')) return false;
    uint64_t v = 0;
    bool big = hex.size() > 16;
    for (char c : hex) v = (v << 4) | uint64_t(hexValue(c));
    if (t == 'b') {
      if (big || v > 1) return false;
      return put(v ? "true" : "false");
    }
    if (t == 'c') {
      if (big || v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return false;
      if (v >= 0x20 && v < 0x7f && v != '\'' && v != '\\') return put(std::string("'") + char(v) + "'");
      char buf[16];
      std::snprintf(buf, sizeof buf, "'\\u{%x}'", unsigned(v));
      return put(buf);
    }
    if (neg && !put("-")) return false;
    if (big) return put("0x") && put(hex);
    return put(std::to_string(v));
  }

  std::string_view s_;
  size_t p_ = 0;
  int depth_ = 0;
  uint64_t bound_ = 0;  // lifetimes bound by enclosing binders
  std::string out_;
};

}  // namespace

std::optional<std::string> demangleItanium(std::string_view sym) {
  if (sym.size() < 3 || sym.size() > kMaxSymbol || sym.substr(0, 2) != "_Z") return std::nullopt;
  std::string s(sym);
  int status = -1;
  char* r = abi::__cxa_demangle(s.c_str(), nullptr, nullptr, &status);
  if (status != 0 || !r) {
    std::free(r);
    return std::nullopt;
  }
  std::string out(r);
  std::free(r);
  return out;
}

std::optional<std::string> demangleRustLegacy(std::string_view sym) {
  if (sym.size() > kMaxSymbol) return std::nullopt;
  if (sym.substr(0, 3) == "_ZN") sym.remove_prefix(3);
  else if (sym.substr(0, 4) == "__ZN") sym.remove_prefix(4);
  else return std::nullopt;
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < sym.size() && sym[i] != 'E') {
    if (!isDigit(sym[i]) || sym[i] == '0') return std::nullopt;
    size_t n = 0;
    while (i < sym.size() && isDigit(sym[i])) {
      n = n * 10 + size_t(sym[i++] - '0');
      if (n > kMaxSymbol) return std::nullopt;
    }
    if (n > sym.size() - i) return std::nullopt;
    parts.push_back(sym.substr(i, n));
    i += n;
  }
  if (i >= sym.size()) return std::nullopt;  // no 'E'
  std::string_view rest = sym.substr(i + 1);
  if (!rest.empty() && rest[0] != '.') return std::nullopt;  // only a suffix like ".llvm.1234"
  // The last part is the hash: "h" and 16 hex digits.
  if (parts.size() < 2) return std::nullopt;
  std::string_view hash = parts.back();
  if (hash.size() != 17 || hash[0] != 'h') return std::nullopt;
  for (char c : hash.substr(1))
    if (!isHex(c)) return std::nullopt;
  parts.pop_back();
  std::string out;
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k) out += "::";
    if (!legacyComponent(parts[k], out)) return std::nullopt;
  }
  return out;
}

std::optional<std::string> demangleRustV0(std::string_view sym) {
  if (sym.size() > kMaxSymbol) return std::nullopt;
  if (sym.substr(0, 2) == "_R") sym.remove_prefix(2);
  else if (sym.substr(0, 3) == "__R") sym.remove_prefix(3);
  else return std::nullopt;
  // An encoding version other than v0's (none) is not understood.
  if (sym.empty() || !isUpper(sym[0])) return std::nullopt;
  std::string out;
  V0 p(sym);
  if (!p.run(&out)) return std::nullopt;
  return out;
}

namespace {
// Ends like a Rust legacy symbol: "17h" + 16 hex digits + "E" (and maybe a
// ".llvm." suffix after it).
[[maybe_unused]] bool hasRustHash(std::string_view sym) {  // unused in a minimal build
  size_t e = sym.rfind('E');
  if (e == std::string_view::npos || e < 19 || (e + 1 < sym.size() && sym[e + 1] != '.')) return false;
  std::string_view h = sym.substr(e - 19, 19);
  if (h.substr(0, 3) != "17h") return false;
  for (char c : h.substr(3))
    if (!isHex(c)) return false;
  return true;
}
}  // namespace

std::string demangle(std::string_view sym) {
#ifndef TERN_MINIMAL
  // A minimal build leaves Rust names as they are: its backtraces use C++'s
  // demangler only, which the C++ runtime has anyway (and the linker drops
  // the Rust ones, some 30 KB).
  if (auto r = demangleRustV0(sym)) return *r;
  if (auto r = demangleRustLegacy(sym)) return *r;
  // A Rust legacy name with broken escapes is not C++ either.
  if (sym.substr(0, 3) == "_ZN" && hasRustHash(sym)) return std::string(sym);
#endif
  if (auto r = demangleItanium(sym)) return *r;
  return std::string(sym);
}

}  // namespace tern
