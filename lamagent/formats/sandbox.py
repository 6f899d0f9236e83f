"""A Jinja2 sandbox for chat templates from model files: no escapes, bounded time and memory.

A chat template in a GGUF or a tokenizer config is untrusted input. Jinja's
`ImmutableSandboxedEnvironment` already refuses private attributes (`__class__`,
`__globals__`, ...) and mutating methods; this module adds what it lacks, so that a hostile
template gets a `FormatError` within a bound instead of hanging or exhausting memory:

- Size: every operation that can build a large value in one step is checked *before* it runs:
  `**` and `*` of integers (bits of the result), `*` and `+` of strings and lists, `~`
  (concatenation), the string methods and filters that pad, repeat, join or replace, `%` and
  `str.format` widths, `tojson`'s indent. No string may exceed `MAX_CHARS` characters nor a
  list `MAX_ITEMS` items, and the output is cut at `max_output_chars`.
- Time: every loop of the template iterates through a deadline check, and every call (macros,
  recursive loops, methods), operator and filter checks it too, so a render ends within
  `timeout` seconds whatever it loops or recurses over. Jinja has no other way to spend time:
  there is no `while`, and each single operation is bounded by the size checks.
- Errors: anything the template raises (a `ZeroDivisionError`, a `RecursionError`, a
  `raise_exception`, a compile error such as too deeply nested blocks) becomes a `FormatError`.

The environment is set up as transformers sets up `apply_chat_template` so that the bytes
match: `trim_blocks` and `lstrip_blocks`, the loop-controls extension, a `tojson` filter that is
`json.dumps(x, ensure_ascii=False, indent=indent)` with keys in their given order and no HTML
escaping (Jinja's own sorts keys and escapes `<>&'`), `raise_exception` and `strftime_now`.
"""

from __future__ import annotations

import copy
import json
import operator
import re
import string
import threading
import time
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from functools import wraps
from typing import Any, NoReturn

import jinja2
import jinja2.ext
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import Call, Concat, EnvironmentAttribute, EvalContext, For
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from lamagent.errors import FormatError

#: The longest string a template may build in one operation.
MAX_CHARS = 8_000_000
#: The longest list a template may build in one operation.
MAX_ITEMS = 1_000_000
#: The longest text given to the filters that do much work per character in Python.
MAX_SLOW_FILTER_CHARS = 100_000
#: The largest width, padding, precision or repeat count a template may ask for.
MAX_WIDTH = 100_000
#: The largest integer a template may compute, in bits (10**30000 is about 100,000 bits).
MAX_INT_BITS = 100_000
#: The largest `tojson(indent=...)`.
MAX_INDENT = 64
#: The longest template source accepted.
MAX_TEMPLATE_CHARS = 1_000_000
#: Default bounds of one render.
DEFAULT_TIMEOUT = 1.0
DEFAULT_MAX_OUTPUT = MAX_CHARS

#: Filters that walk their text word by word in Python.
_SLOW_FILTERS = frozenset({"urlize", "wordwrap", "title", "wordcount", "striptags"})


class TemplateLimitError(jinja2.exceptions.TemplateError):
    """A template went past a size or time bound."""


def _limit(what: str) -> NoReturn:
    raise TemplateLimitError(f"{what}: past the sandbox's limit")


def _check_size(value: Any, what: str) -> Any:
    if isinstance(value, str) and len(value) > MAX_CHARS:
        _limit(f"{what} builds {len(value)} characters (limit {MAX_CHARS})")
    if isinstance(value, list | tuple) and len(value) > MAX_ITEMS:
        _limit(f"{what} builds {len(value)} items (limit {MAX_ITEMS})")
    return value


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | list | tuple) else 0


def _cap(value: Any) -> int:
    return MAX_CHARS if isinstance(value, str) else MAX_ITEMS


def _check_int(n: Any, what: str) -> None:
    if isinstance(n, int) and not isinstance(n, bool) and abs(n) > MAX_WIDTH:
        _limit(f"{what} asks for {n} (limit {MAX_WIDTH})")


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
_DIGITS = re.compile(r"\d+")


def _check_percent_format(fmt: str) -> None:
    """Refuse `%` formats with huge widths or precisions, or widths taken from arguments."""
    for m in _PERCENT_SPEC.finditer(fmt):
        for group in m.groups():
            if group == "*":
                _limit("a '*' width in a % format")
            if group is not None:
                _check_int(int(group), "a % format width")


def _check_brace_format(fmt: str) -> None:
    """Refuse `str.format` specs with huge widths or precisions, or nested replacement fields."""
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        raise TemplateLimitError(f"bad format string: {exc}") from exc
    for _, _, spec, _ in parsed:
        if not spec:
            continue
        if "{" in spec:
            _limit("a nested replacement field in a format spec")
        for digits in _DIGITS.findall(spec):
            _check_int(int(digits), "a format width")


def _check_binop(op: str, left: Any, right: Any) -> None:
    """Refuse an operation whose result would be too large, before computing it."""
    ints = all(isinstance(x, int) for x in (left, right))
    if op == "**" and ints and right > 0:
        if abs(left) > 1 and abs(left).bit_length() * right > MAX_INT_BITS:
            _limit(f"a power of a {abs(left).bit_length()}-bit integer to {right}")
    elif op == "*":
        if ints and left.bit_length() + right.bit_length() > MAX_INT_BITS:
            _limit("an integer product")
        for seq, n in ((left, right), (right, left)):
            sized = isinstance(seq, str | list | tuple) and isinstance(n, int)
            if sized and len(seq) * n > _cap(seq):
                _limit(f"repeating {len(seq)} characters or items {n} times")
    elif op == "+":
        if _size(left) + _size(right) > _cap(left):
            _limit("a concatenation")
    elif op == "%" and isinstance(left, str):
        _check_percent_format(left)


def _estimate_method(name: str, owner: Any, args: tuple[Any, ...]) -> int:
    """An upper bound of the size of `owner.name(*args)` for the methods that can grow a value."""
    if name in ("center", "ljust", "rjust", "zfill"):
        return len(owner) + max((a for a in args if isinstance(a, int)), default=0)
    if name == "expandtabs":
        width = args[0] if args and isinstance(args[0], int) else 8
        return len(owner) * max(width, 1)
    if name == "replace" and len(args) >= 2:
        old, new = args[0], args[1]
        if isinstance(old, str) and isinstance(new, str):
            slots = len(owner) + 1 if not old else len(owner) // len(old)
            return len(owner) + slots * len(new)
    if name == "join" and args and isinstance(args[0], Iterable):
        items = list(args[0])
        return sum(_size(x) for x in items) + len(owner) * len(items)
    return 0


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles `~` (concatenation) to a size-checked join and every loop to a timed one."""

    def visit_Concat(self, node: Concat, frame: Frame) -> None:
        self.write("environment.bounded_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")

    def visit_For(self, node: For, frame: Frame) -> None:
        timed = copy.copy(node)
        timed.iter = Call(EnvironmentAttribute("timed_iter"), [node.iter], [], None, None)
        timed.iter.set_lineno(node.lineno)
        timed.iter.set_environment(self.environment)
        super().visit_For(timed, frame)


def _raise_exception(message: str) -> NoReturn:
    raise jinja2.exceptions.TemplateError(message)


def _tojson(
    x: Any,
    ensure_ascii: bool = False,
    indent: int | None = None,
    separators: tuple[str, str] | None = None,
    sort_keys: bool = False,
) -> str:
    if indent is not None and (not isinstance(indent, int) or not 0 <= indent <= MAX_INDENT):
        _limit(f"tojson(indent={indent!r}) (an indent from 0 to {MAX_INDENT})")
    if separators is not None and sum(len(str(s)) for s in separators) > MAX_INDENT:
        _limit("tojson separators")
    out = json.dumps(
        x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )
    return str(_check_size(out, "tojson"))


def _strftime_now(fmt: str) -> str:
    return datetime.now().strftime(fmt)


def _bounded_filter(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """A filter whose numeric arguments and result size are bounded."""

    @wraps(fn)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        values = [a for a in args if not isinstance(a, Context | EvalContext | jinja2.Environment)]
        if name in _SLOW_FILTERS and values and _size(values[0]) > MAX_SLOW_FILTER_CHARS:
            _limit(f"the '{name}' filter on {_size(values[0])} characters")
        for a in [*values[1:], *kwargs.values()]:
            _check_int(a, f"the '{name}' filter")
        if values and isinstance(values[0], str):
            text = values[0]
            if name == "indent":
                width = kwargs.get("width", values[1] if len(values) > 1 else 4)
                pad = len(width) if isinstance(width, str) else width
                if isinstance(pad, int) and (text.count("\n") + 1) * pad > MAX_CHARS:
                    _limit("the 'indent' filter")
            elif name == "format":
                _check_percent_format(text)
            elif name == "replace" and len(values) >= 3:
                grown = _estimate_method("replace", text, tuple(values[1:3]))
                if grown > MAX_CHARS:
                    _limit("the 'replace' filter")
        return _check_size(fn(*args, **kwargs), f"the '{name}' filter")

    return bounded


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox with size checks on every operation that can grow a value (see module doc)."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"**", "*", "+", "%", "//", "/"})

    def __init__(self) -> None:
        super().__init__(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
        self.globals.pop("lipsum", None)  # generates text of any requested size
        self.globals["raise_exception"] = _raise_exception
        self.globals["strftime_now"] = _strftime_now
        self.filters = {name: _bounded_filter(name, fn) for name, fn in self.filters.items()}
        self.filters["tojson"] = _tojson
        self._render = threading.local()

    @property
    def deadline(self) -> float:
        """When the render running in this thread must end (`time.monotonic()` seconds)."""
        return getattr(self._render, "deadline", float("inf"))

    @deadline.setter
    def deadline(self, value: float) -> None:
        self._render.deadline = value

    def check_time(self) -> None:
        """Raise once the render running in this thread is past its deadline."""
        if time.monotonic() > self.deadline:
            raise TemplateLimitError("rendering took longer than its time limit")

    def timed_iter(self, items: Any) -> Iterator[Any]:
        """What a `{% for %}` iterates over: `items`, with the deadline checked as it goes."""
        check = self.check_time
        for n, item in enumerate(items):
            if n % 64 == 0:
                check()
            yield item

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        self.check_time()
        _check_binop(operator_, left, right)
        result = _BINOPS[operator_](left, right)
        return _check_size(result, f"'{operator_}'")

    def bounded_join(self, parts: Iterable[Any]) -> str:
        """`~`: the parts as one string, refused past `MAX_CHARS`."""
        self.check_time()
        texts = [str(p) for p in parts]
        if sum(map(len, texts)) > MAX_CHARS:
            _limit("a '~' concatenation")
        return "".join(texts)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        _check_brace_format(value.__self__)

        def bounded(*args: Any, **kwargs: Any) -> str:
            return str(_check_size(wrapper(*args, **kwargs), "str.format"))

        return bounded

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        __self.check_time()
        if isinstance(__obj, types.BuiltinMethodType) and isinstance(
            __obj.__self__, str | list | tuple
        ):
            for a in [*args, *kwargs.values()]:
                _check_int(a, f"{__obj.__name__}()")
            if _estimate_method(__obj.__name__, __obj.__self__, args) > MAX_CHARS:
                _limit(f"{__obj.__name__}()")
        result = super().call(__context, __obj, *args, **kwargs)
        return _check_size(result, "a call")


_BINOPS: Mapping[str, Callable[[Any, Any], Any]] = {
    "**": operator.pow,
    "*": operator.mul,
    "+": operator.add,
    "%": operator.mod,
    "//": operator.floordiv,
    "/": operator.truediv,
}

#: What a template can raise by being wrong or hostile (anything else is a bug here).
TEMPLATE_ERRORS: tuple[type[BaseException], ...] = (
    jinja2.TemplateError,
    ArithmeticError,
    RecursionError,
    MemoryError,
    SyntaxError,  # IndentationError too: too deeply nested blocks
    TypeError,
    ValueError,
    AttributeError,
    LookupError,
    UnicodeError,
)


def compile_template(source: str) -> jinja2.Template:
    """Compile an untrusted chat template in the bounded sandbox; a bad one is a FormatError."""
    if len(source) > MAX_TEMPLATE_CHARS:
        raise FormatError(
            f"the chat template has {len(source)} characters (limit {MAX_TEMPLATE_CHARS})"
        )
    try:
        return BoundedSandbox().from_string(source)
    except TEMPLATE_ERRORS as exc:
        raise FormatError(f"the chat template does not compile: {_describe(exc)}") from exc


def render_template(
    template: jinja2.Template,
    variables: Mapping[str, Any],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_output_chars: int = DEFAULT_MAX_OUTPUT,
) -> str:
    """Render within `timeout` seconds and `max_output_chars`; any failure is a FormatError."""
    env = template.environment
    if not isinstance(env, BoundedSandbox):
        raise TypeError("render_template takes templates from compile_template")
    out: list[str] = []
    size = 0
    env.deadline = time.monotonic() + timeout
    try:
        for chunk in template.root_render_func(template.new_context(dict(variables))):
            size += len(chunk)
            if size > max_output_chars:
                _limit(f"the output passed {max_output_chars} characters")
            out.append(chunk)
    except jinja2.exceptions.SecurityError as exc:
        raise FormatError(
            f"the chat template tried something unsafe and was stopped: {exc}. Do not use "
            "this model file's template (pass a built-in format name instead)."
        ) from exc
    except TEMPLATE_ERRORS as exc:
        raise FormatError(f"the chat template failed to render: {_describe(exc)}") from exc
    finally:
        env.deadline = float("inf")
    return "".join(out)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
