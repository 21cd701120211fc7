// The helper address table (see helpers.h).
#include "jit/helpers.h"

#include "jit/entry.h"
#include "jit/jit.h"
#include "module/opcodes.h"

namespace tern::jit {

uint64_t (*helperFor(Opcode op))(uint64_t, uint64_t, Ctx*);

namespace {

struct Table {
  const void* fns[operatorHelper(kOpcodeCount)] = {};
  Table() {
    fns[helperId(HelperId::CallOut)] = reinterpret_cast<const void*>(&jitCallOut);
    fns[helperId(HelperId::MemoryGrow)] = reinterpret_cast<const void*>(&jitMemoryGrow);
    fns[helperId(HelperId::CallIndirect)] = reinterpret_cast<const void*>(&jitCallIndirect);
    fns[helperId(HelperId::TailCallIndirect)] = reinterpret_cast<const void*>(&jitTailCallIndirect);
    fns[helperId(HelperId::CheckInterrupt)] = reinterpret_cast<const void*>(&jitCheckInterrupt);
    fns[helperId(HelperId::Misc)] = reinterpret_cast<const void*>(&jitMisc);
    fns[helperId(HelperId::Simd)] = reinterpret_cast<const void*>(&jitSimd);
    for (unsigned op = 0; op < kOpcodeCount; ++op)
      fns[operatorHelper(op)] = reinterpret_cast<const void*>(helperFor(Opcode(op)));
  }
};

}  // namespace

const void* const* helperTable() {
  static const Table table;
  return table.fns;
}

}  // namespace tern::jit
