"""Call verification over BFCL: every function becomes a Tool, every ground-truth call verifies,
and three perturbations of each call are rejected with the right CallError kind.

    .venv/bin/python bench/bfcl_verify.py [DATA_DIR]

DATA_DIR holds BFCL_v4_*.json question files and possible_answer/ (default: tests/data/bfcl).
Ground-truth calls are built from the first acceptable value of each argument (recursing into
nested dict answers); arguments whose first acceptable value is "" (optional, left out) are
omitted. A ground-truth call that contradicts its own (normalised) schema under a plain JSON
Schema validator (`jsonschema`) is listed and left out of the counts: verification is not
loosened to accept it. Perturbations:
  unknown_tool      the call made to a name no tool has
  unknown_argument  an extra argument no tool defines
  wrong_type        one argument replaced by a value of a type that cannot be coerced
                    (calls whose arguments all accept any value are counted as n/a)
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from lamagent.messages import ToolCall
from lamagent.tools import CallError, Tool, Toolbox, VerifiedCall

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "bfcl"
UNKNOWN_ARGUMENT = "zz_undefined_argument"
PERTURBATIONS = ("unknown_tool", "unknown_argument", "wrong_type")


@dataclass
class FileReport:
    """Counts for one BFCL file, and every call that went against expectations."""

    name: str
    functions: int = 0
    tools: int = 0
    calls: int = 0
    accepted: int = 0
    rejected: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PERTURBATIONS, 0))
    not_applicable: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PERTURBATIONS, 0))
    repaired: int = 0
    repair_kinds: dict[str, int] = field(default_factory=dict)
    contradicting: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def perturbed(self, kind: str) -> int:
        return self.calls - self.not_applicable[kind]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def first_value(value: Any) -> Any:
    """The first acceptable value of a nested BFCL answer (dicts of lists of options)."""
    if isinstance(value, dict) and all(isinstance(v, list) for v in value.values()):
        return ground_truth_arguments(value)
    if isinstance(value, list):
        return [first_value(v) for v in value]
    return value


def ground_truth_arguments(answer: dict[str, Any]) -> dict[str, Any]:
    """`{arg: [option, ...]}` -> `{arg: first option}`, leaving out `""` (optional, omitted)."""
    out = {}
    for name, options in answer.items():
        if not isinstance(options, list) or not options or options[0] == "":
            continue
        out[name] = first_value(options[0])
    return out


def wrong_value(schema: Any) -> tuple[bool, Any]:
    """A value of a type the schema rejects and verification cannot repair."""
    if not isinstance(schema, dict):
        return False, None
    kind = schema.get("type")
    if kind in ("string", "integer", "number", "boolean"):
        return True, {"unexpected": "object"}
    if kind == "object":
        return True, 12345
    if kind == "array":
        items = schema.get("items")
        item_type = items.get("type") if isinstance(items, dict) else None
        if item_type in ("string", "integer", "number", "boolean", "array"):
            return True, {"unexpected": "object"}  # not an item either, so not wrapped
        if item_type == "object":
            return True, 12345
    return False, None


def schema_problem(tool: Tool, arguments: dict[str, Any]) -> str | None:
    """Why a plain JSON Schema validator rejects the arguments (undefined ones included)."""
    strict = {**tool.parameters, "additionalProperties": False}
    validator = jsonschema.Draft202012Validator(strict)
    errors = sorted(validator.iter_errors(arguments), key=lambda e: list(e.path))
    if not errors:
        return None
    e = errors[0]
    where = "/".join(str(p) for p in e.path) or "(arguments)"
    return f"{where}: {e.message[:120]}"


def check_file(question_file: Path, answer_file: Path | None) -> FileReport:
    report = FileReport(question_file.stem.replace("BFCL_v4_", ""))
    answers = {}
    if answer_file is not None and answer_file.exists():
        answers = {r["id"]: r["ground_truth"] for r in read_jsonl(answer_file)}
    for record in read_jsonl(question_file):
        report.functions += len(record["function"])
        toolbox = Toolbox(Tool.from_spec(spec) for spec in record["function"])
        report.tools += len(toolbox)
        for truth in answers.get(record["id"], []):
            ((name, answer),) = truth.items()
            label = f"{record['id']} {name}"
            arguments = ground_truth_arguments(answer)
            if name not in toolbox:
                report.failures.append(f"{label}: ground truth names an undefined tool")
                continue
            problem = schema_problem(toolbox[name], arguments)
            if problem is not None:
                report.contradicting.append(f"{label}: {problem}")
                continue
            report.calls += 1
            result = toolbox.verify(ToolCall(name=name, arguments=arguments))
            if isinstance(result, VerifiedCall):
                report.accepted += 1
                report.repaired += bool(result.repairs)
                for repair in result.repairs:
                    report.repair_kinds[repair.kind] = report.repair_kinds.get(repair.kind, 0) + 1
            else:
                report.failures.append(f"{label}: rejected ({result.kind}) {result.message}")
            perturb(report, toolbox, name, arguments, label)
    return report


def perturb(
    report: FileReport, toolbox: Toolbox, name: str, arguments: dict[str, Any], label: str
) -> None:
    calls = {
        "unknown_tool": ToolCall(name=f"{name}_undefined", arguments=arguments),
        "unknown_argument": ToolCall(name=name, arguments={**arguments, UNKNOWN_ARGUMENT: 1}),
    }
    props = toolbox[name].parameters["properties"]
    for arg in arguments:
        ok, value = wrong_value(props.get(arg))
        if ok:
            calls["wrong_type"] = ToolCall(name=name, arguments={**arguments, arg: value})
            break
    for kind in PERTURBATIONS:
        call = calls.get(kind)
        if call is None:
            report.not_applicable[kind] += 1
            continue
        result = toolbox.verify(call)
        if isinstance(result, CallError) and result.kind == kind:
            report.rejected[kind] += 1
        else:
            got = result.kind if isinstance(result, CallError) else "accepted"
            report.failures.append(f"{label}: perturbation {kind} gave {got}")


def run(data_dir: Path = DEFAULT_DIR) -> list[FileReport]:
    reports = []
    for question_file in sorted(data_dir.glob("BFCL_*.json")):
        answer_file = data_dir / "possible_answer" / question_file.name
        reports.append(check_file(question_file, answer_file))
    return reports


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def main(argv: list[str]) -> int:
    data_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_DIR
    start = time.perf_counter()
    reports = run(data_dir)
    elapsed = time.perf_counter() - start
    header = (
        f"{'file':<16}{'functions':>10}{'tools':>7}{'calls':>7}{'accepted':>10}"
        f"{'unk_tool':>10}{'unk_arg':>10}{'wrong_type':>12}{'excluded':>10}"
    )
    print(header)
    print("-" * len(header))
    total = FileReport("total")
    for r in reports:
        print(
            f"{r.name:<16}{r.functions:>10}{r.tools:>7}{r.calls:>7}"
            f"{_pct(r.accepted, r.calls):>10}"
            f"{_pct(r.rejected['unknown_tool'], r.perturbed('unknown_tool')):>10}"
            f"{_pct(r.rejected['unknown_argument'], r.perturbed('unknown_argument')):>10}"
            f"{_pct(r.rejected['wrong_type'], r.perturbed('wrong_type')):>12}"
            f"{len(r.contradicting):>10}"
        )
        total.functions += r.functions
        total.tools += r.tools
        total.calls += r.calls
        total.accepted += r.accepted
        total.repaired += r.repaired
        for kind, count in r.repair_kinds.items():
            total.repair_kinds[kind] = total.repair_kinds.get(kind, 0) + count
        for k in PERTURBATIONS:
            total.rejected[k] += r.rejected[k]
            total.not_applicable[k] += r.not_applicable[k]
        total.contradicting += r.contradicting
        total.failures += r.failures
    print("-" * len(header))
    print(
        f"{'total':<16}{total.functions:>10}{total.tools:>7}{total.calls:>7}"
        f"{total.accepted:>10}{total.rejected['unknown_tool']:>10}"
        f"{total.rejected['unknown_argument']:>10}{total.rejected['wrong_type']:>12}"
        f"{len(total.contradicting):>10}"
    )
    na = total.not_applicable["wrong_type"]
    print(f"\nwrong_type n/a (every argument accepts any value): {na}")
    print(f"ground-truth calls accepted with repairs: {total.repaired}")
    for kind, count in sorted(total.repair_kinds.items()):
        print(f"  {kind}: {count}")
    print(f"{total.calls} ground-truth calls, {3 * total.calls} perturbations: {elapsed:.2f} s")
    print(f"\nground-truth calls contradicting their own schema ({len(total.contradicting)}):")
    for line in total.contradicting:
        print("  " + line)
    print(f"\nunexpected results ({len(total.failures)}):")
    for line in total.failures:
        print("  " + line[:300])
    return 1 if total.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
