/* mtcp_util.h - mOS 0.3 compatible utility functions of mOS-NG. */
#ifndef MTCP_UTIL_H
#define MTCP_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Queue (core) index that symmetric RSS gives the packet (sip, dip, sp, dp): the
 * Toeplitz hash with the stack's symmetric key, masked to the redirection-table
 * width, modulo `num_queues`. Addresses and ports in network order. The result is
 * the same for the reversed tuple.
 * @return 0 .. num_queues-1, or -1 with errno EINVAL when num_queues <= 0. */
int GetRSSCPUCore(in_addr_t sip, in_addr_t dip, in_port_t sp, in_port_t dp, int num_queues);

/** Splits `str` in place into at most `max_argc` words (single and double quotes
 * group words and are removed); argv[*argc] is set to NULL when there is room.
 * @return 0, or -1 with errno: EINVAL (NULL argument, max_argc < 1, unterminated
 *         quote), E2BIG (more than max_argc words). */
int StrToArgs(char *str, int *argc, char **argv, int max_argc);

/** xxHash32 of `length` bytes at `input` with `seed` (the public xxHash algorithm). */
unsigned int XXH32(const void *input, size_t length, unsigned seed);

/** xxHash64 of `length` bytes at `input` with `seed` (the public xxHash algorithm). */
unsigned long long XXH64(const void *input, size_t length, unsigned long long seed);

#ifdef __cplusplus
}
#endif

#endif /* MTCP_UTIL_H */
