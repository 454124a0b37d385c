/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vnic userspace API: the IFLA_INFO_DATA attributes of rtnl link kind "vnic".
 *
 * This header is the single source of truth: the module binds it with bindgen
 * and userctl/vnic-uapi checks its constants against it in a unit test.
 */
#ifndef _UAPI_VNIC_H
#define _UAPI_VNIC_H

/* rtnl link kind, as in `ip link add NAME type vnic`. */
#define VNIC_LINK_KIND "vnic"

/* Attributes nested in IFLA_INFO_DATA for kind "vnic". */
enum {
	IFLA_VNIC_UNSPEC,
	IFLA_VNIC_ID,		/* u16: the vNIC's service ID, 1..65535 (0 is reserved) */
	__IFLA_VNIC_MAX,
};

#define IFLA_VNIC_MAX (__IFLA_VNIC_MAX - 1)

/*
 * rtnl link kind of the relay: `ip link add NAME link PNIC type vnic-relay`.
 * The relay takes every frame of PNIC before the host stack; what is not
 * overlay traffic passes on untouched.
 */
#define VNIC_RELAY_LINK_KIND "vnic-relay"

/* Attributes nested in IFLA_INFO_DATA for kind "vnic-relay" (read-only). */
enum {
	IFLA_VNIC_RELAY_UNSPEC,
	IFLA_VNIC_RELAY_PAD,		/* padding for the u64 attributes */
	IFLA_VNIC_RELAY_TAGGED,		/* u64: TCP segments seen carrying an ID */
	IFLA_VNIC_RELAY_DROP_UNKNOWN_ID,	/* u64: dropped, ID not registered */
	IFLA_VNIC_RELAY_DROP_MALFORMED,	/* u64: dropped, ID on broken headers */
	__IFLA_VNIC_RELAY_MAX,
};

#define IFLA_VNIC_RELAY_MAX (__IFLA_VNIC_RELAY_MAX - 1)

#endif /* _UAPI_VNIC_H */
