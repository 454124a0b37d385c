# The provider under hostile datagrams over a real socket: 3,000 random and
# mutated ones (1,000 on the debug kernel; tests/vm/udp_fuzz.py, from a
# second client address) while a real client authenticates. The real
# client is granted during and after the storm, the junk makes no session
# in the kernel or the database, and the provider keeps running. The forged
# Auth-REQs (for mallory, whom the provider does not know) follow the
# provider's cookie and are then abandoned: each is a guess, so they count
# against the forger's address (at most 8 at a time), and nobody else's.
. ../lib.sh
. ../auth_lib.sh
auth_topology
# alice on vNIC #2.
provider_config "alice:alice pass:vnic2"
provider_start
ip -n client addr add 10.0.1.50/24 dev veth0
count=3000
[ "${VNIC_FLAVOR:-normal}" = debug ] && count=1000
ip netns exec client python3 ../udp_fuzz.py 10.0.1.50 10.0.2.1 7390 "$count" --interval 0.002 >/tmp/fuzz.out 2>&1 &
fuzzer=$!
pause 1
kill -0 "$fuzzer" 2>/dev/null || fail "the fuzzer ended before the real client started: $(cat /tmp/fuzz.out)"
out=$(auth alice "alice pass") || fail "no grant during the storm: $out"
expect_match "$out" "^granted: user alice service http" "a grant during the storm"
kill -0 "$fuzzer" 2>/dev/null || echo "note: the fuzzer ended during the real handshake"
wait "$fuzzer" || fail "the fuzzer failed: $(cat /tmp/fuzz.out)"
expect_match "$(cat /tmp/fuzz.out)" "^sent $count, answered [0-9]+, challenged [1-9][0-9]*$" "datagrams sent, forged requests challenged"
kill -0 "$provider_pid" 2>/dev/null || fail "the provider died: $(tail -n 20 "$PROV/log")"
expect_no_match "$(cat "$PROV/log")" "panicked|RUST_BACKTRACE" "provider log"
# The forged exchanges time out after 10 s, and count against their source.
pause 11
out=$(auth alice "alice pass") || fail "no grant after the storm: $out"
expect_match "$out" "^granted: user alice service http" "a grant after the storm"
expect_eq "$(get)" "site two (vNIC #2)" "alice reaches site two"
expect_match "$(kernel_sessions)" "^10\.0\.1\.2/1[0-9][0-9]/vnic2$" "kernel sessions after the storm"
expect_eq "$(db_sessions)" "$(kernel_sessions)" "database sessions after the storm"
expect_match "$(cat "$PROV/log")" "authentication of user \"mallory\" for service \"http\" from 10\.0\.1\.50:[0-9]+ failed: no such user" "forged exchanges ended"
st=$(ip netns exec sp vnicctl provider status --config "$PROV/provider.toml")
expect_match "$st" "^source 10\.0\.1\.50: ([0-9]+ failures counted|locked out for [0-9]+ s more)" "failures of the forger's address"
expect_no_match "$st" "^(user alice|source 10\.0\.1\.2):" "nothing counted against alice or her address"
echo "fuzzer: $(cat /tmp/fuzz.out)"
