// SPDX-License-Identifier: GPL-2.0
/* See helpers.h: one line per static inline function or macro, nothing else. */

#include "helpers.h"

void *vnic_netdev_priv(const struct net_device *dev) { return netdev_priv(dev); }
void vnic_dstats_tx_add(struct net_device *dev, unsigned int len) { dev_dstats_tx_add(dev, len); }
void vnic_eth_hw_addr_random(struct net_device *dev) { eth_hw_addr_random(dev); }
bool vnic_is_valid_ether_addr(const u8 *addr) { return is_valid_ether_addr(addr); }
void vnic_kfree_skb(struct sk_buff *skb) { kfree_skb(skb); }
void vnic_consume_skb(struct sk_buff *skb) { consume_skb(skb); }
int vnic_nla_len(const struct nlattr *nla) { return nla_len(nla); }
void *vnic_nla_data(const struct nlattr *nla) { return nla_data(nla); }
int vnic_nla_put_u16(struct sk_buff *skb, int attrtype, u16 value) { return nla_put_u16(skb, attrtype, value); }
