#!/usr/bin/env bash
# make demo (runs in the VM): the papers' scenario. An SP host with a relay
# on its NIC and vNIC #1 and #2 (pseudo addresses 192.168.N.1/24, MACs
# 00:00:c0:a8:N:01), each with an Apache site, and the overlay network
# manager (vnicctl provider); a client behind a router authenticates over UDP
# (vnicctl auth: the messages of protocol version 2 as they pass), its supervisor embeds
# the granted ID, and the router's capture shows the ID in the urgent pointer
# of every segment of the same SP address and port. Then the papers' cloud:
# two SPs for vNIC #1 behind a header SP, a client served by one, that SP
# killed, the client served by the other.
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

echo
echo "== Many SPs: sp1 and sp2 both host vNIC #1 (site one) and report to header h1"
provider_cleanup
kill $(cat /tmp/apache/run/apache2.pid 2>/dev/null) 2>/dev/null || true
ip -all netns delete
MULTI_USERS=1 MULTI_SPS="sp1 sp2"
. ../multi_lib.sh
trap 'multi_cleanup' EXIT
multi_topology 1
sp sp1 1 1 "site one"
sp sp2 2 1 "site one"
header_start h1 11
sp_start sp1
sp_start sp2
wait_live h1 "sp1 sp2" 30
echo "== header h1: vnicctl header status"
ip netns exec h1 vnicctl header status --config "$W/h1/header.toml"
multi_supervisor '["10.0.2.11"]'
multi_session u0 site1
supervisor_start
# served SP: waits for an active session granted by SP (any when empty) and
# prints its service address.
served() {
	local end=$((SECONDS + 60)) st
	while [ "$SECONDS" -lt "$end" ]; do
		st=$(ip netns exec client vnicctl -j supervisor status --config "$SUP/supervisor.toml")
		if [ "$(json '.sessions[0].state' <<<"$st")" = active ] && [[ $(json '.sessions[0].granted_by' <<<"$st") == ${1:-*}* ]]; then
			json '.sessions[0].service_addr' <<<"$st"
			return 0
		fi
		pause 0.5
	done
	fail "no session granted by ${1:-any SP}: $(tail -n 3 "$SUP/log" | tr '\n' ' ')"
}
at=$(served)
echo "== client: vnicctl supervisor status (through the header, granted by an SP)"
ip netns exec client vnicctl supervisor status --config "$SUP/supervisor.toml"
echo "== client: curl http://$at/"
ip netns exec client curl -s --max-time 10 "http://$at/"
first=sp${at#10.0.2.} first=${first%%:*}
other=sp1
[ "$first" = sp1 ] && other=sp2
echo
echo "== kill -9 $first: it stops reporting and leaves h1's catalog; the client's next renewal finds it silent"
kill -9 "${pid[$first]}"
unset "pid[$first]"
wait_live h1 "$other" 10
ip netns exec h1 vnicctl header status --config "$W/h1/header.toml"
start=$SECONDS
at=$(served "10.0.2.${other#sp}:")
echo "== client: granted by $other $((SECONDS - start)) s later (vnicctl supervisor status)"
ip netns exec client vnicctl supervisor status --config "$SUP/supervisor.toml"
echo "== client: curl http://$at/"
ip netns exec client curl -s --max-time 10 "http://$at/"

