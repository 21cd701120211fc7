// Multi-memory in the decoder: several memories behind -W multi-memory, the
// memory index of a memarg (flag bit 6) and of memory.size/grow/fill/copy/
// init, and "unknown memory" for an index past the last memory. Running
// them is the spec suite's (proposals/multi-memory) and api/test_multi_memory.cc's.
#include <doctest/doctest.h>

#include "tern/tern.hpp"
#include "wasm_builder.h"

using namespace wb;

namespace {

// Two memories (an imported one if `import_first`, then one defined, or two
// defined) and one function of type [] -> [i32] with `code`.
Bytes twoMemories(const Bytes& code, bool import_first = false) {
  ModuleBuilder m;
  m.section(kType, typeSection({{{}, {I32}}}));
  if (import_first) m.section(kImport, Buf().u32(1).str("env").str("m").u8(0x02).u8(0x00).u32(1));
  m.section(kFunction, funcSection({0}));
  if (import_first) m.section(kMemory, Buf().u32(1).u8(0x00).u32(1));
  else m.section(kMemory, Buf().u32(2).u8(0x00).u32(1).u8(0x00).u32(2));
  m.section(kCode, codeSection({{{}, code}}));
  return m.bytes();
}

std::string message(const std::optional<tern::Error>& e) { return e ? e->message : std::string("(accepted)"); }

tern::Features withoutMultiMemory() {
  tern::Features f;
  f.multi_memory = false;
  return f;
}

}  // namespace

TEST_CASE("multi-memory: the decoder's gate") {
  Bytes b = twoMemories({0x3f, 0x00, 0x0b});  // memory.size 0
  CHECK_FALSE(tern::Module::validate(b).has_value());
  CHECK(message(tern::Module::validate(b, withoutMultiMemory())).find("multiple memories") != std::string::npos);
  Bytes imp = twoMemories({0x3f, 0x00, 0x0b}, true);
  CHECK_FALSE(tern::Module::validate(imp).has_value());
  CHECK(message(tern::Module::validate(imp, withoutMultiMemory())).find("multiple memories") != std::string::npos);
  // Without the feature, memory.size's immediate is a zero byte, and a
  // memarg's bit 6 is part of a too large alignment.
  auto oneMemory = [](const Bytes& code) {
    ModuleBuilder m;
    m.section(kType, typeSection({{{}, {I32}}}));
    m.section(kFunction, funcSection({0}));
    m.section(kMemory, Buf().u32(1).u8(0x00).u32(1));
    m.section(kCode, codeSection({{{}, code}}));
    return m.bytes();
  };
  CHECK(
      message(tern::Module::validate(oneMemory({0x3f, 0x01, 0x0b}), withoutMultiMemory())).find("zero byte expected") !=
      std::string::npos);
  CHECK(message(tern::Module::validate(oneMemory({0x3f, 0x80, 0x00, 0x0b}), withoutMultiMemory()))
            .find("zero byte expected") != std::string::npos);
  CHECK(message(tern::Module::validate(oneMemory({0x3f, 0x80, 0x00, 0x0b}))) == "(accepted)");
  CHECK(message(tern::Module::validate(oneMemory({0x41, 0x00, 0x28, 0x42, 0x00, 0x00, 0x0b}), withoutMultiMemory()))
            .find("malformed memop flags") != std::string::npos);
  CHECK(message(tern::Module::validate(oneMemory({0x41, 0x00, 0x28, 0x42, 0x00, 0x00, 0x0b}))) == "(accepted)");
}

TEST_CASE("multi-memory: memory indices of the memory instructions") {
  // i32.const 0, i32.load with flags 0x42 (align 2, a memory index follows), memory 1, offset 4.
  CHECK(message(tern::Module::validate(twoMemories({0x41, 0x00, 0x28, 0x42, 0x01, 0x04, 0x0b}))) == "(accepted)");
  CHECK(
      message(tern::Module::validate(twoMemories({0x41, 0x00, 0x28, 0x42, 0x02, 0x04, 0x0b}))).find("unknown memory") !=
      std::string::npos);
  // The alignment without bit 6 is still checked: 8 bytes for i32.load is too much.
  CHECK(message(tern::Module::validate(twoMemories({0x41, 0x00, 0x28, 0x43, 0x01, 0x00, 0x0b})))
            .find("alignment must not be larger than natural") != std::string::npos);
  // memory.size 1 and 2, memory.grow 1.
  CHECK(message(tern::Module::validate(twoMemories({0x3f, 0x01, 0x0b}))) == "(accepted)");
  CHECK(message(tern::Module::validate(twoMemories({0x3f, 0x02, 0x0b}))).find("unknown memory") != std::string::npos);
  CHECK(message(tern::Module::validate(twoMemories({0x41, 0x01, 0x40, 0x01, 0x0b}))) == "(accepted)");
  // memory.copy 1 0 and 0 2 (fc 0a dst src), then a result.
  Bytes copy10 = {0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x0a, 0x01, 0x00, 0x41, 0x00, 0x0b};
  CHECK(message(tern::Module::validate(twoMemories(copy10))) == "(accepted)");
  Bytes copy02 = {0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x0a, 0x00, 0x02, 0x41, 0x00, 0x0b};
  CHECK(message(tern::Module::validate(twoMemories(copy02))).find("unknown memory") != std::string::npos);
  // memory.fill 1 (fc 0b).
  Bytes fill1 = {0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x0b, 0x01, 0x41, 0x00, 0x0b};
  CHECK(message(tern::Module::validate(twoMemories(fill1))) == "(accepted)");
}
