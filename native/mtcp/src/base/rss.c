/* rss.c - GetRSSCPUCore(): the queue symmetric RSS assigns to a TCP/IPv4 flow, for
 * choosing source ports whose replies come back to a given core. */
#include <errno.h>
#include <string.h>

#include "base/toeplitz.h"
#include "mtcp_util.h"

int GetRSSCPUCore(in_addr_t sip, in_addr_t dip, in_port_t sp, in_port_t dp, int num_queues)
{
	uint8_t tuple[12];
	uint32_t hash;

	if (num_queues <= 0) {
		errno = EINVAL;
		return -1;
	}
	/* The NIC hashes the header fields as they are on the wire: the arguments are
	 * already in network order, so their bytes are copied as they are. */
	memcpy(tuple, &sip, 4);
	memcpy(tuple + 4, &dip, 4);
	memcpy(tuple + 8, &sp, 2);
	memcpy(tuple + 10, &dp, 2);
	hash = toeplitz_hash(toeplitz_sym_key(), TOEPLITZ_SYM_KEY_LEN, tuple, sizeof tuple);
	/* A redirection table of TOEPLITZ_RETA_SIZE entries filled round-robin with the
	 * queues: entry i holds queue i % num_queues. */
	return (int)((hash % TOEPLITZ_RETA_SIZE) % (uint32_t)num_queues);
}
