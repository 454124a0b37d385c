# kernels: nobridgenf
# A bridge-box supervisor on a kernel without bridge-family netfilter hooks
# (CONFIG_NETFILTER_FAMILY_BRIDGE unset, as a distribution kernel may be
# built): refused with the extack sentence that names the missing option,
# no kernel warning, nothing half-made; host mode still works.
. ../lib.sh
load_vnic

# The kernel really lacks the family (nft, not vnic, is the judge).
out=$(nft add table bridge probe 2>&1) && fail "nft made a bridge table: this kernel has bridge netfilter"
expect_match "$out" "Operation not supported|No such file or directory|Protocol not supported|Address family not supported" "nft's refusal"

warnings() { dmesg >/tmp/dmesg.txt; count_matches /tmp/dmesg.txt "WARNING:"; }
before=$(warnings)
out=$(vnicctl link add ss0 --supervisor bridge 2>&1) && fail "bridge mode accepted without bridge netfilter"
expect_match "$out" "no bridge netfilter hooks \(CONFIG_NF_TABLES_BRIDGE\)" "vnicctl shows the kernel's extack"
[ "$(wc -l <<<"$out")" = 1 ] || fail "more than one line: $out"
expect_eq "$(warnings)" "$before" "kernel warnings during the refused add"
[ ! -e /sys/class/net/ss0 ] || fail "a refused supervisor left ss0 behind"

# Again, so that a failed registration left no state that makes the next
# one different (EBUSY, a leaked hook).
out=$(vnicctl link add ss0 --supervisor bridge 2>&1) && fail "second bridge-mode add accepted"
expect_match "$out" "no bridge netfilter hooks" "second refusal"

# Host mode needs only IPv4/IPv6 hooks and works here.
vnicctl link add ss0 --supervisor host --up
expect_match "$(vnicctl link show ss0)" "vnic-ss mode host" "host-mode supervisor"
vnicctl link del ss0
expect_eq "$(warnings)" "$before" "kernel warnings"
rmmod vnic || fail "rmmod after the refusals"
