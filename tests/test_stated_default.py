"""The default a parameter's schema or description states
(`lamagent.gate.reshape.stated_default`)."""

from __future__ import annotations

from typing import Any

import pytest

from lamagent.gate.reshape import stated_default


@pytest.mark.parametrize(
    ("spec", "default"),
    [
        ({"description": "The language of the lyrics. Default is English."}, "English"),
        ({"description": "Unit system. Defaults to 'metric'."}, "metric"),
        ({"description": "Currency code, default: USD"}, "USD"),
        ({"description": 'Where to search. Default is "New York, NY".'}, "New York, NY"),
        ({"description": "How many. Optional, default value is 10."}, "10"),
        # the schema's own default first
        ({"description": "Default is English.", "default": "French"}, "French"),
        ({"default": 5}, 5),
    ],
)
def test_the_stated_default(spec: dict[str, Any], default: Any) -> None:
    assert stated_default(spec) == default


@pytest.mark.parametrize(
    "description",
    [
        "No defaults here",  # "default" with no "is", "to" or ":" states none
        "The mode (default behaviour applies)",
        "The name of the city.",
        # a default followed by a condition is not read (bfcl-eval parallel_multiple_138)
        "Type of the lawsuit, e.g., 'IPR'. Default is all if not specified.",
    ],
)
def test_no_stated_default(description: str) -> None:
    assert stated_default({"description": description}) is None
