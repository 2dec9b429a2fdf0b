namespace Stateport.Metadata.Model;

/// <summary>A whole <c>_metadata</c> file.</summary>
public sealed class CheckpointMetadata
{
    public MetadataVersion Version { get; set; }
    public long CheckpointId { get; set; }
    public List<MasterState> MasterStates { get; set; } = [];
    public List<OperatorState> Operators { get; set; } = [];

    /// <summary>
    /// V4+: the Java-serialized CheckpointProperties (everything after the operators, verbatim).
    /// V1-V3: trailing bytes Flink does not read (normally empty), kept verbatim.
    /// </summary>
    public ReadOnlyMemory<byte> Trailer { get; set; }

    /// <summary>The channel-state layout the file was read with (V3 only differs).</summary>
    public ChannelLayout ChannelLayout { get; set; }

    /// <summary>The changelog layout the file was read with (V3 only differs).</summary>
    public ChangelogLayout ChangelogLayout { get; set; }

    /// <summary>Decoded from the properties blob (V4+); null when absent or unreadable.</summary>
    public SnapshotProperties? Properties => Version.HasPropertiesBlob() ? SnapshotProperties.TryDecode(Trailer.Span) : null;
}

/// <summary>A master hook state (V2+): opaque payload, no paths.</summary>
public sealed class MasterState
{
    public int MasterStateVersion { get; set; }
    public MutfString Name { get; set; }
    public ReadOnlyMemory<byte> Payload { get; set; }
}

/// <summary>One operator (V2+) or one task/operator chain (V1).</summary>
public sealed class OperatorState
{
    /// <summary>V5+: name ("" = none).</summary>
    public MutfString Name { get; set; }
    /// <summary>V5+: uid ("" = none).</summary>
    public MutfString Uid { get; set; }
    public OperatorId Id { get; set; }
    public int Parallelism { get; set; }
    public int MaxParallelism { get; set; }
    /// <summary>V1/V2: chain length (V2 writes a dummy 1).</summary>
    public int ChainLength { get; set; }
    /// <summary>V3+: type 0 (null) or 1.</summary>
    public IStreamStateHandle? CoordinatorState { get; set; }
    /// <summary>The subtask count as stored; negative (-1) = fully finished operator (1.14+).</summary>
    public int StoredSubtaskCount { get; set; }
    public List<SubtaskEntry> Subtasks { get; set; } = [];

    public bool IsFullyFinished => StoredSubtaskCount < 0;
}

/// <summary>A 16-byte operator/vertex id; Flink prints it as 32 hex chars (lower then upper, big-endian).</summary>
public readonly record struct OperatorId(long Lower, long Upper)
{
    public override string ToString() => $"{(ulong)Lower:x16}{(ulong)Upper:x16}";
}

/// <summary>A subtask slot: stored index (negative = finished subtask, 1.14+) and its state.</summary>
public sealed class SubtaskEntry
{
    public int StoredIndex { get; set; }
    /// <summary>Null for finished subtasks.</summary>
    public SubtaskState? State { get; set; }
    public int SubtaskIndex => StoredIndex >= 0 ? StoredIndex : -StoredIndex - 1;
    public bool IsFinished => StoredIndex < 0;
}

/// <summary>The state of one subtask, across every version's fields.</summary>
public sealed class SubtaskState
{
    /// <summary>V1/V2 dummy duration (-1).</summary>
    public long Duration { get; set; }
    /// <summary>V1: one legacy stream handle per chained operator (may be null). V2: legacy Checkpointed state (1.3 only).</summary>
    public List<IStreamStateHandle?> LegacyStates { get; set; } = [];
    /// <summary>V1 only: managed operator state per chain index (may be null).</summary>
    public List<IOperatorStateHandle?> ManagedOperatorChain { get; set; } = [];
    /// <summary>V1 only: raw operator state per chain index (may be null).</summary>
    public List<IOperatorStateHandle?> RawOperatorChain { get; set; } = [];
    /// <summary>V2+: raw "has managed operator state" int (0 = absent).</summary>
    public int ManagedOperatorFlag { get; set; }
    public IOperatorStateHandle? ManagedOperatorState { get; set; }
    /// <summary>V2+: raw "has raw operator state" int (0 = absent).</summary>
    public int RawOperatorFlag { get; set; }
    public IOperatorStateHandle? RawOperatorState { get; set; }
    public IKeyedStateHandle? ManagedKeyedState { get; set; }
    public IKeyedStateHandle? RawKeyedState { get; set; }
    /// <summary>V3+.</summary>
    public List<ChannelStateHandle> InputChannelStates { get; set; } = [];
    /// <summary>V3+.</summary>
    public List<ChannelStateHandle> ResultSubpartitionStates { get; set; } = [];
    /// <summary>V7 (unverified): raw marker byte (1 = ref checkpoint id present).</summary>
    public byte RefMarker { get; set; }
    public long RefCheckpointId { get; set; }
}
