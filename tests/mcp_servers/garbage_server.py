"""A broken MCP server over stdio, in plain JSON-RPC: it lists tools, then answers badly.

`broken` answers with noise on the wire and then a result of the wrong shape; `silent` answers
with noise only, never with a response. Everything else follows the initialize handshake.
"""

from __future__ import annotations

import json
import sys
from typing import Any

TOOLS = [
    {"name": name, "description": f"A {name} tool.", "inputSchema": {"type": "object"}}
    for name in ("broken", "silent")
]


def reply(message_id: Any, **payload: Any) -> None:
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": message_id, **payload}) + "\n")
    sys.stdout.flush()


def noise() -> None:
    sys.stdout.write("this is not JSON-RPC {{{\n")
    sys.stdout.flush()


def main() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        method, message_id = request.get("method"), request.get("id")
        if message_id is None:
            continue  # a notification
        if method == "initialize":
            version = request["params"]["protocolVersion"]
            reply(
                message_id,
                result={
                    "protocolVersion": version,
                    "capabilities": {"tools": {}},
                    "serverInfo": {"name": "garbage", "version": "0"},
                },
            )
        elif method == "tools/list":
            reply(message_id, result={"tools": TOOLS})
        elif method == "tools/call" and request["params"]["name"] == "broken":
            noise()
            reply(message_id, result={"content": "not a list of blocks", "isError": "perhaps"})
        elif method == "tools/call":
            noise()
        else:
            reply(message_id, error={"code": -32601, "message": f"no method {method}"})


if __name__ == "__main__":
    main()
