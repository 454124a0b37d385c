#!/usr/bin/env bash
# Fuzzes the authentication protocol's decoder (userctl/vnic-auth/fuzz) for
# a fixed number of inputs, VNIC_FUZZ_RUNS (default 1,000,000), so that a
# slow or busy machine runs the same test: any crash fails. Longer on demand:
#   userctl/vnic-auth/fuzz/run.sh 3600
set -euo pipefail
cd "$(dirname "$0")/../.."
userctl/vnic-auth/fuzz/run.sh --runs "${VNIC_FUZZ_RUNS:-1000000}"
