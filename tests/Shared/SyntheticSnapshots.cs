using System.Buffers.Binary;
using Stateport.Metadata;
using Stateport.Metadata.Model;
using Stateport.Metadata.Wire;

namespace Stateport.Tests.Shared;

/// <summary>Hand-built snapshots for what the real corpus lacks (spec §10 "Gaps").</summary>
public enum SyntheticCase
{
    /// <summary>V1 (Flink 1.2): chain lists with null entries; stream 0/1/2, keyed 3, operator 4.</summary>
    V1ChainListsWithNulls,
    /// <summary>V2 (Flink 1.3): numLegacyStates = 1, incremental keyed handle 5 with absolute shared files.</summary>
    V2LegacyStateAndIncremental5,
    /// <summary>V3 written by Flink 1.11: channel handles without the subtask index.</summary>
    V3Channel111Layout,
    /// <summary>V3 written by Flink 1.12+: channel handles with the subtask index, coordinator state.</summary>
    V3Channel112Layout,
    /// <summary>V3 written by Flink 1.14: changelog codes 8/9/10 in layout A, wrapping 3 and 5.</summary>
    V3Changelog114LayoutA,
    /// <summary>V3 written by Flink 1.15: changelog codes 8/9/10 in layout B, wrapping 11 and 12.</summary>
    V3Changelog115LayoutB,
    /// <summary>V3 (1.14+): fully finished operators (-1) and finished subtasks (negative stored index).</summary>
    V3FinishedMarkers,
    /// <summary>V4 (1.16+): changelog 14 with 13 and 9, a null entry in the materialized list, savepoint handle 7.</summary>
    V4ChangelogV2,
    /// <summary>V5 (2.0): master states, operator name/uid, the 5-byte null properties blob.</summary>
    V5MasterStatesNullProperties,
    /// <summary>V6 (1.20+ file merging): 15, 16, 17 (non-empty and empty).</summary>
    V6FileMerging,
    /// <summary>V6 (2.1+): single (1/2) and merged (3/4) channel handles.</summary>
    V6ChannelHandles,
    /// <summary>V6: an absolute path (s3:// and file:/ forms) in every path-bearing field, plus relative and inline handles.</summary>
    V6AbsolutePathsEverywhere,
    /// <summary>V6: strings that are not ASCII (NUL as C0 80, a surrogate pair as two 3-byte sequences).</summary>
    V6NonAsciiStrings,
    /// <summary>V7 (unverified): ref markers 0 and 1.</summary>
    V7RefMarkers,
}

/// <summary>
/// Builds <see cref="CheckpointMetadata"/> models by hand from the format spec, and a large realistic
/// checkpoint for benchmarks. Everything is deterministic.
/// </summary>
/// <remarks>
/// Path conventions used by the path tests: the last segment of every path-bearing string starts with a
/// tag naming the field it sits in: <c>abs-</c> (type 2), <c>seg-</c> (15), <c>tmdir-</c> (17 task-owned),
/// <c>shdir-</c> (17 shared), <c>rel-</c> (6), <c>inl-</c> (1). The tags occur nowhere else.
/// </remarks>
public static class SyntheticSnapshots
{
    /// <summary>The properties blob Flink 2.1 writes for a checkpoint (604 bytes, from a real V6 checkpoint).</summary>
    public static readonly byte[] CheckpointPropertiesBlob = Convert.FromHexString(
        "aced0005737200386f72672e6170616368652e666c696e6b2e72756e74696d652e636865636b706f696e742e436865636b706f696e7450726f7065727469657300000000000000020200085a00106469736361726443616e63656c6c65645a000d646973636172644661696c65645a000f6469736361726446696e69736865645a000f6469736361726453756273756d65645a00106469736361726453757370656e6465645a0006666f726365645a0009756e636c61696d65644c000e636865636b706f696e74547970657400324c6f72672f6170616368652f666c696e6b2f72756e74696d652f636865636b706f696e742f536e617073686f74547970653b787001010101010000737200326f72672e6170616368652e666c696e6b2e72756e74696d652e636865636b706f696e742e436865636b706f696e7454797065d6de4f0305ae1d3a0200024c00046e616d657400124c6a6176612f6c616e672f537472696e673b4c001473686172696e6746696c657353747261746567797400474c6f72672f6170616368652f666c696e6b2f72756e74696d652f636865636b706f696e742f536e617073686f74547970652453686172696e6746696c657353747261746567793b787074000a436865636b706f696e747e7200456f72672e6170616368652e666c696e6b2e72756e74696d652e636865636b706f696e742e536e617073686f74547970652453686172696e6746696c6573537472617465677900000000000000001200007872000e6a6176612e6c616e672e456e756d00000000000000001200007870740010464f52574152445f4241434b57415244");

    /// <summary>AC ED 00 05 70: Java serialization of null (State Processor API).</summary>
    public static readonly byte[] NullPropertiesBlob = [0xAC, 0xED, 0x00, 0x05, 0x70];

    /// <summary>Every case, as xunit theory data.</summary>
    public static IEnumerable<object[]> Cases() => Enum.GetValues<SyntheticCase>().Select(c => new object[] { c });

    /// <summary>Build the model of one case.</summary>
    public static CheckpointMetadata Create(SyntheticCase c) => WithStoredCounts(c switch
    {
        SyntheticCase.V1ChainListsWithNulls => V1ChainListsWithNulls(),
        SyntheticCase.V2LegacyStateAndIncremental5 => V2LegacyStateAndIncremental5(),
        SyntheticCase.V3Channel111Layout => V3Channels(ChannelLayout.Flink111),
        SyntheticCase.V3Channel112Layout => V3Channels(ChannelLayout.Flink112),
        SyntheticCase.V3Changelog114LayoutA => V3Changelog114LayoutA(),
        SyntheticCase.V3Changelog115LayoutB => V3Changelog115LayoutB(),
        SyntheticCase.V3FinishedMarkers => V3FinishedMarkers(),
        SyntheticCase.V4ChangelogV2 => V4ChangelogV2(),
        SyntheticCase.V5MasterStatesNullProperties => V5MasterStatesNullProperties(),
        SyntheticCase.V6FileMerging => V6FileMerging(),
        SyntheticCase.V6ChannelHandles => V6ChannelHandles(),
        SyntheticCase.V6AbsolutePathsEverywhere => V6AbsolutePathsEverywhere(),
        SyntheticCase.V6NonAsciiStrings => V6NonAsciiStrings(),
        SyntheticCase.V7RefMarkers => V7RefMarkers(),
        _ => throw new ArgumentOutOfRangeException(nameof(c), c, null),
    });

    /// <summary>The reader records each operator's stored subtask count; set it the same way so models compare equal.</summary>
    private static CheckpointMetadata WithStoredCounts(CheckpointMetadata m)
    {
        foreach (var op in m.Operators)
        {
            if (op.StoredSubtaskCount >= 0)
            {
                op.StoredSubtaskCount = op.Subtasks.Count;
            }
        }
        return m;
    }

    /// <summary>Build and serialize one case.</summary>
    public static byte[] Bytes(SyntheticCase c) => MetadataWriter.ToArray(Create(c));

    // ------------------------------------------------------------------ cases

    private static CheckpointMetadata V1ChainListsWithNulls()
    {
        var m = Metadata(MetadataVersion.V1, 7);
        var op = Operator(1, parallelism: 2, maxParallelism: 128);
        op.ChainLength = 3;
        for (var i = 0; i < 2; i++)
        {
            var state = new SubtaskState
            {
                Duration = -1,
                // One entry per chained operator; real 1.2 files hold nulls for operators without state.
                LegacyStates = [null, Inline("inl-legacy-" + i, 12), AbsFile($"file:/tmp/flink/savepoints/abs-legacy-{i}", 321)],
                ManagedOperatorChain = [null, OperatorState4(Inline("inl-opstate-" + i, 40), "buffer"), null],
                RawOperatorChain = [null, null, OperatorState4(AbsFile($"hdfs://nn:8020/flink/abs-raw-{i}", 77), "raw")],
                ManagedKeyedState = KeyGroups(TypeCodes.KeyGroupsHandle, i * 64, 64, AbsFile($"file:/tmp/flink/abs-keyed-{i}", 4096)),
                RawKeyedState = null,
            };
            op.Subtasks.Add(new SubtaskEntry { StoredIndex = i, State = state });
        }
        m.Operators.Add(op);
        var empty = Operator(2, parallelism: 1, maxParallelism: 128);
        empty.ChainLength = 1;
        empty.Subtasks.Add(new SubtaskEntry { StoredIndex = 0, State = new SubtaskState { Duration = -1, LegacyStates = [null], ManagedOperatorChain = [null], RawOperatorChain = [null] } });
        m.Operators.Add(empty);
        return m;
    }

    private static CheckpointMetadata V2LegacyStateAndIncremental5()
    {
        var m = Metadata(MetadataVersion.V2, 12);
        m.MasterStates.Add(new MasterState { MasterStateVersion = 1, Name = S("hook"), Payload = Bytes(9, 3) });
        var op = Operator(1, parallelism: 2, maxParallelism: 128);
        op.ChainLength = 1;
        // 1.3 "Checkpointed" legacy state: numLegacyStates = 1 plus a stream handle.
        var legacy = V2State(managed: OperatorState4(AbsFile("s3://bucket/sp/savepoint-abc/abs-op-0", 99), "source-offsets"));
        legacy.LegacyStates = [AbsFile("s3://bucket/sp/savepoint-abc/abs-legacy-0", 256)];
        op.Subtasks.Add(new SubtaskEntry { StoredIndex = 0, State = legacy });
        var incremental = V2State();
        incremental.ManagedKeyedState = Incremental(TypeCodes.IncrementalKeyGroupsHandle, 5, "operator-identifier-1.3.0", new KeyGroupRange(64, 64),
            AbsFile("s3://bucket/cp/job/chk-5/abs-meta-1", 1500),
            [("000010.sst", AbsFile("s3://bucket/cp/job/shared/abs-sst-10", 1 << 20)), ("000011.sst", AbsFile("s3://bucket/cp/job/shared/abs-sst-11", 2 << 20))],
            [("MANIFEST-000004", AbsFile("s3://bucket/cp/job/chk-5/abs-manifest", 300)), ("CURRENT", Inline("inl-current", 16))]);
        op.Subtasks.Add(new SubtaskEntry { StoredIndex = 1, State = incremental });
        m.Operators.Add(op);
        return m;
    }

    private static CheckpointMetadata V3Channels(ChannelLayout layout)
    {
        var m = Metadata(MetadataVersion.V3, 31);
        m.ChannelLayout = layout;
        var op = Operator(1, parallelism: 2, maxParallelism: 128);
        op.CoordinatorState = Inline("coordinator", 24);
        for (var i = 0; i < 2; i++)
        {
            var state = new SubtaskState
            {
                ManagedKeyedState = KeyGroups(TypeCodes.KeyGroupsHandle, i * 64, 64, Relative($"rel-keyed-{i}", 2048)),
                InputChannelStates =
                [
                    Channel(isInput: true, 0, layout, i, 0, 1, Relative($"rel-in-{i}", 500)),
                    Channel(isInput: true, 0, layout, i, 1, 0, AbsFile($"s3://bucket/cp/job/chk-31/abs-in-{i}", 700)),
                ],
                ResultSubpartitionStates = [Channel(isInput: false, 0, layout, i, 0, 3, Inline($"inl-out-{i}", 33))],
            };
            op.Subtasks.Add(new SubtaskEntry { StoredIndex = i, State = state });
        }
        m.Operators.Add(op);
        return m;
    }

    private static CheckpointMetadata V3Changelog114LayoutA()
    {
        var m = Metadata(MetadataVersion.V3, 44);
        m.ChangelogLayout = ChangelogLayout.A;
        var op = Operator(1, parallelism: 1, maxParallelism: 128);
        var dstl = new ChangelogStateHandleStreamImpl(TypeCodes.ChangelogFileIncrementHandle, ChangelogLayout.A)
        {
            KeyGroupRange = new KeyGroupRange(0, 128),
            Handles = [Offset(0, AbsFile("s3://bucket/dstl/job/dstl/abs-dstl-1", 9000)), Offset(4096, AbsFile("s3://bucket/dstl/job/dstl/abs-dstl-2", 5000))],
            StateSize = 14000,
        };
        var inMemory = new InMemoryChangelogStateHandle(ChangelogLayout.A)
        {
            KeyGroupRange = new KeyGroupRange(0, 128),
            From = 10,
            To = 20,
            Changes = [new KeyGroupChange(3, Bytes(5, 1)), new KeyGroupChange(7, Bytes(0, 2))],
        };
        var changelog = new ChangelogStateBackendHandle(TypeCodes.ChangelogHandle, ChangelogLayout.A)
        {
            KeyGroupRange = new KeyGroupRange(0, 128),
            Materialized =
            [
                KeyGroups(TypeCodes.KeyGroupsHandle, 0, 128, Relative("rel-mat-0", 4000)),
                Incremental(TypeCodes.IncrementalKeyGroupsHandle, 40, Uuid(1), new KeyGroupRange(0, 128), Relative("rel-meta-40", 800),
                    [("000001.sst", AbsFile("s3://bucket/cp/job/shared/abs-sst-1", 1 << 16))], []),
            ],
            NonMaterialized = [inMemory, dstl],
        };
        op.Subtasks.Add(new SubtaskEntry { StoredIndex = 0, State = new SubtaskState { ManagedKeyedState = changelog } });
        m.Operators.Add(op);
        return m;
    }

    private static CheckpointMetadata V3Changelog115LayoutB()
    {
        var m = Metadata(MetadataVersion.V3, 45);
        var op = Operator(1, parallelism: 1, maxParallelism: 128);
        var dstl = new ChangelogStateHandleStreamImpl(TypeCodes.ChangelogFileIncrementHandle, ChangelogLayout.B)
        {
            KeyGroupRange = new KeyGroupRange(0, 128),
            Handles = [Offset(0, AbsFile("file:/var/flink/dstl/job/dstl/abs-dstl-1", 1200))],
            StateSize = 1200,
            CheckpointedSize = 1200,
            StateHandleId = S(Uuid(2)),
        };
        var inMemory = new InMemoryChangelogStateHandle(ChangelogLayout.B)
        {
            KeyGroupRange = new KeyGroupRange(0, 128),
            From = 1,
            To = 2,
            Changes = [new KeyGroupChange(-1, Bytes(3, 4))],
            StateHandleId = S(Uuid(3)),
        };
        var changelog = new ChangelogStateBackendHandle(TypeCodes.ChangelogHandle, ChangelogLayout.B)
        {
            KeyGroupRange = new KeyGroupRange(0, 128),
            CheckpointedSize = 5000,
            Materialized =
            [
                Incremental(TypeCodes.IncrementalKeyGroupsHandleV2, 44, Uuid(4), new KeyGroupRange(0, 128), Relative("rel-meta-44", 700),
                    [("000002.sst", AbsFile("file:/var/flink/cp/job/shared/abs-sst-2", 1 << 15))], [("MANIFEST-000003", Relative("rel-manifest", 90))], Uuid(5), 3000),
                KeyGroups(TypeCodes.KeyGroupsHandleV2, 0, 128, Relative("rel-kg-12", 60), Uuid(6)),
            ],
            NonMaterialized = [inMemory, dstl],
            MaterializationId = 3,
            StateHandleId = S(Uuid(7)),
        };
        op.Subtasks.Add(new SubtaskEntry { StoredIndex = 0, State = new SubtaskState { ManagedKeyedState = changelog } });
        m.Operators.Add(op);
        return m;
    }

    private static CheckpointMetadata V3FinishedMarkers()
    {
        var m = Metadata(MetadataVersion.V3, 50);
        m.Operators.Add(new OperatorState { Id = Id(1), Parallelism = 4, MaxParallelism = 128, StoredSubtaskCount = -1 });
        var op = Operator(2, parallelism: 3, maxParallelism: 128);
        op.Subtasks.Add(new SubtaskEntry { StoredIndex = -1 }); // subtask 0 finished
        op.Subtasks.Add(new SubtaskEntry { StoredIndex = 1, State = new SubtaskState { ManagedOperatorFlag = 1, ManagedOperatorState = OperatorState4(Relative("rel-op-1", 10), "s") } });
        op.Subtasks.Add(new SubtaskEntry { StoredIndex = -3 }); // subtask 2 finished
        m.Operators.Add(op);
        m.Operators.Add(new OperatorState { Id = Id(3), Parallelism = 1, MaxParallelism = 1, StoredSubtaskCount = -1 });
        return m;
    }

    private static CheckpointMetadata V4ChangelogV2()
    {
        var m = Metadata(MetadataVersion.V4, 60);
        m.Trailer = CheckpointPropertiesBlob;
        var op = Operator(1, parallelism: 1, maxParallelism: 128);
        var dstl = new ChangelogStateHandleStreamImpl(TypeCodes.ChangelogFileIncrementHandleV2, ChangelogLayout.B)
        {
            KeyGroupRange = new KeyGroupRange(0, 128),
            Handles = [Offset(0, AbsFile("s3://bucket/dstl/job/dstl/abs-dstl-13", 2000)), Offset(0, Relative("rel-dstl", 10))],
            StateSize = 2010,
            CheckpointedSize = 2010,
            StateHandleId = S(Uuid(8)),
            StorageIdentifier = S("filesystem"),
        };
        var changelog = new ChangelogStateBackendHandle(TypeCodes.ChangelogHandleV2, ChangelogLayout.B)
        {
            KeyGroupRange = new KeyGroupRange(0, 128),
            CheckpointedSize = 3000,
            // 1.15+ readers skip a null materialized entry with a warning; the round trip keeps it.
            Materialized = [null, KeyGroups(TypeCodes.KeyGroupsHandleV2, 0, 128, Inline("inl-mat", 20), Uuid(9))],
            NonMaterialized = [new InMemoryChangelogStateHandle(ChangelogLayout.B) { KeyGroupRange = new KeyGroupRange(0, 128), From = 0, To = 1, Changes = [], StateHandleId = S(Uuid(10)) }, dstl],
            MaterializationId = 7,
            CheckpointId = 60,
            StateHandleId = S(Uuid(11)),
        };
        op.Subtasks.Add(new SubtaskEntry
        {
            StoredIndex = 0,
            State = new SubtaskState { ManagedKeyedState = changelog, RawKeyedState = KeyGroups(TypeCodes.SavepointKeyGroupsHandle, 0, 128, Relative("rel-raw-7", 5)) },
        });
        m.Operators.Add(op);
        return m;
    }

    private static CheckpointMetadata V5MasterStatesNullProperties()
    {
        var m = Metadata(MetadataVersion.V5, 3);
        m.Trailer = NullPropertiesBlob;
        m.MasterStates.Add(new MasterState { MasterStateVersion = 1, Name = S("master-hook-a"), Payload = Bytes(40, 5) });
        m.MasterStates.Add(new MasterState { MasterStateVersion = 2, Name = S(""), Payload = Array.Empty<byte>() });
        var op = Operator(1, parallelism: 1, maxParallelism: 128);
        op.Name = S("Source: Custom Source");
        op.Uid = S("source-uid");
        op.CoordinatorState = Inline(Id(1).ToString(), 64);
        op.Subtasks.Add(new SubtaskEntry
        {
            StoredIndex = 0,
            State = new SubtaskState { ManagedOperatorFlag = 1, ManagedOperatorState = OperatorState4(Relative("rel-src", 300), "source-state", "split-state") },
        });
        m.Operators.Add(op);
        m.Operators.Add(new OperatorState { Name = S("Sink: done"), Uid = S(""), Id = Id(2), Parallelism = 2, MaxParallelism = 128, StoredSubtaskCount = -1 });
        return m;
    }

    private static CheckpointMetadata V6FileMerging()
    {
        var m = Metadata(MetadataVersion.V6, 80);
        m.Trailer = CheckpointPropertiesBlob;
        const string job = "s3://bucket/flink/0123456789abcdef0123456789abcdef";
        var op = Operator(1, parallelism: 2, maxParallelism: 128);
        op.Subtasks.Add(new SubtaskEntry
        {
            StoredIndex = 0,
            State = new SubtaskState
            {
                ManagedOperatorFlag = 1,
                ManagedOperatorState = FileMerging(
                    $"{job}/taskowned/tmdir-tm-1",
                    $"{job}/shared/shdir-op-1-0-2",
                    isEmpty: 0,
                    Segment($"{job}/taskowned/tmdir-tm-1/seg-file-a", start: 1024, size: 512, scope: 0),
                    "list-state"),
                ManagedKeyedState = Incremental(TypeCodes.IncrementalKeyGroupsHandleV2, 80, Uuid(20), new KeyGroupRange(0, 64),
                    Segment($"{job}/taskowned/tmdir-tm-1/seg-file-a", start: 0, size: 1024, scope: 0),
                    [("000009.sst", Segment($"{job}/shared/shdir-op-1-0-2/seg-file-b", start: 0, size: 65536, scope: 1)), ("000010.sst", new EmptySegmentFileStateHandle())],
                    [("MANIFEST-000001", Segment($"{job}/taskowned/tmdir-tm-1/seg-file-a", start: 1536, size: 100, scope: 0))],
                    Uuid(21), 66660),
            },
        });
        op.Subtasks.Add(new SubtaskEntry
        {
            StoredIndex = 1,
            State = new SubtaskState
            {
                ManagedOperatorFlag = 1,
                ManagedOperatorState = FileMerging($"{job}/taskowned/tmdir-tm-2", $"{job}/shared/shdir-op-1-1-2", isEmpty: 1, new EmptySegmentFileStateHandle()),
                RawOperatorFlag = 1,
                RawOperatorState = FileMerging($"{job}/taskowned/tmdir-tm-2", $"{job}/shared/shdir-op-1-1-2", isEmpty: 0,
                    Segment($"{job}/taskowned/tmdir-tm-2/seg-file-c", start: 0, size: 10, scope: 0), "raw-1", "raw-2"),
            },
        });
        m.Operators.Add(op);
        return m;
    }

    private static CheckpointMetadata V6ChannelHandles()
    {
        var m = Metadata(MetadataVersion.V6, 90);
        m.Trailer = CheckpointPropertiesBlob;
        var op = Operator(1, parallelism: 1, maxParallelism: 128);
        var state = new SubtaskState
        {
            InputChannelStates =
            [
                Channel(isInput: true, TypeCodes.InputChannelStateHandle, ChannelLayout.Flink112, 0, 0, 1, Relative("rel-in-single", 100)),
                MergedChannel(isInput: true, 0, Relative("rel-in-merged", 900), [(0, 0, 300), (0, 1, 600)]),
            ],
            ResultSubpartitionStates =
            [
                MergedChannel(isInput: false, 0, AbsFile("s3://bucket/cp/job/chk-90/abs-out-merged", 400), [(0, 2, 400)]),
                Channel(isInput: false, TypeCodes.ResultSubpartitionStateHandle, ChannelLayout.Flink112, 0, 0, 3, Inline("inl-out-single", 8)),
            ],
        };
        op.Subtasks.Add(new SubtaskEntry { StoredIndex = 0, State = state });
        m.Operators.Add(op);
        return m;
    }

    private static CheckpointMetadata V6AbsolutePathsEverywhere()
    {
        var m = Metadata(MetadataVersion.V6, 100);
        m.Trailer = CheckpointPropertiesBlob;
        const string s3 = "s3://old-bucket/flink/cafebabecafebabecafebabecafebabe";
        const string local = "file:/var/flink/checkpoints/cafebabecafebabecafebabecafebabe";

        // Operator 0: operator state in both slots, keyed 12 and 7.
        var op0 = Operator(1, parallelism: 2, maxParallelism: 128);
        op0.Name = S("map");
        op0.Uid = S("map-uid");
        op0.Subtasks.Add(new SubtaskEntry
        {
            StoredIndex = 0,
            State = new SubtaskState
            {
                ManagedOperatorFlag = 1,
                ManagedOperatorState = OperatorState4(AbsFile($"{s3}/chk-100/abs-opstate-0", 120), "buffer"),
                RawOperatorFlag = 1,
                RawOperatorState = OperatorState4(AbsFile($"{local}/chk-100/abs-rawop-0", 60), "raw"),
                ManagedKeyedState = KeyGroups(TypeCodes.KeyGroupsHandleV2, 0, 64, AbsFile($"{s3}/chk-100/abs-kg12-0", 4000), Uuid(30)),
                RawKeyedState = KeyGroups(TypeCodes.SavepointKeyGroupsHandle, 0, 64, AbsFile($"{local}/chk-100/abs-kg7-0", 100)),
            },
        });
        // Subtask 1: relative and inline only (nothing to rewrite); the inline name looks like an absolute path.
        op0.Subtasks.Add(new SubtaskEntry
        {
            StoredIndex = 1,
            State = new SubtaskState
            {
                ManagedOperatorFlag = 1,
                ManagedOperatorState = OperatorState4(Relative("rel-opstate-1", 120), "buffer"),
                ManagedKeyedState = KeyGroups(TypeCodes.KeyGroupsHandleV2, 64, 64, Inline($"{s3}/chk-100/inl-kg12-1", 30), Uuid(31)),
            },
        });
        m.Operators.Add(op0);

        // Operator 1: incremental 11 (metadata, shared, private; nested 3 in stream context), channel state.
        var op1 = Operator(2, parallelism: 1, maxParallelism: 128);
        op1.Subtasks.Add(new SubtaskEntry
        {
            StoredIndex = 0,
            State = new SubtaskState
            {
                ManagedKeyedState = Incremental(TypeCodes.IncrementalKeyGroupsHandleV2, 100, Uuid(32), new KeyGroupRange(0, 128),
                    AbsFile($"{s3}/chk-100/abs-meta", 900),
                    [
                        ("000011.sst", AbsFile($"{s3}/shared/abs-sst-11", 1 << 20)),
                        ("000012.sst", AbsFile($"{local}/shared/abs-sst-12", 1 << 19)),
                        ("000013.sst", KeyGroups(TypeCodes.KeyGroupsHandle, 0, 128, AbsFile($"{s3}/shared/abs-nested-13", 300))),
                    ],
                    [("MANIFEST-000004", AbsFile($"{s3}/chk-100/abs-manifest", 200)), ("OPTIONS-000007", Relative("rel-options", 5000)), ("CURRENT", Inline("inl-current", 16))],
                    Uuid(33), 1 << 21),
                InputChannelStates = [Channel(isInput: true, TypeCodes.InputChannelStateHandle, ChannelLayout.Flink112, 0, 0, 0, AbsFile($"{s3}/chk-100/abs-in", 70))],
                ResultSubpartitionStates =
                [
                    MergedChannel(isInput: false, 0, AbsFile($"{local}/chk-100/abs-out-merged", 80), [(0, 0, 80)]),
                    Channel(isInput: false, TypeCodes.ResultSubpartitionStateHandle, ChannelLayout.Flink112, 0, 0, 1, AbsFile($"{s3}/chk-100/abs-out", 90)),
                ],
            },
        });
        m.Operators.Add(op1);

        // Operator 2: changelog 14 with 13 (DSTL files) and a materialized 11.
        var op2 = Operator(3, parallelism: 1, maxParallelism: 128);
        op2.Subtasks.Add(new SubtaskEntry
        {
            StoredIndex = 0,
            State = new SubtaskState
            {
                ManagedKeyedState = new ChangelogStateBackendHandle(TypeCodes.ChangelogHandleV2, ChangelogLayout.B)
                {
                    KeyGroupRange = new KeyGroupRange(0, 128),
                    CheckpointedSize = 10,
                    Materialized =
                    [
                        Incremental(TypeCodes.IncrementalKeyGroupsHandleV2, 99, Uuid(34), new KeyGroupRange(0, 128), Relative("rel-meta-99", 10),
                            [("000020.sst", AbsFile($"{s3}/shared/abs-sst-20", 1 << 18))], [], Uuid(35), 1 << 18),
                    ],
                    NonMaterialized =
                    [
                        new ChangelogStateHandleStreamImpl(TypeCodes.ChangelogFileIncrementHandleV2, ChangelogLayout.B)
                        {
                            KeyGroupRange = new KeyGroupRange(0, 128),
                            Handles = [Offset(0, AbsFile("s3://dstl-bucket/dstl/cafebabe/dstl/abs-dstl-1", 500)), Offset(128, AbsFile($"{local}/dstl/abs-dstl-2", 50))],
                            StateSize = 550,
                            CheckpointedSize = 550,
                            StateHandleId = S(Uuid(36)),
                            StorageIdentifier = S("filesystem"),
                        },
                    ],
                    MaterializationId = 9,
                    CheckpointId = 100,
                    StateHandleId = S(Uuid(37)),
                },
            },
        });
        m.Operators.Add(op2);

        // Operator 3: file merging (15 in 17 and in 11; 17 directories).
        var op3 = Operator(4, parallelism: 1, maxParallelism: 128);
        op3.Subtasks.Add(new SubtaskEntry
        {
            StoredIndex = 0,
            State = new SubtaskState
            {
                ManagedOperatorFlag = 1,
                ManagedOperatorState = FileMerging($"{s3}/taskowned/tmdir-tm-1", $"{local}/shared/shdir-op-4-0-1", 0,
                    Segment($"{s3}/taskowned/tmdir-tm-1/seg-a", 0, 100, 0), "list"),
                ManagedKeyedState = Incremental(TypeCodes.IncrementalKeyGroupsHandleV2, 100, Uuid(38), new KeyGroupRange(0, 128),
                    Segment($"{s3}/taskowned/tmdir-tm-1/seg-a", 100, 50, 0),
                    [("000030.sst", Segment($"{local}/shared/shdir-op-4-0-1/seg-b", 0, 4096, 1))], [], Uuid(39), 4146),
            },
        });
        m.Operators.Add(op3);
        return m;
    }

    private static CheckpointMetadata V6NonAsciiStrings()
    {
        var m = Metadata(MetadataVersion.V6, 110);
        m.Trailer = NullPropertiesBlob;
        m.MasterStates.Add(new MasterState { MasterStateVersion = 1, Name = S("hook\0with-nul"), Payload = Bytes(4, 9) });
        var op = Operator(1, parallelism: 1, maxParallelism: 128);
        op.Name = S("Größe \U0001F600 \0 operator"); // ß/ö (2 bytes), a surrogate pair (2 x 3 bytes), NUL (C0 80)
        op.Uid = S("uid-\u00e9\u4e2d");
        op.Subtasks.Add(new SubtaskEntry
        {
            StoredIndex = 0,
            State = new SubtaskState
            {
                ManagedOperatorFlag = 1,
                ManagedOperatorState = OperatorState4(AbsFile("s3://bücket/flink/zoë/\U0001F600/abs-ünïcode", 10), "état\0"),
                ManagedKeyedState = KeyGroups(TypeCodes.KeyGroupsHandleV2, 0, 128, AbsFile("file:/data/日本/abs-kg", 20), "id-\0-\U0001F600"),
            },
        });
        m.Operators.Add(op);
        return m;
    }

    private static CheckpointMetadata V7RefMarkers()
    {
        var m = Metadata(MetadataVersion.V7, 120);
        m.Trailer = CheckpointPropertiesBlob;
        var op = Operator(1, parallelism: 3, maxParallelism: 128);
        op.Subtasks.Add(new SubtaskEntry { StoredIndex = 0, State = new SubtaskState { RefMarker = 0, ManagedKeyedState = KeyGroups(TypeCodes.KeyGroupsHandleV2, 0, 43, Relative("rel-a", 10), Uuid(40)) } });
        op.Subtasks.Add(new SubtaskEntry { StoredIndex = 1, State = new SubtaskState { RefMarker = 1, RefCheckpointId = 117 } });
        op.Subtasks.Add(new SubtaskEntry { StoredIndex = -3 });
        m.Operators.Add(op);
        return m;
    }

    // ------------------------------------------------------------------ large realistic checkpoint

    /// <summary>
    /// A realistic large V6 incremental RocksDB checkpoint: one source operator with operator state and
    /// keyed operators whose subtasks each hold an <see cref="IncrementalRemoteKeyedStateHandle"/> (11).
    /// <paramref name="fileHandles"/> is the number of stream handles inside the incremental handles
    /// (metadata + shared + private): shared SSTs are absolute <c>s3://bucket/flink/&lt;jobid&gt;/shared/&lt;uuid&gt;</c>
    /// files, private ones relative, CURRENT inline. About 115 bytes per handle. Deterministic by seed.
    /// </summary>
    public static byte[] Large(int fileHandles, int seed) => MetadataWriter.ToArray(LargeModel(fileHandles, seed));

    /// <summary>The model <see cref="Large"/> writes.</summary>
    public static CheckpointMetadata LargeModel(int fileHandles, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fileHandles);
        var random = new Random(seed);
        var arena = new StringArena();
        var jobId = Hex(random, 16);
        var sharedPrefix = $"s3://bucket/flink/{jobId}/shared/";
        const int keyedOperators = 3;
        const int maxParallelism = 128;
        var parallelism = Math.Clamp(fileHandles / (keyedOperators * 2600), 1, maxParallelism);

        var m = new CheckpointMetadata { Version = MetadataVersion.V6, CheckpointId = 1000 + random.Next(1000), Trailer = CheckpointPropertiesBlob };

        var source = new OperatorState
        {
            Name = S("Source: Kafka"),
            Uid = S("kafka-source"),
            Id = new OperatorId(random.NextInt64(), random.NextInt64()),
            Parallelism = parallelism,
            MaxParallelism = maxParallelism,
            CoordinatorState = new ByteStreamStateHandle { HandleName = S("coordinator"), Data = RandomBytes(random, 200) },
        };
        for (var i = 0; i < parallelism; i++)
        {
            source.Subtasks.Add(new SubtaskEntry
            {
                StoredIndex = i,
                State = new SubtaskState
                {
                    ManagedOperatorFlag = 1,
                    ManagedOperatorState = new OperatorStreamStateHandle(TypeCodes.PartitionableOperatorStateHandle)
                    {
                        States = [new OperatorStateEntry { Name = S("SourceReaderState"), Mode = 0, Offsets = [0, 113] }],
                        Delegate = new ByteStreamStateHandle { HandleName = arena.Ascii($"s3://bucket/flink/{jobId}/chk-{m.CheckpointId}/{Uuid(random)}"), Data = RandomBytes(random, 160) },
                    },
                },
            });
        }
        source.StoredSubtaskCount = source.Subtasks.Count;
        m.Operators.Add(source);

        var subtaskTotal = keyedOperators * parallelism;
        var sstNumber = 10;
        for (var o = 0; o < keyedOperators; o++)
        {
            var op = new OperatorState
            {
                Name = S($"KeyedProcess -> Window({o})"),
                Uid = S($"keyed-{o}"),
                Id = new OperatorId(random.NextInt64(), random.NextInt64()),
                Parallelism = parallelism,
                MaxParallelism = maxParallelism,
            };
            for (var i = 0; i < parallelism; i++)
            {
                var slot = o * parallelism + i;
                var handles = fileHandles / subtaskTotal + (slot < fileHandles % subtaskTotal ? 1 : 0);
                var state = new SubtaskState();
                if (handles > 0)
                {
                    var privateCount = Math.Min(3, handles - 1);
                    var sharedCount = handles - 1 - privateCount;
                    var shared = new NamedStreamHandle[sharedCount];
                    for (var s = 0; s < sharedCount; s++)
                    {
                        shared[s] = new NamedStreamHandle
                        {
                            LocalPath = arena.Ascii($"{sstNumber++:D6}.sst"),
                            Handle = new FileStateHandle { StateSize = 1_000_000 + random.Next(64_000_000), FilePath = arena.Ascii(sharedPrefix + Uuid(random)) },
                        };
                    }
                    var priv = new NamedStreamHandle[privateCount];
                    string[] privateNames = ["MANIFEST-000004", "OPTIONS-000007", "CURRENT"];
                    for (var p = 0; p < privateCount; p++)
                    {
                        priv[p] = new NamedStreamHandle
                        {
                            LocalPath = S(privateNames[p]),
                            Handle = privateNames[p] == "CURRENT"
                                ? new ByteStreamStateHandle { HandleName = arena.Ascii($"s3://bucket/flink/{jobId}/chk-{m.CheckpointId}/{Uuid(random)}"), Data = "MANIFEST-000004\n"u8.ToArray() }
                                : new RelativeFileStateHandle { RelativePath = arena.Ascii(Uuid(random)), StateSize = 1000 + random.Next(100_000) },
                        };
                    }
                    var range = KeyGroupsOf(i, parallelism, maxParallelism);
                    state.ManagedKeyedState = new IncrementalRemoteKeyedStateHandle(TypeCodes.IncrementalKeyGroupsHandleV2)
                    {
                        CheckpointId = m.CheckpointId,
                        BackendIdentifier = arena.Ascii(Uuid(random)),
                        KeyGroupRange = range,
                        CheckpointedSize = random.NextInt64(1 << 30),
                        MetaDataState = new RelativeFileStateHandle { RelativePath = arena.Ascii(Uuid(random)), StateSize = 2000 + random.Next(10_000) },
                        SharedState = shared,
                        PrivateState = priv,
                        StateHandleId = arena.Ascii(Uuid(random)),
                    };
                }
                op.Subtasks.Add(new SubtaskEntry { StoredIndex = i, State = state });
            }
            op.StoredSubtaskCount = op.Subtasks.Count;
            m.Operators.Add(op);
        }
        return m;
    }

    private static KeyGroupRange KeyGroupsOf(int subtask, int parallelism, int maxParallelism)
    {
        var start = (subtask * maxParallelism + parallelism - 1) / parallelism;
        var end = ((subtask + 1) * maxParallelism - 1) / parallelism;
        return new KeyGroupRange(start, end - start + 1);
    }

    /// <summary>Packs many small ASCII strings into large shared buffers: few objects for a million paths.</summary>
    private sealed class StringArena
    {
        private byte[] _chunk = new byte[1 << 20];
        private int _used;

        public MutfString Ascii(string value)
        {
            if (_chunk.Length - _used < value.Length)
            {
                _chunk = new byte[Math.Max(1 << 20, value.Length)];
                _used = 0;
            }
            var target = _chunk.AsMemory(_used, value.Length);
            for (var i = 0; i < value.Length; i++)
            {
                target.Span[i] = checked((byte)value[i]);
            }
            _used += value.Length;
            return new MutfString(target);
        }
    }

    // ------------------------------------------------------------------ builders

    private static MutfString S(string value) => MutfString.FromString(value);

    private static CheckpointMetadata Metadata(MetadataVersion version, long checkpointId) => new() { Version = version, CheckpointId = checkpointId };

    private static OperatorId Id(int n) => new(0x0102030405060708L * n, unchecked((long)0x9E3779B97F4A7C15UL) ^ n);

    private static OperatorState Operator(int n, int parallelism, int maxParallelism) =>
        new() { Id = Id(n), Parallelism = parallelism, MaxParallelism = maxParallelism };

    private static SubtaskState V2State(IOperatorStateHandle? managed = null) => new()
    {
        Duration = -1,
        ManagedOperatorFlag = managed is null ? 0 : 1,
        ManagedOperatorState = managed,
    };

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 31) + seed);
        }
        return bytes;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string Uuid(int n) => new Guid(n, (short)(n >> 16), (short)n, [1, 2, 3, 4, 5, 6, 7, (byte)n]).ToString();

    private static string Uuid(Random random)
    {
        Span<byte> b = stackalloc byte[16];
        random.NextBytes(b);
        var hex = Convert.ToHexStringLower(b);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    private static string Hex(Random random, int bytes)
    {
        var b = new byte[bytes];
        random.NextBytes(b);
        return Convert.ToHexStringLower(b);
    }

    private static long[] Offsets(int count, long step = 100)
    {
        var offsets = new long[count];
        for (var i = 0; i < count; i++)
        {
            offsets[i] = i * step;
        }
        return offsets;
    }

    private static ByteStreamStateHandle Inline(string name, int length) => new() { HandleName = S(name), Data = Bytes(length, name.Length) };

    private static FileStateHandle AbsFile(string path, long size) => new() { FilePath = S(path), StateSize = size };

    private static RelativeFileStateHandle Relative(string name, long size) => new() { RelativePath = S(name), StateSize = size };

    private static SegmentFileStateHandle Segment(string path, long start, long size, int scope) =>
        new() { StartPosition = start, StateSize = size, Scope = scope, PhysicalFilePath = S(path), LogicalFileId = S(Uuid((int)(start + size))) };

    private static OffsetStreamHandle Offset(long offset, IStreamStateHandle handle) => new() { Offset = offset, Handle = handle };

    private static OperatorStreamStateHandle OperatorState4(IStreamStateHandle? @delegate, params string[] names) =>
        new(TypeCodes.PartitionableOperatorStateHandle) { States = Entries(names), Delegate = @delegate };

    private static OperatorStreamStateHandle FileMerging(string taskOwned, string shared, byte isEmpty, IStreamStateHandle @delegate, params string[] names) =>
        new(TypeCodes.SegmentPartitionableOperatorStateHandle)
        {
            States = Entries(names),
            TaskOwnedDirPath = S(taskOwned),
            SharedDirPath = S(shared),
            IsEmptyRaw = isEmpty,
            Delegate = @delegate,
        };

    private static OperatorStateEntry[] Entries(string[] names) =>
        names.Select((n, i) => new OperatorStateEntry { Name = S(n), Mode = (byte)(i % 3), Offsets = Offsets(i + 1) }).ToArray();

    private static KeyGroupsStateHandle KeyGroups(byte code, int start, int count, IStreamStateHandle? @delegate, string? stateHandleId = null) =>
        new(code)
        {
            StartKeyGroup = start,
            Offsets = Offsets(count, 37),
            Delegate = @delegate,
            StateHandleId = stateHandleId is null ? default : S(stateHandleId),
        };

    private static IncrementalRemoteKeyedStateHandle Incremental(byte code, long checkpointId, string backendId, KeyGroupRange range,
        IStreamStateHandle? meta, (string Key, IStreamStateHandle? Handle)[] shared, (string Key, IStreamStateHandle? Handle)[] priv,
        string? stateHandleId = null, long checkpointedSize = 0) =>
        new(code)
        {
            CheckpointId = checkpointId,
            BackendIdentifier = S(backendId),
            KeyGroupRange = range,
            CheckpointedSize = checkpointedSize,
            MetaDataState = meta,
            SharedState = shared.Select(e => new NamedStreamHandle { LocalPath = S(e.Key), Handle = e.Handle }).ToArray(),
            PrivateState = priv.Select(e => new NamedStreamHandle { LocalPath = S(e.Key), Handle = e.Handle }).ToArray(),
            StateHandleId = stateHandleId is null ? default : S(stateHandleId),
        };

    private static ChannelStateHandle Channel(bool isInput, byte v6Code, ChannelLayout layout, int subtask, int a, int b, IStreamStateHandle? @delegate) =>
        new(isInput, v6Code, layout)
        {
            SubtaskIndex = layout == ChannelLayout.Flink112 ? subtask : 0,
            InfoA = a,
            InfoB = b,
            Offsets = Offsets(2 + b),
            StateSize = 100 + a + b,
            Delegate = @delegate,
        };

    private static ChannelStateHandle MergedChannel(bool isInput, int subtask, IStreamStateHandle? @delegate, (int A, int B, long Size)[] channels)
    {
        // Opaque to the metadata format; built as Flink serializes it (count, then per channel a, b, size, offsets).
        var blob = new List<byte>();
        void Int(int v)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(b, v);
            blob.AddRange(b.ToArray());
        }
        void Long(long v)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteInt64BigEndian(b, v);
            blob.AddRange(b.ToArray());
        }
        Int(channels.Length);
        long total = 0;
        foreach (var (a, b, size) in channels)
        {
            Int(a);
            Int(b);
            Long(size);
            Int(1);
            Long(total);
            total += size;
        }
        return new ChannelStateHandle(isInput, isInput ? TypeCodes.MergedInputChannelStateHandle : TypeCodes.MergedResultSubpartitionStateHandle, ChannelLayout.Flink112)
        {
            SubtaskIndex = subtask,
            StateSize = total,
            Delegate = @delegate,
            MergedOffsets = blob.ToArray(),
        };
    }
}
