# 65,535 sessions fit in one relay's table, one more is refused with a
# reason, the dump lists them all, and unloading frees them.
. ../lib.sh
load_vnic
ip link add eth9 type veth peer name eth9p
vnicctl link add relay0 --pnic eth9 --up
vnicctl link add vnic1 --number 1 --up
out=$(python3 ../genl_sessions.py add relay0 vnic1 65535) || fail "bulk add: $out"
expect_eq "$out" "added 65535" "sessions added"
expect_eq "$(vnicctl -j link show relay0 | json '.[0].counters.sessions')" 65535 "session count"
out=$(vnicctl session add --relay relay0 --vnic vnic1 --client 10.9.9.9 --id 1 2>&1) && fail "session 65536 accepted"
expect_match "$out" "session table is full" "full table"
expect_eq "$(vnicctl session show --relay relay0 | wc -l)" 65535 "dump of a full table"
rmmod vnic
