#!/usr/bin/env bash
# make demo (runs in the VM): the papers' scenario. An SP host with a relay
# on its NIC and vNIC #1 and #2 (pseudo addresses 192.168.N.1/24, MACs
# 00:00:c0:a8:N:01), each with an Apache site; a client behind a router whose
# supervisor embeds ID 1, then ID 2, for the same SP address and port; the
# router's capture shows the ID in the urgent pointer of every segment.
set -euo pipefail
cd "$(dirname "$0")/vm/cases"
. ../lib.sh
trap - ERR
load_vnic
routed_hosts
sp_vnics 1 2
sp_apache
echo "== SP: vNIC #1 and #2 (vnicctl link show)"
ip netns exec sp vnicctl link show vnic1
ip netns exec sp vnicctl link show vnic2
for id in 1 2; do
	ip netns exec sp vnicctl session add --relay relay0 --vnic "vnic$id" --client 10.0.1.2 --id "$id"
done
echo "== SP: sessions (vnicctl session show)"
ip netns exec sp vnicctl session show --relay relay0
for id in 1 2; do
	client_embed "$id"
	capture_start router r1 "/tmp/demo$id.pcap"
	echo
	echo "== client: curl http://10.0.2.1/ with ID $id embedded by its supervisor"
	ip netns exec client curl -s --max-time 10 http://10.0.2.1/
	capture_stop
	echo "== router: the capture (tcpdump -w, read back)"
	python3 ../pcap_tcp.py "/tmp/demo$id.pcap" --server 10.0.2.1:80 --id "$id" --lines | sed -n 1,6p
done
echo
echo "== SP: relay counters (vnicctl stats relay0)"
ip netns exec sp vnicctl stats relay0
echo "== client: supervisor counters (vnicctl stats ss0)"
ip netns exec client vnicctl stats ss0
