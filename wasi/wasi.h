// WASI preview1 for Tern. The embedding API is public: include/tern/wasi.hpp.
// This header is kept so that code including "wasi/wasi.h" keeps building.
#pragma once

#include "tern/wasi.hpp"
