// The unit test runner: every tests/unit/test_*.cc links into this binary.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
// Tern turns faults in JIT code into traps with its own SIGSEGV handler;
// doctest's crash handler would take its place during each test case.
#define DOCTEST_CONFIG_NO_POSIX_SIGNALS
#include <doctest/doctest.h>
