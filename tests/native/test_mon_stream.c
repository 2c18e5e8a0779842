/* test_mon_stream.c - per-side reassembly of monitored flows: overlap policies, holes
 * and capture loss, positional peeks and fragment lists, buffer sizes changed while the
 * flow runs, buffers switched off, and the no_ring_buffers key. */
#include "mon_test.h"

#define C0 WIRE_IPV4(10, 1, 0, 1)
#define S0 WIRE_IPV4(10, 1, 0, 2)

static const char *st_keys = " forward = 0\n tcp_tw_interval = 0\n";

static int st_passive(struct mt_bed *b)
{
	int s = mtcp_socket(b->m, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	CHECK(s >= 0);
	return s;
}

/* What NEW_DATA callbacks read, per side; negative peeks are recorded as gaps. */
static char st_buf[2][65536];
static size_t st_len[2];
static int64_t st_lost[2];

static void st_cb_read(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)ev;
	(void)a;
	for (;;) {
		ssize_t n = mtcp_peek(m, sock, side, st_buf[side] + st_len[side],
				      sizeof st_buf[side] - st_len[side]);
		if (n == 0)
			return;
		if (n < 0) {
			CHECK_EQ(errno, ENODATA);
			st_lost[side] += -n;
			continue;
		}
		st_len[side] += (size_t)n;
	}
}

static void st_overlap(int policy, const char *expect)
{
	struct mt_bed b;
	struct mt_conn c;
	mt_bed_init(&b, st_keys, 1);
	int s = st_passive(&b);
	uint8_t p = (uint8_t)policy;
	CHECK_EQ(mtcp_setsockopt(b.m, s, SOL_MONSOCKET, MOS_SVROVERLAP, &p, 1), 0);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, st_cb_read), 0);
	mt_conn_init(&c, C0, 50000, S0, 8080);
	mt_handshake(&b, &c);
	uint32_t base = c.nxt[0];
	/* An out-of-order segment, then a conflicting copy of it, then the hole fills. */
	mt_seg(&b, &c, 0, base + 4, c.nxt[1], WIRE_TCP_ACK, "GOOD", 4);
	mt_poll(&b);
	mt_seg(&b, &c, 0, base + 4, c.nxt[1], WIRE_TCP_ACK, "EVIL", 4);
	mt_poll(&b);
	mt_seg(&b, &c, 0, base, c.nxt[1], WIRE_TCP_ACK, "abcd", 4);
	mt_poll(&b);
	CHECK_EQ(st_len[MOS_SIDE_SVR], 8);
	CHECK(memcmp(st_buf[MOS_SIDE_SVR], expect, 8) == 0);
	mt_bed_fini(&b);
}

TEST(overlap_policy_first_keeps_the_first_copy)
{
	st_overlap(MOS_OVERLAP_POLICY_FIRST, "abcdGOOD");
}

TEST(overlap_policy_last_keeps_the_newest_copy)
{
	st_overlap(MOS_OVERLAP_POLICY_LAST, "abcdEVIL");
}

static struct mos_flow_info st_info;

static void st_cb_info(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)side;
	(void)ev;
	(void)a;
	socklen_t l = sizeof st_info;
	CHECK_EQ(mtcp_getsockopt(m, sock, SOL_MONSOCKET, MOS_FLOW_INFO, &st_info, &l), 0);
}

TEST(a_hole_the_receiver_acknowledges_is_reported_lost_and_reading_goes_on)
{
	struct mt_bed b;
	struct mt_conn c;
	mt_bed_init(&b, st_keys, 1);
	int s = st_passive(&b);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, st_cb_read), 0);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_END, MOS_HK_SND, st_cb_info), 0);
	mt_conn_init(&c, C0, 50001, S0, 8080);
	mt_handshake(&b, &c);
	uint32_t base = c.nxt[0];
	mt_seg(&b, &c, 0, base, c.nxt[1], WIRE_TCP_ACK, "1234", 4);
	/* bytes 4..7 are never captured */
	mt_seg(&b, &c, 0, base + 8, c.nxt[1], WIRE_TCP_ACK, "9abc", 4);
	mt_poll(&b);
	CHECK_EQ(st_len[MOS_SIDE_SVR], 4);
	/* The server acknowledges all 12: the hole was lost in the capture only. */
	mt_seg(&b, &c, 1, c.nxt[1], base + 12, WIRE_TCP_ACK, NULL, 0);
	mt_poll(&b);
	CHECK_EQ(st_len[MOS_SIDE_SVR], 8);
	CHECK_EQ(st_lost[MOS_SIDE_SVR], 4);
	CHECK(memcmp(st_buf[MOS_SIDE_SVR], "12349abc", 8) == 0);
	c.nxt[0] = base + 12;
	mt_rst(&b, &c, 0);
	mt_poll(&b);
	CHECK_EQ(st_info.side[MOS_SIDE_CLI].missing_bytes, 4);
	CHECK_EQ(st_info.side[MOS_SIDE_CLI].stream_bytes, 12);
	mt_bed_fini(&b);
}

/* ppeek, FRAGINFO and INFO from a NEW_DATA callback while a hole is open. */
static int st_frag_checked;

static void st_cb_frags(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)ev;
	(void)a;
	if (side != MOS_SIDE_SVR)
		return;
	struct tcp_ring_fragment fr[4];
	socklen_t l = sizeof fr;
	CHECK_EQ(mtcp_getsockopt(m, sock, SOL_MONSOCKET, MOS_FRAGINFO_SVRBUF, fr, &l), 0);
	CHECK_EQ(l, 3 * sizeof fr[0]); /* two fragments and the {0, 0} end marker */
	CHECK_EQ(fr[0].offset, 0);
	CHECK_EQ(fr[0].len, 3);
	CHECK_EQ(fr[1].offset, 10);
	CHECK_EQ(fr[1].len, 5);
	CHECK_EQ(fr[2].offset, 0);
	CHECK_EQ(fr[2].len, 0);
	l = sizeof fr[0]; /* room for one: no end marker */
	CHECK_EQ(mtcp_getsockopt(m, sock, SOL_MONSOCKET, MOS_FRAGINFO_SVRBUF, fr, &l), 0);
	CHECK_EQ(l, sizeof fr[0]);
	char tmp[16];
	CHECK_EQ(mtcp_ppeek(m, sock, side, tmp, sizeof tmp, 11),
		 4); /* up to its fragment end */
	CHECK(memcmp(tmp, "ello", 4) == 0);
	CHECK_ERRNO(mtcp_ppeek(m, sock, side, tmp, sizeof tmp, 5), ENODATA);
	CHECK_EQ(mtcp_peek(m, sock, side, tmp, sizeof tmp), 3); /* never across the hole */
	CHECK_EQ(mtcp_peek(m, sock, side, tmp, sizeof tmp), 0);
	struct tcp_buf_info bi;
	l = sizeof bi;
	CHECK_EQ(mtcp_getsockopt(m, sock, SOL_MONSOCKET, MOS_INFO_SVRBUF, &bi, &l), 0);
	CHECK_EQ(bi.tcpbi_init_seq, 1001); /* client ISN + 1 */
	CHECK_EQ(bi.tcpbi_next_byte_expected, 3);
	CHECK_EQ(bi.tcpbi_last_byte_read, 3);
	CHECK_EQ(bi.tcpbi_last_byte_received, 15);
	l = 3;
	CHECK_ERRNO(mtcp_getsockopt(m, sock, SOL_MONSOCKET, MOS_INFO_SVRBUF, &bi, &l), EINVAL);
	l = sizeof bi; /* nothing received by the client yet */
	CHECK_ERRNO(mtcp_getsockopt(m, sock, SOL_MONSOCKET, MOS_INFO_CLIBUF, &bi, &l), ENODATA);
	CHECK_ERRNO(mtcp_peek(m, sock, 5, tmp, 1), EINVAL);
	st_frag_checked++;
}

TEST(positional_peek_and_fragment_lists_see_out_of_order_data)
{
	struct mt_bed b;
	struct mt_conn c;
	mt_bed_init(&b, st_keys, 1);
	int s = st_passive(&b);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, st_cb_frags),
		 0);
	mt_conn_init(&c, C0, 50002, S0, 8080);
	mt_handshake(&b, &c);
	uint32_t base = c.nxt[0];
	mt_seg(&b, &c, 0, base + 10, c.nxt[1], WIRE_TCP_ACK, "hello", 5);
	mt_seg(&b, &c, 0, base, c.nxt[1], WIRE_TCP_ACK, "abc", 3);
	mt_poll(&b);
	CHECK_EQ(st_frag_checked, 1);
	mt_bed_fini(&b);
}

/* Buffer size changes from callbacks. */
static int st_resize_to;
static int st_errors;

static void st_cb_resize(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)side;
	(void)ev;
	(void)a;
	CHECK_EQ(mtcp_setsockopt(m, sock, SOL_MONSOCKET, MOS_SVRBUF, &st_resize_to,
				 sizeof st_resize_to),
		 0);
}

static void st_cb_error(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)m;
	(void)sock;
	(void)side;
	(void)ev;
	(void)a;
	st_errors++;
}

static void st_stream(struct mt_bed *b, struct mt_conn *c, size_t total, size_t seg)
{
	char p[1400];
	for (size_t off = 0; off < total; off += seg) {
		for (size_t i = 0; i < seg; i++)
			p[i] = (char)('a' + (off + i) % 26);
		mt_data(b, c, 0, p, (uint16_t)seg);
		mt_poll(b);
	}
}

TEST(buffers_resize_at_run_time_and_zero_turns_them_off)
{
	struct mt_bed b;
	struct mt_conn c;
	mt_bed_init(&b, " forward = 0\n rmem_size = 8192\n", 1);
	int s = st_passive(&b);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_START, MOS_HK_RCV, st_cb_resize),
		 0);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_ERROR, MOS_NULL, st_cb_error), 0);
	/* Shrunk to 2 KiB (rounded up from 2000): 3000 unread bytes outrun it. */
	st_resize_to = 2000;
	mt_conn_init(&c, C0, 50003, S0, 8080);
	mt_handshake(&b, &c);
	st_stream(&b, &c, 3000, 1000);
	CHECK_EQ(st_errors, 1);
	/* Grown to 64 KiB: 60000 unread bytes fit. */
	st_errors = 0;
	st_resize_to = 65536;
	mt_conn_init(&c, C0, 50004, S0, 8080);
	mt_handshake(&b, &c);
	st_stream(&b, &c, 60000, 1000);
	CHECK_EQ(st_errors, 0);
	/* 0: no buffer, no NEW_DATA, peek refuses. */
	st_resize_to = 0;
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, st_cb_read), 0);
	mt_conn_init(&c, C0, 50005, S0, 8080);
	mt_handshake(&b, &c);
	st_stream(&b, &c, 10000, 1000);
	CHECK_EQ(st_len[MOS_SIDE_SVR], 0);
	CHECK_EQ(st_errors, 0);
	mt_bed_fini(&b);
}

static int st_peek_errno;

static void st_cb_peek_off(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)ev;
	(void)a;
	(void)side;
	char x;
	errno = 0;
	CHECK_EQ(mtcp_peek(m, sock, MOS_SIDE_SVR, &x, 1), -1);
	st_peek_errno = errno;
}

TEST(passive_buffer_zero_and_no_ring_buffers_switch_buffering_off)
{
	struct mt_bed b;
	struct mt_conn c;
	/* no_ring_buffers = 1 makes "off" the default... */
	mt_bed_init(&b, " forward = 0\n no_ring_buffers = 1\n", 1);
	int s = st_passive(&b);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_PKT_IN, MOS_HK_RCV, st_cb_peek_off), 0);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, st_cb_read), 0);
	mt_conn_init(&c, C0, 50006, S0, 8080);
	mt_handshake(&b, &c);
	st_stream(&b, &c, 3000, 1000);
	CHECK_EQ(st_peek_errno, EINVAL);
	CHECK_EQ(st_len[MOS_SIDE_SVR], 0);
	/* ...which a passive socket can turn back on for its future flows. */
	int on = 4096;
	CHECK_EQ(mtcp_setsockopt(b.m, s, SOL_MONSOCKET, MOS_SVRBUF, &on, sizeof on), 0);
	CHECK_EQ(mtcp_unregister_callback(b.m, s, MOS_ON_PKT_IN, MOS_HK_RCV), 0);
	mt_conn_init(&c, C0, 50007, S0, 8080);
	mt_handshake(&b, &c);
	st_stream(&b, &c, 3000, 1000);
	CHECK_EQ(st_len[MOS_SIDE_SVR], 3000);
	CHECK_EQ(st_len[MOS_SIDE_CLI], 0); /* the client side stays off */
	mt_bed_fini(&b);
}

TEST(passive_defaults_reject_bad_values_and_unknown_options)
{
	struct mt_bed b;
	mt_bed_init(&b, st_keys, 1);
	int s = st_passive(&b);
	uint8_t bad = 2;
	CHECK_ERRNO(mtcp_setsockopt(b.m, s, SOL_MONSOCKET, MOS_CLIOVERLAP, &bad, 1), EINVAL);
	int v = -5;
	CHECK_ERRNO(mtcp_setsockopt(b.m, s, SOL_MONSOCKET, MOS_CLIBUF, &v, sizeof v), EINVAL);
	v = 3;
	CHECK_ERRNO(mtcp_setsockopt(b.m, s, SOL_MONSOCKET, MOS_STOP_MON, &v, sizeof v), EINVAL);
	v = MOS_SIDE_BOTH; /* a default for future flows: 0 (mOS 0.3 said EPERM) */
	CHECK_EQ(mtcp_setsockopt(b.m, s, SOL_MONSOCKET, MOS_STOP_MON, &v, sizeof v), 0);
	CHECK_ERRNO(mtcp_setsockopt(b.m, s, SOL_MONSOCKET, MOS_SEQ_REMAP, &v, sizeof v),
		    ENOSYS);
	CHECK_ERRNO(mtcp_setsockopt(b.m, s, SOL_MONSOCKET, 0x7f, &v, sizeof v), ENOSYS);
	CHECK_ERRNO(mtcp_setsockopt(b.m, s, SOL_MONSOCKET, MOS_CLIBUF, NULL, sizeof v), EFAULT);
	CHECK_ERRNO(mtcp_setsockopt(b.m, s, SOL_MONSOCKET, MOS_CLIBUF, &v, 2), EINVAL);
	int st;
	socklen_t l = sizeof st;
	CHECK_ERRNO(mtcp_getsockopt(b.m, s, SOL_MONSOCKET, MOS_TCP_STATE_CLI, &st, &l),
		    ENOTSOCK);
	CHECK_ERRNO(mtcp_getsockopt(b.m, 999, SOL_MONSOCKET, MOS_TCP_STATE_CLI, &st, &l),
		    EBADF);
	mt_bed_fini(&b);
}

TEST(offsets_keep_growing_across_the_sequence_number_wrap)
{
	struct mt_bed b;
	struct mt_conn c;
	mt_bed_init(&b, st_keys, 1);
	int s = st_passive(&b);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, st_cb_read), 0);
	mt_conn_init(&c, C0, 50008, S0, 8080);
	c.isn[0] = 0xfffffc00u; /* the stream crosses 2^32 after 1 KiB */
	mt_handshake(&b, &c);
	st_stream(&b, &c, 5000, 1000);
	CHECK_EQ(st_len[MOS_SIDE_SVR], 5000);
	for (size_t i = 0; i < 5000; i++)
		CHECK_EQ(st_buf[MOS_SIDE_SVR][i], (char)('a' + i % 26));
	mt_bed_fini(&b);
}

static int st_svr_errors;

static void st_cb_count_error(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)m;
	(void)sock;
	(void)ev;
	(void)a;
	if (side == MOS_SIDE_SVR)
		st_svr_errors++;
}

/* The bytes the NEW_DATA reader got on the server side are the st_stream pattern. */
static void st_check_stream(size_t total)
{
	CHECK_EQ(st_len[MOS_SIDE_SVR], total);
	CHECK_EQ(st_lost[MOS_SIDE_SVR], 0);
	for (size_t i = 0; i < total; i++)
		CHECK(st_buf[MOS_SIDE_SVR][i] == (char)('a' + i % 26));
}

TEST(a_full_buffer_every_reader_peeked_makes_room_without_error)
{
	struct mt_bed b;
	struct mt_conn c;
	st_len[MOS_SIDE_SVR] = 0;
	st_lost[MOS_SIDE_SVR] = 0;
	st_svr_errors = 0;
	mt_bed_init(&b, " forward = 0\n tcp_tw_interval = 0\n rmem_size = 2048\n", 1);
	int s = st_passive(&b);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, st_cb_read), 0);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_ERROR, MOS_NULL, st_cb_count_error), 0);
	/* In-order segments outrun the 2 KiB buffer every few segments; the reader has
	 * peeked everything by then, so room is made silently (header prediction does it
	 * the way the full path does) and the stream reads back intact. */
	mt_conn_init(&c, C0, 50010, S0, 8080);
	mt_handshake(&b, &c);
	st_stream(&b, &c, 28000, 700);
	st_check_stream(28000);
	CHECK_EQ(st_svr_errors, 0);
	mt_bed_fini(&b);
}

TEST(a_full_buffer_with_a_reader_behind_raises_error_before_making_room)
{
	struct mt_bed b;
	struct mt_conn c;
	st_len[MOS_SIDE_SVR] = 0;
	st_lost[MOS_SIDE_SVR] = 0;
	st_svr_errors = 0;
	mt_bed_init(&b, " forward = 0\n tcp_tw_interval = 0\n rmem_size = 2048\n", 1);
	int s = st_passive(&b);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, st_cb_read), 0);
	/* A second socket that never reads: every outrun takes bytes it has not peeked. */
	int lazy = st_passive(&b);
	CHECK_EQ(mtcp_register_callback(b.m, lazy, MOS_ON_ERROR, MOS_NULL, st_cb_count_error),
		 0);
	mt_conn_init(&c, C0, 50011, S0, 8080);
	mt_handshake(&b, &c);
	st_stream(&b, &c, 28000, 700);
	st_check_stream(28000);
	CHECK(st_svr_errors > 0);
	mt_bed_fini(&b);
}
