// The x86-64 Masm's direct encodings (jit/x64/encode_x64.cc) against
// asmjit's encoder: every form they take, over every register, slot and
// displacement size and immediates at the edges of each encoding, must give
// the same bytes with the direct path on and off.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "jit/x64/masm_x64.h"

using namespace tern::jit;

namespace {

// The bytes of one function holding what `emit` writes after the prologue.
std::vector<uint8_t> encode(bool direct, const std::function<void(Masm&)>& emit) {
  Masm m(0);
  m.setDirectEncoding(direct);
  Masm::Label overflow = m.newLabel();
  m.prologue(0, 0, overflow);
  emit(m);
  m.bind(overflow);
  std::vector<uint8_t> out;
  REQUIRE(m.finish(64, out));
  return out;
}

size_t g_checked = 0;

void same(const std::string& what, const std::function<void(Masm&)>& emit) {
  INFO(what);
  CHECK(encode(true, emit) == encode(false, emit));
  ++g_checked;
}

// Every Gp register but rsp; rbx, r12, r13 and r14 are pinned, but the
// encodings treat them like any other.
std::vector<int> gpIds() {
  std::vector<int> ids;
  for (int r = 0; r < 16; ++r)
    if (r != 4) ids.push_back(r);
  return ids;
}

const uint32_t kSlots[] = {0, 1, 15, 16, 17, 1000, 0x0fffffff};
const uint64_t kImms[] = {
    0,          1,          127,        128,          0xff,          uint64_t(-128), uint64_t(-129),
    0x7fffffff, 0x80000000, 0xffffffff, uint64_t(-1), 0x100000000ull};
const uint64_t kOffsets[] = {0, 8, 127, 128, 0x12345, 0x7fffffff, 0x80000000ull};

}  // namespace

TEST_CASE("moves between registers and slots") {
  for (int d : gpIds()) {
    for (int s : gpIds())
      same("move " + std::to_string(d) + ", " + std::to_string(s), [&](Masm& m) { m.move(gpReg(d), gpReg(s)); });
    for (uint32_t slot : kSlots) {
      std::string at = std::to_string(d) + " slot " + std::to_string(slot);
      same("loadSlot " + at, [&](Masm& m) { m.loadSlot(gpReg(d), slot); });
      same("storeSlot " + at, [&](Masm& m) { m.storeSlot(slot, gpReg(d)); });
    }
  }
}

TEST_CASE("integer operations and compares") {
  const IntOp ops[] = {IntOp::Add, IntOp::Sub, IntOp::And, IntOp::Or, IntOp::Xor, IntOp::Mul};
  for (bool wide : {false, true}) {
    for (int d : gpIds()) {
      std::string w = wide ? " wide " : " ";
      std::vector<Opnd> rhs;
      for (int s : gpIds()) rhs.push_back(Opnd::r(gpReg(s)));
      for (uint32_t slot : kSlots) rhs.push_back(Opnd::s(slot));
      for (uint64_t v : kImms) rhs.push_back(Opnd::i(v));
      for (const Opnd& r : rhs) {
        std::string what = w + std::to_string(d) + " rhs kind " + std::to_string(int(r.kind)) + " reg " +
                           std::to_string(r.reg.id) + " slot " + std::to_string(r.slot) + " imm " +
                           std::to_string(r.imm);
        for (IntOp op : ops)
          same("intOp " + std::to_string(int(op)) + what,
               [&](Masm& m) { m.intOp(op, wide, gpReg(d), Opnd::r(gpReg(d)), r); });
        same("cmp" + what, [&](Masm& m) { m.cmp(wide, gpReg(d), r); });
      }
    }
  }
  for (int r : gpIds()) same("test " + std::to_string(r), [&](Masm& m) { m.test(gpReg(r)); });
  for (int r : gpIds())
    for (int c = 0; c <= int(Cond::FNe); ++c)
      same("setCond " + std::to_string(c) + " " + std::to_string(r), [&](Masm& m) { m.setCond(Cond(c), gpReg(r)); });
  // Shifts and rotates by an immediate count (masked to the width, as
  // Wasm's are).
  const IntOp shifts[] = {IntOp::Shl, IntOp::ShrS, IntOp::ShrU, IntOp::Rotl, IntOp::Rotr};
  for (bool wide : {false, true})
    for (int d : gpIds())
      for (uint64_t count : {0, 1, 2, 7, 31, 32, 33, 63, 64, 255})
        for (IntOp op : shifts)
          same("shift " + std::to_string(int(op)) + (wide ? " wide " : " ") + std::to_string(d) + " by " +
                   std::to_string(count),
               [&](Masm& m) { m.intOp(op, wide, gpReg(d), Opnd::r(gpReg(d)), Opnd::i(count)); });
  // And by a count in a register or slot (moved to cl first).
  for (bool wide : {false, true})
    for (int d : gpIds())
      for (const Opnd& count : {Opnd::r(gpReg(1)), Opnd::r(gpReg(6)), Opnd::r(gpReg(9)), Opnd::s(3)})
        for (IntOp op : shifts)
          same("shift " + std::to_string(int(op)) + (wide ? " wide " : " ") + std::to_string(d) + " by kind " +
                   std::to_string(int(count.kind)) + " reg " + std::to_string(count.reg.id),
               [&](Masm& m) { m.intOp(op, wide, gpReg(d), Opnd::r(gpReg(d)), count); });
}

TEST_CASE("loads and stores of linear memory") {
  for (int v : gpIds()) {
    for (int idx : gpIds()) {
      for (uint64_t off : kOffsets) {
        MemRef ref{true, gpReg(idx), off};
        for (uint8_t size : {1, 2, 4, 8}) {
          std::string what = std::to_string(v) + " idx " + std::to_string(idx) + " offset " + std::to_string(off) +
                             " size " + std::to_string(size);
          for (uint8_t ext : {1, 2})
            if (size < 8)
              same("load ext " + std::to_string(ext) + " " + what, [&](Masm& m) {
                m.load(MemAccess{size, ext, false}, gpReg(v), ref);
              });
          same("load " + what, [&](Masm& m) { m.load(MemAccess{size, 0, false}, gpReg(v), ref); });
          same("store " + what, [&](Masm& m) { m.store(MemAccess{size, 0, false}, ref, Opnd::r(gpReg(v))); });
          if (v == 0)
            for (uint64_t imm : kImms)
              same("store imm " + std::to_string(imm) + " " + what, [&](Masm& m) {
                m.store(MemAccess{size, 0, false}, ref, Opnd::i(imm));
              });
        }
      }
    }
    // A constant address: no index register.
    for (uint64_t off : kOffsets) {
      MemRef ref{false, {}, off};
      for (uint8_t size : {1, 2, 4, 8}) {
        std::string what = std::to_string(v) + " constant address " + std::to_string(off) + " size " +
                           std::to_string(size);
        for (uint8_t ext : {0, 1, 2})
          if (ext == 0 || size < 8)
            same("load ext " + std::to_string(ext) + " " + what, [&](Masm& m) {
              m.load(MemAccess{size, ext, false}, gpReg(v), ref);
            });
        same("store " + what, [&](Masm& m) { m.store(MemAccess{size, 0, false}, ref, Opnd::r(gpReg(v))); });
        if (v == 0)
          for (uint64_t imm : kImms)
            same("store imm " + std::to_string(imm) + " " + what, [&](Masm& m) {
              m.store(MemAccess{size, 0, false}, ref, Opnd::i(imm));
            });
      }
    }
  }
}

TEST_CASE("immediates into registers") {
  for (int r : gpIds())
    for (uint64_t v : kImms)
      same("loadImm " + std::to_string(r) + ", " + std::to_string(v), [&](Masm& m) { m.loadImm(gpReg(r), v); });
}

TEST_CASE("globals and slot compares") {
  for (uint32_t index : kSlots)
    for (int r : gpIds()) {
      std::string what = std::to_string(r) + " global " + std::to_string(index);
      same("globalGet " + what, [&](Masm& m) { m.globalGet(gpReg(r), index); });
      same("globalSet " + what, [&](Masm& m) { m.globalSet(index, Opnd::r(gpReg(r))); });
    }
  for (uint32_t slot : kSlots) {
    same("cmpSlotZero " + std::to_string(slot), [&](Masm& m) { m.cmpSlotZero(slot); });
    same("store from slot " + std::to_string(slot), [&](Masm& m) {
      m.store(MemAccess{4, 0, false}, MemRef{true, gpReg(6), 16}, Opnd::s(slot));
    });
  }
}

TEST_CASE("calls") {
  for (uint32_t slot : kSlots) {
    same("callFunction slot " + std::to_string(slot), [&](Masm& m) { m.callFunction(3, slot); });
    for (uint64_t v : {uint64_t(0), uint64_t(0x12345678)})
      for (int r : gpIds())
        same("callIndirect slot " + std::to_string(slot) + " elem " + std::to_string(r), [&](Masm& m) {
          Masm::Label trap = m.newLabel();
          m.callIndirect(uint32_t(v), uint32_t(v >> 4), slot, Opnd::r(gpReg(r)), trap);
          m.bind(trap);
        });
  }
  // A helper's call through Ctx::helpers: [rax + 0], disp8 and disp32.
  for (uint32_t id : {0u, 1u, 15u, 16u, 1000u})
    same("callOperator helper " + std::to_string(id),
         [&](Masm& m) { m.callOperator(id, Opnd::r(gpReg(3)), Opnd::i(5)); });
}

TEST_CASE("slot copies and immediates") {
  for (uint32_t d : kSlots) {
    for (uint32_t s : kSlots)
      same("copySlot " + std::to_string(d) + ", " + std::to_string(s), [&](Masm& m) { m.copySlot(d, s); });
    for (uint64_t v : kImms)
      same("storeSlotImm " + std::to_string(d) + ", " + std::to_string(v), [&](Masm& m) { m.storeSlotImm(d, v); });
  }
}

TEST_CASE("jumps and branches to labels before and after them") {
  // Fillers of 7-byte stores put the target in and out of a rel8's reach.
  auto fill = [](Masm& m, int n) {
    for (int i = 0; i < n; ++i) m.storeSlot(16, gpReg(0));
  };
  for (int n : {0, 1, 10, 17, 18, 19, 40}) {
    std::string at = " over " + std::to_string(n) + " stores";
    same("jump back" + at, [&](Masm& m) {
      Masm::Label l = m.newLabel();
      m.bind(l);
      fill(m, n);
      m.jump(l);
    });
    same("jump ahead" + at, [&](Masm& m) {
      Masm::Label l = m.newLabel();
      m.jump(l);
      fill(m, n);
      m.bind(l);
    });
    for (int c = 0; c <= int(Cond::FNotGe); ++c) {
      std::string what = " cond " + std::to_string(c) + at;
      same("branch back" + what, [&](Masm& m) {
        Masm::Label l = m.newLabel();
        m.bind(l);
        fill(m, n);
        m.branch(Cond(c), l);
      });
      same("branch ahead" + what, [&](Masm& m) {
        Masm::Label l = m.newLabel();
        m.branch(Cond(c), l);
        fill(m, n);
        m.bind(l);
        fill(m, 1);
      });
    }
  }
}

TEST_CASE("prologues, returns, trap sites and trap stubs") {
  for (uint32_t nparams : {0u, 2u})
    for (uint32_t nlocals : {0u, 1u, 5u, 16u, 18u, 40u}) {
      std::vector<uint8_t> code[2];
      for (bool direct : {false, true}) {
        Masm m(0);
        m.setDirectEncoding(direct);
        Masm::Label overflow = m.newLabel(), stub = m.newLabel();
        m.prologue(nparams, nparams + nlocals, overflow);
        m.trapSite(overflow, stub);
        m.trapStub(stub, tern::TrapCode(1), stub);
        m.trapSite(m.newLabel(), stub);  // a call back to a bound label
        m.ret();
        Masm::Label common = m.newLabel();
        m.trapStub(m.newLabel(), tern::TrapCode(3), common);  // a jump forward to a label not bound yet
        m.trapCommon(common, 0x12345678);
        REQUIRE(m.finish(64, code[direct]));
      }
      INFO("params " << nparams << " locals " << nlocals);
      CHECK(code[0] == code[1]);
    }
}

TEST_CASE("the direct path is taken") {
  // Not vacuous: the forms above are written by the direct path when it is
  // on (all but the few that find the buffer full and let asmjit grow it).
  Masm m(0);
  m.setDirectEncoding(true);
  for (uint32_t s = 0; s < 100; ++s) m.storeSlot(s, gpReg(6));
  m.move(gpReg(0), gpReg(9));
  m.intOp(IntOp::Add, true, gpReg(1), Opnd::r(gpReg(1)), Opnd::i(5));
  m.load(MemAccess{4, 0, false}, gpReg(2), MemRef{true, gpReg(7), 16});
  Masm::Label l = m.newLabel();
  m.branch(Cond::Eq, l);
  m.bind(l);
  m.jump(l);
  CHECK(m.directCount() >= 100);
  CHECK(m.directCount() <= 105);
  CHECK(g_checked > 10000);
}
