# The supervisor daemon (vnicctl supervisor) keeps a session with the real
# provider: it is granted at start and curl works; renewals keep the ID,
# also under a running transfer, and keep the session alive past the
# provider's idle limit; kill -9 and restart loses nothing, and restores a
# rule removed behind its back; with the provider down the ID stays embedded
# and the session is renewed once it is back; a session the provider lost is
# authenticated again.
. ../lib.sh
. ../auth_lib.sh
auth_topology

IDLE_SECS=20 provider_config "bob:bob-pass:vnic2"
provider_start
supervisor_config bob bob-pass
supervisor_start

# Granted at start: an ID of vNIC #2 embedded, the same in the relay.
wait_lines "$SUP/log" "granted ID" 1 15
id=$(embedded_id)
[ "$id" -ge 100 ] && [ "$id" -le 199 ] || fail "embedded ID $id is not in vNIC #2's range"
expect_eq "$(kernel_sessions)" "10.0.1.2/$id/vnic2" "the provider's session"
expect_eq "$(get)" "site two (vNIC #2)" "curl through the granted session"
expect_eq "$(sup_db)" "bob/$id/active/0" "the supervisor's database"
# vnicctl supervisor status, from the running daemon's socket.
st=$(ip netns exec client vnicctl supervisor status --config "$SUP/supervisor.toml")
expect_match "$st" "^supervisor on ss0, up [0-9]+ s, renewal every 2 s: 1 sessions$" "status summary"
expect_match "$st" "^  bob@sp1/http: active, ID $id for 10\.0\.2\.1:80 \(vNIC #2\) from 10\.0\.2\.1:7390, renewed [0-9]+ s ago(, path checking)?, (exchange in progress|next handshake in [0-9.]+ s)$" "status of bob's session"

# Renewals keep the ID while a transfer runs (3 MB at 600 kB/s: 5 s).
# A renewal comes every 2 s (see supervisor_config), so two take a few
# seconds; the time limit is for the debug kernel.
head -c 3000000 /dev/urandom >/tmp/apache/site2/big
chmod a+r /tmp/apache/site2/big
ip netns exec client curl -sf --max-time 30 --limit-rate 600k -o /tmp/big http://10.0.2.1/big || fail "transfer across renewals"
expect_eq "$(sha256sum </tmp/big)" "$(sha256sum </tmp/apache/site2/big)" "the transfer's bytes"
wait_lines "$SUP/log" "renewed, ID $id kept" 2 60
expect_eq "$(embedded_id)" "$id" "ID after renewals"
expect_eq "$(kernel_sessions)" "10.0.1.2/$id/vnic2" "the provider's session after renewals"
expect_no_match "$(cat "$SUP/log")" "authenticated again|failed" "nothing but renewals"

# kill -9 and restart: nothing lost, nothing redone.
supervisor_stop KILL
expect_eq "$supervisor_rc" 137 "kill -9"
supervisor_start
expect_match "$(cat "$SUP/log")" "restored: 1 sessions embedded already, 0 embedded again" "restart in step"
expect_eq "$(embedded_id)" "$id" "ID after kill -9 and restart"
expect_eq "$(get)" "site two (vNIC #2)" "curl after the restart"
# A rule removed behind its back comes back at the next start. First a
# renewal, so that the provider's idle clock (20 s) starts again: the two
# restarts take most of that on the debug kernel, and without it the
# provider once expired the session and the supervisor rightly got a new ID.
wait_lines "$SUP/log" "renewed, ID $id kept" $(($(grep -c "renewed, ID $id kept" "$SUP/log") + 1)) 30
supervisor_stop KILL
ip netns exec client vnicctl embed del --dev ss0 --server 10.0.2.1 --port 80
supervisor_start
expect_match "$(cat "$SUP/log")" "restored: 0 sessions embedded already, 1 embedded again" "rule restored"
expect_eq "$(embedded_id)" "$id" "restored ID (supervisor log: $(tail -n 3 "$SUP/log" | tr '\n' ' '))"

# The provider down: renewals fail, the ID stays embedded and the session
# keeps working; once the provider is back the session is renewed.
provider_stop TERM
n=$(grep -c "renewed, ID $id kept" "$SUP/log")
wait_lines "$SUP/log" "no answer from the provider.*ID $id stays embedded" 1 45
expect_match "$(sup_db)" "^bob/$id/retrying/[1-9]" "database while the provider is down"
st=$(ip netns exec client vnicctl -j supervisor status --socket "$SUP/data/supervisor.sock")
expect_eq "$(json '.sessions[0] | "\(.state) \(.id) \(.failures > 0)"' <<<"$st")" "retrying $id true" "status -j while the provider is down"
expect_match "$(json '.sessions[0].last_error' <<<"$st")" "no answer from the provider 10\.0\.2\.1:7390" "status -j: the last error"
expect_eq "$(get)" "site two (vNIC #2)" "curl while the provider is down"
# It comes back with a longer idle limit than it was away (the debug kernel
# takes over 20 s here), so the session is still live and renewed.
IDLE_SECS=60 provider_config "bob:bob-pass:vnic2"
provider_start
wait_lines "$SUP/log" "renewed, ID $id kept" $((n + 1)) 45
expect_eq "$(sup_db)" "bob/$id/active/0" "database once the provider is back"

# A session the provider lost (expired while the supervisor was stopped)
# is authenticated again when the supervisor comes back.
supervisor_stop TERM
expect_eq "$supervisor_rc" 0 "SIGTERM"
expect_match "$(tail -n 1 "$SUP/log")" "stopping on a signal" "supervisor's last words"
provider_stop TERM
IDLE_SECS=2 provider_config "bob:bob-pass:vnic2"
pause 3
provider_start
expect_match "$(cat "$PROV/log")" "expired the session of user \"bob\"" "the provider expired the session"
expect_eq "$(kernel_sessions)" "" "no session left in the relay"
get --connect-timeout 3 >/dev/null && fail "curl worked without a session"
provider_stop TERM
IDLE_SECS=20 provider_config "bob:bob-pass:vnic2"
provider_start
n=$(grep -cE "authenticated again|renewed" "$SUP/log")
supervisor_start
wait_lines "$SUP/log" "authenticated again|renewed" $((n + 1)) 30
new=$(embedded_id)
expect_eq "$(kernel_sessions)" "10.0.1.2/$new/vnic2" "the new session"
expect_eq "$(get)" "site two (vNIC #2)" "curl after authenticating again"

# A provider name that does not resolve is retried, not fatal: the
# supervisor starts, keeps trying, and gets its session once the name
# resolves (here: once the client's hosts file has it; ip netns exec binds
# /etc/netns/client/* over /etc, and the resolver asks no DNS server that
# could keep it waiting).
supervisor_stop TERM
mkdir -p /etc/netns/client
cp /etc/hosts /etc/netns/client/hosts
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >/etc/netns/client/resolv.conf
PROVIDER_ADDR=sp1.vnic.test supervisor_config bob bob-pass
supervisor_start
wait_lines "$SUP/log" "cannot resolve the provider 'sp1.vnic.test'.*next try in" 2 30
expect_eq "$(embedded_id)" "$new" "the ID while the name does not resolve"
n=$(count_matches "$SUP/log" "renewed, ID $new kept")
echo "10.0.2.1 sp1.vnic.test" >>/etc/netns/client/hosts
wait_lines "$SUP/log" "renewed, ID $new kept" $((n + 1)) 30
rm -rf /etc/netns/client

# Every exchange ended with its one answer (grant or failure).
expect_no_match "$(cat "$SUP/log")" "ended early" "exchanges ending early"
