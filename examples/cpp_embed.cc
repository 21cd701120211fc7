// Embedding Tern from C++ (include/tern/tern.hpp and include/tern/wasi.hpp).
//
// Compiles a WASI guest (examples/cpp_embed_guest.c, built to wasm32-wasi),
// gives it two host functions written as C++ lambdas (their Wasm types come
// from the lambdas' C++ signatures; one also takes the caller to read the
// guest's memory), links WASI with the guest's stdout captured in a buffer,
// runs the guest's _start, then calls its export `add` through a typed view
// func->typed<int32_t(int32_t, int32_t)>().
//
//   cpp_embed path/to/cpp_embed_guest.wasm
//
// tests/api/meson.build builds it with the guest and runs it as the test
// `cpp-example`. By hand, against an installed Tern (`meson install`, see
// the README):
//
//   c++ -std=c++20 cpp_embed.cc $(pkg-config --cflags --libs tern) -o cpp_embed
//
// Prints what it did, and exits 1 if anything was not as expected.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "tern/tern.hpp"
#include "tern/wasi.hpp"

namespace {

int failures = 0;

void expect(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "cpp_embed: unexpected: %s\n", what);
  ++failures;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s cpp_embed_guest.wasm\n", argv[0]);
    return 2;
  }

  // An engine compiles modules; a module can be instantiated in many stores.
  tern::Engine engine;
  auto module = tern::Module::compileFile(engine, argv[1]);
  if (!module) {
    std::fprintf(stderr, "cannot compile %s: %s\n", argv[1], module.error().toString().c_str());
    return 1;
  }

  tern::Store store(engine);
  tern::Linker linker;

  // host.scale: (i32) -> i32, from the lambda's int32_t(int32_t) signature.
  // Lambdas may capture state of the embedder.
  int scale_calls = 0;
  linker.func("host", "scale", [&scale_calls](int32_t x) -> int32_t {
    ++scale_calls;
    return x * 2;
  });
  // host.note: (i32, i32) -> (); a first parameter tern::Caller& gives the
  // calling instance and its memory, where the guest's text lives.
  std::vector<std::string> notes;
  linker.func("host", "note", [&notes](tern::Caller& caller, uint32_t ptr, uint32_t len) {
    tern::Memory* memory = caller.memory();
    if (memory && uint64_t(ptr) + len <= memory->size())
      notes.emplace_back(reinterpret_cast<const char*>(memory->data()) + ptr, len);
  });

  // WASI: arguments, and stdout captured in a buffer instead of our stdout.
  tern::wasi::Options options;
  options.args = {"cpp_embed_guest.wasm", "first", "second"};
  options.out = tern::wasi::Stdio::toBuffer();
  auto wasi = tern::wasi::addToLinker(linker, store, std::move(options));
  if (!wasi->error().empty()) {
    std::fprintf(stderr, "WASI setup: %s\n", wasi->error().c_str());
    return 1;
  }

  // Every import is resolved by module and field name; a missing one would
  // be an Error naming module, field and expected type.
  auto instance = linker.instantiate(store, *module);
  if (!instance) {
    std::fprintf(stderr, "cannot instantiate: %s\n", instance.error().toString().c_str());
    return 1;
  }

  // Run the command. A guest's exit(N) arrives as a Trap of kind Exit.
  auto result = (*instance)->getFunc("_start")->call({});
  if (!result) {
    const tern::Trap& trap = result.error();
    if (trap.kind == tern::TrapKind::Exit) {
      std::printf("guest exited with status %d\n", trap.exit_code);
    } else {
      std::printf("guest trapped: %s\n", trap.toString().c_str());
    }
    expect(false, "_start did not return normally");
  } else {
    std::printf("_start returned\n");
  }

  // What the guest printed, line by line.
  const std::string& captured = wasi->stdoutData();
  size_t start = 0;
  while (start < captured.size()) {
    size_t end = captured.find('\n', start);
    if (end == std::string::npos) end = captured.size();
    std::printf("captured: %s\n", captured.substr(start, end - start).c_str());
    start = end + 1;
  }
  for (const std::string& n : notes) std::printf("host.note: %s\n", n.c_str());
  std::printf("host.scale was called %d time(s)\n", scale_calls);

  expect(captured ==
             "hello from the guest, argc=3\n"
             "arg 1: first\n"
             "arg 2: second\n"
             "host.scale(21) = 42\n",
         "captured stdout");
  expect(notes == std::vector<std::string>{"guest is running"}, "host.note calls");
  expect(scale_calls == 1, "host.scale call count");

  // A typed call: the signature is checked once, here, against the export.
  auto add = (*instance)->getFunc("add")->typed<int32_t(int32_t, int32_t)>();
  if (!add) {
    std::fprintf(stderr, "add: %s\n", add.error().message.c_str());
    return 1;
  }
  auto sum = (*add)(40, 2);
  if (!sum) {
    std::fprintf(stderr, "add trapped: %s\n", sum.error().message.c_str());
    return 1;
  }
  std::printf("add(40, 2) = %d\n", *sum);
  expect(*sum == 42, "add(40, 2)");

  // The wrong signature is an error, not a crash.
  auto wrong = (*instance)->getFunc("add")->typed<int64_t(int64_t)>();
  expect(!wrong, "typed<int64_t(int64_t)> accepted");
  if (!wrong) std::printf("typed<int64_t(int64_t)>: %s\n", wrong.error().message.c_str());

  if (failures) {
    std::fprintf(stderr, "cpp_embed: %d unexpected result(s)\n", failures);
    return 1;
  }
  return 0;
}
