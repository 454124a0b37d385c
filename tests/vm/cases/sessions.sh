# The session table: vnicctl adds, lists and deletes sessions over generic
# netlink; the relay's verdicts follow it (granted, not granted to this
# client, unknown, URG set); bad requests get extack messages.
. ../lib.sh
load_vnic
two_hosts
ip -n client addr add 10.0.1.3/24 dev veth0
ip -n client addr add fd00::2/64 dev veth0 nodad
ip -n client addr add fd00::3/64 dev veth0 nodad
ip -n sp addr add fd00::1/64 dev eth0 nodad
ip netns exec sp vnicctl link add relay0 --pnic eth0 --up
ip netns exec sp vnicctl link add vnic1 --number 1 --id 7 --up
sp() { ip netns exec sp "$@"; }
counters() { sp vnicctl -j link show relay0 | json ".[0].counters.$1"; }
raw_sender client
send() { raw_send "$@" 10.0.1.1 80; pause 0.2; }
send6() { raw_send "$@" fd00::1 80; pause 0.2; }

# The event listener stops after 900 s without an event; the case kills it
# at the end (the debug kernel with one vCPU once went more than 120 s
# between two events).
sp python3 ../genl_sessions.py listen 900 >/tmp/events.log &
listener=$!
# What the SP's stack took in, read through the listener (in the SP).
sp_pid=$(ns_pid sp)
insegs() { tcp_in_segs "$sp_pid"; }
for _ in $(seq 300); do [ "$(count_matches /tmp/events.log listening)" = 0 ] || break; pause 0.1; done
grep -q listening /tmp/events.log || fail "the event listener did not start"

sp vnicctl session add --relay relay0 --vnic vnic1 --client 10.0.1.2 --id 7
sp vnicctl session add --relay relay0 --vnic vnic1 --client fd00::2 --id 9
js=$(sp vnicctl -j session show --relay relay0)
expect_eq "$(json '[.[] | "\(.client) \(.id) \(.vnic) \(.relay)"] | join(", ")' <<<"$js")" \
	"10.0.1.2 7 vnic1 relay0, fd00::2 9 vnic1 relay0" "session listing"
expect_match "$(sp vnicctl session show --relay relay0)" "^10.0.1.2 id 7 -> vnic1 \(relay relay0\)" "text listing"
expect_eq "$(counters sessions)" 2 "session count"

# Verdicts.
before=$(insegs)
send 10.0.1.2 --urg-ptr 7
[ "$(insegs)" -gt "$before" ] || fail "granted segment did not reach the stack"
expect_eq "$(counters granted)" 1 "granted"
send 10.0.1.3 --urg-ptr 7
expect_eq "$(counters drop_not_granted)" 1 "another client's ID"
send 10.0.1.2 --urg-ptr 8
expect_eq "$(counters drop_unknown_id)" 1 "unknown ID"
send 10.0.1.2 --urg-ptr 7 --flags SU
expect_eq "$(counters drop_urg_set)" 1 "a session's ID with URG set"
send 10.0.1.3 --urg-ptr 8 --flags SU
expect_eq "$(counters drop_urg_set)" 1 "URG data that is no session's ID passes"

# The same over IPv6.
sp ping -c 1 -W 2 fd00::2 >/dev/null || true
send6 fd00::2 --urg-ptr 9
expect_eq "$(counters granted)" 2 "granted over IPv6"
send6 fd00::3 --urg-ptr 9
expect_eq "$(counters drop_not_granted)" 2 "another IPv6 client's ID"
send6 fd00::2 --urg-ptr 10
expect_eq "$(counters drop_unknown_id)" 2 "unknown ID over IPv6"

# Errors, each a sentence (kernel extack or vnicctl's own).
run_err() {
	local what=$1 re=$2; shift 2
	local out
	out=$("$@" 2>&1) && fail "$what: succeeded"
	expect_match "$out" "$re" "$what"
}
run_err "duplicate" "already has a session with this ID" sp vnicctl session add --relay relay0 --vnic vnic1 --client 10.0.1.2 --id 7
run_err "second session on one vNIC" "already has a session on this vNIC" sp vnicctl session add --relay relay0 --vnic vnic1 --client 10.0.1.2 --id 8
run_err "vNIC that is not a vNIC" "names no vNIC" sp vnicctl session add --relay relay0 --vnic lo --client 10.0.1.2 --id 5
run_err "relay that is not a relay" "names no relay" sp vnicctl session add --relay vnic1 --vnic vnic1 --client 10.0.1.2 --id 5
run_err "missing relay" "no device named relay9" sp vnicctl session add --relay relay9 --vnic vnic1 --client 10.0.1.2 --id 5
run_err "ID 0" "0 is not in 1..=65535" sp vnicctl session add --relay relay0 --vnic vnic1 --client 10.0.1.2 --id 0
run_err "bad client" "invalid value 'x'" sp vnicctl session add --relay relay0 --vnic vnic1 --client x --id 5
run_err "missing session" "no session for this client and ID" sp vnicctl session del --relay relay0 --client 10.0.1.9 --id 7
run_err "not root" "needs root" sp setpriv --reuid=65534 --regid=65534 --clear-groups vnicctl session add --relay relay0 --vnic vnic1 --client 10.0.1.2 --id 5

# Deleting the session cuts the client off.
sp vnicctl session del --relay relay0 --client 10.0.1.2 --id 7
send 10.0.1.2 --urg-ptr 7
expect_eq "$(counters drop_unknown_id)" 3 "after delete"
expect_eq "$(counters sessions)" 1 "session count after delete"

# Listeners of the events group saw each change (cmd 1 add, 2 del).
kill "$listener" 2>/dev/null || true
wait "$listener" 2>/dev/null || true
expect_eq "$(grep -v listening /tmp/events.log | tr '\n' ';')" "1 10.0.1.2 7;1 fd00::2 9;2 10.0.1.2 7;" "events"

# Module unload with sessions in the table is clean (kmemleak checks it).
ip netns del sp
