"""The data plane as the oracle (reachability.md §5): a bounded run of random topologies and
flows (oracle.py), the analysis against real packets. `scripts/oracle N` runs longer
(ORACLE_ROUNDS, ORACLE_FLOWS, ORACLE_SEED). Needs root; run inside scripts/isolated."""
import os

import pytest

import oracle
from conftest import client, new_account
from test_dataplane import dp  # noqa: F401

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the data plane needs root")

# Seeds whose rounds once disagreed, kept as fixed regression cases, each run for one round of
# 30 flows before the random run. None so far: runs of seeds ci, s1 (320 flows), … agreed.
REGRESSIONS = []


def check(srv, seed, rounds, per_round):
    compared, proved, skipped, disagreements = oracle.run(lambda: client(srv.endpoint, new_account()), seed, rounds, per_round)
    print(f"oracle seed {seed}: {compared} flows compared, {proved} fixes proved, {skipped} skipped")
    assert not disagreements, "\n".join(disagreements)
    return compared


def test_analysis_agrees_with_the_packets(dp):  # noqa: F811
    srv, _ = dp
    for seed in REGRESSIONS:
        check(srv, seed, 1, 30)
    rounds = int(os.environ.get("ORACLE_ROUNDS", "5"))
    per_round = int(os.environ.get("ORACLE_FLOWS", "40"))
    seed = os.environ.get("ORACLE_SEED", "ci")
    assert check(srv, seed, rounds, per_round) > 0
