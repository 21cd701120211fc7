#pragma once
namespace tern::cli {
// `tern compile [options] FILE.wasm -o OUT.cwasm`; argv[0] is "compile".
int compileMain(int argc, char** argv);
}  // namespace tern::cli
