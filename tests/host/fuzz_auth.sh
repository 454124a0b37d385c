#!/usr/bin/env bash
# Fuzzes the authentication protocol's decoder (userctl/vnic-auth/fuzz) for
# VNIC_FUZZ_SECONDS (default 30): any crash fails. Longer on demand:
#   userctl/vnic-auth/fuzz/run.sh 3600
set -euo pipefail
cd "$(dirname "$0")/../.."
userctl/vnic-auth/fuzz/run.sh "${VNIC_FUZZ_SECONDS:-30}"
