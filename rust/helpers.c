// SPDX-License-Identifier: GPL-2.0
/* See helpers.h: one line per static inline function or macro, nothing else. */

#include "helpers.h"

void *vnic_netdev_priv(const struct net_device *dev) { return netdev_priv(dev); }
void vnic_dstats_tx_add(struct net_device *dev, unsigned int len) { dev_dstats_tx_add(dev, len); }
void vnic_dstats_tx_dropped(struct net_device *dev) { dev_dstats_tx_dropped(dev); }
void vnic_dstats_rx_dropped(struct net_device *dev) { dev_dstats_rx_dropped(dev); }
void vnic_eth_hw_addr_random(struct net_device *dev) { eth_hw_addr_random(dev); }
bool vnic_is_valid_ether_addr(const u8 *addr) { return is_valid_ether_addr(addr); }
void vnic_kfree_skb(struct sk_buff *skb) { kfree_skb(skb); }
int vnic_nla_len(const struct nlattr *nla) { return nla_len(nla); }
void *vnic_nla_data(const struct nlattr *nla) { return nla_data(nla); }
int vnic_nla_put_u16(struct sk_buff *skb, int attrtype, u16 value) { return nla_put_u16(skb, attrtype, value); }
int vnic_nla_put_u64(struct sk_buff *skb, int attrtype, u64 value, int padattr) { return nla_put_u64_64bit(skb, attrtype, value, padattr); }
void vnic_dev_hold(struct net_device *dev) { dev_hold(dev); }
void vnic_dev_put(struct net_device *dev) { dev_put(dev); }
struct net *vnic_dev_net(const struct net_device *dev) { return dev_net(dev); }
bool vnic_dev_registered(const struct net_device *dev) { return READ_ONCE(dev->reg_state) == NETREG_REGISTERED; }
void *vnic_rx_handler_data(const struct net_device *dev) { return rcu_dereference(dev->rx_handler_data); }
void *vnic_rx_handler(const struct net_device *dev) { return rtnl_dereference(dev->rx_handler); }
struct net_device *vnic_notifier_info_to_dev(void *info) { return netdev_notifier_info_to_dev(info); }
struct sk_buff *vnic_skb_share_check(struct sk_buff *skb) { return skb_share_check(skb, GFP_ATOMIC); }
bool vnic_pskb_may_pull(struct sk_buff *skb, unsigned int len) { return pskb_may_pull(skb, len); }
u16 vnic_skb_protocol(const struct sk_buff *skb) { return be16_to_cpu(skb->protocol); }
struct net_device *vnic_skb_dev(const struct sk_buff *skb) { return skb->dev; }
bool vnic_netif_running(const struct net_device *dev) { return netif_running(dev); }
void *vnic_rx_handler_data_rtnl(const struct net_device *dev) { return rtnl_dereference(dev->rx_handler_data); }
struct sk_buff *vnic_genlmsg_new_default(void) { return genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL); }
void vnic_genlmsg_end(struct sk_buff *skb, void *hdr) { genlmsg_end(skb, hdr); }
void vnic_genlmsg_cancel(struct sk_buff *skb, void *hdr) { genlmsg_cancel(skb, hdr); }
bool vnic_genl_has_listeners(const struct genl_family *family, struct net *net, unsigned int group) { return genl_has_listeners(family, net, group); }
int vnic_genlmsg_multicast(const struct genl_family *family, struct net *net, struct sk_buff *skb, unsigned int group) { return genlmsg_multicast_netns(family, net, skb, 0, group, GFP_KERNEL); }
struct net *vnic_genl_info_net(const struct genl_info *info) { return genl_info_net(info); }
const struct genl_info *vnic_genl_dumpit_info(struct netlink_callback *cb) { return &genl_dumpit_info(cb)->info; }
u32 vnic_cb_portid(const struct netlink_callback *cb) { return NETLINK_CB(cb->skb).portid; }
u32 vnic_cb_seq(const struct netlink_callback *cb) { return cb->nlh->nlmsg_seq; }
void vnic_dstats_rx_add(struct net_device *dev, unsigned int len) { dev_dstats_rx_add(dev, len); }
void vnic_skb_set_dev(struct sk_buff *skb, struct net_device *dev) { skb->dev = dev; }
void vnic_csum_replace4(__sum16 *sum, __be32 from, __be32 to) { csum_replace4(sum, from, to); }
void vnic_l4_csum_replace2(__sum16 *sum, struct sk_buff *skb, __be16 from, __be16 to) { inet_proto_csum_replace2(sum, skb, from, to, false); }
void vnic_local_bh_disable(void) { local_bh_disable(); }
void vnic_local_bh_enable(void) { local_bh_enable(); }
struct nlattr *vnic_nla_nest_start(struct sk_buff *skb, int attrtype) { return nla_nest_start(skb, attrtype); }
void vnic_nla_nest_end(struct sk_buff *skb, struct nlattr *start) { nla_nest_end(skb, start); }
void vnic_nla_nest_cancel(struct sk_buff *skb, struct nlattr *start) { nla_nest_cancel(skb, start); }
bool vnic_is_err(const void *ptr) { return IS_ERR(ptr); }
void vnic_skb_dst_drop(struct sk_buff *skb) { skb_dst_drop(skb); }
void vnic_skb_dst_set_rt(struct sk_buff *skb, struct rtable *rt) { skb_dst_set(skb, &rt->dst); }
void vnic_ipcb_clear(struct sk_buff *skb) { memset(IPCB(skb), 0, sizeof(*IPCB(skb))); }
bool vnic_skb_for_other_host(const struct sk_buff *skb) { return skb->pkt_type == PACKET_OTHERHOST; }
void vnic_nf_reset_ct(struct sk_buff *skb) { nf_reset_ct(skb); }
void vnic_csum_replace2(__sum16 *sum, __be16 from, __be16 to) { csum_replace2(sum, from, to); }
void vnic_l4_pseudo_csum_replace2(__sum16 *sum, struct sk_buff *skb, __be16 from, __be16 to) { inet_proto_csum_replace2(sum, skb, from, to, true); }
struct net_device *vnic_first_net_device(struct net *net) { return first_net_device(net); }
struct net_device *vnic_next_net_device(struct net_device *dev) { return next_net_device(dev); }
u64 __percpu *vnic_alloc_percpu_u64s(unsigned int n) { return __alloc_percpu_gfp(n * sizeof(u64), sizeof(u64), GFP_KERNEL); }
void vnic_free_percpu(u64 __percpu *p) { free_percpu(p); }
void vnic_this_cpu_add_u64(u64 __percpu *p, unsigned int i, u64 v) { this_cpu_add(p[i], v); }
int vnic_next_possible_cpu(int cpu) { unsigned int n = cpumask_next(cpu, cpu_possible_mask); return n < nr_cpu_ids ? (int)n : -1; }
u64 vnic_per_cpu_u64(u64 __percpu *p, int cpu, unsigned int i) { return READ_ONCE(per_cpu_ptr(p, cpu)[i]); }
struct net_device *vnic_ifa_dev(const struct in_ifaddr *ifa) { return ifa->ifa_dev->dev; }
