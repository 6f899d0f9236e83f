"""A value opened with a separator, on the real engine with the embedded model
(SmolLM2-135M).

Asked for "the court case identified by docket number 123456 in Texas" (BFCL simple_python_169,
its function docs as the evaluation shows them), the model under the calls-only grammar (the
evaluation's settings) opens the docket number with a comma, ",123456"; with `example_shapes`
the turn holds "123456".
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import shaped_argument


@pytest.mark.parametrize("shapes", [False, True])
def test_the_docket_number_without_its_comma(gguf: Any, shapes: bool) -> None:
    text, value, notes = shaped_argument(gguf, "simple_python_169", shapes, "docket_number")
    assert '"docket_number": ",123456"' in text
    assert value == ("123456" if shapes else ",123456")
    assert ("court_case.search.docket_number: ',123456' as '123456'" in notes) == shapes
