"""The agent loop's internals: one step (`step`), a whole run (`driver`), their shared state.

Private: `lamagent.agent` is the public face. Split by responsibility so each part reads in
one sitting: `context` holds what is fixed for an agent, `state` what changes during a run.
"""
