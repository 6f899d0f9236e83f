"""The agent loop's internals: one step (`step`), a whole run (`driver`), their shared state.

Private: `lamagent.agent` is the public face. Split by responsibility so each part reads in
one sitting: `context` holds what is fixed for an agent, `state` what changes during a run.
Conversations that last: `history` (the messages, grown from and rebuilt from the record),
`durable` (one writer per conversation, state loaded from a store), `approval` (runs paused
for a person's decision), `window` and `fitting` (prompts cut to the context window),
`repeats` (the same calls turn after turn).
"""
