/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One-line C wrappers for the static inline functions and macros vnic's Rust
 * code needs: bindgen cannot bind those, so each gets an exported-by-symbol
 * twin here. Nothing else lives in C.
 */
#ifndef VNIC_HELPERS_H
#define VNIC_HELPERS_H

#include <linux/etherdevice.h>
#include <linux/percpu.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/rtnetlink.h>
#include <linux/inetdevice.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/genetlink.h>
#include <net/netlink.h>

void *vnic_netdev_priv(const struct net_device *dev);
void vnic_dstats_tx_add(struct net_device *dev, unsigned int len);
void vnic_dstats_tx_dropped(struct net_device *dev);
void vnic_dstats_rx_dropped(struct net_device *dev);
void vnic_eth_hw_addr_random(struct net_device *dev);
bool vnic_is_valid_ether_addr(const u8 *addr);
void vnic_kfree_skb(struct sk_buff *skb);
int vnic_nla_len(const struct nlattr *nla);
void *vnic_nla_data(const struct nlattr *nla);
int vnic_nla_put_u16(struct sk_buff *skb, int attrtype, u16 value);
int vnic_nla_put_u64(struct sk_buff *skb, int attrtype, u64 value, int padattr);
void vnic_dev_hold(struct net_device *dev);
void vnic_dev_put(struct net_device *dev);
struct net *vnic_dev_net(const struct net_device *dev);
bool vnic_dev_registered(const struct net_device *dev);
void *vnic_rx_handler_data(const struct net_device *dev);
void *vnic_rx_handler(const struct net_device *dev);
struct net_device *vnic_notifier_info_to_dev(void *info);
struct sk_buff *vnic_skb_share_check(struct sk_buff *skb);
bool vnic_pskb_may_pull(struct sk_buff *skb, unsigned int len);
u16 vnic_skb_protocol(const struct sk_buff *skb);
struct net_device *vnic_skb_dev(const struct sk_buff *skb);
bool vnic_netif_running(const struct net_device *dev);
void *vnic_rx_handler_data_rtnl(const struct net_device *dev);
struct sk_buff *vnic_genlmsg_new_default(void);
void vnic_genlmsg_end(struct sk_buff *skb, void *hdr);
void vnic_genlmsg_cancel(struct sk_buff *skb, void *hdr);
bool vnic_genl_has_listeners(const struct genl_family *family, struct net *net, unsigned int group);
int vnic_genlmsg_multicast(const struct genl_family *family, struct net *net, struct sk_buff *skb, unsigned int group);
struct net *vnic_genl_info_net(const struct genl_info *info);
const struct genl_info *vnic_genl_dumpit_info(struct netlink_callback *cb);
u32 vnic_cb_portid(const struct netlink_callback *cb);
u32 vnic_cb_seq(const struct netlink_callback *cb);
void vnic_dstats_rx_add(struct net_device *dev, unsigned int len);
void vnic_skb_set_dev(struct sk_buff *skb, struct net_device *dev);
void vnic_csum_replace4(__sum16 *sum, __be32 from, __be32 to);
void vnic_l4_csum_replace2(__sum16 *sum, struct sk_buff *skb, __be16 from, __be16 to);
void vnic_local_bh_disable(void);
void vnic_local_bh_enable(void);
struct nlattr *vnic_nla_nest_start(struct sk_buff *skb, int attrtype);
void vnic_nla_nest_end(struct sk_buff *skb, struct nlattr *start);
void vnic_nla_nest_cancel(struct sk_buff *skb, struct nlattr *start);
bool vnic_is_err(const void *ptr);
void vnic_skb_dst_drop(struct sk_buff *skb);
void vnic_skb_dst_set_rt(struct sk_buff *skb, struct rtable *rt);
void vnic_ipcb_clear(struct sk_buff *skb);
bool vnic_skb_for_other_host(const struct sk_buff *skb);
void vnic_nf_reset_ct(struct sk_buff *skb);
void vnic_csum_replace2(__sum16 *sum, __be16 from, __be16 to);
void vnic_l4_pseudo_csum_replace2(__sum16 *sum, struct sk_buff *skb, __be16 from, __be16 to);
struct net_device *vnic_first_net_device(struct net *net);
struct net_device *vnic_next_net_device(struct net_device *dev);
u64 __percpu *vnic_alloc_percpu_u64s(unsigned int n);
void vnic_free_percpu(u64 __percpu *p);
void vnic_this_cpu_add_u64(u64 __percpu *p, unsigned int i, u64 v);
int vnic_next_possible_cpu(int cpu);
u64 vnic_per_cpu_u64(u64 __percpu *p, int cpu, unsigned int i);
struct net_device *vnic_ifa_dev(const struct in_ifaddr *ifa);

#endif /* VNIC_HELPERS_H */
