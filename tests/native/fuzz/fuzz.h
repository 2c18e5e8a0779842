/* fuzz.h - the libFuzzer entry point every fuzz_<name>.c defines; replay_main.c
 * calls it for each file of a corpus directory when built without libFuzzer. */
#ifndef MOS_FUZZ_H
#define MOS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* MOS_FUZZ_H */
