using Stateport.Metadata.Model;
using Stateport.Metadata.Wire;

namespace Stateport.Metadata;

public static partial class MetadataWriter
{
    private static void WriteStreamHandle(JavaDataWriter w, IStreamStateHandle? handle)
    {
        switch (handle)
        {
            case null:
                w.WriteByte(TypeCodes.NullHandle);
                break;
            case ByteStreamStateHandle h:
                w.WriteByte(h.TypeCode);
                w.WriteUtf(h.HandleName);
                w.WriteBytes32(h.Data);
                break;
            case FileStateHandle h:
                w.WriteByte(h.TypeCode);
                w.WriteInt64(h.StateSize);
                w.WriteUtf(h.FilePath);
                break;
            case RelativeFileStateHandle h:
                w.WriteByte(h.TypeCode);
                w.WriteUtf(h.RelativePath);
                w.WriteInt64(h.StateSize);
                break;
            case KeyGroupsStateHandle h:
                w.WriteByte(h.TypeCode);
                WriteKeyGroupRangeOffsets(w, h);
                WriteStreamHandle(w, h.Delegate);
                if (h.TypeCode == TypeCodes.KeyGroupsHandleV2)
                {
                    w.WriteUtf(h.StateHandleId);
                }
                break;
            case SegmentFileStateHandle h:
                w.WriteByte(h.TypeCode);
                w.WriteInt64(h.StartPosition);
                w.WriteInt64(h.StateSize);
                w.WriteInt32(h.Scope);
                w.WriteUtf(h.PhysicalFilePath);
                w.WriteUtf(h.LogicalFileId);
                break;
            case EmptySegmentFileStateHandle h:
                w.WriteByte(h.TypeCode);
                break;
            default:
                throw new ArgumentException($"{handle.GetType().Name} cannot stand where a stream state handle is expected");
        }
    }

    private static void WriteKeyGroupRangeOffsets(JavaDataWriter w, KeyGroupsStateHandle h)
    {
        w.WriteInt32(h.StartKeyGroup);
        w.WriteInt32(h.Offsets.Length);
        foreach (var offset in h.Offsets)
        {
            w.WriteInt64(offset);
        }
    }

    private static void WriteKeyGroupRange(JavaDataWriter w, KeyGroupRange range)
    {
        w.WriteInt32(range.StartKeyGroup);
        w.WriteInt32(range.NumberOfKeyGroups);
    }

    private static void WriteKeyedHandle(JavaDataWriter w, IKeyedStateHandle? handle)
    {
        switch (handle)
        {
            case null:
                w.WriteByte(TypeCodes.NullHandle);
                break;
            case KeyGroupsStateHandle h:
                WriteStreamHandle(w, h);
                break;
            case IncrementalRemoteKeyedStateHandle h:
                {
                    var v2 = h.TypeCode == TypeCodes.IncrementalKeyGroupsHandleV2;
                    w.WriteByte(h.TypeCode);
                    w.WriteInt64(h.CheckpointId);
                    w.WriteUtf(h.BackendIdentifier);
                    WriteKeyGroupRange(w, h.KeyGroupRange);
                    if (v2)
                    {
                        w.WriteInt64(h.CheckpointedSize);
                    }
                    WriteStreamHandle(w, h.MetaDataState);
                    WriteHandleList(w, h.SharedState);
                    WriteHandleList(w, h.PrivateState);
                    if (v2)
                    {
                        w.WriteUtf(h.StateHandleId);
                    }
                    break;
                }
            case ChangelogStateBackendHandle h:
                w.WriteByte(h.TypeCode);
                WriteKeyGroupRange(w, h.KeyGroupRange);
                if (h.Layout == ChangelogLayout.B)
                {
                    w.WriteInt64(h.CheckpointedSize);
                }
                WriteKeyedList(w, h.Materialized);
                WriteKeyedList(w, h.NonMaterialized);
                if (h.Layout == ChangelogLayout.B)
                {
                    w.WriteInt64(h.MaterializationId);
                    if (h.TypeCode == TypeCodes.ChangelogHandleV2)
                    {
                        w.WriteInt64(h.CheckpointId);
                    }
                    w.WriteUtf(h.StateHandleId);
                }
                break;
            case InMemoryChangelogStateHandle h:
                w.WriteByte(h.TypeCode);
                WriteKeyGroupRange(w, h.KeyGroupRange);
                w.WriteInt64(h.From);
                w.WriteInt64(h.To);
                w.WriteInt32(h.Changes.Length);
                foreach (var change in h.Changes)
                {
                    w.WriteInt32(change.KeyGroup);
                    w.WriteBytes32(change.Change);
                }
                if (h.Layout == ChangelogLayout.B)
                {
                    w.WriteUtf(h.StateHandleId);
                }
                break;
            case ChangelogStateHandleStreamImpl h:
                w.WriteByte(h.TypeCode);
                WriteKeyGroupRange(w, h.KeyGroupRange);
                w.WriteInt32(h.Handles.Length);
                foreach (var entry in h.Handles)
                {
                    w.WriteInt64(entry.Offset);
                    WriteStreamHandle(w, entry.Handle);
                }
                w.WriteInt64(h.StateSize);
                if (h.Layout == ChangelogLayout.B)
                {
                    w.WriteInt64(h.CheckpointedSize);
                    w.WriteUtf(h.StateHandleId);
                    if (h.TypeCode == TypeCodes.ChangelogFileIncrementHandleV2)
                    {
                        w.WriteUtf(h.StorageIdentifier);
                    }
                }
                break;
            default:
                throw new ArgumentException($"{handle.GetType().Name} cannot stand where a keyed state handle is expected");
        }
    }

    private static void WriteKeyedList(JavaDataWriter w, IKeyedStateHandle?[] handles)
    {
        w.WriteInt32(handles.Length);
        foreach (var handle in handles)
        {
            WriteKeyedHandle(w, handle);
        }
    }

    private static void WriteHandleList(JavaDataWriter w, NamedStreamHandle[] entries)
    {
        w.WriteInt32(entries.Length);
        foreach (var entry in entries)
        {
            w.WriteUtf(entry.LocalPath);
            WriteStreamHandle(w, entry.Handle);
        }
    }

    private static void WriteOperatorHandle(JavaDataWriter w, IOperatorStateHandle? handle)
    {
        if (handle is null)
        {
            w.WriteByte(TypeCodes.NullHandle);
            return;
        }
        var h = (OperatorStreamStateHandle)handle;
        w.WriteByte(h.TypeCode);
        w.WriteInt32(h.States.Length);
        foreach (var state in h.States)
        {
            w.WriteUtf(state.Name);
            w.WriteByte(state.Mode);
            w.WriteInt32(state.Offsets.Length);
            foreach (var offset in state.Offsets)
            {
                w.WriteInt64(offset);
            }
        }
        if (h.IsFileMerging)
        {
            w.WriteUtf(h.TaskOwnedDirPath);
            w.WriteUtf(h.SharedDirPath);
            w.WriteByte(h.IsEmptyRaw);
        }
        WriteStreamHandle(w, h.Delegate);
    }

    private static void WriteChannelHandle(JavaDataWriter w, ChannelStateHandle h, MetadataVersion version)
    {
        if (version.ChannelHandlesHaveTypeByte())
        {
            w.WriteByte(h.V6TypeCode);
            if (h.IsMerged)
            {
                w.WriteInt32(h.SubtaskIndex);
                w.WriteInt64(h.StateSize);
                WriteStreamHandle(w, h.Delegate);
                w.WriteBytes32(h.MergedOffsets);
                return;
            }
        }
        if (h.Layout == ChannelLayout.Flink112)
        {
            w.WriteInt32(h.SubtaskIndex);
        }
        w.WriteInt32(h.InfoA);
        w.WriteInt32(h.InfoB);
        w.WriteInt32(h.Offsets.Length);
        foreach (var offset in h.Offsets)
        {
            w.WriteInt64(offset);
        }
        w.WriteInt64(h.StateSize);
        WriteStreamHandle(w, h.Delegate);
    }
}
