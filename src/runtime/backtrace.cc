// Backtraces for people: frame labels (demangled names) and the folded
// text form that `tern run` prints and embedders can use (Trap::format).
#include <string>

#include "runtime/demangle.h"
#include "tern/tern.hpp"

namespace tern {

namespace {

// 9990 -> "9,990"
std::string withCommas(size_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

bool sameFunction(const TrapFrame& a, const TrapFrame& b) {
  return a.func_index == b.func_index && a.instance == b.instance && a.name == b.name && a.module == b.module;
}

std::string frameLine(const TrapFrame& f) {
  std::string s = "  at " + f.label() + " (";
  if (f.host()) return s + "host)";
  s += f.module.empty() ? "<wasm>" : f.module;
  if (f.module_offset != TrapFrame::kNone) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "+0x%x", f.module_offset);
    s += buf;
  }
  return s + ")";
}

}  // namespace

std::string TrapFrame::label() const {
  if (host()) return name.empty() ? "<host>" : name;
  if (name.empty()) return "wasm-function[" + std::to_string(func_index) + "]";
  return demangle(name);
}

std::string formatBacktrace(std::span<const TrapFrame> frames, size_t fold_after, size_t max_lines) {
  // Lines, each with the number of frames it stands for.
  struct Line {
    std::string text;
    size_t frames;
  };
  std::vector<Line> lines;
  for (size_t i = 0; i < frames.size();) {
    size_t run = 1;
    while (i + run < frames.size() && sameFunction(frames[i], frames[i + run])) ++run;
    size_t shown = run > fold_after + 6 ? fold_after : run;
    for (size_t k = 0; k < shown; ++k) lines.push_back({frameLine(frames[i + k]), 1});
    if (shown < run) {
      size_t more = run - shown;
      lines.push_back(
          {"  ... " + withCommas(more) + " more frame" + (more == 1 ? "" : "s") + " of " + frames[i].label(), more});
    }
    i += run;
  }
  // Too many lines still (long mutual recursion): the innermost ones and the
  // outermost ones, which say how the program got there.
  if (max_lines >= 4 && lines.size() > max_lines) {
    size_t tail = max_lines / 4, head = max_lines - tail - 1;
    size_t hidden = 0;
    for (size_t k = head; k < lines.size() - tail; ++k) hidden += lines[k].frames;
    std::vector<Line> kept(lines.begin(), lines.begin() + ptrdiff_t(head));
    kept.push_back({"  ... " + withCommas(hidden) + " more frame" + (hidden == 1 ? "" : "s"), hidden});
    kept.insert(kept.end(), lines.end() - ptrdiff_t(tail), lines.end());
    lines = std::move(kept);
  }
  std::string out;
  for (const Line& l : lines) out += l.text + "\n";
  return out;
}

std::string Trap::format() const { return formatBacktrace(frames); }

}  // namespace tern
