/* drop.h - the named reasons for which the stack drops a packet.
 *
 * Every place that discards a received packet does so for one reason from this list,
 * and the engine counts drops per reason per port and core. Parsers return an
 * enum drop_reason (DROP_NONE on success) instead of a bare error code, so the reason
 * is decided where the fault is seen and cannot be lost on the way up.
 *
 * STABLE API: the names (the first X() argument, printed by drop_reason_name(), e.g.
 * "ipv4_bad_ihl") appear in statistics output, logs, tests and dashboards. Never
 * rename or reuse a name; add new ones. The numeric values are NOT stable (new names
 * are inserted next to their layer): never store or transmit a number, only the name.
 *
 * Each entry: X(name, short description for `mos stats` help and documentation).
 */
#ifndef MOS_BASE_DROP_H
#define MOS_BASE_DROP_H

/* clang-format off */
#define DROP_REASONS(X)                                                                    \
	/* Ethernet and 802.1Q/802.1ad (wire/eth.c) */                                     \
	X(eth_truncated, "frame shorter than an Ethernet header")                          \
	X(eth_bad_src, "source MAC address is a group (multicast/broadcast) address")      \
	X(eth_unsupported_type, "ethertype is neither IPv4 nor ARP")                       \
	X(vlan_truncated, "frame ends inside a VLAN tag")                                  \
	X(vlan_too_many_tags, "more than two stacked VLAN tags")                           \
	/* ARP (wire/arp.c) */                                                             \
	X(arp_truncated, "ARP message shorter than its fixed size")                        \
	X(arp_bad_htype, "ARP hardware type is not Ethernet")                              \
	X(arp_bad_ptype, "ARP protocol type is not IPv4")                                  \
	X(arp_bad_len, "ARP hardware/protocol address length is not 6/4")                  \
	X(arp_bad_op, "ARP opcode is neither request nor reply")                           \
	X(arp_bad_sha, "ARP sender hardware address is a group address or zero")           \
	/* IPv4 (wire/ipv4.c; ttl_expired by the forwarding path) */                       \
	X(ipv4_truncated, "IPv4 header or total length runs past the frame")               \
	X(ipv4_bad_version, "IP version is not 4")                                         \
	X(ipv4_bad_ihl, "IPv4 header length below 20 bytes")                               \
	X(ipv4_bad_totlen, "IPv4 total length smaller than its header")                    \
	X(ipv4_bad_option, "IPv4 option with a malformed length")                          \
	X(ipv4_bad_checksum, "IPv4 header checksum mismatch")                              \
	X(ipv4_bad_src, "IPv4 source is loopback, multicast or reserved/broadcast")        \
	X(ipv4_fragment, "IPv4 fragment (fragments are not reassembled)")                  \
	X(ipv4_ttl_expired, "TTL reached zero while forwarding")                           \
	/* ICMP (wire/icmp.c) */                                                           \
	X(icmp_truncated, "ICMP message shorter than its header")                          \
	X(icmp_bad_checksum, "ICMP checksum mismatch")                                     \
	X(icmp_bad_embedded, "ICMP error without a valid embedded IPv4 header + 8 bytes")  \
	/* TCP (wire/tcp.c) */                                                             \
	X(tcp_truncated, "TCP segment shorter than a TCP header")                          \
	X(tcp_bad_doff, "TCP data offset below 5 or past the segment")                     \
	X(tcp_bad_option, "TCP option with length 0, 1 or running past the header")        \
	X(tcp_bad_checksum, "TCP checksum mismatch")                                       \
	X(tcp_bad_port, "TCP source or destination port is 0")                             \
	X(tcp_bad_flags, "TCP flag combination no RFC 9293 state accepts")                 \
	X(tcp_bad_dst, "TCP to a multicast or limited-broadcast destination")               \
	/* Engine: delivery decisions (engine/, net/) */                                   \
	X(eth_not_for_us, "unicast frame for another MAC address (not forwarding)")        \
	X(eth_rx_too_big, "frame longer than the receive buffer or truncated by capture")  \
	X(arp_not_for_us, "ARP request for an address this host does not own")            \
	X(arp_unresolved, "packet waited for an ARP reply that never came")                \
	X(arp_pending_full, "too many packets or next hops waiting for ARP")               \
	X(ipv4_not_for_us, "IPv4 packet for another host (not forwarding)")                \
	X(ipv4_no_route, "no route to the destination")                                    \
	X(ipv4_unsupported_proto, "IPv4 protocol this host does not serve (UDP, ...)")     \
	X(icmp_unsupported, "ICMP type this host does not answer")                         \
	X(tcp_no_socket, "TCP segment for a port nobody listens on")                       \
	X(tx_no_buffer, "no buffer to build a reply or to copy into")                      \
	X(rss_handoff_full, "software RSS queue to another core was full")                \
	/* TCP end host: RFC 9293 input steps (tcp/) */                                    \
	X(tcp_not_acceptable, "TCP segment outside the receive window (answered by ACK)")  \
	X(tcp_paws, "TCP timestamp older than TS.Recent (PAWS, RFC 7323)")                 \
	X(tcp_rst_invalid, "TCP RST outside the window or not exact (RFC 5961 3.2)")       \
	X(tcp_syn_challenged, "TCP SYN on a synchronized connection (RFC 5961 4.2)")        \
	X(tcp_no_ack_flag, "TCP segment without ACK on a synchronized connection")        \
	X(tcp_bad_ack, "TCP ACK for data never sent or too old (RFC 5961 5.2)")            \
	X(tcp_state_rejects, "TCP segment the connection's state does not accept")        \
	X(tcp_listen_overflow, "TCP SYN or handshake ACK beyond the listener's backlog")  \
	X(tcp_no_memory, "no TCB, buffer or reassembly segment for a TCP segment")       \
	X(tcp_beyond_buffer, "TCP data beyond the receive buffer")                         \
	/* Monitor (mon/) */                                                               \
	X(mon_app_drop, "a monitor callback dropped the packet (MOS_DROP)")

enum drop_reason {
	DROP_NONE = 0,
#define DROP_ENUM_ENTRY(name, desc) DROP_##name,
	DROP_REASONS(DROP_ENUM_ENTRY)
#undef DROP_ENUM_ENTRY
	DROP_COUNT
};
/* clang-format on */

/* The stable name of `reason` ("ipv4_bad_ihl"; "none" for DROP_NONE), or "invalid" for
 * a value outside the enum. Never NULL. */
const char *drop_reason_name(enum drop_reason reason);

/* One-line description of `reason` for help texts; "invalid" outside the enum. */
const char *drop_reason_desc(enum drop_reason reason);

#endif /* MOS_BASE_DROP_H */
