/* api_status.c - build information and the per-function status table that
 * `mos version --api` prints. A row changes only when its capability lands, and a
 * function is never reported as working before it does (tests call every NOT_YET
 * function and expect ENOSYS). */
#include <stddef.h>

#include "api/api_internal.h"
#include "io/io_info.h"

#define API_ROW(fn, hdr, st, note)                                                             \
	{                                                                                      \
#fn, hdr, st, note                                                             \
	}
#define API_NOT_YET(fn, hdr) API_ROW(fn, hdr, MOS_API_NOT_YET, "")

static const struct mos_api_status api_status_rows[] = {
	/* mtcp_api.h */
	API_ROW(mtcp_init, "mtcp_api.h", MOS_API_WORKS, ""),
	API_ROW(mtcp_destroy, "mtcp_api.h", MOS_API_WORKS, ""),
	API_ROW(mtcp_getconf, "mtcp_api.h", MOS_API_WORKS, ""),
	API_ROW(mtcp_setconf, "mtcp_api.h", MOS_API_WORKS, ""),
	API_ROW(mtcp_core_affinitize, "mtcp_api.h", MOS_API_WORKS, ""),
	API_ROW(mtcp_create_context, "mtcp_api.h", MOS_API_WORKS, ""),
	API_ROW(mtcp_destroy_context, "mtcp_api.h", MOS_API_WORKS, ""),
	API_ROW(mtcp_register_signal, "mtcp_api.h", MOS_API_WORKS, ""),
	API_ROW(mtcp_get_connection_cnt, "mtcp_api.h", MOS_API_WORKS, ""),
	/* mtcp_epoll.h */
	API_ROW(EventToString, "mtcp_epoll.h", MOS_API_WORKS, ""),
	/* mos_api.h */
	API_ROW(mtcp_app_join, "mos_api.h", MOS_API_WORKS, ""),
	/* mtcp_util.h */
	API_ROW(GetRSSCPUCore, "mtcp_util.h", MOS_API_WORKS,
		"symmetric key, 128-entry round-robin redirection table"),
	API_ROW(StrToArgs, "mtcp_util.h", MOS_API_WORKS, ""),
	API_ROW(XXH32, "mtcp_util.h", MOS_API_WORKS, ""),
	API_ROW(XXH64, "mtcp_util.h", MOS_API_WORKS, ""),
	/* mos_ext.h */
	API_ROW(mos_version, "mos_ext.h", MOS_API_WORKS, ""),
	API_ROW(mos_dpdk_version, "mos_ext.h", MOS_API_WORKS, ""),
	API_ROW(mos_pcap_version, "mos_ext.h", MOS_API_WORKS, ""),
	API_ROW(mos_io_backends, "mos_ext.h", MOS_API_WORKS, ""),
	API_ROW(mos_api_status_table, "mos_ext.h", MOS_API_WORKS, ""),
	API_ROW(mos_config_load, "mos_ext.h", MOS_API_WORKS, ""),
	API_ROW(mos_config_parse, "mos_ext.h", MOS_API_WORKS, ""),
	API_ROW(mos_config_free, "mos_ext.h", MOS_API_WORKS, ""),
	API_ROW(mos_config_set, "mos_ext.h", MOS_API_WORKS, ""),
	API_ROW(mos_config_render, "mos_ext.h", MOS_API_WORKS, ""),
	API_ROW(mos_init_config, "mos_ext.h", MOS_API_WORKS, ""),
	API_ROW(mos_create_context, "mos_ext.h", MOS_API_WORKS, ""),
	API_ROW(mos_poll, "mos_ext.h", MOS_API_WORKS, ""),
	API_ROW(mos_stop, "mos_ext.h", MOS_API_WORKS, ""),
	API_ROW(mos_port_count, "mos_ext.h", MOS_API_WORKS, ""),
	API_ROW(mos_port_info, "mos_ext.h", MOS_API_WORKS, ""),
	API_ROW(mos_port_counters, "mos_ext.h", MOS_API_WORKS, ""),
	API_ROW(mos_drop_reason_count, "mos_ext.h", MOS_API_WORKS, ""),
	API_ROW(mos_drop_reason_name, "mos_ext.h", MOS_API_WORKS, ""),
	API_ROW(mos_port_drops, "mos_ext.h", MOS_API_WORKS, ""),

#include "api/api_status_sock.inc"
#include "api/api_status_mon.inc"
};

#undef API_ROW
#undef API_NOT_YET

const struct mos_api_status *mos_api_status_table(int *count)
{
	if (count != NULL)
		*count = (int)(sizeof api_status_rows / sizeof api_status_rows[0]);
	return api_status_rows;
}

const char *mos_version(void)
{
	return "0.1.0";
}

const char *mos_dpdk_version(void)
{
	return io_dpdk_version();
}

const char *mos_pcap_version(void)
{
	return io_pcap_version();
}

unsigned mos_io_backends(void)
{
	return io_backends_available();
}
