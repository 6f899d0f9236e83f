"""Hostile chat templates: every one fails with a FormatError, within a time and memory bound.

A chat template comes from a model file, so it is untrusted. Escapes are covered in
test_formats_template.py; here a template tries to crash the renderer (errors Python raises),
to run forever, or to build values larger than memory. Each must end in a `FormatError` within
two seconds, with a bounded peak of Python allocations.
"""

from __future__ import annotations

import time
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamagent import formats
from lamagent.errors import FormatError

MESSAGES = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}] * 3
#: Generous for the sandbox's 8-million-character cap, far below what an unbounded template takes.
PEAK_BYTES = 200 * 2**20
SECONDS = 2.0

NESTED_IFS = "{% if true %}" * 120 + "x" + "{% endif %}" * 120

HOSTILE = {
    # errors Python raises
    "zero division": "{{ 1 // 0 }}",
    "zero division (float)": "{{ 1 / 0 }}",
    "zero modulo": "{{ 1 % 0 }}",
    "recursion": "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    "too deeply nested blocks": NESTED_IFS,
    "syntax": "{% for %}",
    "undefined call": "{{ nothing() }}",
    "huge int to text": "{{ 10 ** 5000 }}",
    # time
    "nested loops": (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    ),
    "exponential macros": (
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}"
    ),
    "loop over a long string": (
        "{% for c in 'x' * 5000000 %}{% for d in 'y' * 5000000 %}{% endfor %}{% endfor %}"
    ),
    # memory in one step
    "power tower": "{{ 10 ** (10 ** 7) }}",  # Jinja's ** is left-associative
    "power of a power": "{{ (10 ** 10) ** (10 ** 7) }}",
    "string repeat": "{{ 'x' * 10**10 }}",
    "list repeat": "{{ [0] * 10**10 }}",
    "repeat of a repeat": "{{ 'x' * 100000 * 100000 }}",
    "int product": "{% set n = 10 ** 20000 %}{{ (n * n * n * n * n * n) > 0 }}",
    "tojson indent": "{{ messages | tojson(indent=10**9) }}",
    "huge range": "{{ range(10**10) | list | length }}",
    "center": "{{ 'x' | center(10**9) }}",
    "ljust": "{{ 'x'.ljust(10**9) }}",
    "expandtabs": "{{ ('\t' * 1000000).expandtabs(100000) }}",
    "percent width": "{{ '%-1000000000s' % 'x' }}",
    "percent star": "{{ '%*s' % (1000000000, 'x') }}",
    "format filter": "{{ '%1000000000d' | format(1) }}",
    "str.format width": "{{ '{:>1000000000}'.format('x') }}",
    "str.format nested": "{{ '{:>{w}}'.format('x', w=1000000000) }}",
    "replace": "{{ ('a' * 1000000).replace('', 'b' * 100000) }}",
    "replace filter": "{{ ('a' * 1000000) | replace('a', 'b' * 100000) }}",
    "indent": "{{ ('\n' * 1000000) | indent(100000) }}",
    "join": "{% set s = 'x' * 5000000 %}{{ s.join([s, s, s]) }}",
    "lipsum": "{{ lipsum(10**9) }}",
    # memory by growth
    "doubling with ~": (
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}{{ ns.s | length }}"
    ),
    "doubling with +": (
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}"
        "{% endfor %}{{ ns.s | length }}"
    ),
    "list doubling": (
        "{% set ns = namespace(s=[0]) %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}"
        "{% endfor %}{{ ns.s | length }}"
    ),
    "output flood": "{% for i in range(100000) %}{{ 'x' * 100000 }}{% endfor %}",
}


@pytest.mark.parametrize("template", HOSTILE.values(), ids=list(HOSTILE))
def test_hostile_template_fails_within_bounds(template: str) -> None:
    tracemalloc.start()
    start = time.monotonic()
    try:
        with pytest.raises(FormatError, match="chat template"):
            formats.from_chat_template(template).render(MESSAGES)
        elapsed = time.monotonic() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < SECONDS
    assert peak < PEAK_BYTES


def test_the_error_says_what_happened() -> None:
    with pytest.raises(FormatError, match="ZeroDivisionError"):
        formats.from_chat_template("{{ 1 // 0 }}").render(MESSAGES)
    with pytest.raises(FormatError, match="longer than"):
        formats.from_chat_template(HOSTILE["nested loops"]).render(MESSAGES)
    with pytest.raises(FormatError, match="limit"):
        formats.from_chat_template(HOSTILE["string repeat"]).render(MESSAGES)


def test_bounds_are_settings_of_the_format() -> None:
    loop = "{% for i in range(100000) %}{% for j in range(100) %}{% endfor %}{% endfor %}ok"
    start = time.monotonic()
    with pytest.raises(FormatError):
        formats.from_chat_template(loop, timeout=0.05).render(MESSAGES)
    assert time.monotonic() - start < 0.5
    with pytest.raises(FormatError, match="output"):
        formats.from_chat_template("{{ 'x' * 1000 }}", max_output_chars=999).render(MESSAGES)


def test_ordinary_templates_use_the_operators_the_sandbox_checks() -> None:
    # What real chat templates do with the intercepted operators still works.
    template = (
        "{{ '=' * 3 }}{{ 2 ** 10 }}{{ 7 // 2 }}{{ 7 % 4 }}{{ 'a' + 'b' }}{{ [1] + [2] }}"
        "{{ '%s!' % 'x' }}{{ '{}?'.format('y') }}{{ 'ab' | center(6) }}{{ 'q' ~ 1 }}"
        "{{ messages | tojson(indent=2) | length > 0 }}{{ ', '.join(['a', 'b']) }}"
    )
    out = formats.from_chat_template(template).render(MESSAGES)
    assert out == "===10243" + "3ab[1, 2]x!y?  ab  q1True" + "a, b"


def test_a_format_renders_again_after_a_hostile_render() -> None:
    template = (
        "{% for m in messages %}{{ m.content }}{% endfor %}"
        "{% if messages | length > 6 %}{% for i in range(100000) %}{% for j in range(100000) %}"
        "{% endfor %}{% endfor %}{% endif %}"
    )
    fmt = formats.from_chat_template(template, timeout=0.2)
    with pytest.raises(FormatError, match="longer than"):
        fmt.render([*MESSAGES, *MESSAGES])
    assert fmt.render(MESSAGES) == "hihello" * 3


OPERANDS = ["'ab'", "[1, 2]", "7", "100000", "(10 ** 6)", "messages", "'%9999999s'"]
OPERATORS = ["*", "**", "+", "~", "%", "//"]
FILTERS = ["center(100000)", "indent(100000)", "replace('', 'xyz')", "tojson", "list", "join"]


@st.composite
def expressions(draw: st.DrawFn, depth: int = 3) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(OPERANDS))
    left = draw(expressions(depth - 1))
    if draw(st.booleans()):
        return f"({left} | {draw(st.sampled_from(FILTERS))})"
    right = draw(expressions(depth - 1))
    return f"({left} {draw(st.sampled_from(OPERATORS))} {right})"


@settings(max_examples=120, deadline=None)
@given(expressions(), st.booleans())
def test_composed_expressions_render_or_fail_within_bounds(expr: str, in_loop: bool) -> None:
    body = f"{{{{ {expr} }}}}"
    template = f"{{% for i in range(100000) %}}{body}{{% endfor %}}" if in_loop else body
    start = time.monotonic()
    try:
        out = formats.from_chat_template(template).render(MESSAGES)
    except FormatError:
        out = ""
    assert time.monotonic() - start < SECONDS
    assert len(out) <= 8_000_000
