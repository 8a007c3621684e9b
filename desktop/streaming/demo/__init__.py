"""The simulated AceStream engine: demo mode's engine and every test's engine.

It lives in its own corner: only `desktop.streaming.service` (demo mode, a lazy
import) and the tests import it; it may use the core's small pure helpers
(`desktop.streaming.ts.packets`), never the reverse. The engine's behaviour it copies is
written down in docs/engine-api.md.

Run alone: `python -m desktop.streaming.demo --port 6878 [--unpaced]`.
"""
