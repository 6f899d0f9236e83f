"""Constrained decoding makes every call valid: BFCL cases on the real engine and model.

One generation per case (Format + backend, no agent loop), tool_choice "required", 12 seeded
cases per category. Every output must parse as calls and every call must verify against the
tools; none may be cut off by the token limit. The unconstrained rates are reported by
`bench/gguf.py --validity` (they are what this guarantee is measured against).
"""

from __future__ import annotations

import pytest

pytest.importorskip("llama_cpp")

from gguf_model import shared_backend
from gguf_validity import CATEGORIES, run_case, run_category, sample_cases, summary

pytestmark = [pytest.mark.gguf, pytest.mark.slow]

#: Seeded cases per category: together the three samples hold every parameter type (array,
#: boolean, dict, float, integer, string) and one to four calls, few enough for a 2-core CI
#: run (`bench/gguf.py --validity` measures the whole sample).
CASES_PER_CATEGORY = 12


@pytest.mark.parametrize("category", CATEGORIES)
def test_constrained_output_always_parses_and_verifies(category: str) -> None:
    tally = run_category(shared_backend(), category, CASES_PER_CATEGORY, constrained=True)
    bad = [o for o in tally.outcomes if not (o.parsed and o.verified)]
    print(category, summary(tally))
    assert len(tally.outcomes) == CASES_PER_CATEGORY
    assert not bad, [(o.id, o.problem, o.text[:200]) for o in bad]
    assert tally.cut_off == 0


#: Cases of the seeded 50-case simple_python sample where SmolLM2 under the call grammar starts
#: repeating its call (found by counting `LlamaCppBackend.repeats_stopped` over the sample).
REPEATING_SAMPLE = 50
REPEATING_CASES = ("simple_python_99", "simple_python_139", "simple_python_162")


def test_repeated_calls_end_the_list_instead_of_running_to_the_limit() -> None:
    backend = shared_backend()
    wanted = set(REPEATING_CASES)
    cases = [c for c in sample_cases("simple_python", REPEATING_SAMPLE) if c.id in wanted]
    assert {c.id for c in cases} == wanted
    for case in cases:
        before = backend.repeats_stopped
        guarded = run_case(backend, case, constrained=True)
        assert backend.repeats_stopped == before + 1
        assert guarded.parsed and guarded.verified and guarded.finish_reason == "stop", guarded
        backend.stop_repeated_calls = False
        try:
            unguarded = run_case(backend, case, constrained=True)
        finally:
            backend.stop_repeated_calls = True
        # Without the guard the same case repeats a call (the agent would de-duplicate it).
        assert unguarded.calls > guarded.calls, (guarded, unguarded)
