# Namespace and device events cannot corrupt the kernel or let grants
# outlive their vNIC:
# - relays, vNICs and supervisors stay in the namespace they were made in;
# - a relay cannot be made in another namespace than its pNIC, nor on a
#   vnic device;
# - a relay whose pNIC leaves for another namespace goes with it;
# - a relay and its pNIC unregistered in one batch (ip link del group, and
#   two namespaces deleted at once) leave the kernel sound;
# - a vNIC made again with a deleted vNIC's ifindex inherits no session;
# - sessions, rules, counters and events are for CAP_NET_ADMIN only.
# On the debug kernel, KASAN and lockdep watch all of it.
. ../lib.sh
load_vnic
run_err() {
	local what=$1 re=$2; shift 2
	local out
	out=$("$@" 2>&1) && fail "$what: succeeded"
	expect_match "$out" "$re" "$what"
}
relays() { ip -n "$1" -j -d link show | json '[.[] | select(.linkinfo.info_kind? == "vnic-relay") | .ifname] | join(" ")'; }

# Pinned to their namespace.
ip netns add a
ip netns add b
ip link add eth0 netns a type veth peer name peer0 netns b
ip netns exec a vnicctl link add relay0 --pnic eth0 --up
ip netns exec a vnicctl link add vnic1 --number 1 --id 1 --up
ip netns exec a vnicctl link add ss0 --supervisor host --up
for dev in relay0 vnic1 ss0; do
	run_err "moving $dev" "." ip -n a link set "$dev" netns b
	ip -n a link show "$dev" >/dev/null || fail "$dev left namespace a"
done

# A relay in another namespace than its pNIC.
run_err "relay in another namespace" "namespace" ip -n a link add relay1 link eth0 netns b type vnic-relay
expect_eq "$(relays b)" "" "relays in b"
# Nor on a vnic device (a relay on a vNIC would refuse what is delivered there).
run_err "relay on a vNIC" "not a vnic device" ip -n a link add relay9 link vnic1 type vnic-relay

# The pNIC leaves: its relay goes (it cannot follow).
ip -n a link set eth0 netns b
expect_eq "$(relays a)" "" "relays in a after its pNIC left"
ip -n b link show eth0 >/dev/null

# One batch: the pNIC listed before its relay (ip link del group deletes in
# list order, the pNIC first).
ip -n b link set peer0 netns a
ip -n b link add relay2 link eth0 type vnic-relay
ip -n b link set eth0 group 7
ip -n b link set relay2 group 7
ip -n b link del group 7
expect_eq "$(relays b)" "" "relays in b after the group went"

# Two namespaces at once, each with its own relay on a pNIC whose peer is
# in the other; then every order of single deletions.
for round in 1 2 3; do
	ip netns add c
	ip netns add d
	ip link add eth0 netns c type veth peer name eth0 netns d
	for ns in c d; do
		ip netns exec "$ns" vnicctl link add relay0 --pnic eth0 --up
		ip netns exec "$ns" vnicctl link add vnic1 --number 1 --id 1 --up
		ip netns exec "$ns" vnicctl link add ss0 --supervisor host --up
		ip netns exec "$ns" vnicctl session add --relay relay0 --vnic vnic1 --client 10.9.0.$round --id 1
	done
	case $round in
	1) ip netns del c; ip netns del d ;;
	2) ip -n c link del relay0; ip netns del d; ip netns del c ;;
	3) ip -n c link del eth0; ip netns del c; ip netns del d ;;
	esac
done
pause 1

# A device made again with a deleted vNIC's ifindex has no session.
ip link add eth1 netns a type veth peer name eth1p netns a
ip netns exec a vnicctl link add relay3 --pnic eth1 --up
ip netns exec a vnicctl link add vnicA --number 5 --id 5 --up
index=$(ip -n a -j link show vnicA | json '.[0].ifindex')
ip netns exec a vnicctl session add --relay relay3 --vnic vnicA --client 10.0.0.9 --id 7
expect_match "$(ip netns exec a vnicctl session show --relay relay3)" "10.0.0.9" "the session before"
ip -n a link del vnicA
ip -n a link add vnicB index "$index" type vnic
sessions=$(ip netns exec a vnicctl -j session show --relay relay3 | json 'length')
expect_eq "$sessions" 0 "sessions after vnicA went and vnicB took its ifindex"
expect_eq "$(ip netns exec a vnicctl -j stats relay3 | json '.[0].relay.sessions')" 0 "the relay's session count"

# Reading needs CAP_NET_ADMIN, as writing does.
ip -n a link del vnicB
ip netns exec a vnicctl link add vnic1 --number 1 --id 1 --up 2>/dev/null || true
ip netns exec a vnicctl session add --relay relay3 --vnic vnic1 --client 10.0.0.9 --id 7
nobody() { ip netns exec a setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
run_err "unprivileged session dump" "." nobody vnicctl session show --relay relay3
run_err "unprivileged rule dump" "." nobody vnicctl embed show --dev ss0
run_err "unprivileged stats" "." nobody vnicctl stats relay3
run_err "unprivileged events" "." nobody python3 ../genl_sessions.py listen 1
shown=$(ip netns exec a vnicctl session show --relay relay3)
grep -q 10.0.0.9 <<<"$shown" || fail "root lost its view"
