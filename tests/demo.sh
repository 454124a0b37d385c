#!/usr/bin/env bash
# make demo (runs in the VM): the papers' scenario. An SP host with a relay
# on its NIC and vNIC #1 and #2 (pseudo addresses 192.168.N.1/24, MACs
# 00:00:c0:a8:N:01), each with an Apache site, and the overlay network
# manager (vnicctl provider); a client behind a router authenticates over UDP
# (vnicctl auth: the messages of protocol version 2 as they pass), its supervisor embeds
# the granted ID, and the router's capture shows the ID in the urgent pointer
# of every segment of the same SP address and port.
set -euo pipefail
cd "$(dirname "$0")/vm/cases"
. ../lib.sh
. ../auth_lib.sh
trap - ERR
trap 'provider_cleanup; kill $(cat /tmp/apache/run/apache2.pid 2>/dev/null) 2>/dev/null || true' EXIT
load_vnic
routed_hosts
sp_vnics 1 2
sp_apache
echo "== SP: vNIC #1 and #2 (vnicctl link show)"
ip netns exec sp vnicctl link show vnic1
ip netns exec sp vnicctl link show vnic2
provider_config "alice:alice-passcode:vnic1" "bob:bob-passcode:vnic2"
provider_start
echo "== SP: the overlay network manager listens (vnicctl provider, UDP 7390)"
ip netns exec client vnicctl link add ss0 --supervisor host --up

fetch() { # fetch USER PASSCODE: authenticate, then curl the site, capturing
	echo
	echo "== client: vnicctl auth --user $1 --service http (the messages as they pass)"
	auth "$1" "$2" --verbose
	id=$(ip netns exec client vnicctl -j embed show --dev ss0 | json '.[0].id')
	capture_start router r1 "/tmp/demo-$1.pcap"
	echo "== client: curl http://10.0.2.1/"
	ip netns exec client curl -s --max-time 10 http://10.0.2.1/
	capture_stop
	echo "== router: the capture (tcpdump -w, read back): the ID $id in every segment"
	python3 ../pcap_tcp.py "/tmp/demo-$1.pcap" --server 10.0.2.1:80 --id "$id" --lines | sed -n 1,6p
}
fetch alice alice-passcode
fetch bob bob-passcode

echo
echo "== client: a wrong passcode ends in Auth-RST"
auth alice not-the-passcode --verbose || true
echo
echo "== SP: sessions the manager programmed (vnicctl session show)"
ip netns exec sp vnicctl session show --relay relay0
echo "== SP: relay counters (vnicctl stats relay0)"
ip netns exec sp vnicctl stats relay0
echo "== client: supervisor counters (vnicctl stats ss0)"
ip netns exec client vnicctl stats ss0
