using System.Runtime.CompilerServices;
using Stateport.Metadata.Model;
using Stateport.Metadata.Wire;

namespace Stateport.Metadata;

/// <summary>
/// Reads a <c>_metadata</c> file of any version (1-6, and the unverified 7) into a <see cref="CheckpointMetadata"/>.
/// Pure: bytes in, model out. Bad input ends in <see cref="MetadataFormatException"/>, never anything else.
/// Strings and blobs in the model are slices of the input: keep the buffer alive and unchanged.
/// </summary>
public static partial class MetadataReader
{
    /// <summary>The four magic bytes every <c>_metadata</c> starts with.</summary>
    public static ReadOnlySpan<byte> Magic => [0x49, 0x60, 0x67, 0x2D];

    /// <summary>True when the bytes start with Flink's metadata magic.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> data) => data.StartsWith(Magic);

    public static CheckpointMetadata Read(ReadOnlyMemory<byte> data, MetadataReaderOptions? options = null)
    {
        options ??= MetadataReaderOptions.Default;
        var version = ReadHeader(data.Span, options);
        if (version != MetadataVersion.V3)
        {
            return ReadBody(data, version, options, ChannelLayout.Flink112, ChangelogLayout.B);
        }

        // V3 has two same-version layout variants (spec §6): 1.11 channel handles without subtask index,
        // and the 1.14 changelog layout. Parse as the common (newer) layout; on failure retry the others.
        MetadataFormatException? first = null;
        foreach (var (channel, changelog) in (ReadOnlySpan<(ChannelLayout, ChangelogLayout)>)[
            (ChannelLayout.Flink112, ChangelogLayout.B),
            (ChannelLayout.Flink111, ChangelogLayout.B),
            (ChannelLayout.Flink112, ChangelogLayout.A),
            (ChannelLayout.Flink111, ChangelogLayout.A)])
        {
            try
            {
                var metadata = ReadBody(data, version, options, channel, changelog);
                // A wrong layout guess can parse but leave bytes over; V1-V3 trailers are normally empty.
                if (metadata.Trailer.IsEmpty || (channel, changelog) == (ChannelLayout.Flink111, ChangelogLayout.A))
                {
                    return metadata;
                }
                first ??= new MetadataFormatException($"{metadata.Trailer.Length} unread byte(s) after the last operator", data.Length - metadata.Trailer.Length, null);
            }
            catch (MetadataFormatException e) when (first is null || e.Offset > first.Offset)
            {
                // Report the failure of the attempt that got furthest: it is the most informative.
                first = e;
            }
            catch (MetadataFormatException)
            {
            }
        }
        // No layout consumed the file exactly: fall back to the newest layout, keeping the extra bytes
        // as trailer when that parse succeeds (Flink itself ignores them), else report.
        try
        {
            return ReadBody(data, version, options, ChannelLayout.Flink112, ChangelogLayout.B);
        }
        catch (MetadataFormatException)
        {
            throw first!;
        }
    }

    private static MetadataVersion ReadHeader(ReadOnlySpan<byte> data, MetadataReaderOptions options)
    {
        if (data.Length < 8 || !data.StartsWith(Magic))
        {
            throw new MetadataFormatException(DiagnoseNotMetadata(data), 0, null);
        }
        var raw = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(data[4..]);
        var version = (MetadataVersion)raw;
        if (raw == 0)
        {
            throw new MetadataFormatException("format version 0 (a Flink 1.1 savepoint, Java-serialized) is not supported", 4, null, "restore it with Flink 1.2 and take a new savepoint");
        }
        if (raw < 0 || raw > 7)
        {
            throw new MetadataFormatException($"unknown format version {raw} (known: 1-6 written by Flink 1.2-2.x, 7 unverified); is this file from a newer Flink?", 4, null);
        }
        if (version == MetadataVersion.V7 && !options.AllowUnverifiedV7)
        {
            throw new MetadataFormatException("format version 7 is an unverified, non-upstream format and was not allowed", 4, null);
        }
        return version;
    }

    private static string DiagnoseNotMetadata(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return "empty file: not a Flink _metadata file (an interrupted copy?)";
        }
        if (data.Length < 8 && Magic.StartsWith(data[..Math.Min(data.Length, 4)]))
        {
            return $"truncated: only {data.Length} byte(s), the 8-byte header is incomplete";
        }
        var what = data switch
        {
            [0x1F, 0x8B, ..] => "a gzip file",
            [(byte)'P', (byte)'K', 3, 4, ..] => "a zip file",
            [(byte)'{', ..] or [(byte)'[', ..] => "JSON text",
            [0xAC, 0xED, ..] => "a Java serialization stream (a Flink 1.0 savepoint or an HA store entry?)",
            [(byte)'S', (byte)'S', (byte)'T', ..] => "not metadata",
            _ when data.Length >= 8 && System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(data[^8..]) == 0x88e241b785f4cff7UL => "a RocksDB SST file (pass the _metadata inside chk-N/ or the savepoint directory)",
            _ => "not a Flink _metadata file",
        };
        return $"unexpected magic number 0x{Convert.ToHexString(data[..Math.Min(4, data.Length)])} (expected 0x4960672D): {what}";
    }

    private static CheckpointMetadata ReadBody(ReadOnlyMemory<byte> data, MetadataVersion version, MetadataReaderOptions options,
        ChannelLayout channelLayout, ChangelogLayout changelogLayout)
    {
        var r = new JavaDataReader(data)
        {
            MaxDepth = options.MaxDepth,
            Version = version,
            ChannelLayout = channelLayout,
            ChangelogLayout = changelogLayout,
        };
        r.Seek(8);
        var metadata = new CheckpointMetadata
        {
            Version = version,
            ChannelLayout = channelLayout,
            ChangelogLayout = changelogLayout,
        };

        r.Field = "checkpoint id";
        var idOffset = r.Position;
        metadata.CheckpointId = r.ReadInt64();
        if (metadata.CheckpointId < 0)
        {
            throw r.Error($"invalid checkpoint id {metadata.CheckpointId} (negative)", idOffset);
        }

        if (version.HasMasterStates())
        {
            r.Field = "master states";
            var masterCount = r.ReadCount("master state count", 8);
            metadata.MasterStates = new List<MasterState>(masterCount);
            for (var i = 0; i < masterCount; i++)
            {
                r.Field = "master state";
                metadata.MasterStates.Add(ReadMasterState(ref r));
            }
        }

        r.Field = "operator count";
        var operatorCount = r.ReadCount("operator count", 20);
        metadata.Operators = new List<OperatorState>(operatorCount);
        for (var i = 0; i < operatorCount; i++)
        {
            r.OperatorIndex = i;
            r.SubtaskIndex = -1;
            metadata.Operators.Add(version == MetadataVersion.V1 ? ReadTaskStateV1(ref r) : ReadOperatorState(ref r));
        }
        r.OperatorIndex = -1;
        r.SubtaskIndex = -1;
        r.Field = null;
        var trailerOffset = r.Position;
        metadata.Trailer = r.ReadRest();
        if (version.HasPropertiesBlob())
        {
            CheckPropertiesBlob(metadata.Trailer.Span, trailerOffset);
        }
        return metadata;
    }

    /// <summary>
    /// Flink reads the V4+ properties with ObjectInputStream: a missing, foreign or cut-short blob fails the
    /// restore, so it fails here too (a partial copy must not pass as a good file). Bytes after the object
    /// are kept, as Flink ignores them.
    /// </summary>
    private static void CheckPropertiesBlob(ReadOnlySpan<byte> blob, int offset)
    {
        switch (JavaSerialization.Measure(blob, out _))
        {
            case JavaSerialization.Verdict.Truncated when blob.IsEmpty:
                throw new MetadataFormatException("truncated: the checkpoint properties (Java serialization) that end every format version 4+ file are missing; the file may be partially copied", offset, "checkpoint properties");
            case JavaSerialization.Verdict.Truncated:
                throw new MetadataFormatException($"truncated: the checkpoint properties end after {blob.Length} byte(s), inside the serialized object; the file may be partially copied", offset + blob.Length, "checkpoint properties");
            case JavaSerialization.Verdict.NotSerialization:
                throw new MetadataFormatException($"the checkpoint properties do not start with the Java serialization magic AC ED 00 05 (found {Convert.ToHexString(blob[..Math.Min(4, blob.Length)])})", offset, "checkpoint properties");
        }
    }

    private static MasterState ReadMasterState(ref JavaDataReader r)
    {
        var start = r.Position;
        var magic = r.ReadInt32();
        if (magic != TypeCodes.MasterStateMagic)
        {
            throw r.Error($"bad master state magic 0x{magic:X8} (expected 0xC96B1696)", start);
        }
        var lengthOffset = r.Position;
        var blockLength = r.ReadInt32();
        if (blockLength <= 0 || blockLength > r.Remaining)
        {
            throw r.Error($"invalid master state block length {blockLength} ({r.Remaining} byte(s) remain)", lengthOffset);
        }
        var blockEnd = r.Position + blockLength;
        var state = new MasterState
        {
            MasterStateVersion = r.ReadInt32(),
            Name = r.ReadUtf(),
            Payload = r.ReadBytes32("master state payload length"),
        };
        if (r.Position != blockEnd)
        {
            throw r.Error($"master state block length {blockLength} does not match its content ({r.Position - blockEnd + blockLength} byte(s))", lengthOffset);
        }
        return state;
    }

    private static OperatorState ReadOperatorState(ref JavaDataReader r)
    {
        var version = r.Version;
        var op = new OperatorState();
        if (version.HasOperatorNameAndUid())
        {
            r.Field = "operator name";
            op.Name = r.ReadUtf();
            r.Field = "operator uid";
            op.Uid = r.ReadUtf();
        }
        r.Field = "operator id";
        op.Id = new OperatorId(r.ReadInt64(), r.ReadInt64());
        r.Field = "parallelism";
        op.Parallelism = r.ReadInt32();
        op.MaxParallelism = r.ReadInt32();
        if (version.HasChainLengthAndDuration())
        {
            op.ChainLength = r.ReadInt32();
        }
        if (version.HasCoordinatorState())
        {
            r.Field = "coordinator state";
            var offset = r.Position;
            op.CoordinatorState = ReadStreamHandle(ref r);
            if (op.CoordinatorState is not null and not ByteStreamStateHandle)
            {
                throw r.Error($"coordinator state must be an inline handle (type 1), found type {op.CoordinatorState.TypeCode}", offset);
            }
        }
        r.Field = "subtask count";
        var countOffset = r.Position;
        var count = r.ReadInt32();
        op.StoredSubtaskCount = count;
        if (count < 0)
        {
            if (!version.HasFinishedMarkers())
            {
                throw MetadataFormatException.NegativeCount(countOffset, count, "subtask count", r.Context);
            }
            if (op.CoordinatorState is not null)
            {
                throw r.Error("a fully finished operator must not have coordinator state", countOffset);
            }
            return op;
        }
        r.CheckCount(countOffset, count, "subtask count", 4);
        op.Subtasks = new List<SubtaskEntry>(Math.Min(count, r.Remaining / 8 + 1));
        for (var i = 0; i < count; i++)
        {
            r.Field = "subtask index";
            var indexOffset = r.Position;
            var stored = r.ReadInt32();
            var entry = new SubtaskEntry { StoredIndex = stored };
            if (stored >= 0)
            {
                r.SubtaskIndex = stored;
                entry.State = ReadSubtaskState(ref r);
            }
            else if (!version.HasFinishedMarkers())
            {
                throw MetadataFormatException.NegativeCount(indexOffset, stored, "subtask index", r.Context);
            }
            op.Subtasks.Add(entry);
        }
        r.SubtaskIndex = -1;
        return op;
    }

    private static SubtaskState ReadSubtaskState(ref JavaDataReader r)
    {
        var version = r.Version;
        var state = new SubtaskState();
        if (version == MetadataVersion.V2)
        {
            r.Field = "duration";
            state.Duration = r.ReadInt64();
            r.Field = "legacy state";
            var legacyCount = r.ReadCount("legacy state count", 1);
            state.LegacyStates = new List<IStreamStateHandle?>(legacyCount);
            for (var i = 0; i < legacyCount; i++)
            {
                state.LegacyStates.Add(ReadStreamHandle(ref r));
            }
        }
        r.Field = "managed operator state";
        state.ManagedOperatorFlag = r.ReadInt32();
        if (state.ManagedOperatorFlag != 0)
        {
            state.ManagedOperatorState = ReadOperatorHandle(ref r);
        }
        r.Field = "raw operator state";
        state.RawOperatorFlag = r.ReadInt32();
        if (state.RawOperatorFlag != 0)
        {
            state.RawOperatorState = ReadOperatorHandle(ref r);
        }
        r.Field = "managed keyed state";
        state.ManagedKeyedState = ReadKeyedHandle(ref r);
        r.Field = "raw keyed state";
        state.RawKeyedState = ReadKeyedHandle(ref r);
        if (version.HasChannelState())
        {
            r.Field = "input channel state";
            state.InputChannelStates = ReadChannelList(ref r, isInput: true);
            r.Field = "result subpartition state";
            state.ResultSubpartitionStates = ReadChannelList(ref r, isInput: false);
        }
        if (version.HasRefCheckpointId())
        {
            r.Field = "ref checkpoint id";
            state.RefMarker = r.ReadByte();
            if (state.RefMarker == 1)
            {
                state.RefCheckpointId = r.ReadInt64();
            }
        }
        return state;
    }

    private static OperatorState ReadTaskStateV1(ref JavaDataReader r)
    {
        var op = new OperatorState();
        r.Field = "job vertex id";
        op.Id = new OperatorId(r.ReadInt64(), r.ReadInt64());
        r.Field = "parallelism";
        op.Parallelism = r.ReadInt32();
        op.MaxParallelism = r.ReadInt32();
        op.ChainLength = r.ReadInt32();
        r.Field = "subtask count";
        var count = r.ReadCount("subtask count", 4);
        op.StoredSubtaskCount = count;
        op.Subtasks = new List<SubtaskEntry>(Math.Min(count, r.Remaining / 8 + 1));
        for (var i = 0; i < count; i++)
        {
            r.Field = "subtask index";
            var indexOffset = r.Position;
            var index = r.ReadInt32();
            if (index < 0)
            {
                throw MetadataFormatException.NegativeCount(indexOffset, index, "subtask index", r.Context);
            }
            r.SubtaskIndex = index;
            var state = new SubtaskState();
            r.Field = "duration";
            state.Duration = r.ReadInt64();
            r.Field = "legacy state chain";
            var n1 = r.ReadCount("legacy state count", 1);
            state.LegacyStates = new List<IStreamStateHandle?>(n1);
            for (var j = 0; j < n1; j++)
            {
                state.LegacyStates.Add(ReadStreamHandle(ref r));
            }
            r.Field = "managed operator state chain";
            var n2 = r.ReadCount("managed operator state count", 1);
            state.ManagedOperatorChain = new List<IOperatorStateHandle?>(n2);
            for (var j = 0; j < n2; j++)
            {
                state.ManagedOperatorChain.Add(ReadOperatorHandle(ref r));
            }
            r.Field = "raw operator state chain";
            var n3 = r.ReadCount("raw operator state count", 1);
            state.RawOperatorChain = new List<IOperatorStateHandle?>(n3);
            for (var j = 0; j < n3; j++)
            {
                state.RawOperatorChain.Add(ReadOperatorHandle(ref r));
            }
            r.Field = "managed keyed state";
            state.ManagedKeyedState = ReadKeyedHandle(ref r);
            r.Field = "raw keyed state";
            state.RawKeyedState = ReadKeyedHandle(ref r);
            op.Subtasks.Add(new SubtaskEntry { StoredIndex = index, State = state });
        }
        r.SubtaskIndex = -1;
        return op;
    }

    /// <summary>
    /// Fills an array of a claimed size. Sized up front only when the remaining input could hold that
    /// many elements; otherwise grows as elements are actually read, so a hostile count cannot make the
    /// reader allocate more than the input justifies.
    /// </summary>
    private struct ArrayFiller<T>
    {
        private T[] _items;
        private int _count;

        public ArrayFiller(int claimed, int remaining) =>
            _items = (long)claimed * Unsafe.SizeOf<T>() <= remaining ? new T[claimed] : new T[Math.Min(claimed, 16)];

        public void Add(T item)
        {
            if (_count == _items.Length)
            {
                Array.Resize(ref _items, Math.Max(_items.Length * 2, 4));
            }
            _items[_count++] = item;
        }

        public readonly T[] ToArray() => _count == _items.Length ? _items : _items[.._count];
    }
}
