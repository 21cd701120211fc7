#pragma once
namespace tern::cli {
// `tern link MAIN.wasm DEP.wasm... -o OUT.wasm`; argv[0] is "link".
int linkMain(int argc, char** argv);
}  // namespace tern::cli
