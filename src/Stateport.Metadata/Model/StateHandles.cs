using Stateport.Metadata.Wire;

namespace Stateport.Metadata.Model;

/// <summary>
/// Base of every state handle. Each keeps the type code it was read with (3 vs 12, 5 vs 11, 8 vs 14,
/// 10 vs 13, 7) and its layout variant, and is written back the same way: never "upgraded".
/// </summary>
public abstract class StateHandle
{
    protected StateHandle(byte typeCode) => TypeCode = typeCode;

    /// <summary>The type code on disk.</summary>
    public byte TypeCode { get; }

    /// <summary>Flink's class name, for display.</summary>
    public abstract string KindName { get; }
}

/// <summary>A handle allowed where Flink reads a StreamStateHandle (codes 1, 2, 3, 6, 15, 16).</summary>
public interface IStreamStateHandle
{
    byte TypeCode { get; }
}

/// <summary>A handle allowed where Flink reads a KeyedStateHandle (codes 3, 5, 7-14).</summary>
public interface IKeyedStateHandle
{
    byte TypeCode { get; }
}

/// <summary>A handle allowed where Flink reads an OperatorStateHandle (codes 4, 17).</summary>
public interface IOperatorStateHandle
{
    byte TypeCode { get; }
}

/// <summary>Key-group range as stored: (start, count).</summary>
public readonly record struct KeyGroupRange(int StartKeyGroup, int NumberOfKeyGroups);

// ---------------------------------------------------------------- stream handles

/// <summary>Code 1: state inlined in <c>_metadata</c>. The name may look like a path but is only an identity key.</summary>
public sealed class ByteStreamStateHandle() : StateHandle(TypeCodes.ByteStreamStateHandle), IStreamStateHandle
{
    public MutfString HandleName { get; set; }
    public ReadOnlyMemory<byte> Data { get; set; }
    public override string KindName => "ByteStreamStateHandle";
}

/// <summary>Code 2: a file referenced by absolute path (Flink Path.toString()).</summary>
public sealed class FileStateHandle() : StateHandle(TypeCodes.FileStreamStateHandle), IStreamStateHandle
{
    /// <summary>Bytes in the file; -1 = unknown.</summary>
    public long StateSize { get; set; }
    public MutfString FilePath { get; set; }
    public override string KindName => "FileStateHandle";
}

/// <summary>Code 6: a file inside the snapshot's exclusive directory, by relative path.</summary>
public sealed class RelativeFileStateHandle() : StateHandle(TypeCodes.RelativeStreamStateHandle), IStreamStateHandle
{
    public MutfString RelativePath { get; set; }
    /// <summary>Bytes in the file; -1 = unknown.</summary>
    public long StateSize { get; set; }
    public override string KindName => "RelativeFileStateHandle";
}

/// <summary>Code 15: a segment (startPos, stateSize) of a physical file shared by file merging (1.20+).</summary>
public sealed class SegmentFileStateHandle() : StateHandle(TypeCodes.SegmentFileHandle), IStreamStateHandle
{
    public long StartPosition { get; set; }
    public long StateSize { get; set; }
    /// <summary>0 = EXCLUSIVE, 1 = SHARED.</summary>
    public int Scope { get; set; }
    public MutfString PhysicalFilePath { get; set; }
    public MutfString LogicalFileId { get; set; }
    public override string KindName => "SegmentFileStateHandle";
}

/// <summary>Code 16: the empty segment singleton (no bytes on disk).</summary>
public sealed class EmptySegmentFileStateHandle() : StateHandle(TypeCodes.EmptySegmentFileHandle), IStreamStateHandle
{
    public override string KindName => "EmptySegmentFileStateHandle";
}

// ---------------------------------------------------------------- keyed handles

/// <summary>
/// Codes 3 (KeyGroupsStateHandle, also as a nested stream handle since 1.13), 12 (with state-handle id,
/// 1.15+) and 7 (KeyGroupsSavepointStateHandle, canonical savepoints 1.13+). Same body, except 12's id.
/// </summary>
public sealed class KeyGroupsStateHandle(byte typeCode) : StateHandle(typeCode), IKeyedStateHandle, IStreamStateHandle
{
    public int StartKeyGroup { get; set; }
    /// <summary>One offset per key group, positions inside the delegate's file.</summary>
    public long[] Offsets { get; set; } = [];
    public IStreamStateHandle? Delegate { get; set; }
    /// <summary>Only for code 12.</summary>
    public MutfString StateHandleId { get; set; }
    public override string KindName => TypeCode == TypeCodes.SavepointKeyGroupsHandle ? "KeyGroupsSavepointStateHandle" : "KeyGroupsStateHandle";
}

/// <summary>One entry of an incremental handle's shared or private list: local file name → handle.</summary>
public struct NamedStreamHandle
{
    /// <summary>RocksDB/ForSt local file name ("000010.sst") or, before 1.18, a StateHandleID string. Not a path.</summary>
    public MutfString LocalPath { get; set; }
    public IStreamStateHandle? Handle { get; set; }
}

/// <summary>Codes 5 (pre-1.15) and 11 (1.15+): incremental RocksDB/ForSt snapshot.</summary>
public sealed class IncrementalRemoteKeyedStateHandle(byte typeCode) : StateHandle(typeCode), IKeyedStateHandle
{
    public long CheckpointId { get; set; }
    public MutfString BackendIdentifier { get; set; }
    public KeyGroupRange KeyGroupRange { get; set; }
    /// <summary>Only for code 11.</summary>
    public long CheckpointedSize { get; set; }
    public IStreamStateHandle? MetaDataState { get; set; }
    public NamedStreamHandle[] SharedState { get; set; } = [];
    public NamedStreamHandle[] PrivateState { get; set; } = [];
    /// <summary>Only for code 11.</summary>
    public MutfString StateHandleId { get; set; }
    public override string KindName => "IncrementalRemoteKeyedStateHandle";
}

/// <summary>Layout of the changelog codes 8/9/10: Flink 1.14 (A) or 1.15+ (B).</summary>
public enum ChangelogLayout
{
    /// <summary>Flink 1.15+ (and always for codes 13/14).</summary>
    B,
    /// <summary>Flink 1.14 (experimental changelog backend).</summary>
    A,
}

/// <summary>Codes 8 (layout A 1.14 / B 1.15) and 14 (1.16+): materialized + non-materialized parts.</summary>
public sealed class ChangelogStateBackendHandle(byte typeCode, ChangelogLayout layout) : StateHandle(typeCode), IKeyedStateHandle
{
    public ChangelogLayout Layout { get; } = layout;
    public KeyGroupRange KeyGroupRange { get; set; }
    public long CheckpointedSize { get; set; }
    /// <summary>May contain null entries (kept for round trip).</summary>
    public IKeyedStateHandle?[] Materialized { get; set; } = [];
    public IKeyedStateHandle?[] NonMaterialized { get; set; } = [];
    public long MaterializationId { get; set; }
    /// <summary>Only for code 14.</summary>
    public long CheckpointId { get; set; }
    public MutfString StateHandleId { get; set; }
    public override string KindName => "ChangelogStateBackendHandle";
}

/// <summary>One change of an in-memory changelog handle.</summary>
public readonly record struct KeyGroupChange(int KeyGroup, ReadOnlyMemory<byte> Change);

/// <summary>Code 9: in-memory changelog (layout A 1.14 / B 1.15+).</summary>
public sealed class InMemoryChangelogStateHandle(ChangelogLayout layout) : StateHandle(TypeCodes.ChangelogByteIncrementHandle), IKeyedStateHandle
{
    public ChangelogLayout Layout { get; } = layout;
    public KeyGroupRange KeyGroupRange { get; set; }
    public long From { get; set; }
    public long To { get; set; }
    public KeyGroupChange[] Changes { get; set; } = [];
    public MutfString StateHandleId { get; set; }
    public override string KindName => "InMemoryChangelogStateHandle";
}

/// <summary>One (offset, handle) entry of a changelog file handle.</summary>
public struct OffsetStreamHandle
{
    public long Offset { get; set; }
    public IStreamStateHandle? Handle { get; set; }
}

/// <summary>Codes 10 (layout A 1.14 / B 1.15) and 13 (1.16+): changelog files (DSTL), absolute paths inside.</summary>
public sealed class ChangelogStateHandleStreamImpl(byte typeCode, ChangelogLayout layout) : StateHandle(typeCode), IKeyedStateHandle
{
    public ChangelogLayout Layout { get; } = layout;
    public KeyGroupRange KeyGroupRange { get; set; }
    public OffsetStreamHandle[] Handles { get; set; } = [];
    public long StateSize { get; set; }
    public long CheckpointedSize { get; set; }
    public MutfString StateHandleId { get; set; }
    /// <summary>Only for code 13.</summary>
    public MutfString StorageIdentifier { get; set; }
    public override string KindName => "ChangelogStateHandleStreamImpl";
}

// ---------------------------------------------------------------- operator handles

/// <summary>One named operator state: its distribution mode and offsets inside the delegate file.</summary>
public struct OperatorStateEntry
{
    public MutfString Name { get; set; }
    /// <summary>0 = SPLIT_DISTRIBUTE, 1 = UNION, 2 = BROADCAST.</summary>
    public byte Mode { get; set; }
    public long[] Offsets { get; set; }
}

/// <summary>Codes 4 and 17 (file merging, 1.20+).</summary>
public sealed class OperatorStreamStateHandle(byte typeCode) : StateHandle(typeCode), IOperatorStateHandle
{
    public OperatorStateEntry[] States { get; set; } = [];
    /// <summary>Only for code 17: absolute directory.</summary>
    public MutfString TaskOwnedDirPath { get; set; }
    /// <summary>Only for code 17: absolute directory.</summary>
    public MutfString SharedDirPath { get; set; }
    /// <summary>Only for code 17: raw bool byte (non-zero = EmptyFileMergingOperatorStreamStateHandle).</summary>
    public byte IsEmptyRaw { get; set; }
    public IStreamStateHandle? Delegate { get; set; }
    public bool IsFileMerging => TypeCode == TypeCodes.SegmentPartitionableOperatorStateHandle;
    public override string KindName => IsFileMerging ? "FileMergingOperatorStreamStateHandle" : "OperatorStreamStateHandle";
}

// ---------------------------------------------------------------- channel state

/// <summary>Layout of a V3-V5 channel handle: 1.12+ (with subtask index) or 1.11 (without).</summary>
public enum ChannelLayout
{
    Flink112,
    Flink111,
}

/// <summary>
/// Unaligned-checkpoint channel state (input channel or result subpartition). In V6+ each carries a
/// type byte (1/2 single, 3/4 merged); in V3-V5 there is none (<see cref="V6TypeCode"/> = 0).
/// </summary>
public sealed class ChannelStateHandle : StateHandle
{
    public ChannelStateHandle(bool isInput, byte v6TypeCode, ChannelLayout layout)
        : base(v6TypeCode)
    {
        IsInput = isInput;
        Layout = layout;
    }

    public bool IsInput { get; }
    public ChannelLayout Layout { get; }
    /// <summary>0 before V6; else 1-4.</summary>
    public byte V6TypeCode => TypeCode;
    public bool IsMerged => TypeCode is TypeCodes.MergedInputChannelStateHandle or TypeCodes.MergedResultSubpartitionStateHandle;
    public int SubtaskIndex { get; set; }
    /// <summary>Gate index (input) or partition index (output); single handles only.</summary>
    public int InfoA { get; set; }
    /// <summary>Channel index (input) or subpartition index (output); single handles only.</summary>
    public int InfoB { get; set; }
    public long[] Offsets { get; set; } = [];
    public long StateSize { get; set; }
    public IStreamStateHandle? Delegate { get; set; }
    /// <summary>Merged handles only: serialized per-channel offsets (opaque, no paths).</summary>
    public ReadOnlyMemory<byte> MergedOffsets { get; set; }
    public override string KindName => (IsMerged ? "Merged" : "") + (IsInput ? "InputChannelStateHandle" : "ResultSubpartitionStateHandle");
}
