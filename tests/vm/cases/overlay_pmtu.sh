# Path MTU discovery through the overlay: mid-download the router's link to
# the client shrinks to 1280 bytes. The router's "fragmentation needed"
# (IPv4) and "packet too big" (IPv6) errors quote the SP's rewritten replies
# (from the pNIC's address, with the ID); the relay translates them back to
# the vNIC's view and delivers them there, so the vNIC's socket lowers its
# path MTU and both transfers complete intact. Without the translation the
# errors find no socket and the flows black-hole.
. ../lib.sh
load_vnic
dual_stack_vnic1
sp_blob_servers 4000000
ip netns exec client vnicctl link add ss0 --supervisor host --up
ip netns exec client vnicctl embed add --dev ss0 --server 10.0.2.1 --port 80 --id 1
ip netns exec client vnicctl embed add --dev ss0 --server fd00:2::1 --port 80 --id 1
want=$(sha256sum </tmp/site/blob | cut -d' ' -f1)

# get HOST: fetch /blob through the overlay, pausing after the first 100 KB
# (the server's segments queue up) while the router's link to the client
# shrinks to 1280 bytes; prints the sha256 of what arrived.
get() {
	ip netns exec client python3 - "$1" <<'PY'
import hashlib, socket, subprocess, sys, time
host = sys.argv[1]
s = socket.create_connection((host, 80), timeout=20)
s.sendall(f"GET /blob HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
data = b""
while len(data) < 100_000:
    data += s.recv(65536)
subprocess.run(["ip", "-n", "router", "link", "set", "r0", "mtu", "1280"], check=True)
time.sleep(1)
while chunk := s.recv(65536):
    data += chunk
print(hashlib.sha256(data.split(b"\r\n\r\n", 1)[1]).hexdigest())
PY
}
for host in 10.0.2.1 fd00:2::1; do
	ip -n router link set r0 mtu 1500
	got=$(get "$host") || fail "$host: the transfer did not complete after the path MTU fell to 1280"
	expect_eq "$got" "$want" "$host: content"
	# The vNIC's route towards the client learned the smaller MTU.
	case $host in
	10.*) route=$(ip -n sp route get 10.0.1.2 from 192.168.1.1) ;;
	*) route=$(ip -n sp -6 route get fd00:1::2 from fd00:a1::1) ;;
	esac
	expect_match "$route" "mtu 1280" "$host: path MTU towards the client"
done
