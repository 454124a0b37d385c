#!/usr/bin/env bash
# The benchmark's report (tests/bench/report.py): pcap overhead parsing,
# iperf3 JSON, medians, ratios and the JSON keys, on made-up input.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 tests/bench/report.py --self-test
