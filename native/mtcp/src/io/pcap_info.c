/* pcap_info.c - facts about the linked libpcap (compiled only when it is present). */
#include <pcap/pcap.h>

#include "io/io_info.h"

const char *io_pcap_version(void)
{
	return pcap_lib_version();
}
