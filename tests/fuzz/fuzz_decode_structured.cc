// Fuzz target: the input drives gen.h's generator in its noisy mode, which
// writes well-formed sections and function bodies from every instruction of
// opcodes.def with a wrong byte here and there, so that validation and both
// tiers' translation are reached deep inside bodies. The module is then
// checked as fuzz_decode checks raw bytes (check_module.h).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>

#include "check_module.h"
#include "gen.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  fuzzgen::Generator gen(in, fuzzgen::Mode::Noisy);
  fuzzgen::Shape shape;
  fuzzgen::Bytes module = gen.module(shape);
  fuzzcheck::checkModule(module);
  return 0;
}
