namespace Stateport.Relocation.Snapshots;

/// <summary>The location given is not a usable snapshot (missing, not metadata, incomplete). Invalid input: exit 2.</summary>
public sealed class SnapshotException(string message) : Exception(message);
