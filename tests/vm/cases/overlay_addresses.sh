# The relay keeps the IPv4 addresses it rewrites to (vNIC #1's pseudo
# address, the pNIC's address) in its own state, updated by the kernel's
# address events instead of looked up per packet: moving either address
# re-targets the overlay at once, in both directions; another device's
# holding the same address changes nothing; and a vNIC left with no address
# takes nothing.
. ../lib.sh
load_vnic
routed_hosts
sp_vnics 1
mkdir -p /tmp/old /tmp/new
echo "at 192.168.1.1" >/tmp/old/index.html
echo "at 192.168.1.7" >/tmp/new/index.html
chmod -R a+rX /tmp/old /tmp/new
# serve ADDR DIR: DIR over HTTP on ADDR:80 in the SP (a TCPServer: unlike
# `python3 -m http.server -b`, it listens without a reverse DNS lookup of
# ADDR first, which here would time out).
serve() {
	ip netns exec sp python3 -c 'import functools, http.server as h, socketserver as s, sys
s.TCPServer((sys.argv[1], 80), functools.partial(h.SimpleHTTPRequestHandler, directory=sys.argv[2])).serve_forever()' "$@" >/dev/null 2>&1 &
}
serve 192.168.1.1 /tmp/old
s1=$!
trap 'kill $s1 ${s2:-} 2>/dev/null' EXIT
ip netns exec sp vnicctl session add --relay relay0 --vnic vnic1 --client 10.0.1.2 --id 1
client_embed 1
wait_listen sp 80 192.168.1.1
get() { ip netns exec client curl -sf --max-time 5 "$@"; }
expect_eq "$(get http://10.0.2.1/)" "at 192.168.1.1" "before any change"

# Another device of the SP holds the pNIC's address too for a while, and the
# pNIC's addresses change meanwhile: once the duplicate is gone the overlay
# works as before (the relay keeps the pNIC's own address, whatever other
# devices hold).
ip -n sp -batch - <<-EOF
	link add d0 type veth peer name d1
	addr add 10.0.2.1/32 dev d0
	addr add 10.0.2.77/24 dev eth0
	addr del 10.0.2.77/24 dev eth0
	link del d0
	EOF
expect_eq "$(get http://10.0.2.1/)" "at 192.168.1.1" "after another device held the pNIC's address"

# The pseudo address moves: 192.168.1.1 goes, 192.168.1.7 comes.
ip -n sp -batch - <<-EOF
	addr del 192.168.1.1/24 dev vnic1
	addr add 192.168.1.7/24 dev vnic1
	EOF
serve 192.168.1.7 /tmp/new
s2=$!
wait_listen sp 80 192.168.1.7
expect_eq "$(get http://10.0.2.1/)" "at 192.168.1.7" "after the pseudo address moved"

# The pNIC's address changes: 10.0.2.5 is added, 10.0.2.1 goes and the new
# one is promoted to primary. Segments to 10.0.2.5 are delivered, and the
# replies leave from it (curl takes no others).
ip netns exec sp sysctl -qw net.ipv4.conf.eth0.promote_secondaries=1
ip -n sp -batch - <<-EOF
	addr add 10.0.2.5/24 dev eth0
	addr del 10.0.2.1/24 dev eth0
	route replace default via 10.0.2.254
	EOF
addrs=$(ip -n sp -4 -o addr show dev eth0)
[[ $addrs == *" inet 10.0.2.5/24 "* && $addrs != *secondary* && $addrs != *10.0.2.1/* ]] ||
	fail "10.0.2.5 is not eth0's only address: $addrs"
ip netns exec client vnicctl embed add --dev ss0 --server 10.0.2.5 --port 80 --id 1
delivered=$(relay_counter delivered)
expect_eq "$(get http://10.0.2.5/)" "at 192.168.1.7" "after the pNIC's address changed"
[ "$(relay_counter delivered)" -gt "$delivered" ] || fail "the segments to 10.0.2.5 were not delivered by the relay"

# A vNIC with no address left takes nothing: counted as undeliverable.
ip -n sp addr flush dev vnic1
undeliverable=$(relay_counter drop_undeliverable)
get --connect-timeout 3 http://10.0.2.5/ >/dev/null && fail "a vNIC without an address answered"
[ "$(relay_counter drop_undeliverable)" -gt "$undeliverable" ] || fail "segments to a vNIC without an address not counted as undeliverable"
