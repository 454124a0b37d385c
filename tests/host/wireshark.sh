#!/usr/bin/env bash
# dist/wireshark/vnic.lua in tshark: the seven messages of the test vectors
# (userctl/vnic-auth/tests/vectors.json), framed by scapy as UDP to port
# 7390 and once to another port (the heuristic), dissected field by field
# against the vectors' inputs; TCP segments with an ID in the urgent pointer
# (URG clear) get "vnic ID n", one with URG set and one with no pointer do
# not. The VM case auth_e2e runs the dissector over a real handshake.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib.sh"
command -v tshark >/dev/null || die "tshark is missing: run 'make deps'"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
vectors="$top/userctl/vnic-auth/tests/vectors.json"
# The frames, and the expected fields (from the vectors' inputs, not from
# the dissector's idea of them).
/usr/bin/python3 - "$vectors" "$work/v.pcap" >"$work/expected" <<'PY'
import json, sys
from scapy.all import Ether, IP, UDP, TCP, Raw, wrpcap
d = json.load(open(sys.argv[1]))
m, i = d["messages"], d["inputs"]
c, s = i["client"].split(":")[0], i["server"].split(":")[0]
eth = lambda: Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
up = lambda h, port=7390: eth() / IP(src=c, dst=s) / UDP(sport=40000, dport=port) / Raw(bytes.fromhex(h))
down = lambda h: eth() / IP(src=s, dst=c) / UDP(sport=7390, dport=40000) / Raw(bytes.fromhex(h))
tcp = lambda flags, urp: eth() / IP(src=c, dst=s) / TCP(sport=50000, dport=80, flags=flags, urgptr=urp) / Raw(b"GET / HTTP/1.0\r\n\r\n")
wrpcap(sys.argv[2], [up(m["auth_req"]), down(m["auth_retry"]), up(m["auth_req_cookie"]), down(m["auth_rep_req"]),
                     up(m["auth_rep"]), down(m["auth_grant"]), down(m["auth_rst"]), up(m["auth_req"], 9999),
                     tcp("PA", d["derived"]["id"]), tcp("PAU", 3), tcp("PA", 0)])
req = bytes.fromhex(m["auth_req"])
tx = "0x" + req[8:12].hex()
nc = req[136:168].hex()
ns = bytes.fromhex(m["auth_rep_req"])[168:200].hex()
cookie = bytes.fromhex(m["auth_retry"])[208:224].hex()
none = ["", "", "", "0"]  # user, service, address, port
zero_kdf = "0|0|0"
rows = [
    ["Auth-REQ", "0x01", tx, "1", i["user"], i["service"], "", "0", zero_kdf, "00" * 16, "", nc, "0" * 64],
    ["Auth-RETRY", "0x04", tx, "0"] + none + [zero_kdf, cookie, "", nc, "0" * 64],
    ["Auth-REQ", "0x01", tx, "1", i["user"], i["service"], "", "0", zero_kdf, cookie, "", nc, "0" * 64],
    ["Auth-REP & REQ", "0x03", tx, "2", i["user"], i["service"], i["service_addr"], str(i["service_port"]), "1|1|64", "00" * 16, "", nc, ns],
    ["Auth-REP", "0x02", tx, "0"] + none + [zero_kdf, "00" * 16, "", nc, ns],
    ["Auth-GRANT", "0x12", tx, "0"] + none + [zero_kdf, "00" * 16, "", nc, ns],
    ["Auth-RST", "0x0c", tx, "0"] + none + [zero_kdf, "00" * 16, str(i["rst_error"]), nc, ns],
]
rows.append(rows[0])
for r in rows:
    print("|".join(r) + "|")
print("|" * 15 + str(d["derived"]["id"]))
print("|" * 15)
print("|" * 15)
PY
fields=(vnic_auth.message vnic_auth.control_flags vnic_auth.txid vnic_auth.sender_kind vnic_auth.user
	vnic_auth.service vnic_auth.address vnic_auth.port vnic_auth.argon2_p vnic_auth.argon2_t
	vnic_auth.argon2_m vnic_auth.cookie vnic_auth.error_code vnic_auth.nonce_c vnic_auth.nonce_s vnic.id)
args=()
for f in "${fields[@]}"; do args+=(-e "$f"); done
tshark -r "$work/v.pcap" -X lua_script:"$top/dist/wireshark/vnic.lua" -T fields -E separator='|' "${args[@]}" \
	2>"$work/err" | sed 's/:\([0-9a-f][0-9a-f]\)/\1/g' >"$work/got" || { cat "$work/err"; die "tshark failed"; }
# tshark prints the error code's number, a port of 0 as 0, an empty error
# code of an Auth-REQ as 0: normalise the rows the same way.
sed -i 's/|0|\([^|]*|[^|]*|\)$/||\1/' "$work/got"
if ! diff "$work/expected" "$work/got" >"$work/diff"; then
	echo "fields: ${fields[*]}"
	cat "$work/diff"
	die "the dissector's fields differ from the vectors' inputs"
fi
grep -v 'Running as user' "$work/err" | grep . && die "tshark complained"
# Info column: the message name, the ID tag.
info=$(tshark -r "$work/v.pcap" -X lua_script:"$top/dist/wireshark/vnic.lua" 2>/dev/null)
grep -q 'vnic_auth .* Auth-RST txid 0x[0-9a-f]* error AUTH_FAILED' <<<"$info" || die "no Auth-RST line: $info"
[ "$(grep -c '\[vnic ID ' <<<"$info")" = 1 ] || die "not exactly one segment tagged: $info"
echo "the dissector names every field of the vectors' seven messages and the ID of a tagged segment"
