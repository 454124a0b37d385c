# The module loads, registers link kind "vnic", and unloads cleanly, twice.
. ../lib.sh
for round in 1 2; do
	insmod "$VNIC_KO"
	[ -d /sys/module/vnic ] || fail "round $round: /sys/module/vnic missing after insmod"
	expect_eq "$(cat /sys/module/vnic/refcnt)" 0 "refcount after load"
	ip link add probe0 type vnic || fail "round $round: kind vnic unknown after insmod"
	ip link del probe0
	rmmod vnic
	[ ! -d /sys/module/vnic ] || fail "round $round: module still present after rmmod"
done
out=$(ip link add probe0 type vnic 2>&1) && fail "kind vnic still known after rmmod"
expect_match "$out" "Unknown device type|not supported" "error once unloaded"
# Not "dmesg | grep -q": under pipefail, grep leaving early kills dmesg with
# SIGPIPE once the log outgrows a pipe (as after the other cases in one VM).
log=$(dmesg)
grep -qF 'vnic: link kinds "vnic", "vnic-relay" and "vnic-ss" registered' <<<"$log" || fail "no registration message in dmesg"
