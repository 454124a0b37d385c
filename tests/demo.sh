#!/usr/bin/env bash
# make demo (runs in the VM): the paper's vNIC #1..#3 (paper 004, Fig. 4):
# pseudo addresses 192.168.N.1/24, MACs 00:00:c0:a8:N:01, one ID each.
set -euo pipefail
insmod "$VNIC_KO"
for n in 1 2 3; do
	vnicctl link add "vnic$n" --number "$n" --id "$n" --up
done
echo "== ip addr show (vNIC #1..#3)"
for n in 1 2 3; do ip addr show "vnic$n"; done
echo
echo "== vnicctl link show"
vnicctl link show
