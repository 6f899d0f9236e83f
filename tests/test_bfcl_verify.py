"""Verification over all BFCL functions and ground-truth calls (see bench/bfcl_verify.py).

Every function becomes a Tool; every ground-truth call that agrees with its own schema
verifies; its three perturbations (unknown tool, unknown argument, uncoercible value) are
rejected with the right kind. Ground-truth calls that contradict their schema under a plain
JSON Schema validator are listed and excluded, not accepted by loosening verification.
"""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "bfcl"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bfcl_verify", ROOT / "bench" / "bfcl_verify.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench = _bench()


@pytest.fixture(scope="module")
def reports() -> list:
    return bench.run(DATA)


def test_every_file_is_checked(reports: list) -> None:
    names = {r.name for r in reports}
    assert names == {"simple_python", "multiple", "parallel", "live_simple", "irrelevance"}
    assert sum(r.functions for r in reports) == sum(r.tools for r in reports) > 1500


def test_every_ground_truth_call_verifies_and_every_perturbation_is_rejected(
    reports: list,
) -> None:
    for r in reports:
        print(
            f"{r.name}: functions={r.functions} calls={r.calls} accepted={r.accepted} "
            f"rejected={r.rejected} n/a={r.not_applicable} excluded={len(r.contradicting)}"
        )
        for line in r.contradicting:
            print("  excluded (contradicts its schema):", line)
        assert r.failures == []
        assert r.accepted == r.calls
        for kind in bench.PERTURBATIONS:
            assert r.rejected[kind] == r.calls - r.not_applicable[kind]
    calls = sum(r.calls for r in reports)
    assert calls > 1300
    assert sum(r.not_applicable["wrong_type"] for r in reports) <= 5
    assert all(r.not_applicable["unknown_tool"] == 0 for r in reports)


def test_schema_contradictions_are_few_and_known(reports: list) -> None:
    excluded = [line.split(" ")[0] for r in reports for line in r.contradicting]
    total = sum(r.calls for r in reports) + len(excluded)
    assert len(excluded) <= 0.01 * total
    # Ground truth omits required arguments or uses a value outside the enum.
    assert set(excluded) == {
        "simple_python_200",
        "live_simple_71-35-0",
        "live_simple_106-63-0",
        "live_simple_112-68-0",
    }


def test_ground_truth_arguments_take_first_values_and_recurse() -> None:
    answer = {
        "table": ["user"],
        "limit": ["", 10],
        "conditions": [[{"field": ["age"], "value": ["25", "26"]}, {"field": ["job"]}]],
        "budget": [{"min": [1], "max": ["", 5]}],
    }
    assert bench.ground_truth_arguments(answer) == {
        "table": "user",
        "conditions": [{"field": "age", "value": "25"}, {"field": "job"}],
        "budget": {"min": 1},
    }
