/* api_process.h - process-wide state of the public API (api/ layer only). */
#ifndef MOS_API_PROCESS_H
#define MOS_API_PROCESS_H

struct mos_config;

/* The configuration loaded by mtcp_init(), or NULL. */
const struct mos_config *api_process_config(void);

#endif /* MOS_API_PROCESS_H */
