# Bad input gets one clear sentence and a non-zero exit from vnicctl, never a
# panic; bad netlink gets an extack message from the kernel.
. ../lib.sh

# run_err WHAT REGEX CMD...: CMD must fail with one line matching REGEX.
run_err() {
	local what=$1 re=$2; shift 2
	local out rc=0
	out=$("$@" 2>&1) || rc=$?
	[ "$rc" != 0 ] || fail "$what: succeeded"
	expect_match "$out" "$re" "$what"
	expect_no_match "$out" "panicked|RUST_BACKTRACE|stack backtrace" "$what"
	[ "$(wc -l <<<"$out")" = 1 ] || fail "$what: more than one line: $out"
}

# Module not loaded.
[ ! -d /sys/module/vnic ] || rmmod vnic
run_err "add without module" "vnic kernel module is not loaded" vnicctl link add vnic1
run_err "show without module" "vnic kernel module is not loaded" vnicctl link show
load_vnic

run_err "name too long" "at most 15" vnicctl link add abcdefghijklmnop
run_err "name with slash" "not a valid device name" vnicctl link add a/b
run_err "bad MAC" "not a usable MAC address" vnicctl link add vnic1 --address 00:11:22:33:44:zz
run_err "multicast MAC" "multicast" vnicctl link add vnic1 --address 01:00:5e:00:00:01
run_err "bad pseudo address" "not an IPv4 address" vnicctl link add vnic1 --pseudo 192.168.1.1
run_err "id 0" "0 is not in 1..=65535|invalid value" vnicctl link add vnic1 --id 0
run_err "id too big" "invalid value" vnicctl link add vnic1 --id 65536
run_err "mtu too small" "out of range" vnicctl link add vnic1 --mtu 10
run_err "unknown device" "no device named nosuch0" vnicctl link del nosuch0
run_err "show unknown device" "no device named nosuch0" vnicctl link show nosuch0
run_err "delete a non-vnic" "not a vnic device" vnicctl link del lo
run_err "unknown command" "^vnicctl: unrecognized subcommand 'frob' \(see vnicctl --help\)$" vnicctl link frob

vnicctl link add vnic1
run_err "duplicate" "already exists" vnicctl link add vnic1
run_err "not root" "needs root" setpriv --reuid=65534 --regid=65534 --clear-groups vnicctl link add vnic2
run_err "not root delete" "needs root" setpriv --reuid=65534 --regid=65534 --clear-groups vnicctl link del vnic1
[ -e /sys/class/net/vnic1 ] || fail "vnic1 lost after refused requests"
expect_eq "$(vnic_links)" vnic1 "nothing else created"

# Raw netlink the CLI would never send: the kernel answers with extack.
out=$(python3 ../rtnl_raw.py vnicX 0 2>&1) && fail "ID 0 accepted by the kernel"
expect_match "$out" "errno 22: vnic: ID 0 is reserved" "kernel extack for ID 0"
out=$(python3 ../rtnl_raw.py vnicX short 2>&1) && fail "1-byte ID accepted by the kernel"
expect_match "$out" "errno 34|errno 22" "kernel rejects a truncated ID attribute"
out=$(python3 ../rtnl_raw.py vnicX long 2>&1) && fail "4-byte ID accepted by the kernel"
expect_match "$out" "errno 22: .*(length|16-bit)" "kernel rejects an oversized ID attribute"
python3 ../rtnl_raw.py vnicX 4242 >/dev/null
expect_eq "$(vnicctl -j link show vnicX | json '.[0].id')" 4242 "ID set through raw netlink"
