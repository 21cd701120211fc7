// What the files of `tern wast` share. wast.cc runs the commands of a script;
// wast_script.cc gets the script ready (command line, skip list, wast2json and
// its output); wast_values.cc turns the script's values into tern::Values and
// compares results and error texts with the expected ones.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "tern/tern.hpp"

namespace tern::cli::wast {

using json = nlohmann::json;
namespace fs = std::filesystem;

struct Options {
  std::string file;
  Tier tier = Tier::Auto;
  bool bounds_checks = false;
  Config codegen;           // -C: lazy, background_compilation, parallel_compilation, compile_threads
  bool precompile = false;  // every module through Module::serialize and deserialize
  Features features;        // -W NAME[=y|n]
  std::string skip_list;
  bool verbose = false;
};

// ---------------------------------------------------------------------------
// Getting the script ready (wast_script.cc)

// Returns an error message, or nullopt on success. `help` is set for -h.
std::optional<std::string> parseOptions(int argc, char** argv, Options& opt, bool& help);

// Skip list: "<glob on the script's basename> <category> <reason...>" per
// line; '#' starts a comment line. Category `text` names one command,
// "<glob>:<line>": its error text may differ from the expected one.

struct SkipEntry {
  // What the line's build tag ("[no-simd]", kBuildTags in wast_script.cc) says
  // the build lacks, "SIMD": the line applies only to such a build; empty:
  // every build.
  std::string build;
  std::string glob;
  std::string category;  // "exec", "all" or "text"
  std::string reason;
  int line = 0;  // text: the command's line in the script
};

std::optional<std::string> loadSkipList(const std::string& path, std::vector<SkipEntry>& out);

// Scratch directory for wast2json's output.
class TempDir {
 public:
  TempDir() = default;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() { remove(); }
  // Removes the directory now (also done by the destructor).
  void remove() {
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove_all(path_, ec);
      path_.clear();
    }
  }
  bool create() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = (base && *base ? std::string(base) : std::string("/tmp")) + "/tern-wast-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) return false;
    path_ = buf.data();
    return true;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs `wast2json script -o out`; its diagnostics go straight to our stderr.
// Returns an error description, or nullopt on success.
std::optional<std::string> runWast2json(const std::string& script, const std::string& out, const Features& features);

std::optional<std::vector<uint8_t>> readBytes(const fs::path& p);

// ---------------------------------------------------------------------------
// Values and texts (wast_values.cc)

const char* errorKindName(ErrorKind k);
// "<kind> error: <message>", as failures print an error.
std::string errorText(const Error& e);
std::string floatText(uint64_t bits, bool is64);

// Script-side value -> tern::Value (arguments).
Value makeValue(const json& v);
// The expected value as failures print it.
std::string expectedText(const json& v);
// A result as failures print it; `hint` (the expected value) picks the lane shape of a v128.
std::string gotText(const Value& v, const json* hint);
bool valueMatches(const json& exp, const Value& got);
bool trapTextMatches(const std::string& expected, const std::string& got);
bool errorTextMatches(const std::string& expected, const std::string& got);

}  // namespace tern::cli::wast
