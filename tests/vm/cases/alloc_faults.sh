# Allocation failures on vnic's control paths (tests/vm/fail_nth.py, the
# debug kernel's fault injection): every allocation of creating each of the
# three link kinds, adding a session and an embedding rule, and the session,
# rule and link dumps fails in turn. Each time the request fails with ENOMEM
# (or its answer is lost) and leaves nothing made, or succeeds whole; vnic
# works after and unloads, and the run's kmemleak scan (tests/vm/run) finds
# nothing left over. About 15 minutes on the debug kernel (about 1,000
# requests, most of them making and deleting a device).
# case-timeout: 1800
. ../lib.sh
[ -e /proc/self/fail-nth ] || skip "this kernel has no fault injection (the debug kernel has)"
fi_dir=/sys/kernel/debug
for f in failslab fail_page_alloc; do
	# Sleeping allocations too (the control paths' GFP_KERNEL); no stack
	# dump per injected fault (it would read as a kernel report).
	echo N >"$fi_dir/$f/ignore-gfp-wait"
	echo 0 >"$fi_dir/$f/verbose"
done
echo 0 >"$fi_dir/fail_page_alloc/min-order"
load_vnic
ip link add eth9 type veth peer name eth9p
ip link set eth9 up
fnth() { python3 ../fail_nth.py "$@" || fail "fault injection: $*"; }
fnth vnic vnic1 1
fnth relay relay0 eth9
fnth ss ss0
vnicctl link add relay0 --pnic eth9 --up
vnicctl link add vnic1 --number 1 --id 1 --up
vnicctl link add ss0 --supervisor host --up
fnth session relay0 vnic1 10.77.0.1 4242
fnth session relay0 vnic1 fd00:77::1 4242
fnth embed ss0 10.77.0.2 80 4242
for i in 1 2 3; do
	vnicctl session add --relay relay0 --vnic vnic1 --client "10.78.0.$i" --id "$i"
	vnicctl embed add --dev ss0 --server "10.78.1.$i" --port 80 --id "$i"
done
fnth dump-sessions relay0
fnth dump-embed ss0
fnth dump-links
# Still sound: what was made is there and works, nothing else is.
expect_eq "$(vnicctl session show --relay relay0 | wc -l)" 3 "sessions after the faults"
expect_eq "$(vnicctl embed show --dev ss0 | wc -l)" 3 "rules after the faults"
all_kinds=$(ip -j -d link show |
	json '[.[] | select((.linkinfo.info_kind? // "") | startswith("vnic")) | .ifname] | sort | join(" ")') ||
	all_kinds=$PROBE_FAILED
expect_eq "$all_kinds" "relay0 ss0 vnic1" "devices of the three vnic kinds after the faults"
vnicctl session add --relay relay0 --vnic vnic1 --client 10.77.0.1 --id 4242
expect_match "$(vnicctl session show --relay relay0)" "10.77.0.1 id 4242" "a session after the faults"
ip link del relay0
vnicctl link add relay0 --pnic eth9 --up
rmmod vnic || fail "vnic does not unload after the faults"
