"""The tool choice: which calls a model may make in one step (a leaf module).

"auto" lets the model answer in text or call tools, "required" makes it call at least one tool,
"none" forbids calls, and any other string names the one tool it must call. The agent, the
evaluation and the Formats' call grammars all take this one type.
"""

from __future__ import annotations

from typing import Literal, TypeAlias, get_args

ToolChoiceMode: TypeAlias = Literal["auto", "required", "none"]
#: A `ToolChoiceMode` or the name of the one tool to call.
ToolChoice: TypeAlias = ToolChoiceMode | str
TOOL_CHOICE_MODES: tuple[str, ...] = get_args(ToolChoiceMode)


def named_tool(choice: ToolChoice) -> str | None:
    """The tool a choice names, or None for one of the modes."""
    return None if choice in TOOL_CHOICE_MODES else choice


__all__ = ["TOOL_CHOICE_MODES", "ToolChoice", "ToolChoiceMode", "named_tool"]
