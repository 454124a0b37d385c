# What the overlay refuses, and what it leaves alone: an unknown ID, a
# granted ID from another client, a session's ID with URG set, a pseudo
# address reached directly (IPv4 or ARP), a vNIC that is down: each dropped
# and counted under its reason. Ping and plain TCP to the SP host work
# throughout, and deleting a session cuts its flow.
. ../lib.sh
load_vnic
routed_hosts
sp_vnics 1 2
sp_apache
head -c 4M /dev/zero >/tmp/apache/site1/slow.bin
chmod a+r /tmp/apache/site1/slow.bin
ip netns exec sp vnicctl session add --relay relay0 --vnic vnic1 --client 10.0.1.2 --id 1
get() { ip netns exec client curl -sf --max-time 5 "$@"; }
plain_ok() {
	ip netns exec client ping -c 1 -W 2 10.0.2.1 >/dev/null || fail "ping to the SP ($1)"
	expect_eq "$(get http://10.0.2.1:8080/)" "site one (vNIC #1)" "plain TCP to the SP ($1)"
}
plain_ok "before any rule"

# An ID nobody holds.
client_embed 7
get --connect-timeout 3 http://10.0.2.1/ >/dev/null && fail "unknown ID 7 got through"
[ "$(relay_counter drop_unknown_id)" -gt 0 ] || fail "unknown ID not counted"
plain_ok "unknown ID"

# A granted ID used from another address of the client (a spoofer's view):
# curl from 10.0.1.3 with ID 1, which belongs to 10.0.1.2 only.
ip -n client addr add 10.0.1.3/24 dev veth0
client_embed 1
get --connect-timeout 3 --interface 10.0.1.3 http://10.0.2.1/ >/dev/null && fail "ID 1 from 10.0.1.3 got through"
[ "$(relay_counter drop_not_granted)" -gt 0 ] || fail "not-granted ID not counted"
expect_eq "$(get http://10.0.2.1/)" "site one (vNIC #1)" "the rightful client still gets site one"

# The session's ID on a segment with URG set.
before=$(relay_counter drop_urg_set)
ip netns exec client python3 ../tcp_raw.py 10.0.1.2 10.0.2.1 80 --urg-ptr 1 --flags SU --count 2
pause 0.3
expect_eq "$(relay_counter drop_urg_set)" "$((before + 2))" "URG-set segments with the ID"

# Pseudo addresses are not reachable from the wire: not routed to, not
# resolved by ARP.
ip -n router route add 192.168.1.0/24 via 10.0.2.1
ip netns exec router curl -sf --max-time 3 http://192.168.1.1/ >/dev/null && fail "pseudo address reached by routing"
ip -n router route del 192.168.1.0/24 via 10.0.2.1
ip -n router addr add 192.168.2.99/24 dev r1
ip netns exec router ping -c 1 -W 1 192.168.2.1 >/dev/null && fail "pseudo address reached over ARP"
ip -n router addr del 192.168.2.99/24 dev r1
[ "$(relay_counter drop_to_pseudo)" -ge 2 ] || fail "direct packets to pseudo addresses not counted ($(relay_counter drop_to_pseudo))"

# A vNIC that is down takes nothing.
ip -n sp link set vnic1 down
get --connect-timeout 3 http://10.0.2.1/ >/dev/null && fail "a down vNIC answered"
[ "$(relay_counter drop_undeliverable)" -gt 0 ] || fail "undeliverable not counted"
ip -n sp link set vnic1 up
ip -n sp addr replace 192.168.1.1/24 dev vnic1
# Not "ip ... | grep -q": under pipefail, grep leaving at the first match can
# kill ip with SIGPIPE and fail the pipeline (seen under load).
local_routes=$(ip netns exec sp ip route show table local)
grep -q "local 192.168.1.1 " <<<"$local_routes" || fail "vnic1 lost its address"
pause 1
expect_eq "$(get http://10.0.2.1/)" "site one (vNIC #1)" "vNIC #1 back up"

# A hand-built SYN (its checksum made in userspace: CHECKSUM_NONE on the
# SP, where the stack checks it in software) is rewritten with a checksum the
# SP's stack accepts: the service answers, no checksum error is counted.
csum_errors() { ip netns exec sp awk '/^Tcp:/ && $NF ~ /^[0-9]+$/ {print $NF}' /proc/net/snmp; }
before=$(csum_errors)
capture_start router r1 /tmp/raw.pcap
ip netns exec client python3 ../tcp_raw.py 10.0.1.2 10.0.2.1 80 --urg-ptr 1 --flags S
pause 0.5
capture_stop
expect_eq "$(csum_errors)" "$before" "TCP checksum errors at the SP"
grep -q "10.0.2.1.80 > 10.0.1.2.[0-9]*: Flags \[S\.\]" <<<"$(tcpdump -nn -r /tmp/raw.pcap 2>/dev/null)" ||
	fail "the service did not answer the hand-built SYN"

# Deleting the session cuts a transfer in flight.
# A slow reader with a small receive buffer (so that little is buffered
# when the session goes): after the deletion and a second to drain, nothing
# more may arrive, and the 4 MB file (8 s at this pace) must not complete.
out=$(ip netns exec client python3 - <<'PY'
import socket, subprocess, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
s.settimeout(0.2)
s.connect(("10.0.2.1", 80))
s.sendall(b"GET /slow.bin HTTP/1.0\r\nHost: site1\r\n\r\n")
# The drain is timed from the end of the deletion: on the debug kernel the
# vnicctl process alone may take seconds.
got, marks, t0, deleted = 0, {}, time.monotonic(), None
while (now := time.monotonic() - t0) < (deleted + 4 if deleted else 30):
    if now > 2 and not deleted:
        subprocess.run(["ip", "netns", "exec", "sp", "vnicctl", "session", "del", "--relay", "relay0",
                        "--client", "10.0.1.2", "--id", "1"], check=True, stdout=subprocess.DEVNULL)
        deleted, marks["deleted"] = time.monotonic() - t0, got
    if deleted and now > deleted + 1.5 and "drained" not in marks:
        marks["drained"] = got
    try:
        chunk = s.recv(8192)
    except socket.timeout:
        continue
    if not chunk:
        break
    got += len(chunk)
    time.sleep(0.015)
print(marks.get("deleted", -1), marks.get("drained", -1), got)
PY
)
read -r at_delete drained total <<<"$out"
[ "$at_delete" -gt 0 ] || fail "the transfer did not start before the deletion ($out)"
expect_eq "$total" "$drained" "bytes arriving after the session was deleted and the buffers drained (the transfer must stop)"
[ "$total" -lt $((4 * 1024 * 1024)) ] || fail "the whole file arrived ($total bytes)"
[ "$(relay_counter drop_no_session)" -gt 0 ] || fail "the service's segments after the session ended were not held back"
plain_ok "after the session went"

# ethtool -S shows the relay's and the supervisor's counters as vnicctl does,
# every drop reason of this case among them.
ethtool_agrees sp relay0 "sessions tagged granted delivered replies drop_unknown_id drop_not_granted drop_urg_set drop_malformed drop_undeliverable drop_to_pseudo drop_no_session"
[ "$(ethtool_stat sp relay0 drop_no_session)" -gt 0 ] || fail "ethtool -S relay0: no drop_no_session"
ethtool_agrees client ss0 "rules embedded cleared urgent drop_no_id drop_wrong_id"
