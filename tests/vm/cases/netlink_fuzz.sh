# Hostile netlink input: random and mutated messages (tests/vm/nl_fuzz.py)
# against the vnic generic netlink family (every command; right, wrong,
# missing, oversize and nested attributes; truncated headers) and rtnetlink
# for the three link kinds, 100,000 as root (25,000 on the debug kernel) and
# a quarter of that as an unprivileged user, who changes nothing.
# Afterwards vnic still works and unloads; the harness fails the run on any
# kernel report (KASAN, kmemleak, lockdep on the debug kernel).
. ../lib.sh
load_vnic
ip link add eth9 type veth peer name eth9p
vnicctl link add relay0 --pnic eth9 --up
vnicctl link add vnic1 --number 1 --id 1 --up
vnicctl link add ss0 --supervisor host --up
idx() { ip -j link show "$1" | json '.[0].ifindex'; }
ids="$(idx relay0) $(idx vnic1) $(idx ss0) $(idx eth9) $(idx eth9p) $(idx lo)"
count=100000
[ "${VNIC_FLAVOR:-normal}" = debug ] && count=25000
state() {
	echo "links: $(ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')"
	echo "sessions: $(vnicctl -j session show --relay relay0 | json 'length')"
	echo "rules: $(vnicctl -j embed show --dev ss0 | json 'length')"
}
before=$(state)
# An unprivileged user first: whatever it sends changes nothing.
# shellcheck disable=SC2086
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups python3 ../nl_fuzz.py $((count / 4)) --seed 2 --ifindex $ids) ||
	fail "the unprivileged fuzzer failed: $out"
expect_match "$out" "^sent $((count / 4)), " "messages sent unprivileged"
echo "unprivileged: $out"
expect_eq "$(state)" "$before" "devices, sessions and rules after the unprivileged fuzz"
# shellcheck disable=SC2086
out=$(python3 ../nl_fuzz.py "$count" --seed 1 --ifindex $ids) || fail "the fuzzer failed: $out"
expect_match "$out" "^sent $count, " "messages sent as root"
echo "root: $out"

# Still working: the devices made before are there, a session and a rule
# can be added, listed and removed, and the fuzzer's own devices go.
for dev in relay0 vnic1 ss0; do ip link show "$dev" >/dev/null || fail "$dev is gone"; done
for dev in $(ip -o link show | awk -F': ' '{print $2}' | grep '^fz' | cut -d@ -f1); do ip link del "$dev"; done
# Addresses the fuzzer never uses.
vnicctl session add --relay relay0 --vnic vnic1 --client 10.77.0.1 --id 4242
expect_match "$(vnicctl session show --relay relay0)" "10.77.0.1 id 4242" "a session after the fuzz"
vnicctl embed add --dev ss0 --server 10.77.0.2 --port 80 --id 4242
expect_match "$(vnicctl embed show --dev ss0)" "10.77.0.2" "a rule after the fuzz"
vnicctl session del --relay relay0 --client 10.77.0.1 --id 4242
rmmod vnic || fail "vnic does not unload after the fuzz"
