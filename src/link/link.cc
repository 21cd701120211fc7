#include "link/link.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>

#include "decode/module_decoder.h"
#include "link/code.h"
#include "link/writer.h"
#include "module/module.h"

namespace tern::link {

std::string moduleNameFromPath(std::string_view path) {
  size_t slash = path.find_last_of('/');
  if (slash != std::string_view::npos) path = path.substr(slash + 1);
  constexpr std::string_view kExt = ".wasm";
  if (path.size() > kExt.size() && path.substr(path.size() - kExt.size()) == kExt)
    path = path.substr(0, path.size() - kExt.size());
  return std::string(path);
}

namespace {

// Where an entity of an input module ends up: an import of the output
// (index among the output's imports of that kind) or a definition (index
// among the output's definitions of that kind; for memories, among every
// input's defined memories, kept or not: see planMemories).
struct Ref {
  bool imported = false;
  uint32_t index = 0;
};

struct Mod {
  const InputModule* in = nullptr;
  std::unique_ptr<ModuleData> m;
  bool is_main = false;
  std::vector<BodyFacts> facts;  // per defined function
  bool uses_memory = false;      // its code, data segments or host calls touch memory 0
  std::vector<Ref> funcs, tables, mems, globals, tags;
  // Final index maps, input index -> output index.
  std::vector<uint32_t> type_map, func_map, table_map, global_map, elem_map, data_map, mem_map, tag_map;
  bool deferred = false;  // active segments run from the synthesized start
};

struct OutImport {
  std::string module, name;
  ExternType type;
  uint32_t kind_index = 0;   // index among the output's imports of this kind
  size_t first_mod = 0;      // who imported it first (for its name)
  uint32_t first_index = 0;  // ... and under which index of that module
};

Error linkError(std::string msg) { return Error{ErrorKind::Link, std::move(msg), SIZE_MAX, std::nullopt}; }

// The inputs are decoded and the output validated with the default features
// plus exceptions: a module with tags links whether or not the runtime that
// runs it has them switched on.
Features linkFeatures() {
  Features f;
  f.exceptions = true;
  return f;
}

ExternType importType(const ModuleData& m, const Import& im) {
  ExternType t;
  t.kind = im.kind;
  switch (im.kind) {
    case ExternKind::Func: t.func = m.types[im.func_type]; break;
    case ExternKind::Table: t.table = im.table; break;
    case ExternKind::Memory: t.memory = im.memory; break;
    case ExternKind::Global: t.global = im.global; break;
    case ExternKind::Tag: t.func = m.types[im.func_type]; break;
  }
  return t;
}

ExternType exportType(const ModuleData& m, const Export& ex) {
  ExternType t;
  t.kind = ex.kind;
  switch (ex.kind) {
    case ExternKind::Func: t.func = m.funcType(ex.index); break;
    case ExternKind::Table: t.table = m.tables[ex.index]; break;
    case ExternKind::Memory: t.memory = m.memories[ex.index]; break;
    case ExternKind::Global: t.global = m.globals[ex.index]; break;
    case ExternKind::Tag: t.func = m.types[m.tags[ex.index]]; break;
  }
  return t;
}

bool limitsMatch(const Limits& actual, const Limits& expected) {
  if (actual.min < expected.min) return false;
  if (expected.max && (!actual.max || *actual.max > *expected.max)) return false;
  return true;
}

// The spec's import matching (extern subtyping of Wasm 2.0).
bool externMatches(const ExternType& have, const ExternType& want) {
  if (have.kind != want.kind) return false;
  switch (want.kind) {
    case ExternKind::Func: return have.func == want.func;
    case ExternKind::Table:
      return have.table.elem == want.table.elem && limitsMatch(have.table.limits, want.table.limits);
    case ExternKind::Memory: return limitsMatch(have.memory.limits, want.memory.limits);
    case ExternKind::Global: return have.global.type == want.global.type && have.global.mut == want.global.mut;
    case ExternKind::Tag: return have.func == want.func;
  }
  return false;
}

// Limits satisfied by exactly what satisfies both `a` and `b`.
std::optional<Limits> intersectLimits(const Limits& a, const Limits& b) {
  Limits l;
  l.min = std::max(a.min, b.min);
  if (a.max && b.max) l.max = std::min(*a.max, *b.max);
  else if (a.max) l.max = a.max;
  else if (b.max) l.max = b.max;
  if (l.max && *l.max < l.min) return std::nullopt;
  return l;
}

// Imports of the same module and name are merged when one definition can
// satisfy both: same function or global type; tables of one element type
// and memories with the intersection of their limits.
std::string importKey(const std::string& module, const std::string& name, const ExternType& t) {
  std::string key = module;
  key += '\0';
  key += name;
  key += '\0';
  key += char('0' + int(t.kind));
  switch (t.kind) {
    case ExternKind::Func:
    case ExternKind::Global:
    case ExternKind::Tag: key += t.toString(); break;
    case ExternKind::Table: key += valTypeName(t.table.elem); break;
    case ExternKind::Memory: break;
  }
  return key;
}

class Linker {
 public:
  Linker(const InputModule& main, const std::vector<InputModule>& deps, const Options& options)
      : main_(main), deps_(deps), options_(options) {}

  Expected<std::vector<uint8_t>> run() {
    if (auto e = load()) return *e;
    if (auto e = computeOrder()) return *e;
    if (auto e = scan()) return *e;
    if (auto e = resolve()) return *e;
    if (auto e = planMemories()) return *e;
    assignIndices();
    std::vector<uint8_t> out;
    if (auto e = emit(out)) return *e;
    if (std::optional<Error> e = Module::validate(out, linkFeatures()))
      return linkError("internal error: the linked module does not validate: " + e->toString());
    return out;
  }

 private:
  // ---- inputs ----
  std::optional<Error> load() {
    mods_.resize(deps_.size() + 1);
    for (size_t i = 0; i <= deps_.size(); ++i) {
      Mod& md = mods_[i];
      md.in = i < deps_.size() ? &deps_[i] : &main_;
      md.is_main = i == deps_.size();
      const std::vector<uint8_t>& bytes = md.in->bytes;
      if (std::optional<Error> e = Module::validate(bytes, linkFeatures())) {
        e->message = md.in->path + ": " + e->toString();
        e->offset = SIZE_MAX;
        return e;
      }
      ModuleDecoder dec(linkFeatures());
      dec.feed(bytes);
      if (!dec.finish()) {
        Error e = dec.toError();
        e.message = md.in->path + ": " + e.toString();
        e.offset = SIZE_MAX;
        return e;
      }
      md.m = dec.take();
      if (!md.is_main) {
        auto [it, fresh] = by_name_.emplace(md.in->name, i);
        if (!fresh)
          return linkError("two dependencies are named '" + md.in->name + "' (" + mods_[it->second].in->path + " and " +
                           md.in->path + ")");
      }
    }
    return std::nullopt;
  }

  std::optional<size_t> depOf(const std::string& module_name) const {
    auto it = by_name_.find(module_name);
    if (it == by_name_.end()) return std::nullopt;
    return it->second;
  }

  // Instantiation order: every module after the dependencies it imports
  // from; otherwise dependencies in the order given, the main module last.
  std::optional<Error> computeOrder() {
    std::vector<int> state(mods_.size(), 0);  // 0 new, 1 on the path, 2 done
    std::vector<size_t> path;
    std::optional<Error> err;
    auto visit = [&](auto& self, size_t k) -> bool {
      if (state[k] == 2) return true;
      if (state[k] == 1) {
        std::string chain;
        auto from = std::find(path.begin(), path.end(), k);
        for (auto it = from; it != path.end(); ++it) chain += mods_[*it].in->path + " -> ";
        chain += mods_[k].in->path;
        err = linkError("circular imports between dependencies: " + chain);
        return false;
      }
      state[k] = 1;
      path.push_back(k);
      for (const Import& im : mods_[k].m->imports)
        if (std::optional<size_t> d = depOf(im.module))
          if (!self(self, *d)) return false;
      path.pop_back();
      state[k] = 2;
      order_.push_back(k);
      return true;
    };
    for (size_t k = 0; k < mods_.size(); ++k)
      if (!visit(visit, k)) return err;
    return std::nullopt;
  }

  // What each body touches (memory, ref.func targets).
  std::optional<Error> scan() {
    for (Mod& md : mods_) {
      const ModuleData& m = *md.m;
      md.facts.resize(m.bodies.size());
      for (size_t j = 0; j < m.bodies.size(); ++j) {
        std::string err;
        std::span<const uint8_t> body(md.in->bytes.data() + m.bodies[j].offset, m.bodies[j].size);
        if (!walkBody(body, nullptr, nullptr, &md.facts[j], &err))
          return linkError(md.in->path + ": function " + std::to_string(m.num_imported_funcs + j) + ": " + err);
        md.uses_memory |= md.facts[j].uses_memory;
      }
      if (!m.datas.empty()) md.uses_memory = true;
    }
    return std::nullopt;
  }

  // ---- resolution ----
  Ref externalImport(size_t k, uint32_t import_index, const Import& im, const ExternType& type,
                     std::optional<Error>* err) {
    std::string key = importKey(im.module, im.name, type);
    auto it = import_keys_.find(key);
    if (it != import_keys_.end()) {
      OutImport& prev = imports_[it->second];
      if (type.kind == ExternKind::Table || type.kind == ExternKind::Memory) {
        Limits& have = type.kind == ExternKind::Table ? prev.type.table.limits : prev.type.memory.limits;
        const Limits& want = type.kind == ExternKind::Table ? type.table.limits : type.memory.limits;
        std::optional<Limits> both = intersectLimits(have, want);
        if (!both) {
          *err = linkError("conflicting imports of " + im.module + "." + im.name + ": " +
                           mods_[prev.first_mod].in->path + " wants " + prev.type.toString() + ", " +
                           mods_[k].in->path + " wants " + type.toString());
          return {};
        }
        have = *both;
      }
      return Ref{true, prev.kind_index};
    }
    OutImport oi;
    oi.module = im.module;
    oi.name = im.name;
    oi.type = type;
    oi.kind_index = num_imports_[size_t(type.kind)]++;
    oi.first_mod = k;
    oi.first_index = import_index;
    import_keys_.emplace(key, imports_.size());
    imports_.push_back(std::move(oi));
    return Ref{true, imports_.back().kind_index};
  }

  std::vector<Ref>& space(Mod& md, ExternKind kind) {
    switch (kind) {
      case ExternKind::Func: return md.funcs;
      case ExternKind::Table: return md.tables;
      case ExternKind::Memory: return md.mems;
      case ExternKind::Global: return md.globals;
      case ExternKind::Tag: return md.tags;
    }
    return md.funcs;
  }

  std::optional<Error> resolve() {
    mem_used_.assign(mods_.size(), false);
    for (size_t k : order_) {
      Mod& md = mods_[k];
      const ModuleData& m = *md.m;
      uint32_t kind_counts[5] = {0, 0, 0, 0, 0};
      for (const Import& im : m.imports) {
        ExternType want = importType(m, im);
        uint32_t index_in_kind = kind_counts[size_t(im.kind)]++;
        std::optional<size_t> d = depOf(im.module);
        if (!d) {
          std::optional<Error> err;
          Ref r = externalImport(k, index_in_kind, im, want, &err);
          if (err) return err;
          space(md, im.kind).push_back(r);
          continue;
        }
        Mod& dep = mods_[*d];
        const Export* ex = nullptr;
        for (const Export& e : dep.m->exports)
          if (e.name == im.name) ex = &e;
        if (!ex)
          return linkError("missing export: " + md.in->path + " imports " + im.module + "." + im.name + " (" +
                           want.toString() + "), but " + dep.in->path + " exports nothing named '" + im.name + "'");
        ExternType have = exportType(*dep.m, *ex);
        if (!externMatches(have, want))
          return linkError("type clash: " + md.in->path + " imports " + im.module + "." + im.name + " as " +
                           want.toString() + ", but " + dep.in->path + " exports '" + im.name + "' as " +
                           have.toString());
        Ref r = space(dep, ex->kind)[ex->index];
        if (ex->kind == ExternKind::Memory && !r.imported) mem_used_[def_mems_[r.index].first] = true;
        space(md, im.kind).push_back(r);
      }
      for (uint32_t j = 0; j < m.bodies.size(); ++j) {
        md.funcs.push_back(Ref{false, uint32_t(def_funcs_.size())});
        def_funcs_.push_back({k, j});
      }
      for (size_t j = m.num_imported_tables; j < m.tables.size(); ++j) {
        md.tables.push_back(Ref{false, uint32_t(def_tables_.size())});
        def_tables_.push_back(m.tables[j]);
      }
      for (size_t j = m.num_imported_memories; j < m.memories.size(); ++j) {
        md.mems.push_back(Ref{false, uint32_t(def_mems_.size())});
        def_mems_.push_back({k, uint32_t(j)});
      }
      for (size_t j = m.num_imported_globals; j < m.globals.size(); ++j) {
        md.globals.push_back(Ref{false, uint32_t(def_globals_.size())});
        def_globals_.push_back({k, uint32_t(j - m.num_imported_globals)});
      }
      for (size_t j = m.num_imported_tags; j < m.tags.size(); ++j) {
        md.tags.push_back(Ref{false, uint32_t(def_tags_.size())});
        def_tags_.push_back({k, m.tags[j]});
      }
    }
    // A host function reaches its caller's memory: a module that calls one
    // uses its memory even without a load or store of its own.
    for (Mod& md : mods_)
      for (uint32_t i = 0; i < md.m->num_imported_funcs; ++i)
        if (md.funcs[i].imported) md.uses_memory = true;
    // The main module's exports are kept: an exported memory is used.
    Mod& main = mods_.back();
    for (const Export& ex : main.m->exports)
      if (ex.kind == ExternKind::Memory && !main.mems[ex.index].imported)
        mem_used_[def_mems_[main.mems[ex.index].index].first] = true;
    return std::nullopt;
  }

  // The output's memories: the imports nobody provides, then the kept
  // definitions, the one that is the main module's memory 0 first (it keeps
  // memory 0, which WASI and the embedder read). A defined memory that no
  // instruction, data segment, host call, import or kept export refers to
  // cannot be observed and is dropped (a library built by a C toolchain
  // always defines one). Several memories make a multi-memory module, as
  // long as the main module's memory stays memory 0 and no dependency that
  // calls WASI has a memory of its own (WASI reads memory 0).
  std::optional<Error> planMemories() {
    std::vector<std::string> what;
    for (const OutImport& oi : imports_)
      if (oi.type.kind == ExternKind::Memory)
        what.push_back(mods_[oi.first_mod].in->path + " imports memory " + oi.module + "." + oi.name +
                       ", which no dependency provides");
    const Mod& main = mods_.back();
    std::optional<uint32_t> main_def;  // main's memory 0, when it is a definition
    if (!main.mems.empty() && !main.mems[0].imported) {
      size_t owner = def_mems_[main.mems[0].index].first;
      if (mods_[owner].uses_memory || mem_used_[owner]) main_def = main.mems[0].index;
    }
    if (main_def) out_mems_.push_back(*main_def);
    for (size_t k : order_) {
      const Mod& md = mods_[k];
      if (md.m->memories.size() == md.m->num_imported_memories || !(md.uses_memory || mem_used_[k])) continue;
      what.push_back(md.in->path + " defines a memory");
      for (const Ref& r : md.mems)
        if (!r.imported && r.index != main_def) out_mems_.push_back(r.index);
    }
    def_mem_out_.assign(def_mems_.size(), 0);
    for (size_t i = 0; i < out_mems_.size(); ++i) def_mem_out_[out_mems_[i]] = num_imports_[2] + uint32_t(i);
    if (what.size() <= 1 && out_mems_.size() + num_imports_[2] <= 1) return std::nullopt;
    std::string list;
    for (size_t i = 0; i < what.size(); ++i) list += (i ? (i + 1 == what.size() ? " and " : ", ") : "") + what[i];
    if (!main.mems.empty() && memIndex(main.mems[0]) != 0)
      return linkError("cannot keep " + main.in->path + "'s memory as memory 0 of the merged memories (" + list +
                       "): an imported memory comes first; let the dependency import the main module's memory");
    for (size_t k : order_) {
      const Mod& md = mods_[k];
      if (md.is_main || md.mems.empty() || memIndex(md.mems[0]) == 0) continue;
      for (const Import& im : md.m->imports)
        if (im.kind == ExternKind::Func && im.module.starts_with("wasi"))
          return linkError(md.in->path + " imports " + im.module + "." + im.name + " and has a memory of its own (" +
                           list + "): WASI reads memory 0 of the merged module, " + main.in->path +
                           "'s; let it import the main module's memory");
    }
    return std::nullopt;
  }
  uint32_t memIndex(const Ref& r) const { return r.imported ? r.index : def_mem_out_[r.index]; }

  // ---- output indices ----
  uint32_t internType(const FuncType& t) {
    auto it = type_ids_.find(t.toString());
    if (it != type_ids_.end()) return it->second;
    uint32_t id = uint32_t(types_.size());
    types_.push_back(t);
    type_ids_.emplace(t.toString(), id);
    return id;
  }

  static uint32_t finalIndex(const Ref& r, uint32_t num_imports) {
    return r.imported ? r.index : num_imports + r.index;
  }

  void assignIndices() {
    const uint32_t nf = num_imports_[0], nt = num_imports_[1], ng = num_imports_[3], ntag = num_imports_[4];
    // Types, in instantiation order (the output's imports use them too).
    for (size_t k : order_) {
      Mod& md = mods_[k];
      for (const FuncType& t : md.m->types) md.type_map.push_back(internType(t));
    }
    for (size_t k : order_) {
      Mod& md = mods_[k];
      for (const Ref& r : md.funcs) md.func_map.push_back(finalIndex(r, nf));
      for (const Ref& r : md.tables) md.table_map.push_back(finalIndex(r, nt));
      for (const Ref& r : md.globals) md.global_map.push_back(finalIndex(r, ng));
      for (const Ref& r : md.mems) md.mem_map.push_back(memIndex(r));
      for (const Ref& r : md.tags) md.tag_map.push_back(finalIndex(r, ntag));
    }
    // Segments keep instantiation order. Once a start function has run,
    // later modules' active segments must wait for it: they become passive
    // and are applied by the synthesized start function.
    bool start_seen = false;
    for (size_t k : order_) {
      Mod& md = mods_[k];
      md.deferred = start_seen;
      for (uint32_t s = 0; s < md.m->elems.size(); ++s) {
        md.elem_map.push_back(uint32_t(out_elems_.size()));
        out_elems_.push_back({k, s});
      }
      for (uint32_t s = 0; s < md.m->datas.size(); ++s) {
        md.data_map.push_back(uint32_t(out_datas_.size()));
        out_datas_.push_back({k, s});
      }
      if (md.m->start) start_seen = true;
    }
    // The start plan.
    size_t steps = 0;
    bool any_deferred = false;
    for (size_t k : order_) {
      const Mod& md = mods_[k];
      if (md.m->start) ++steps;
      if (md.deferred && (hasActive(md.m->elems) || hasActive(md.m->datas))) any_deferred = true;
    }
    if (steps > 1 || any_deferred) {
      synth_start_ = nf + uint32_t(def_funcs_.size());
      start_ = synth_start_;
    } else {
      for (size_t k : order_)
        if (mods_[k].m->start) start_ = mods_[k].func_map[*mods_[k].m->start];
    }
    if (synth_start_) internType(FuncType{});
  }

  template <class Seg>
  static bool hasActive(const std::vector<Seg>& segs) {
    for (const Seg& s : segs)
      if (s.mode == SegmentMode::Active) return true;
    return false;
  }

  // ---- encoding ----
  // A constant expression of module `k`, without its `end`. A global.get of
  // an import that now names a definition (not allowed in Wasm 2.0 constant
  // expressions) is replaced by that definition's initializer.
  void constExpr(ByteWriter& w, size_t k, const ConstExpr& e) {
    const Mod& md = mods_[k];
    switch (e.kind) {
      case ConstExpr::Value:
        switch (e.value.type) {
          case ValType::I32:
            w.u8(0x41);
            w.s32(e.value.asI32());
            break;
          case ValType::I64:
            w.u8(0x42);
            w.s64(e.value.asI64());
            break;
          case ValType::F32:
            w.u8(0x43);
            w.fixed32(e.value.asF32Bits());
            break;
          case ValType::F64:
            w.u8(0x44);
            w.fixed64(e.value.asF64Bits());
            break;
          case ValType::V128:
            w.u8(0xfd);
            w.u32(12);
            w.fixed64(e.value.bits);
            w.fixed64(e.value.hi);
            break;
          case ValType::FuncRef:
          case ValType::ExternRef:
          case ValType::ExnRef:
            w.u8(0xd0);
            w.valType(e.value.type);
            break;
        }
        return;
      case ConstExpr::RefFunc:
        w.u8(0xd2);
        w.u32(md.func_map[e.index]);
        return;
      case ConstExpr::GlobalGet: {
        const Ref& r = md.globals[e.index];
        if (r.imported) {
          w.u8(0x23);
          w.u32(r.index);
          return;
        }
        auto [k2, j] = def_globals_[r.index];
        constExpr(w, k2, mods_[k2].m->global_inits[j]);
        return;
      }
      case ConstExpr::Extended:
        // Each instruction in order; a global.get replaced by a definition's
        // initializer still leaves one value, so the arithmetic stays right.
        for (const ConstExpr& op : e.ops) {
          static constexpr uint8_t kOpcode[] = {0, 0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e};
          if (op.op == ConstExpr::Op::None) constExpr(w, k, op);
          else w.u8(kOpcode[size_t(op.op)]);
        }
        return;
    }
  }

  void constExprEnd(ByteWriter& w, size_t k, const ConstExpr& e) {
    constExpr(w, k, e);
    w.u8(0x0b);
  }

  void i32Const(ByteWriter& w, uint32_t v) {
    w.u8(0x41);
    w.s32(int32_t(v));
  }

  std::optional<Error> emit(std::vector<uint8_t>& result) {
    ByteWriter out;
    appendHeader(out);
    const uint32_t num_defined = uint32_t(def_funcs_.size()) + (synth_start_ ? 1 : 0);
    emitDeclarations(out, num_defined);

    // Code first (into a buffer): it tells which functions ref.func names,
    // which the element section must declare.
    std::set<uint32_t> referenced;
    ByteWriter code;
    if (auto err = emitCode(code, num_defined, referenced)) return err;
    emitElements(out, referenced);
    if (!out_datas_.empty()) {
      ByteWriter s;
      s.u32(uint32_t(out_datas_.size()));
      appendSection(out, 12, s);
    }
    if (num_defined) appendSection(out, 10, code);
    emitData(out);
    if (options_.name_section) nameSection(out);
    result = out.take();
    return std::nullopt;
  }

  // The sections before the code: types, imports, functions, tables,
  // memory, globals, exports and start.
  void emitDeclarations(ByteWriter& out, uint32_t num_defined) {
    // Types.
    {
      ByteWriter s;
      s.u32(uint32_t(types_.size()));
      for (const FuncType& t : types_) s.funcType(t);
      appendSection(out, 1, s);
    }
    // Imports.
    if (!imports_.empty()) {
      ByteWriter s;
      s.u32(uint32_t(imports_.size()));
      for (const OutImport& oi : imports_) {
        s.name(oi.module);
        s.name(oi.name);
        s.u8(uint8_t(oi.type.kind));
        switch (oi.type.kind) {
          case ExternKind::Func: s.u32(type_ids_.at(oi.type.func.toString())); break;
          case ExternKind::Table: s.tableType(oi.type.table); break;
          case ExternKind::Memory: s.limits(oi.type.memory.limits); break;
          case ExternKind::Global: s.globalType(oi.type.global); break;
          case ExternKind::Tag:
            s.u8(0);  // attribute: exception
            s.u32(type_ids_.at(oi.type.func.toString()));
            break;
        }
      }
      appendSection(out, 2, s);
    }
    // Functions.
    if (num_defined) {
      ByteWriter s;
      s.u32(num_defined);
      for (auto [k, j] : def_funcs_) s.u32(mods_[k].type_map[mods_[k].m->bodies[j].type_index]);
      if (synth_start_) s.u32(type_ids_.at(FuncType{}.toString()));
      appendSection(out, 3, s);
    }
    // Tables.
    if (!def_tables_.empty()) {
      ByteWriter s;
      s.u32(uint32_t(def_tables_.size()));
      for (const TableType& t : def_tables_) s.tableType(t);
      appendSection(out, 4, s);
    }
    // Memories.
    if (!out_mems_.empty()) {
      ByteWriter s;
      s.u32(uint32_t(out_mems_.size()));
      for (uint32_t d : out_mems_) {
        auto [k, j] = def_mems_[d];
        s.limits(mods_[k].m->memories[j].limits);
      }
      appendSection(out, 5, s);
    }
    // Tags (section 13 goes between memories and globals).
    if (!def_tags_.empty()) {
      ByteWriter s;
      s.u32(uint32_t(def_tags_.size()));
      for (auto [k, type] : def_tags_) {
        s.u8(0);
        s.u32(mods_[k].type_map[type]);
      }
      appendSection(out, 13, s);
    }
    // Globals.
    if (!def_globals_.empty()) {
      ByteWriter s;
      s.u32(uint32_t(def_globals_.size()));
      for (auto [k, j] : def_globals_) {
        const ModuleData& m = *mods_[k].m;
        s.globalType(m.globals[m.num_imported_globals + j]);
        constExprEnd(s, k, m.global_inits[j]);
      }
      appendSection(out, 6, s);
    }
    // Exports: the main module's.
    {
      const Mod& main = mods_.back();
      if (!main.m->exports.empty()) {
        ByteWriter s;
        s.u32(uint32_t(main.m->exports.size()));
        for (const Export& ex : main.m->exports) {
          s.name(ex.name);
          s.u8(uint8_t(ex.kind));
          switch (ex.kind) {
            case ExternKind::Func: s.u32(main.func_map[ex.index]); break;
            case ExternKind::Table: s.u32(main.table_map[ex.index]); break;
            case ExternKind::Memory: s.u32(main.mem_map[ex.index]); break;
            case ExternKind::Global: s.u32(main.global_map[ex.index]); break;
            case ExternKind::Tag: s.u32(main.tag_map[ex.index]); break;
          }
        }
        appendSection(out, 7, s);
      }
    }
    // Start.
    if (start_) {
      ByteWriter s;
      s.u32(*start_);
      appendSection(out, 8, s);
    }
  }

  // The code section's contents, with every index renumbered; `referenced`
  // gets the functions that ref.func names.
  std::optional<Error> emitCode(ByteWriter& code, uint32_t num_defined, std::set<uint32_t>& referenced) {
    code.u32(num_defined);
    for (auto [k, j] : def_funcs_) {
      Mod& md = mods_[k];
      const FuncBody& fb = md.m->bodies[j];
      IndexMap map{md.type_map, md.func_map, md.table_map, md.global_map,
                   md.elem_map, md.data_map, md.mem_map,   md.tag_map};
      ByteWriter body;
      BodyFacts facts;
      std::string err;
      std::span<const uint8_t> bytes(md.in->bytes.data() + fb.offset, fb.size);
      if (!walkBody(bytes, &map, &body, &facts, &err))
        return linkError(md.in->path + ": function " + std::to_string(md.m->num_imported_funcs + j) + ": " + err);
      for (uint32_t f : facts.ref_funcs) referenced.insert(md.func_map[f]);
      code.sized(body);
    }
    if (synth_start_) {
      ByteWriter body;
      startBody(body);
      code.sized(body);
    }
    return std::nullopt;
  }

  // Elements, plus one declarative segment for every function that code
  // takes a reference to (the declaring exports may be gone).
  void emitElements(ByteWriter& out, const std::set<uint32_t>& referenced) {
    if (!out_elems_.empty() || !referenced.empty()) {
      ByteWriter s;
      s.u32(uint32_t(out_elems_.size() + (referenced.empty() ? 0 : 1)));
      for (auto [k, idx] : out_elems_) elemSegment(s, k, mods_[k].m->elems[idx]);
      if (!referenced.empty()) {
        s.u8(3);  // declarative, function indices
        s.u8(0);
        s.u32(uint32_t(referenced.size()));
        for (uint32_t f : referenced) s.u32(f);
      }
      appendSection(out, 9, s);
    }
  }

  // The data section (its count went before the code).
  void emitData(ByteWriter& out) {
    if (!out_datas_.empty()) {
      ByteWriter s;
      s.u32(uint32_t(out_datas_.size()));
      for (auto [k, idx] : out_datas_) {
        const DataSegment& d = mods_[k].m->datas[idx];
        if (d.mode == SegmentMode::Active && !mods_[k].deferred) {
          uint32_t mem = mods_[k].mem_map[d.memory];
          s.u8(mem == 0 ? 0 : 2);
          if (mem != 0) s.u32(mem);
          constExprEnd(s, k, d.offset);
        } else {
          s.u8(1);
        }
        s.u32(uint32_t(d.bytes.size()));
        s.bytes(d.bytes);
      }
      appendSection(out, 11, s);
    }
  }

  void elemSegment(ByteWriter& s, size_t k, const ElemSegment& seg) {
    const Mod& md = mods_[k];
    bool func_indices = seg.type == ValType::FuncRef;
    for (const ConstExpr& e : seg.items) func_indices &= e.kind == ConstExpr::RefFunc;
    SegmentMode mode = seg.mode;
    if (mode == SegmentMode::Active && md.deferred) mode = SegmentMode::Passive;
    uint32_t table = mode == SegmentMode::Active ? md.table_map[seg.table] : 0;
    uint8_t flags = 0;
    switch (mode) {
      case SegmentMode::Active: flags = table == 0 && seg.type == ValType::FuncRef ? 0 : 2; break;
      case SegmentMode::Passive: flags = 1; break;
      case SegmentMode::Declarative: flags = 3; break;
    }
    if (!func_indices) flags |= 4;
    s.u8(flags);
    if (mode == SegmentMode::Active) {
      if (flags & 2) s.u32(table);
      constExprEnd(s, k, seg.offset);
    }
    if (flags & 3) {  // an element kind or reference type follows
      if (func_indices) s.u8(0);
      else s.valType(seg.type);
    }
    s.u32(uint32_t(seg.items.size()));
    for (const ConstExpr& e : seg.items) {
      if (func_indices) s.u32(md.func_map[e.index]);
      else constExprEnd(s, k, e);
    }
  }

  // The synthesized start function: per module in instantiation order, the
  // active segments that had to wait (what instantiation would do:
  // table.init + elem.drop, memory.init + data.drop), then its start.
  void startBody(ByteWriter& b) {
    b.u32(0);  // no locals
    for (size_t k : order_) {
      const Mod& md = mods_[k];
      if (md.deferred) {
        for (uint32_t s = 0; s < md.m->elems.size(); ++s) {
          const ElemSegment& seg = md.m->elems[s];
          if (seg.mode != SegmentMode::Active) continue;
          constExpr(b, k, seg.offset);
          i32Const(b, 0);
          i32Const(b, uint32_t(seg.items.size()));
          b.u8(0xfc);
          b.u32(12);  // table.init
          b.u32(md.elem_map[s]);
          b.u32(md.table_map[seg.table]);
          b.u8(0xfc);
          b.u32(13);  // elem.drop
          b.u32(md.elem_map[s]);
        }
        for (uint32_t s = 0; s < md.m->datas.size(); ++s) {
          const DataSegment& seg = md.m->datas[s];
          if (seg.mode != SegmentMode::Active) continue;
          constExpr(b, k, seg.offset);
          i32Const(b, 0);
          i32Const(b, uint32_t(seg.bytes.size()));
          b.u8(0xfc);
          b.u32(8);  // memory.init
          b.u32(md.data_map[s]);
          b.u32(md.mem_map[seg.memory]);
          b.u8(0xfc);
          b.u32(9);  // data.drop
          b.u32(md.data_map[s]);
        }
      }
      if (md.m->start) {
        b.u8(0x10);  // call
        b.u32(md.func_map[*md.m->start]);
      }
    }
    b.u8(0x0b);
  }

  // Function names: the name section's, else (for dependencies, whose
  // exports are gone) an export name, so backtraces read as before.
  void nameSection(ByteWriter& out) {
    std::map<uint32_t, std::string> names;
    for (const OutImport& oi : imports_) {
      if (oi.type.kind != ExternKind::Func) continue;
      const ModuleData& m = *mods_[oi.first_mod].m;
      auto it = m.func_names.find(oi.first_index);
      if (it != m.func_names.end()) names.emplace(oi.kind_index, it->second);
    }
    const uint32_t nf = num_imports_[0];
    for (uint32_t i = 0; i < def_funcs_.size(); ++i) {
      auto [k, j] = def_funcs_[i];
      const ModuleData& m = *mods_[k].m;
      uint32_t f = m.num_imported_funcs + j;
      auto it = m.func_names.find(f);
      if (it != m.func_names.end()) {
        names.emplace(nf + i, it->second);
        continue;
      }
      for (const Export& ex : m.exports)
        if (ex.kind == ExternKind::Func && ex.index == f) {
          names.emplace(nf + i, ex.name);
          break;
        }
    }
    if (synth_start_) names.emplace(*synth_start_, "__tern_link_start");
    const std::string& module_name = mods_.back().m->module_name;
    if (names.empty() && module_name.empty()) return;
    ByteWriter s;
    s.name("name");
    if (!module_name.empty()) {
      ByteWriter sub;
      sub.name(module_name);
      s.u8(0);
      s.sized(sub);
    }
    if (!names.empty()) {
      ByteWriter sub;
      sub.u32(uint32_t(names.size()));
      for (const auto& [idx, name] : names) {
        sub.u32(idx);
        sub.name(name);
      }
      s.u8(1);
      s.sized(sub);
    }
    appendSection(out, 0, s);
  }

  const InputModule& main_;
  const std::vector<InputModule>& deps_;
  Options options_;
  std::vector<Mod> mods_;  // dependencies in the order given, then main
  std::unordered_map<std::string, size_t> by_name_;
  std::vector<size_t> order_;  // instantiation order

  std::vector<OutImport> imports_;
  std::unordered_map<std::string, size_t> import_keys_;
  uint32_t num_imports_[5] = {0, 0, 0, 0, 0};           // by ExternKind
  std::vector<std::pair<size_t, uint32_t>> def_funcs_;  // module, body index
  std::vector<TableType> def_tables_;
  std::vector<std::pair<size_t, uint32_t>> def_globals_;  // module, defined-global index
  std::vector<std::pair<size_t, uint32_t>> def_tags_;     // module, its type index
  std::vector<bool> mem_used_;                            // by defining module
  std::vector<std::pair<size_t, uint32_t>> def_mems_;     // every defined memory: module, memory index
  std::vector<uint32_t> out_mems_;                        // the output's defined memories (def_mems_ indices)
  std::vector<uint32_t> def_mem_out_;                     // def_mems_ index -> output memory index
  std::vector<FuncType> types_;
  std::map<std::string, uint32_t> type_ids_;
  std::vector<std::pair<size_t, uint32_t>> out_elems_, out_datas_;  // module, segment index
  std::optional<uint32_t> start_, synth_start_;
};

}  // namespace

Expected<std::vector<uint8_t>> linkModules(const InputModule& main, const std::vector<InputModule>& deps,
                                           const Options& options) {
  Linker linker(main, deps, options);
  return linker.run();
}

}  // namespace tern::link
