"""The live side: one LiveStream per channel (reader, fan-out, HLS).

The registry creates them single-flight; they get a narrow context, never their owner.
"""
