"""Switches on the real engine with the embedded model (SmolLM2-135M).

"Keep the transaction private." names `private_visibility` by its first word (BFCL held-out
live_multiple_894-185-4); the model drafts it false, and with `mentioned_arguments` the turn
is generated again with the switch required and on. "Don't return full text" names
`full_text` off (held-out simple_python_169); the model drafts it true, and with
`example_shapes` the turn holds false, from the same generation.
"""

from __future__ import annotations

from typing import Any

from gguf_model import EVAL_SETTINGS, bfcl_turn, calls_turn

PAYMENT = {  # BFCL live_multiple_894-185-4's tool
    "name": "Payment_1_MakePayment",
    "description": "Initiates a transaction to send money to a friend or contact.",
    "parameters": {
        "type": "dict",
        "required": ["payment_method", "amount", "receiver"],
        "properties": {
            "payment_method": {
                "type": "string",
                "description": "The payment source to use for the transaction.",
                "enum": ["app balance", "debit card", "credit card"],
            },
            "amount": {"type": "float", "description": "The monetary value to send."},
            "receiver": {"type": "string", "description": "The contact to receive it."},
            "private_visibility": {
                "type": "boolean",
                "description": "A flag indicating whether the transaction is private (true) "
                "or public (false).",
                "default": False,
            },
        },
    },
}
QUERY = (
    "Can you assist me in sending $150 to Alice using my debit card? Keep the transaction private."
)


def test_a_switch_named_by_its_first_word_is_asked_for_on(gguf: Any) -> None:
    settings = {**EVAL_SETTINGS, "max_tokens": 96}
    drafted = calls_turn(gguf, QUERY, PAYMENT, **{**settings, "mentioned_arguments": False})
    asked = calls_turn(gguf, QUERY, PAYMENT, **settings)
    assert drafted.turn.calls[0].arguments.get("private_visibility", False) is False
    assert asked.turn.calls[0].arguments["private_visibility"] is True


def test_a_switch_named_off_is_false(gguf: Any) -> None:
    drafted = bfcl_turn(gguf, "simple_python_169", example_shapes=False)
    shaped = bfcl_turn(gguf, "simple_python_169", example_shapes=True)
    assert drafted.turn.calls[0].arguments["full_text"] is True
    assert shaped.turn.calls[0].arguments["full_text"] is False
    assert any("the switch the user named off" in note for note in shaped.reshaped)
