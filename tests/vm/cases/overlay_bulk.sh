# Bulk transfer through the overlay: 100 MB (25 MB on the debug kernel)
# from site one arrives with the same sha256, offloads stay in force (a GSO super-packet is rewritten once,
# not segmented first), and rmmod in the middle of a transfer is clean (the
# harness fails the run on any kernel report) and leaves the network intact.
. ../lib.sh
load_vnic
routed_hosts
sp_vnics 1 2
sp_apache
mb=100
[ "${VNIC_FLAVOR:-normal}" = debug ] && mb=25
head -c "${mb}M" /dev/urandom >/tmp/apache/site1/big.bin
chmod a+r /tmp/apache/site1/big.bin
want=$(sha256sum </tmp/apache/site1/big.bin)
ip netns exec sp vnicctl session add --relay relay0 --vnic vnic1 --client 10.0.1.2 --id 1
client_embed 1

t0=$(date +%s%N)
got=$(ip netns exec client curl -sf --max-time 600 http://10.0.2.1/big.bin | sha256sum)
took_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "$got" "$want" "sha256 of $mb MB through vNIC #1"

# 1 MB is ~720 full-size segments; rewritten one by one the relay would
# count as many replies. Super-packets keep it below: about 20 per MB with
# two vCPUs, but a slow sender builds small ones (TCP sizes them by its
# pacing rate): 370 per MB on the debug kernel with one vCPU. Below 540
# per MB (three quarters of the segments) still tells the two apart.
replies=$(relay_counter replies)
[ "$replies" -lt $((mb * 540)) ] || fail "replies were rewritten segment by segment ($replies rewrites for $mb MB)"
echo "$mb MB in $took_ms ms: $replies reply rewrites, $(ss_counter cleared) clears on the client"

# rmmod while a transfer runs: the module goes at once, the kernel stays
# clean, the network stays intact. 16 MB at 2 MB/s cannot end in less than
# 8 s, so the transfer is still running when rmmod returns. It may then
# die or go on as plain TCP (the service's socket is the SP's own; only
# vnic's rewriting is gone); if it completes, its bytes must be whole.
head -c 16M /tmp/apache/site1/big.bin >/tmp/apache/site1/part.bin
chmod a+r /tmp/apache/site1/part.bin
ip netns exec client curl -s --limit-rate 2M --max-time 20 -o /tmp/part.got http://10.0.2.1/part.bin &
pid=$!
pause 0.5
rmmod vnic
kill -0 "$pid" 2>/dev/null || fail "the transfer was over before rmmod returned: rmmod did not run during it"
rc=0; wait "$pid" || rc=$?
if [ "$rc" = 0 ]; then
	expect_eq "$(sha256sum </tmp/part.got)" "$(sha256sum </tmp/apache/site1/part.bin)" "a transfer that lived through rmmod"
	echo "rmmod during a transfer: it went on as plain TCP and completed intact"
else
	echo "rmmod during a transfer: it ended with curl status $rc after $(wc -c </tmp/part.got) bytes"
fi
[ ! -d /sys/module/vnic ] || fail "vnic still loaded"
ip netns exec client ping -c 1 -W 2 10.0.2.1 >/dev/null || fail "the network is not intact after rmmod"
