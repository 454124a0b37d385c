/* SPDX-License-Identifier: GPL-2.0 */
/* What bindgen binds for vnic (see the Kbuild allowlists). */
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/inetdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/addrconf.h>
#include <net/route.h>
#include <net/rtnetlink.h>

#include "../include/uapi/vnic.h"
#include "helpers.h"
