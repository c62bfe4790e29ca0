#ifndef HERALD_FUZZ_SUPPORT_H
#define HERALD_FUZZ_SUPPORT_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (compiler-rt, linked by -sanitize=fuzzer): runs the fuzzing loop with `callback` as the target.
/// Declared here so the fuzz executable can start it from its own entry point (SwiftPM renames `main` of executable
/// targets in debug builds, so libFuzzer's `main` is not the one that runs).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
