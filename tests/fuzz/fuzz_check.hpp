// The fuzz targets' invariant check: a broken invariant traps, so libFuzzer
// records the input as a crash (assert() would vanish under NDEBUG).
#pragma once

#define FUZZ_CHECK(cond)               \
    do {                               \
        if (!(cond)) __builtin_trap(); \
    } while (0)
