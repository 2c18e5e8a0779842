/* pcap_netif.c - facts about a live interface (MAC address, link, MTU, speed) for the
 * pcap backend's port_info. Read with ioctls on a socket rather than from
 * /sys/class/net, because sysfs shows the network namespace it was mounted in while a
 * socket answers for the namespace the process runs in. */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/pcap_io.h"

/* ETHTOOL_GSET's speed in Mb/s, 0 when the driver does not say. */
static uint32_t pcapio_netif_speed(int fd, struct ifreq *ifr)
{
	struct ethtool_cmd cmd;
	memset(&cmd, 0, sizeof cmd);
	cmd.cmd = ETHTOOL_GSET;
	ifr->ifr_data = (char *)&cmd;
	if (ioctl(fd, SIOCETHTOOL, ifr) != 0)
		return 0;
	uint32_t speed = ((uint32_t)cmd.speed_hi << 16) | cmd.speed;
	return speed == (uint32_t)SPEED_UNKNOWN || speed == 0xffffu ? 0 : speed;
}

/* Fills `out` from the interface ioctls on `fd`; 0 or -errno of SIOCGIFFLAGS. */
static int pcapio_netif_read(int fd, const char *name, struct pcapio_netif *out)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0)
		return errno == ENXIO || errno == ENODEV ? -ENODEV : -errno;
	unsigned short flags = (unsigned short)ifr.ifr_flags;
	out->link_up = (flags & IFF_UP) != 0 && (flags & IFF_RUNNING) != 0;

	if (ioctl(fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0 && ifr.ifr_mtu <= UINT16_MAX)
		out->mtu = (uint16_t)ifr.ifr_mtu;

	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 && ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER) {
		memcpy(out->mac, ifr.ifr_hwaddr.sa_data, 6);
		out->has_mac = true;
	}
	out->speed_mbps = pcapio_netif_speed(fd, &ifr);
	return 0;
}

int pcapio_netif_query(const char *name, struct pcapio_netif *out)
{
	memset(out, 0, sizeof *out);
	if (strlen(name) >= IFNAMSIZ)
		return -ENODEV;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = pcapio_netif_read(fd, name, out);
	close(fd);
	return rc;
}
