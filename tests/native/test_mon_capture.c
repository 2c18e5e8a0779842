/* test_mon_capture.c - real captures (../shared/data) replayed through the public API as
 * an application does it: io = pcap, a run-to-completion context, one passive socket
 * with mid-stream pickup and MOS_NO_CHECKSUM, mos_poll(m, -1) until the file ends,
 * mos_monitor_flush() for what is still open. Each direction must equal tshark's
 * reassembly (gap markers removed). A few captures, one feature each: VLAN tags and
 * first-copy overlaps, a capture starting mid-connection, holes the receiver
 * acknowledged, a reused 4-tuple with a group source MAC address. The exhaustive
 * comparison of every capture belongs to the capture tests of the apps. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "mos_ext.h"
#include "mos_test.h"

#define CP_MAX_FLOWS 64

struct cp_flow {
	uint32_t cip, sip;
	uint16_t cp, sp;
	char *buf[2];
	size_t len[2], cap[2];
	int64_t lost[2];
	struct mos_flow_info fi;
	int ended;
};

static struct cp_flow cp_flows[CP_MAX_FLOWS];
static int cp_nflows;

static void cp_read(mctx_t m, int sock, int side)
{
	struct cp_flow *f = mtcp_get_uctx(m, sock);
	CHECK(f != NULL);
	for (;;) {
		if (f->cap[side] - f->len[side] < 65536) {
			f->cap[side] = f->cap[side] * 2 + 131072;
			f->buf[side] = realloc(f->buf[side], f->cap[side]);
			CHECK(f->buf[side] != NULL);
		}
		ssize_t n = mtcp_peek(m, sock, side, f->buf[side] + f->len[side],
				      f->cap[side] - f->len[side]);
		if (n == 0)
			return;
		if (n < 0) {
			CHECK_EQ(errno, ENODATA);
			f->lost[side] += -n;
			continue;
		}
		f->len[side] += (size_t)n;
	}
}

static void cp_on_start(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)side;
	(void)ev;
	(void)a;
	if (mtcp_get_uctx(m, sock) != NULL)
		return; /* CONN_START comes at both hooks */
	CHECK(cp_nflows < CP_MAX_FLOWS);
	struct cp_flow *f = &cp_flows[cp_nflows++];
	struct sockaddr_in sa[2];
	socklen_t l = sizeof sa;
	CHECK_EQ(mtcp_getpeername(m, sock, (struct sockaddr *)sa, &l, MOS_SIDE_BOTH), 0);
	f->cip = ntohl(sa[0].sin_addr.s_addr);
	f->cp = ntohs(sa[0].sin_port);
	f->sip = ntohl(sa[1].sin_addr.s_addr);
	f->sp = ntohs(sa[1].sin_port);
	mtcp_set_uctx(m, sock, f);
}

static void cp_on_data(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)ev;
	(void)a;
	cp_read(m, sock, side);
}

static void cp_on_end(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)ev;
	(void)a;
	cp_read(m, sock, side);
	struct cp_flow *f = mtcp_get_uctx(m, sock);
	socklen_t l = sizeof f->fi;
	CHECK_EQ(mtcp_getsockopt(m, sock, SOL_MONSOCKET, MOS_FLOW_INFO, &f->fi, &l), 0);
	f->ended++;
}

/* Replays pcaps/<name>.pcap through one monitor. */
static void cp_replay(const char *name)
{
	const char *data = mt_shared_data_dir();
	CHECK_MSG(data != NULL, "shared data directory missing (set MOS_SHARED_DATA)");
	char text[4096];
	snprintf(text, sizeof text,
		 "mos {\n io = pcap\n forward = 0\n max_concurrency = 1024\n rmem_size = "
		 "1048576\n"
		 " tcp_timeout = -1\n tcp_tw_interval = 0\n netdev {\n"
		 "  p0 0x1 device=file:%s/pcaps/%s.pcap\n }\n}\n",
		 data, name);
	struct mos_config *cfg = NULL;
	CHECK_EQ(mos_config_parse(text, strlen(text), "capture.conf", NULL, NULL, &cfg), 0);
	CHECK_EQ(mos_init_config(cfg, MOS_INIT_NO_SIGNALS), 0);
	mos_config_free(cfg);
	mctx_t m = mos_create_context(0, MOS_CONTEXT_RUN_TO_COMPLETION);
	CHECK(m != NULL);
	int s = mtcp_socket(m, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	CHECK(s >= 0);
	int mode = MOS_MIDSTREAM_FIRST, on = 1;
	CHECK_EQ(mtcp_setsockopt(m, s, SOL_MONSOCKET, MOS_MIDSTREAM, &mode, sizeof mode), 0);
	CHECK_EQ(mtcp_setsockopt(m, s, SOL_MONSOCKET, MOS_NO_CHECKSUM, &on, sizeof on), 0);
	CHECK_EQ(mtcp_register_callback(m, s, MOS_ON_CONN_START, MOS_HK_SND, cp_on_start), 0);
	CHECK_EQ(mtcp_register_callback(m, s, MOS_ON_CONN_START, MOS_HK_RCV, cp_on_start), 0);
	CHECK_EQ(mtcp_register_callback(m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, cp_on_data), 0);
	CHECK_EQ(mtcp_register_callback(m, s, MOS_ON_ERROR, MOS_NULL, cp_on_data), 0);
	CHECK_EQ(mtcp_register_callback(m, s, MOS_ON_CONN_END, MOS_HK_SND, cp_on_end), 0);
	CHECK(mos_poll(m, -1) > 0); /* returns once the file has been replayed */
	CHECK_EQ(mos_monitor_flush(m), 0);
	CHECK_EQ(mtcp_get_connection_cnt(m), 0);
	CHECK_EQ(mtcp_destroy_context(m), 0);
	CHECK_EQ(mtcp_destroy(), 0);
}

/* Expected bytes of expected/<name>/tshark/<idx>.<dir>. */
static char *cp_expected(const char *name, int idx, const char *dir, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/expected/%s/tshark/%d.%s", mt_shared_data_dir(), name,
		 idx, dir);
	FILE *fp = fopen(path, "rb");
	CHECK_MSG(fp != NULL, "%s missing", path);
	char *b = malloc(1 << 22);
	CHECK(b != NULL);
	*len = fread(b, 1, 1 << 22, fp);
	fclose(fp);
	return b;
}

/* Flow `k` (client cip:cp) carries stream idx of the expectation in both directions. */
static void cp_check_flow(const char *name, int k, int idx, const char *cip, uint16_t cp)
{
	CHECK(k < cp_nflows);
	const struct cp_flow *f = &cp_flows[k];
	CHECK_EQ(f->cip, ntohl(inet_addr(cip)));
	CHECK_EQ(f->cp, cp);
	CHECK_EQ(f->ended, 2);
	for (int d = 0; d < 2; d++) {
		size_t n;
		char *e = cp_expected(name, idx, d ? "s2c" : "c2s", &n);
		int side = d ? 0 : 1; /* c2s is what the server side reads */
		CHECK_MSG(f->len[side] == n && memcmp(f->buf[side], e, n) == 0,
			  "%s idx %d %s: %zu bytes, tshark %zu", name, idx, d ? "s2c" : "c2s",
			  f->len[side], n);
		free(e);
	}
}

TEST(vlan_capture_with_a_conflicting_overlap_keeps_the_first_copy)
{
	cp_replay("suricata-verify/tcp-overlap-exact");
	CHECK_EQ(cp_nflows, 1);
	cp_check_flow("suricata-verify/tcp-overlap-exact", 0, 0, "1.1.1.1", 12345);
	CHECK_EQ(cp_flows[0].fi.side[MOS_SIDE_CLI].conflict_bytes, 4);
	CHECK_EQ(cp_flows[0].fi.side[MOS_SIDE_CLI].rexmit_bytes, 4);
}

TEST(capture_starting_mid_connection_is_picked_up)
{
	cp_replay("suricata-verify/midstream-starts-with-response");
	CHECK_EQ(cp_nflows, 1);
	CHECK(cp_flows[0].fi.flags & MOS_FLOW_MIDSTREAM);
	/* tshark's client is the sender of the first packet (MOS_MIDSTREAM_FIRST). */
	CHECK_EQ(cp_flows[0].cp, 80);
	cp_check_flow("suricata-verify/midstream-starts-with-response", 0, 0, "172.16.9.189",
		      80);
}

TEST(holes_the_receiver_acknowledged_are_skipped_and_counted)
{
	cp_replay("zeek/http-drops");
	CHECK_EQ(cp_nflows, 1);
	cp_check_flow("zeek/http-drops", 0, 0, "10.0.0.118", 51534);
	/* expected/zeek/http-drops/tshark/gaps.tsv: 2549 bytes c2s, 542 s2c. */
	CHECK_EQ(cp_flows[0].lost[MOS_SIDE_SVR], 2549);
	CHECK_EQ(cp_flows[0].lost[MOS_SIDE_CLI], 542);
	CHECK_EQ(cp_flows[0].fi.side[MOS_SIDE_CLI].missing_bytes, 2549);
	CHECK_EQ(cp_flows[0].fi.side[MOS_SIDE_SVR].missing_bytes, 542);
}

TEST(a_reused_tuple_makes_a_second_flow)
{
	cp_replay("suricata-verify/port-reuse-after-rst");
	CHECK_EQ(cp_nflows, 2);
	CHECK_EQ(cp_flows[0].fi.end_reason, MOS_FLOW_END_REUSED);
	cp_check_flow("suricata-verify/port-reuse-after-rst", 0, 0, "1.1.1.1", 12345);
	cp_check_flow("suricata-verify/port-reuse-after-rst", 1, 1, "1.1.1.1", 12345);
	CHECK_EQ(cp_flows[1].fi.end_reason, MOS_FLOW_END_RST);
}
