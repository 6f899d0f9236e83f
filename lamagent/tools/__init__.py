"""Tools: Python functions and spec dicts as tools, and verification of the model's calls.

`@tool` turns a function into a `Tool` (JSON Schema from its signature and docstring, a pydantic
validator for its arguments); `Tool.from_spec` reads OpenAI, xLAM and BFCL spec dicts;
`Toolbox.verify` applies the xLAM paper's call checks and safe repairs.
"""

from lamagent.tools.spec import normalize_schema
from lamagent.tools.tool import Tool, tool
from lamagent.tools.toolbox import Toolbox
from lamagent.tools.verify import CallError, Repair, VerifiedCall

__all__ = [
    "CallError",
    "Repair",
    "Tool",
    "Toolbox",
    "VerifiedCall",
    "normalize_schema",
    "tool",
]
