# The path check (Documentation/status-protocol.md §8): the supervisor
# daemon opens one TCP connection to the service when a session starts. On
# a clean path it passes ("path check ok"). With a router that clears the
# TCP urgent pointer (an nftables `tcp urgptr set 0` rule, as a
# normalizing firewall does) it fails with its sentence, in the log, in
# `supervisor status` and in the database, while plain traffic (the SP's
# own service on 10.0.2.1:8080, no ID) still passes. The supervisor reports
# each result in its next Auth-REQ, and the provider keeps it in its
# database and its status.
. ../lib.sh
. ../auth_lib.sh
auth_topology

provider_config "bob:bob-pass:vnic2"
provider_start
RENEW_SECS=3 supervisor_config bob bob-pass
supervisor_start
wait_lines "$SUP/log" "path check ok" 1 30
path_of() { ip netns exec client vnicctl -j supervisor status --config "$SUP/supervisor.toml" | json '.sessions[0].path'; }
expect_eq "$(path_of)" ok "the path on a clean path"
expect_eq "$(get)" "site two (vNIC #2)" "curl on a clean path"
# sp_path: the path the provider's database holds for the session.
sp_path() { python3 -c 'import sqlite3, sys; r = sqlite3.connect(sys.argv[1]).execute("select path from sessions").fetchall(); print(" ".join(p for (p,) in r))' "$PROV/data/vnic.db"; }
wait_lines "$SUP/log" "renewed, ID" 1 30
expect_eq "$(sp_path)" ok "the path in the provider's database after a renewal"
expect_match "$(ip netns exec sp vnicctl provider status --config "$PROV/provider.toml")" "user bob service http, idle [0-9]+ s, path ok" "the path in provider status"
supervisor_stop TERM

# A normalizing router: every TCP segment it forwards loses its urgent pointer.
ip netns exec router nft -f - <<-'NFT' || fail "nft refused the rule"
	table ip normalize {
		chain forward {
			type filter hook forward priority 0; policy accept;
			tcp urgptr set 0
		}
	}
NFT
# A fresh start, so that the session starts again (a new ID is granted).
rm -rf "$SUP/data"
supervisor_start
wait_lines "$SUP/log" "the path check failed" 1 40
expect_match "$(grep -m1 "the path check failed" "$SUP/log")" "no answer carrying the ID came back from 10\.0\.2\.1:80 within 5 s: a firewall on the path that normalizes TCP \(pf scrub, Cisco ASA, Palo Alto, Check Point clear the urgent pointer\) is the likely cause" "the sentence"
# The session is retried at once and checked again; status keeps showing
# the failure meanwhile ("... (checking again)").
path=$(path_of)
expect_match "$path" "^failed: no answer carrying the ID" "the path in supervisor status"
db_path=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select path from sessions").fetchone()[0])' "$SUP/data/supervisor.db")
expect_match "$db_path" "^failed: no answer carrying the ID" "the path in the supervisor's database"
text=$(ip netns exec client vnicctl supervisor status --config "$SUP/supervisor.toml")
expect_match "$text" "path failed: no answer carrying the ID" "supervisor status text"
for _ in $(seq 40); do [ "$(sp_path)" = failed ] && break; pause 0.5; done
expect_eq "$(sp_path)" failed "the path in the provider's database"
# Plain traffic still passes the normalizing router.
expect_eq "$(ip netns exec client curl -sf --max-time 10 http://10.0.2.1:8080/)" "site one (vNIC #1)" "plain traffic through the router"
# The normalizer really cleared IDs: the supervisor dropped answers from
# the service that came without one.
[ "$(ss_counter drop_no_id)" -gt 0 ] || fail "the supervisor dropped no answer without the ID"
