// libFuzzer's driver (in the -sanitize=fuzzer runtime), called from the entry point SwiftPM gives an executable.
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
