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
	IFLA_VNIC_MODE,		/* u32: VNIC_MODE_*, default REAL; fixed at creation */
	__IFLA_VNIC_MAX,
};

#define IFLA_VNIC_MAX (__IFLA_VNIC_MAX - 1)

/* What a vNIC's services see as the client's address (IFLA_VNIC_MODE). */
enum {
	VNIC_MODE_REAL = 1,	/* the client's real address; replies leave by the host's route */
	VNIC_MODE_CIP = 2,	/* a per-client pseudo address (CIP) in the vNIC's subnet, the
				 * papers' RIP/CIP: replies route into the vNIC, which sends them on */
};

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
	IFLA_VNIC_RELAY_GRANTED,	/* u64: tagged segments with a session */
	IFLA_VNIC_RELAY_DROP_NOT_GRANTED,	/* u64: dropped, ID registered for another client */
	IFLA_VNIC_RELAY_DROP_URG_SET,	/* u64: dropped, a session's ID on a segment with URG set */
	IFLA_VNIC_RELAY_SESSIONS,	/* u32: sessions in the table */
	IFLA_VNIC_RELAY_DELIVERED,	/* u64: granted segments delivered on their vNIC */
	IFLA_VNIC_RELAY_DROP_UNDELIVERABLE,	/* u64: dropped, the session's vNIC is gone, down or has no IPv4 address, or the stack refused the route */
	IFLA_VNIC_RELAY_REPLIES,	/* u64: segments from a vNIC to a client rewritten on the way out */
	IFLA_VNIC_RELAY_DROP_TO_PSEUDO,	/* u64: dropped, an IPv4 packet or ARP request from the pNIC aimed at a vNIC's pseudo address */
	IFLA_VNIC_RELAY_DROP_NO_SESSION,	/* u64: dropped, a vNIC's segment leaving by the pNIC to a client without a session (it would show the pseudo address) */
	__IFLA_VNIC_RELAY_MAX,
};

#define IFLA_VNIC_RELAY_MAX (__IFLA_VNIC_RELAY_MAX - 1)

/*
 * rtnl link kind of the supervisor (SS), the client side: `ip link add NAME
 * type vnic-ss`. Its embedding rules (server address and port -> ID) are
 * programmed over generic netlink. Segments to a rule's server get the ID in
 * the urgent pointer; segments from it must carry the ID, which is cleared.
 */
#define VNIC_SS_LINK_KIND "vnic-ss"

/* Where the supervisor works (IFLA_VNIC_SS_MODE). */
enum {
	VNIC_SS_MODE_HOST = 1,	/* on the client host: its own IPv4/IPv6 traffic and what it routes */
	VNIC_SS_MODE_BRIDGE = 2,	/* bridge box: frames crossing the bridges of its namespace */
};

/* Attributes nested in IFLA_INFO_DATA for kind "vnic-ss". */
enum {
	IFLA_VNIC_SS_UNSPEC,
	IFLA_VNIC_SS_PAD,		/* padding for the u64 attributes */
	IFLA_VNIC_SS_MODE,		/* u32: VNIC_SS_MODE_*, default HOST; fixed at creation */
	IFLA_VNIC_SS_EMBEDDED,		/* u64 (read-only): outgoing segments given an ID */
	IFLA_VNIC_SS_CLEARED,		/* u64 (read-only): incoming segments with the right ID, cleared */
	IFLA_VNIC_SS_DROP_NO_ID,	/* u64 (read-only): dropped, from a rule's server without an ID */
	IFLA_VNIC_SS_DROP_WRONG_ID,	/* u64 (read-only): dropped, from a rule's server with another ID */
	IFLA_VNIC_SS_URGENT,		/* u64 (read-only): segments of a rule's flow with URG set, left untouched */
	IFLA_VNIC_SS_RULES,		/* u32 (read-only): embedding rules */
	__IFLA_VNIC_SS_MAX,
};

#define IFLA_VNIC_SS_MAX (__IFLA_VNIC_SS_MAX - 1)

/*
 * Generic netlink family "vnic": the session table of each relay (a session
 * lets a client address use an ID on a relay, delivering to one vNIC; a
 * client has at most one session per vNIC, whose ID its replies carry), and
 * the embedding rules of each supervisor.
 * Every attribute is validated strictly; errors carry an extack message.
 */
#define VNIC_GENL_NAME "vnic"
#define VNIC_GENL_VERSION 1
#define VNIC_GENL_MCGRP_EVENTS "events"

enum {
	VNIC_CMD_UNSPEC,
	VNIC_CMD_SESSION_ADD,	/* do, admin: RELAY, CLIENT, ID, VNIC, CIP (CIP-mode vNICs only); event */
	VNIC_CMD_SESSION_DEL,	/* do, admin: RELAY, CLIENT, ID; event */
	VNIC_CMD_SESSION_GET,	/* dump: RELAY; one message per session */
	VNIC_CMD_EMBED_ADD,	/* do, admin: SUPERVISOR, SERVER, PORT, ID; event */
	VNIC_CMD_EMBED_DEL,	/* do, admin: SUPERVISOR, SERVER, PORT; event */
	VNIC_CMD_EMBED_GET,	/* dump: SUPERVISOR; one message per rule */
	VNIC_CMD_STATS_GET,	/* dump: one of RELAY, SUPERVISOR, VNIC; one message with it and STATS */
	__VNIC_CMD_MAX,
};

enum {
	VNIC_A_UNSPEC,
	VNIC_A_PAD,
	VNIC_A_RELAY,		/* u32: ifindex of the relay */
	VNIC_A_VNIC,		/* u32: ifindex of the vNIC sessions deliver to */
	VNIC_A_CLIENT,		/* binary: client IPv4 (4 bytes) or IPv6 (16) address */
	VNIC_A_ID,		/* u16: the ID, 1..65535 */
	VNIC_A_SERVER,		/* binary: a service's IPv4 (4 bytes) or IPv6 (16) address */
	VNIC_A_PORT,		/* u16: a service's TCP port, 1..65535 */
	VNIC_A_SUPERVISOR,	/* u32: ifindex of a supervisor (kind vnic-ss) */
	VNIC_A_STATS,		/* nested: a relay's IFLA_VNIC_RELAY_*, a supervisor's IFLA_VNIC_SS_*, or a vNIC's VNIC_STATS_* */
	VNIC_A_CIP,		/* binary, 4 bytes: the client's pseudo address on a VNIC_MODE_CIP vNIC */
	VNIC_A_REPLACE,		/* flag: EMBED_ADD replaces the service's rule in one step */
	__VNIC_A_MAX,
};

#define VNIC_A_MAX (__VNIC_A_MAX - 1)

/* Counters of a vNIC, nested in VNIC_A_STATS (all u64). */
enum {
	VNIC_STATS_UNSPEC,
	VNIC_STATS_PAD,
	VNIC_STATS_RX_PACKETS,	/* segments delivered to it by its relay (and anything else received) */
	VNIC_STATS_RX_BYTES,
	VNIC_STATS_RX_DROPPED,
	VNIC_STATS_TX_PACKETS,	/* replies of its services rewritten by a relay */
	VNIC_STATS_TX_BYTES,
	VNIC_STATS_TX_DROPPED,	/* what the stack routed into the vNIC itself */
	__VNIC_STATS_MAX,
};

#endif /* _UAPI_VNIC_H */
