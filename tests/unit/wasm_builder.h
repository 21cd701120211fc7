// A tiny hand-rolled WebAssembly binary writer for the unit tests, plus a few
// ready-made modules and helpers shared by test_decoder.cc and test_fuzz.cc.
//
// Nothing here uses the runtime's own encoder/decoder: the tests must not
// share code with what they check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tern/tern.hpp"

namespace wb {

using Bytes = std::vector<uint8_t>;

// Value type bytes.
constexpr uint8_t I32 = 0x7f, I64 = 0x7e, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b, FUNCREF = 0x70, EXTERNREF = 0x6f;

// Section ids.
enum Sec : uint8_t {
  kCustom = 0,
  kType = 1,
  kImport = 2,
  kFunction = 3,
  kTable = 4,
  kMemory = 5,
  kGlobal = 6,
  kExport = 7,
  kStart = 8,
  kElem = 9,
  kCode = 10,
  kData = 11,
  kDataCount = 12,
};

inline void putU(Bytes& b, uint64_t v) {
  do {
    uint8_t byte = v & 0x7f;
    v >>= 7;
    if (v) byte |= 0x80;
    b.push_back(byte);
  } while (v);
}

inline void putS(Bytes& b, int64_t v) {
  for (;;) {
    uint8_t byte = uint8_t(v & 0x7f);
    v >>= 7;  // arithmetic
    bool done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
    if (!done) byte |= 0x80;
    b.push_back(byte);
    if (done) return;
  }
}

// Byte buffer with chaining writers.
struct Buf {
  Bytes b;
  Buf() = default;
  Buf(std::initializer_list<uint8_t> l) : b(l) {}
  Buf& u8(uint8_t v) {
    b.push_back(v);
    return *this;
  }
  Buf& raw(std::initializer_list<uint8_t> l) {
    b.insert(b.end(), l.begin(), l.end());
    return *this;
  }
  Buf& raw(const Bytes& v) {
    b.insert(b.end(), v.begin(), v.end());
    return *this;
  }
  Buf& u32(uint64_t v) {
    putU(b, v);
    return *this;
  }
  Buf& s32(int64_t v) {
    putS(b, v);
    return *this;
  }
  Buf& str(std::string_view s) {
    putU(b, s.size());
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  // A length-prefixed blob.
  Buf& blob(const Bytes& v) {
    putU(b, v.size());
    return raw(v);
  }
  size_t size() const { return b.size(); }
};

inline Bytes header() { return {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}; }

// Module writer: magic + version, then sections in the order added. Records
// where each section's contents start so tests can check error offsets.
struct ModuleBuilder {
  Bytes out = header();
  struct Where {
    uint8_t id;
    size_t start;    // offset of the id byte
    size_t content;  // offset of the first content byte
    size_t end;      // one past the last content byte
  };
  std::vector<Where> sections;

  ModuleBuilder& section(uint8_t id, const Bytes& content) {
    Where w;
    w.id = id;
    w.start = out.size();
    out.push_back(id);
    putU(out, content.size());
    w.content = out.size();
    out.insert(out.end(), content.begin(), content.end());
    w.end = out.size();
    sections.push_back(w);
    return *this;
  }
  ModuleBuilder& section(uint8_t id, const Buf& content) { return section(id, content.b); }
  // Appends raw bytes (for deliberately broken framing).
  ModuleBuilder& raw(std::initializer_list<uint8_t> l) {
    out.insert(out.end(), l.begin(), l.end());
    return *this;
  }
  const Where* find(uint8_t id) const {
    for (const Where& w : sections)
      if (w.id == id) return &w;
    return nullptr;
  }
  Bytes bytes() const { return out; }
};

struct Sig {
  Bytes params, results;
};

inline Buf typeSection(const std::vector<Sig>& sigs) {
  Buf s;
  s.u32(sigs.size());
  for (const Sig& t : sigs) {
    s.u8(0x60).u32(t.params.size()).raw(t.params).u32(t.results.size()).raw(t.results);
  }
  return s;
}

inline Buf funcSection(const std::vector<uint32_t>& type_indices) {
  Buf s;
  s.u32(type_indices.size());
  for (uint32_t t : type_indices) s.u32(t);
  return s;
}

// A function body: local declarations (count, type) and the code, which
// must include the final `end` (0x0b).
struct Body {
  std::vector<std::pair<uint32_t, uint8_t>> locals;
  Bytes code;
};

inline Bytes encodeBody(const Body& f) {
  Buf inner;
  inner.u32(f.locals.size());
  for (auto& [n, t] : f.locals) inner.u32(n).u8(t);
  inner.raw(f.code);
  Buf sized;
  sized.blob(inner.b);
  return sized.b;
}

inline Buf codeSection(const std::vector<Body>& bodies) {
  Buf s;
  s.u32(bodies.size());
  for (const Body& f : bodies) s.raw(encodeBody(f));
  return s;
}

struct Exp {
  std::string name;
  uint8_t kind;  // 0 func, 1 table, 2 memory, 3 global
  uint32_t index;
};

inline Buf exportSection(const std::vector<Exp>& exps) {
  Buf s;
  s.u32(exps.size());
  for (const Exp& e : exps) s.str(e.name).u8(e.kind).u32(e.index);
  return s;
}

// A module with a single function of type `sig`, exported as "f".
inline ModuleBuilder singleFunc(const Sig& sig, const Body& body) {
  ModuleBuilder m;
  m.section(kType, typeSection({sig}));
  m.section(kFunction, funcSection({0}));
  m.section(kExport, exportSection({{"f", 0, 0}}));
  m.section(kCode, codeSection({body}));
  return m;
}

// ---------------------------------------------------------------------------
// Ready-made modules.

// (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
inline Bytes addModule() { return singleFunc({{I32, I32}, {I32}}, {{}, {0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b}}).bytes(); }

// A richer module exercising most sections. Function indices:
//   0 import env.twice (i32)->i32
//   1 add (i32 i32)->i32        2 fac (i64)->i64 (loop)
//   3 fib (i32)->i32 (recursive) 4 mem (i32)->i32 (memory + mutable global)
//   5 sel (i32)->i32 (br_table)  6 callimp (i32)->i32 (calls the import)
//   7 data ()->i32 (reads the data segment)
//   8 indirect (i32)->i32: call_indirect (type 3) table[arg](7)
// Table "tab" = [add, fib]; memory "memory" 1 page; global "g" mut i32 = 5;
// data "tern" at address 100.
inline ModuleBuilder richModuleBuilder() {
  ModuleBuilder m;
  m.section(kType, typeSection({
                       {{I32, I32}, {I32}},  // 0
                       {{I64}, {I64}},       // 1
                       {{}, {I32}},          // 2
                       {{I32}, {I32}},       // 3
                   }));
  m.section(kImport, Buf().u32(1).str("env").str("twice").u8(0x00).u32(3));
  m.section(kFunction, funcSection({0, 1, 3, 3, 3, 3, 2, 3}));
  m.section(kTable, Buf().u32(1).u8(FUNCREF).u8(0x00).u32(2));
  m.section(kMemory, Buf().u32(1).u8(0x00).u32(1));
  m.section(kGlobal, Buf().u32(1).u8(I32).u8(0x01).raw({0x41, 0x05, 0x0b}));
  m.section(kExport, exportSection({
                         {"add", 0, 1},
                         {"fac", 0, 2},
                         {"fib", 0, 3},
                         {"mem", 0, 4},
                         {"sel", 0, 5},
                         {"callimp", 0, 6},
                         {"data", 0, 7},
                         {"indirect", 0, 8},
                         {"tab", 1, 0},
                         {"memory", 2, 0},
                         {"g", 3, 0},
                     }));
  // Active element segment, table 0, offset 0: [add, fib].
  m.section(kElem, Buf().u32(1).u8(0x00).raw({0x41, 0x00, 0x0b}).u32(2).u32(1).u32(3));
  m.section(kDataCount, Buf().u32(1));
  Body add{{}, {0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b}};
  Body fac{{{1, I64}},
           {
               0x42, 0x01, 0x21, 0x01,                    // acc = 1
               0x02, 0x40,                                // block
               0x03, 0x40,                                //   loop
               0x20, 0x00, 0x50, 0x0d, 0x01,              //     br_if 1 (n == 0)
               0x20, 0x01, 0x20, 0x00, 0x7e, 0x21, 0x01,  // acc *= n
               0x20, 0x00, 0x42, 0x01, 0x7d, 0x21, 0x00,  // n -= 1
               0x0c, 0x00,                                //     br 0
               0x0b,                                      //   end
               0x0b,                                      // end
               0x20, 0x01, 0x0b,                          // acc
           }};
  Body fib{{},
           {
               0x20, 0x00, 0x41, 0x02, 0x48,              // n < 2
               0x04, 0x7f,                                // if (result i32)
               0x20, 0x00,                                //   n
               0x05,                                      // else
               0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x03,  // fib(n-1)
               0x20, 0x00, 0x41, 0x02, 0x6b, 0x10, 0x03,  // fib(n-2)
               0x6a,                                      //   add
               0x0b,                                      // end
               0x0b,
           }};
  Body mem{{},
           {
               0x41, 0x10, 0x20, 0x00, 0x36, 0x02, 0x00,  // i32.store [16] = arg
               0x41, 0x10, 0x28, 0x02, 0x00,              // i32.load [16]
               0x23, 0x00, 0x6a,                          // + g
               0x23, 0x00, 0x41, 0x01, 0x6a, 0x24, 0x00,  // g += 1
               0x0b,
           }};
  Body sel{{},
           {
               0x02, 0x40, 0x02, 0x40, 0x02, 0x40,        // block block block
               0x20, 0x00, 0x0e, 0x02, 0x00, 0x01, 0x02,  // br_table 0 1 2
               0x0b, 0x41, 0x0a, 0x0f,                    // end 10 return
               0x0b, 0x41, 0x14, 0x0f,                    // end 20 return
               0x0b, 0x41, 0x1e,                          // end 30
               0x0b,
           }};
  Body callimp{{}, {0x20, 0x00, 0x10, 0x00, 0x41, 0x01, 0x6a, 0x0b}};
  Body data{{}, {0x41, 0x00, 0x2d, 0x00, 0x64, 0x0b}};  // i32.load8_u offset=100
  Body indirect{{}, {0x41, 0x07, 0x20, 0x00, 0x11, 0x03, 0x00, 0x0b}};
  m.section(kCode, codeSection({add, fac, fib, mem, sel, callimp, data, indirect}));
  m.section(kData, Buf().u32(1).u8(0x00).raw({0x41, 0xe4, 0x00, 0x0b}).str("tern"));
  return m;
}
inline Bytes richModule() { return richModuleBuilder().bytes(); }

// A module with one import and one export of every kind.
inline Bytes importsExportsModule() {
  ModuleBuilder m;
  m.section(kType, typeSection({{{I32}, {}}, {{}, {I64, F32}}}));
  Buf imp;
  imp.u32(4);
  imp.str("env").str("log").u8(0x00).u32(0);                       // func (i32)->()
  imp.str("env").str("mem").u8(0x02).u8(0x01).u32(1).u32(2);       // memory {1, 2}
  imp.str("env").str("tab").u8(0x01).u8(FUNCREF).u8(0x00).u32(3);  // table funcref {3}
  imp.str("spectest").str("g").u8(0x03).u8(F64).u8(0x00);          // global const f64
  m.section(kImport, imp);
  m.section(kFunction, funcSection({1}));
  m.section(kGlobal, Buf().u32(1).u8(I64).u8(0x01).raw({0x42, 0x7f, 0x0b}));  // mut i64 = -1
  m.section(kExport, exportSection({
                         {"two", 0, 1},
                         {"log_again", 0, 0},
                         {"m", 2, 0},
                         {"t", 1, 0},
                         {"imported_g", 3, 0},
                         {"own_g", 3, 1},
                     }));
  Body two{{}, {0x42, 0x2a, 0x43, 0x00, 0x00, 0xc0, 0x3f, 0x0b}};  // i64 42, f32 1.5
  m.section(kCode, codeSection({two}));
  return m.bytes();
}

// ---------------------------------------------------------------------------
// Helpers for instantiating arbitrary modules with dummy imports.

inline std::vector<tern::Value> zeroValues(const std::vector<tern::ValType>& types) {
  std::vector<tern::Value> v;
  v.reserve(types.size());
  for (tern::ValType t : types) v.push_back(tern::Value::zero(t));
  return v;
}

// Creates a dummy extern of the right type for each import. Host functions
// return zeros. Returns false if some import could not be created (e.g. a
// memory larger than the host allows).
inline bool makeDummyImports(tern::Store& store, const std::vector<tern::ImportInfo>& imports,
                             std::vector<tern::Extern>* out) {
  out->clear();
  for (const tern::ImportInfo& imp : imports) {
    switch (imp.type.kind) {
      case tern::ExternKind::Func: {
        std::vector<tern::ValType> results = imp.type.func.results;
        tern::Func* f = store.createHostFunc(
            imp.type.func,
            [results](tern::Caller&, std::span<const tern::Value>,
                      std::span<tern::Value> res) -> std::optional<tern::Trap> {
              for (size_t i = 0; i < res.size() && i < results.size(); ++i) res[i] = tern::Value::zero(results[i]);
              return std::nullopt;
            },
            imp.module + "." + imp.name);
        if (!f) return false;
        out->push_back(tern::Extern(f));
        break;
      }
      case tern::ExternKind::Memory: {
        auto m = store.createMemory(imp.type.memory);
        if (!m.ok() || !m.value()) return false;
        out->push_back(tern::Extern(m.value()));
        break;
      }
      case tern::ExternKind::Table: {
        tern::Table* t = store.createTable(imp.type.table, tern::Value::nullRef(imp.type.table.elem));
        if (!t) return false;
        out->push_back(tern::Extern(t));
        break;
      }
      case tern::ExternKind::Global: {
        tern::Global* g = store.createGlobal(imp.type.global, tern::Value::zero(imp.type.global.type));
        if (!g) return false;
        out->push_back(tern::Extern(g));
        break;
      }
      case tern::ExternKind::Tag: out->push_back(tern::Extern(store.createTag(imp.type.func, imp.name))); break;
    }
  }
  return true;
}

}  // namespace wb
