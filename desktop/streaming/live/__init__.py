"""The live side: one LiveStream per channel (reader, fan-out, HLS), the registry that creates them single-flight, the context they get."""
