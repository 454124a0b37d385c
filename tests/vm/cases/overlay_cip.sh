# The papers' RIP/CIP mode: a vNIC whose services see each client as its own
# pseudo address in the vNIC's subnet. The service's answer routes into the
# vNIC, which sends it on as the client's flow; the SP runs strict
# reverse-path filtering (RHEL's default) and nothing of 192.168.1.0/24 shows
# on the wire.
. ../lib.sh
load_vnic
routed_hosts
ip netns exec sp vnicctl link add relay0 --pnic eth0 --up
ip netns exec sp vnicctl link add vnic1 --number 1 --id 1 --cip-mode --up
expect_match "$(ip netns exec sp vnicctl link show vnic1)" "vnic id 1 mode cip" "mode shown"
# A web server that answers with the address it sees for its client.
cat >/tmp/whoami.py <<'PY'
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (self.client_address[0] + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("192.168.1.1", 80), H).serve_forever()
PY
ip netns exec sp python3 /tmp/whoami.py &
server=$!
trap 'kill $server 2>/dev/null' EXIT
wait_listen sp 80
sp() { ip netns exec sp "$@"; }

# Sessions on a CIP-mode vNIC need a client pseudo address, and only there.
out=$(sp vnicctl session add --relay relay0 --vnic vnic1 --client 10.0.1.2 --id 1 2>&1) && fail "CIP session without --cip"
expect_match "$out" "needs VNIC_A_CIP" "extack without a CIP"
out=$(sp vnicctl session add --relay relay0 --vnic vnic1 --client 10.0.1.2 --id 1 --cip 192.168.1.1 2>&1) && fail "CIP = the vNIC's address"
expect_match "$out" "must differ from the vNIC's own" "extack for the vNIC's own address"
sp vnicctl session add --relay relay0 --vnic vnic1 --client 10.0.1.2 --id 1 --cip 192.168.1.2
out=$(sp vnicctl session add --relay relay0 --vnic vnic1 --client 10.0.1.3 --id 2 --cip 192.168.1.2 2>&1) && fail "CIP taken twice"
expect_match "$out" "CIP is taken" "extack for a taken CIP"
expect_match "$(sp vnicctl session show --relay relay0)" "10.0.1.2 id 1 -> vnic1 as 192.168.1.2" "CIP in the listing"
sp vnicctl link add vnic2 --number 2 --id 2 --up
out=$(sp vnicctl session add --relay relay0 --vnic vnic2 --client 10.0.1.2 --id 2 --cip 192.168.2.2 2>&1) && fail "--cip on a plain vNIC"
expect_match "$out" "only for vNICs in CIP mode" "extack for --cip on a plain vNIC"

ip netns exec client vnicctl link add ss0 --supervisor host --up
ip netns exec client vnicctl embed add --dev ss0 --server 10.0.2.1 --port 80 --id 1
capture_start router r1 /tmp/cip.pcap
expect_eq "$(ip netns exec client curl -sf --max-time 5 http://10.0.2.1/)" "192.168.1.2" "the service sees the client as its CIP"
capture_stop
python3 ../pcap_tcp.py /tmp/cip.pcap --server 10.0.2.1:80 --id 1 >/dev/null || fail "capture: the ID on every segment"
expect_no_match "$(tcpdump -nn -r /tmp/cip.pcap 2>/dev/null)" "192\.168\." "no pseudo address on the wire"
[ "$(sp cat /sys/class/net/vnic1/statistics/tx_packets)" -gt 0 ] || fail "replies did not go through vNIC #1"
[ "$(relay_counter replies)" -gt 0 ] || fail "no reply counted"
expect_eq "$(relay_counter drop_undeliverable)" 0 "undeliverable with strict rp_filter"

# A vNIC serves one relay, but a relay made again (new ifindex) takes over.
sp vnicctl link del relay0
sp vnicctl link add relay0 --pnic eth0 --up
sp vnicctl session add --relay relay0 --vnic vnic1 --client 10.0.1.2 --id 1 --cip 192.168.1.2
expect_eq "$(ip netns exec client curl -sf --max-time 5 http://10.0.2.1/)" "192.168.1.2" "the new relay serves vNIC #1"

# Conntrack: the answer the vNIC sends on is a packet of the client's own
# flow, not of the pseudo flow the service answered in (nf_reset_ct before
# the re-injection). Rules at the SP's postrouting count the answers by the
# conntrack entry they carry; their ct expression turns conntrack on in the
# namespace.
sp nft -f - <<'NFT'
table ip ctw {
	chain post {
		type filter hook postrouting priority 0; policy accept;
		ip daddr 10.0.1.2 tcp sport 80 ct original ip daddr 192.168.1.1 counter comment "pseudo"
		ip daddr 10.0.1.2 tcp sport 80 ct original ip daddr 10.0.1.2 counter comment "own"
	}
}
NFT
for i in 1 2 3; do
	expect_eq "$(ip netns exec client curl -sf --max-time 5 http://10.0.2.1/)" "192.168.1.2" "request $i with conntrack on"
done
# ct_packets NAME: packets counted by the rule commented NAME.
ct_packets() { sp nft list chain ip ctw post | sed -n "s/.*counter packets \([0-9]*\) .*comment \"$1\".*/\1/p"; }
expect_eq "$(ct_packets pseudo)" 0 "answers leaving with the pseudo flow's conntrack entry"
[ "$(ct_packets own)" -gt 0 ] || fail "no answer left with a conntrack entry of the client's flow"

# ethtool -S: every answer the CIP vNIC sent on, none dropped for a reason.
sent=$(ethtool_stat sp vnic1 tx_cip_sent)
expect_eq "$sent" "$(sp cat /sys/class/net/vnic1/statistics/tx_packets)" "ethtool -S vnic1 tx_cip_sent = tx_packets"
[ "$sent" -gt 0 ] || fail "ethtool -S vnic1: nothing sent on"
expect_eq "$(ethtool_stat sp vnic1 tx_drop_real_mode)" 0 "ethtool -S vnic1: real-mode drops in CIP mode"
