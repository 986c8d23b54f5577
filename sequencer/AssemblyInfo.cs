// The sequencer layer: see issue #6.
[assembly: System.Reflection.AssemblyMetadata("Layer", "sequencer")]
