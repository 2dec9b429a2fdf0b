using Stateport.Metadata.Model;
using Stateport.Metadata.Wire;

namespace Stateport.Metadata;

public static partial class MetadataReader
{
    private static void Enter(ref JavaDataReader r)
    {
        if (++r.Depth > r.MaxDepth)
        {
            throw MetadataFormatException.DepthExceeded(r.Position, r.MaxDepth, r.Context);
        }
    }

    /// <summary>StreamHandle context: codes 0, 1, 2, 3, 6, 15, 16.</summary>
    private static IStreamStateHandle? ReadStreamHandle(ref JavaDataReader r)
    {
        var offset = r.Position;
        var code = r.ReadByte();
        switch (code)
        {
            case TypeCodes.NullHandle:
                return null;
            case TypeCodes.ByteStreamStateHandle:
                return new ByteStreamStateHandle { HandleName = r.ReadUtf(), Data = r.ReadBytes32("inline state length") };
            case TypeCodes.FileStreamStateHandle:
                {
                    var size = r.ReadInt64();
                    return new FileStateHandle { StateSize = size, FilePath = r.ReadUtf() };
                }
            case TypeCodes.RelativeStreamStateHandle:
                {
                    var path = r.ReadUtf();
                    return new RelativeFileStateHandle { RelativePath = path, StateSize = r.ReadInt64() };
                }
            case TypeCodes.KeyGroupsHandle:
                {
                    Enter(ref r);
                    var handle = new KeyGroupsStateHandle(code);
                    ReadKeyGroupRangeOffsets(ref r, handle);
                    handle.Delegate = ReadStreamHandle(ref r);
                    r.Depth--;
                    return handle;
                }
            case TypeCodes.SegmentFileHandle:
                return new SegmentFileStateHandle
                {
                    StartPosition = r.ReadInt64(),
                    StateSize = r.ReadInt64(),
                    Scope = r.ReadInt32(),
                    PhysicalFilePath = r.ReadUtf(),
                    LogicalFileId = r.ReadUtf(),
                };
            case TypeCodes.EmptySegmentFileHandle:
                return new EmptySegmentFileStateHandle();
            default:
                throw MetadataFormatException.UnknownHandleType(offset, code, "stream state", r.Context);
        }
    }

    private static void ReadKeyGroupRangeOffsets(ref JavaDataReader r, KeyGroupsStateHandle handle)
    {
        handle.StartKeyGroup = r.ReadInt32();
        var count = r.ReadCount("key group count", 8);
        var offsets = new long[count];
        for (var i = 0; i < offsets.Length; i++)
        {
            offsets[i] = r.ReadInt64();
        }
        handle.Offsets = offsets;
    }

    private static KeyGroupRange ReadKeyGroupRange(ref JavaDataReader r) => new(r.ReadInt32(), r.ReadInt32());

    /// <summary>KeyedHandle context: codes 0, 3, 5, 7-14.</summary>
    private static IKeyedStateHandle? ReadKeyedHandle(ref JavaDataReader r)
    {
        var offset = r.Position;
        var code = r.ReadByte();
        switch (code)
        {
            case TypeCodes.NullHandle:
                return null;
            case TypeCodes.KeyGroupsHandle or TypeCodes.SavepointKeyGroupsHandle or TypeCodes.KeyGroupsHandleV2:
                {
                    Enter(ref r);
                    var handle = new KeyGroupsStateHandle(code);
                    ReadKeyGroupRangeOffsets(ref r, handle);
                    handle.Delegate = ReadStreamHandle(ref r);
                    if (code == TypeCodes.KeyGroupsHandleV2)
                    {
                        handle.StateHandleId = r.ReadUtf();
                    }
                    r.Depth--;
                    return handle;
                }
            case TypeCodes.IncrementalKeyGroupsHandle or TypeCodes.IncrementalKeyGroupsHandleV2:
                {
                    Enter(ref r);
                    var v2 = code == TypeCodes.IncrementalKeyGroupsHandleV2;
                    var handle = new IncrementalRemoteKeyedStateHandle(code)
                    {
                        CheckpointId = r.ReadInt64(),
                        BackendIdentifier = r.ReadUtf(),
                        KeyGroupRange = ReadKeyGroupRange(ref r),
                    };
                    if (v2)
                    {
                        handle.CheckpointedSize = r.ReadInt64();
                    }
                    handle.MetaDataState = ReadStreamHandle(ref r);
                    handle.SharedState = ReadHandleList(ref r, "shared state count");
                    handle.PrivateState = ReadHandleList(ref r, "private state count");
                    if (v2)
                    {
                        handle.StateHandleId = r.ReadUtf();
                    }
                    r.Depth--;
                    return handle;
                }
            case TypeCodes.ChangelogHandle or TypeCodes.ChangelogHandleV2:
                {
                    Enter(ref r);
                    var layout = code == TypeCodes.ChangelogHandleV2 ? ChangelogLayout.B : r.ChangelogLayout;
                    var handle = new ChangelogStateBackendHandle(code, layout) { KeyGroupRange = ReadKeyGroupRange(ref r) };
                    if (layout == ChangelogLayout.B)
                    {
                        handle.CheckpointedSize = r.ReadInt64();
                    }
                    handle.Materialized = ReadKeyedList(ref r, "materialized state count");
                    handle.NonMaterialized = ReadKeyedList(ref r, "non-materialized state count");
                    if (layout == ChangelogLayout.B)
                    {
                        handle.MaterializationId = r.ReadInt64();
                        if (code == TypeCodes.ChangelogHandleV2)
                        {
                            handle.CheckpointId = r.ReadInt64();
                        }
                        handle.StateHandleId = r.ReadUtf();
                    }
                    r.Depth--;
                    return handle;
                }
            case TypeCodes.ChangelogByteIncrementHandle:
                {
                    var handle = new InMemoryChangelogStateHandle(r.ChangelogLayout)
                    {
                        KeyGroupRange = ReadKeyGroupRange(ref r),
                        From = r.ReadInt64(),
                        To = r.ReadInt64(),
                    };
                    var count = r.ReadCount("change count", 8);
                    var changes = new ArrayFiller<KeyGroupChange>(count, r.Remaining);
                    for (var i = 0; i < count; i++)
                    {
                        var keyGroup = r.ReadInt32();
                        changes.Add(new KeyGroupChange(keyGroup, r.ReadBytes32("change length")));
                    }
                    handle.Changes = changes.ToArray();
                    if (handle.Layout == ChangelogLayout.B)
                    {
                        handle.StateHandleId = r.ReadUtf();
                    }
                    return handle;
                }
            case TypeCodes.ChangelogFileIncrementHandle or TypeCodes.ChangelogFileIncrementHandleV2:
                {
                    Enter(ref r);
                    var layout = code == TypeCodes.ChangelogFileIncrementHandleV2 ? ChangelogLayout.B : r.ChangelogLayout;
                    var handle = new ChangelogStateHandleStreamImpl(code, layout) { KeyGroupRange = ReadKeyGroupRange(ref r) };
                    var count = r.ReadCount("changelog file count", 9);
                    var handles = new ArrayFiller<OffsetStreamHandle>(count, r.Remaining);
                    for (var i = 0; i < count; i++)
                    {
                        var entryOffset = r.ReadInt64();
                        handles.Add(new OffsetStreamHandle { Offset = entryOffset, Handle = ReadStreamHandle(ref r) });
                    }
                    handle.Handles = handles.ToArray();
                    handle.StateSize = r.ReadInt64();
                    if (layout == ChangelogLayout.B)
                    {
                        handle.CheckpointedSize = r.ReadInt64();
                        handle.StateHandleId = r.ReadUtf();
                        if (code == TypeCodes.ChangelogFileIncrementHandleV2)
                        {
                            handle.StorageIdentifier = r.ReadUtf();
                        }
                    }
                    r.Depth--;
                    return handle;
                }
            default:
                throw MetadataFormatException.UnknownHandleType(offset, code, "keyed state", r.Context);
        }
    }

    private static IKeyedStateHandle?[] ReadKeyedList(ref JavaDataReader r, string what)
    {
        var count = r.ReadCount(what, 1);
        var items = new ArrayFiller<IKeyedStateHandle?>(count, r.Remaining);
        for (var i = 0; i < count; i++)
        {
            items.Add(ReadKeyedHandle(ref r));
        }
        return items.ToArray();
    }

    private static NamedStreamHandle[] ReadHandleList(ref JavaDataReader r, string what)
    {
        var count = r.ReadCount(what, 3);
        var items = new ArrayFiller<NamedStreamHandle>(count, r.Remaining);
        for (var i = 0; i < count; i++)
        {
            var name = r.ReadUtf();
            items.Add(new NamedStreamHandle { LocalPath = name, Handle = ReadStreamHandle(ref r) });
        }
        return items.ToArray();
    }

    /// <summary>OperatorHandle context: codes 0, 4, 17.</summary>
    private static IOperatorStateHandle? ReadOperatorHandle(ref JavaDataReader r)
    {
        var offset = r.Position;
        var code = r.ReadByte();
        if (code == TypeCodes.NullHandle)
        {
            return null;
        }
        if (code is not (TypeCodes.PartitionableOperatorStateHandle or TypeCodes.SegmentPartitionableOperatorStateHandle))
        {
            throw MetadataFormatException.UnknownHandleType(offset, code, "operator state", r.Context);
        }
        var handle = new OperatorStreamStateHandle(code);
        var count = r.ReadCount("operator state count", 7);
        var states = new ArrayFiller<OperatorStateEntry>(count, r.Remaining);
        for (var i = 0; i < count; i++)
        {
            var name = r.ReadUtf();
            var mode = r.ReadByte();
            var offsetCount = r.ReadCount("offset count", 8);
            var offsets = new long[offsetCount];
            for (var j = 0; j < offsets.Length; j++)
            {
                offsets[j] = r.ReadInt64();
            }
            states.Add(new OperatorStateEntry { Name = name, Mode = mode, Offsets = offsets });
        }
        handle.States = states.ToArray();
        if (handle.IsFileMerging)
        {
            handle.TaskOwnedDirPath = r.ReadUtf();
            handle.SharedDirPath = r.ReadUtf();
            handle.IsEmptyRaw = r.ReadByte();
            var delegateOffset = r.Position;
            handle.Delegate = ReadStreamHandle(ref r);
            if (handle.Delegate is not (SegmentFileStateHandle or EmptySegmentFileStateHandle))
            {
                throw r.Error($"a file-merging operator state must delegate to a segment handle (type 15 or 16), found {(handle.Delegate is null ? "null" : $"type {handle.Delegate.TypeCode}")}", delegateOffset);
            }
        }
        else
        {
            handle.Delegate = ReadStreamHandle(ref r);
        }
        return handle;
    }

    private static List<ChannelStateHandle> ReadChannelList(ref JavaDataReader r, bool isInput)
    {
        var count = r.ReadCount(isInput ? "input channel state count" : "result subpartition state count", 9);
        var list = new List<ChannelStateHandle>(Math.Min(count, r.Remaining / 8 + 1));
        for (var i = 0; i < count; i++)
        {
            list.Add(ReadChannelHandle(ref r, isInput));
        }
        return list;
    }

    private static ChannelStateHandle ReadChannelHandle(ref JavaDataReader r, bool isInput)
    {
        byte typeCode = 0;
        if (r.Version.ChannelHandlesHaveTypeByte())
        {
            var offset = r.Position;
            typeCode = r.ReadByte();
            var (single, merged) = isInput
                ? (TypeCodes.InputChannelStateHandle, TypeCodes.MergedInputChannelStateHandle)
                : (TypeCodes.ResultSubpartitionStateHandle, TypeCodes.MergedResultSubpartitionStateHandle);
            if (typeCode != single && typeCode != merged)
            {
                throw r.Error($"unknown {(isInput ? "input channel" : "result subpartition")} state handle type code {typeCode}", offset);
            }
            if (typeCode == merged)
            {
                var m = new ChannelStateHandle(isInput, typeCode, ChannelLayout.Flink112)
                {
                    SubtaskIndex = r.ReadInt32(),
                    StateSize = r.ReadInt64(),
                };
                m.Delegate = ReadStreamHandle(ref r);
                m.MergedOffsets = r.ReadBytes32("merged channel offsets length");
                return m;
            }
        }
        var layout = r.Version.ChannelHandlesHaveTypeByte() ? ChannelLayout.Flink112 : r.ChannelLayout;
        var handle = new ChannelStateHandle(isInput, typeCode, layout);
        if (layout == ChannelLayout.Flink112)
        {
            handle.SubtaskIndex = r.ReadInt32();
        }
        handle.InfoA = r.ReadInt32();
        handle.InfoB = r.ReadInt32();
        var offsetCount = r.ReadCount("channel offset count", 8);
        var offsets = new long[offsetCount];
        for (var i = 0; i < offsets.Length; i++)
        {
            offsets[i] = r.ReadInt64();
        }
        handle.Offsets = offsets;
        handle.StateSize = r.ReadInt64();
        handle.Delegate = ReadStreamHandle(ref r);
        return handle;
    }
}
