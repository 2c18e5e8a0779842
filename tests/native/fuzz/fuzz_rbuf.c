/* fuzz_rbuf.c - fuzz target of the reassembly buffer (tcp/rbuf.h). The input is a small
 * header (pool size, map capacity, initial capacity, policy, start offset) and then a
 * sequence of operations - writes anywhere around the window with one of four byte
 * versions, in-order appends, releases, reads, resizes, policy changes - applied both to a
 * real buffer and to the flat-array model of ../rbuf_model.h. Any disagreement (fragments,
 * bytes, counters, status, segment accounting) or broken invariant aborts.
 *
 * Input layout: 6 header bytes, then operations of 5 bytes:
 *   op[0] & 7: 0-1 write at head - 2048 + (op[1..2] scaled over the window), len op[3..4]
 *              mod 3072, version op[0] >> 6; 2 append at tail; 3 release by op[1..2];
 *              4 read; 5 resize to op[1..2] bytes (mod 48 KiB); 6 policy; 7 release to
 *              contig_end.
 * Seed corpus (corpus/rbuf/): hand-written inputs, one per behaviour: in-order stream with
 * releases, out-of-order holes filled later, conflicting duplicates under LAST, a tiny
 * pool (NOMEM), many tiny disjoint writes (fragment limit), resizes around an unaligned
 * head, and a start offset just below 2^32. */
#include <stdio.h>
#include <stdlib.h>

#define RM_SPAN (UINT32_C(1) << 18)
#include "../rbuf_model.h"
#include "fuzz.h"

#define FR_REQUIRE(err)                                                                        \
	do {                                                                                   \
		const char *fr_err_ = (err);                                                   \
		if (fr_err_ != NULL) {                                                         \
			fprintf(stderr, "fuzz_rbuf: %s:%d: %s\n", __FILE__, __LINE__,          \
				fr_err_);                                                      \
			abort();                                                               \
		}                                                                              \
	} while (0)

static uint8_t fr_data[4096];

static uint16_t fr_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static const char *fr_op(struct rm_pair *p, const uint8_t *op)
{
	struct rm_model *m = &p->m;
	uint32_t a = fr_u16(op + 1), len = fr_u16(op + 3) % 3072, version = op[0] >> 6;
	uint64_t off;

	switch (op[0] & 7) {
	case 0:
	case 1:
		off = m->head - rm_min(m->head, 2048) + a * ((uint64_t)m->cap + 4096) / 65536;
		rm_fill(fr_data, off, len, version);
		return rmd_write(p, off, fr_data, len);
	case 2:
		off = rbuf_tail(&p->b);
		rm_fill(fr_data, off, len, version);
		return rmd_write(p, off, fr_data, len);
	case 3:
		return rmd_release(p, m->head + a % 8192 + (a >= 65000 ? 200000 : 0));
	case 4:
		return rmd_read(p, m->head - rm_min(m->head, 64) + a % ((uint64_t)m->cap + 128),
				len);
	case 5:
		return rmd_resize(p, a % (48 * 1024));
	case 6:
		rmd_set_policy(p, (uint8_t)(op[1] & 1));
		return NULL;
	default:
		return rmd_release(p, rbuf_contig_end(&p->b));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t starts[] = {0, UINT64_C(0xffffffff) - 3000, UINT64_C(1) << 40,
					  UINT64_C(12345)};
	struct rm_pair p;
	struct rbuf_pool_config cfg;

	if (size < 6)
		return 0;
	cfg.segments = 1 + data[0] % 64;
	cfg.maps = 1;
	cfg.map_capacity_bytes = (1 + data[1] % 48) * RBUF_SEG_BYTES;
	cfg.poison = true;
	FR_REQUIRE(rmd_init(&p, &cfg, fr_u16(data + 2) % 40000, data[4] & 1,
			    starts[(data[4] >> 1) & 3] + data[5] * 13u));
	for (size_t i = 6; i + 5 <= size; i += 5) {
		FR_REQUIRE(fr_op(&p, data + i));
		FR_REQUIRE(rmd_check(&p, (i / 5) % 8 == 0));
	}
	FR_REQUIRE(rmd_check(&p, true));
	FR_REQUIRE(rmd_fini(&p));
	return 0;
}
