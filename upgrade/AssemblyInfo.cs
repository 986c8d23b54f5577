// The A/B upgrade engine: see issue #7.
[assembly: System.Reflection.AssemblyMetadata("Layer", "upgrade")]
