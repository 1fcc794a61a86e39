"""simsearch sets GNU OpenMP's spin count before torch loads, unless the user chose a wait policy.

Beside another torch process on a 2-core CPU, libgomp's default (300,000 spins before an idle
thread sleeps) made indexing one file take 60-94 s instead of 8 (`benchmarks/bench_busy_cpu.py`).
"""

import os
import subprocess
import sys

import pytest

# the package alone (what `python -m simsearch` and the `simsearch` script import first), torch not yet loaded
PROBE = "import os, sys, simsearch; assert 'torch' not in sys.modules; print(os.environ.get('GOMP_SPINCOUNT'))"


def probe(**env: str) -> str:
    clean = {key: value for key, value in os.environ.items() if key not in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
    done = subprocess.run([sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_simsearch_sets_the_spin_count_before_torch_loads():
    import simsearch

    assert probe() == str(simsearch.SPINCOUNT) == "10000"


@pytest.mark.parametrize("env, expected", [({"GOMP_SPINCOUNT": "300000"}, "300000"),
                                           ({"OMP_WAIT_POLICY": "ACTIVE"}, "None"),
                                           ({"OMP_WAIT_POLICY": "PASSIVE"}, "None")])
def test_a_users_own_setting_is_kept(env, expected):
    assert probe(**env) == expected

