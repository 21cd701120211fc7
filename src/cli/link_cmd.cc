// `tern link MAIN.wasm [NAME=]DEP.wasm... -o OUT.wasm`
//
// Exit statuses: 0 written, 1 the modules do not decode, validate or link
// (one line on stderr), 2 usage error (bad option, missing or unreadable
// file, two dependencies with one name).
#include "cli/link_cmd.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "cli/usage.h"
#include "link/link.h"

namespace tern::cli {

namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

void usageError(const std::string& msg) { std::fprintf(stderr, "error: %s (see 'tern link --help')\n", msg.c_str()); }

bool readFile(const std::string& path, std::vector<uint8_t>& out, std::string& err) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    err = "cannot read '" + path + "': " + std::strerror(errno);
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    err = "cannot read '" + path + "': is a directory";
    return false;
  }
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    err = "cannot read '" + path + "': " + std::strerror(errno);
    return false;
  }
  out.clear();
  uint8_t buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + n);
  bool bad = std::ferror(f);
  std::fclose(f);
  if (bad) {
    err = "cannot read '" + path + "': read error";
    return false;
  }
  return true;
}

// Writes through a temporary file next to `path`, so a failed write never
// leaves a truncated module behind.
bool writeFile(const std::string& path, const std::vector<uint8_t>& bytes, std::string& err) {
  std::string tmp = path + ".tmp" + std::to_string(::getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) {
    err = "cannot write '" + path + "': " + std::strerror(errno);
    return false;
  }
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    err = "cannot write '" + path + "': " + std::strerror(errno);
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace

int linkMain(int argc, char** argv) {
  std::string out_path;
  bool have_out = false;
  link::Options options;
  std::vector<std::string> positional;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (options_done || arg.empty() || arg[0] != '-' || arg == "-") {
      positional.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
    } else if (arg == "-h" || arg == "--help") {
      printCommandHelp(*findCommandHelp("link"), stdout);
      return 0;
    } else if (arg == "-o" || arg == "--output") {
      if (i + 1 >= argc) {
        usageError("option '" + std::string(arg) + "' needs a value");
        return kExitUsage;
      }
      out_path = argv[++i];
      have_out = true;
    } else if (arg.substr(0, 9) == "--output=") {
      out_path = std::string(arg.substr(9));
      have_out = true;
    } else if (arg.size() > 2 && arg.substr(0, 2) == "-o") {
      out_path = std::string(arg.substr(2));
      have_out = true;
    } else if (arg == "--no-names") {
      options.name_section = false;
    } else {
      usageError("unknown option '" + std::string(arg) + "' for 'tern link'");
      return kExitUsage;
    }
  }
  if (positional.empty()) {
    usageError("tern link: missing MAIN.wasm");
    return kExitUsage;
  }
  if (!have_out || out_path.empty()) {
    usageError("tern link: missing -o OUT.wasm");
    return kExitUsage;
  }

  std::string err;
  link::InputModule main;
  main.path = positional[0];
  std::vector<link::InputModule> deps;
  std::map<std::string, std::string> names;  // name -> path, to reject duplicates
  for (size_t i = 1; i < positional.size(); ++i) {
    const std::string& arg = positional[i];
    link::InputModule dep;
    size_t eq = arg.find('=');
    if (eq != std::string::npos && eq > 0 && arg.find('/') > eq) {
      dep.name = arg.substr(0, eq);
      dep.path = arg.substr(eq + 1);
      if (dep.path.empty()) {
        usageError("expected NAME=FILE.wasm, got '" + arg + "'");
        return kExitUsage;
      }
    } else {
      dep.path = arg;
      dep.name = link::moduleNameFromPath(arg);
      if (dep.name.empty()) {
        usageError("cannot derive a module name from '" + arg + "'; use NAME=" + arg);
        return kExitUsage;
      }
    }
    auto [it, fresh] = names.emplace(dep.name, dep.path);
    if (!fresh) {
      usageError("two dependencies are named '" + dep.name + "' (" + it->second + " and " + dep.path +
                 "); rename one with NAME=FILE.wasm");
      return kExitUsage;
    }
    deps.push_back(std::move(dep));
  }
  if (!readFile(main.path, main.bytes, err)) {
    std::fprintf(stderr, "error: %s\n", err.c_str());
    return kExitUsage;
  }
  for (link::InputModule& dep : deps) {
    if (!readFile(dep.path, dep.bytes, err)) {
      std::fprintf(stderr, "error: %s\n", err.c_str());
      return kExitUsage;
    }
  }

  Expected<std::vector<uint8_t>> linked = link::linkModules(main, deps, options);
  if (!linked) {
    std::fprintf(stderr, "error: %s\n", linked.error().toString().c_str());
    return kExitError;
  }
  if (!writeFile(out_path, linked.value(), err)) {
    std::fprintf(stderr, "error: %s\n", err.c_str());
    return kExitError;
  }
  return 0;
}

}  // namespace tern::cli
