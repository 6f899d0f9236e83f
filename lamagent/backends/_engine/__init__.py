"""Mechanics every engine shares, one implementation each.

- `stops`: stop strings over a token stream (find across token boundaries, hold back prefixes);
- `json_scan`: an incremental JSON string/depth scanner;
- `prefix`: the one rule for reusing a KV cache across generations;
- `bridge`: hands items from an engine thread to the event loop, with one error policy;
- `compiled`: constraint keys and the cache of compiled grammars;
- `copy_bias`: copy-aware decoding of a call's string values (which tokens copy the sources).
- `closers`: which tokens close what a call list has open (near the token limit, or a value
  going round), and the part separators of a shaped string.

Engines (llama.cpp, transformers, a server, the scripted double) build on these instead of
keeping their own copies, so the behaviour the conformance suite checks cannot drift apart.
"""
