// The unit test runner: every tests/unit/test_*.cc links into this binary.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
