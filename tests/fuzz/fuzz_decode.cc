// Fuzz target: module decoding and validation from raw bytes (check_module.h
// says what is checked). Seeds: the spec suite's modules (seeds.sh);
// dictionary: wasm.dict.
#include <cstddef>
#include <cstdint>

#include "check_module.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzzcheck::checkModule({data, size});
  return 0;
}
