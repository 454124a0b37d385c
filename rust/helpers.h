/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One-line C wrappers for the static inline functions and macros vnic's Rust
 * code needs: bindgen cannot bind those, so each gets an exported-by-symbol
 * twin here. Nothing else lives in C.
 */
#ifndef VNIC_HELPERS_H
#define VNIC_HELPERS_H

#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/netlink.h>

void *vnic_netdev_priv(const struct net_device *dev);
void vnic_dstats_tx_add(struct net_device *dev, unsigned int len);
void vnic_eth_hw_addr_random(struct net_device *dev);
bool vnic_is_valid_ether_addr(const u8 *addr);
void vnic_kfree_skb(struct sk_buff *skb);
void vnic_consume_skb(struct sk_buff *skb);
int vnic_nla_len(const struct nlattr *nla);
void *vnic_nla_data(const struct nlattr *nla);
int vnic_nla_put_u16(struct sk_buff *skb, int attrtype, u16 value);

#endif /* VNIC_HELPERS_H */
