using Stateport.Metadata.Inspection;
using Stateport.Metadata.Model;
using Stateport.Metadata.Wire;
using Stateport.Tests.Shared;

namespace Stateport.Metadata.Tests;

/// <summary>Hand-built snapshots for what the corpus lacks: write, read back, write again.</summary>
public sealed class SyntheticTests
{
    public static IEnumerable<object[]> Cases => SyntheticSnapshots.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Writes_reads_and_rewrites_byte_identically(SyntheticCase c)
    {
        var model = SyntheticSnapshots.Create(c);
        var bytes = MetadataWriter.ToArray(model);
        Assert.True(MetadataReader.HasMagic(bytes));

        var reread = MetadataReader.Read(bytes);
        Bytes.AssertIdentical(bytes, MetadataWriter.ToArray(reread), $"{c} second write");
        using var stream = new MemoryStream();
        MetadataWriter.Write(reread, stream);
        Bytes.AssertIdentical(bytes, stream.ToArray(), $"{c} second write via stream");

        // Structural: every field, type code and layout variant survived.
        Assert.Equal(ModelDump.Of(model), ModelDump.Of(reread));
        Assert.Equal(
            SnapshotSummary.Create(model, null).HandleCounts.OrderBy(kv => kv.Key),
            SnapshotSummary.Create(reread, null).HandleCounts.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void Every_handle_type_code_is_covered()
    {
        var codes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in Enum.GetValues<SyntheticCase>())
        {
            codes.UnionWith(SnapshotSummary.Create(SyntheticSnapshots.Create(c), null).HandleCounts.Keys);
        }
        for (byte code = 1; code <= 17; code++)
        {
            Assert.Contains(TypeCodes.Name(code), codes);
        }
        foreach (var channel in new[] { "InputChannelStateHandle", "ResultSubpartitionStateHandle", "MergedInputChannelStateHandle", "MergedResultSubpartitionStateHandle" })
        {
            Assert.Contains(channel, codes);
        }
    }

    [Theory]
    [InlineData(SyntheticCase.V3Channel111Layout, ChannelLayout.Flink111, ChangelogLayout.B)]
    [InlineData(SyntheticCase.V3Channel112Layout, ChannelLayout.Flink112, ChangelogLayout.B)]
    [InlineData(SyntheticCase.V3Changelog114LayoutA, ChannelLayout.Flink112, ChangelogLayout.A)]
    [InlineData(SyntheticCase.V3Changelog115LayoutB, ChannelLayout.Flink112, ChangelogLayout.B)]
    public void V3_layout_variants_are_detected(SyntheticCase c, ChannelLayout channel, ChangelogLayout changelog)
    {
        var reread = MetadataReader.Read(SyntheticSnapshots.Bytes(c));
        Assert.Equal(channel, reread.ChannelLayout);
        Assert.Equal(changelog, reread.ChangelogLayout);
        Assert.True(reread.Trailer.IsEmpty);
    }

    [Fact]
    public void Finished_operators_and_subtasks_keep_their_markers()
    {
        var reread = MetadataReader.Read(SyntheticSnapshots.Bytes(SyntheticCase.V3FinishedMarkers));
        Assert.True(reread.Operators[0].IsFullyFinished);
        Assert.Equal(-1, reread.Operators[0].StoredSubtaskCount);
        Assert.Equal([-1, 1, -3], reread.Operators[1].Subtasks.Select(s => s.StoredIndex));
        Assert.Equal([0, 1, 2], reread.Operators[1].Subtasks.Select(s => s.SubtaskIndex));
        Assert.Equal([true, false, true], reread.Operators[1].Subtasks.Select(s => s.IsFinished));
        var summary = SnapshotSummary.Create(reread, null);
        Assert.True(summary.Operators[0].FullyFinished);
        Assert.Equal(2, summary.Operators[1].FinishedSubtasks);
    }

    [Fact]
    public void Null_properties_blob_and_master_states_are_kept()
    {
        var bytes = SyntheticSnapshots.Bytes(SyntheticCase.V5MasterStatesNullProperties);
        Assert.Equal(SyntheticSnapshots.NullPropertiesBlob, bytes[^5..]);
        var reread = MetadataReader.Read(bytes);
        Assert.Equal(2, reread.MasterStates.Count);
        Assert.True(reread.Properties!.IsNull);
        Assert.Equal(SnapshotKind.Checkpoint, MetadataReader.Read(SyntheticSnapshots.Bytes(SyntheticCase.V6FileMerging)).Properties!.Kind);
    }

    [Fact]
    public void Non_ascii_strings_are_modified_utf8()
    {
        var bytes = SyntheticSnapshots.Bytes(SyntheticCase.V6NonAsciiStrings);
        // NUL is C0 80 and U+1F600 is the surrogate pair D83D DE00, each as 3 bytes (not 4-byte UTF-8).
        Assert.True(bytes.AsSpan().IndexOf((ReadOnlySpan<byte>)[(byte)'k', 0xC0, 0x80, (byte)'w']) > 0);
        Assert.True(bytes.AsSpan().IndexOf((ReadOnlySpan<byte>)[0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]) > 0);
        Assert.True(bytes.AsSpan().IndexOf((ReadOnlySpan<byte>)[0xF0, 0x9F, 0x98, 0x80]) < 0);
        var reread = MetadataReader.Read(bytes);
        Assert.Equal("Größe \U0001F600 \0 operator", reread.Operators[0].Name.ToString());
        Assert.Equal("hook\0with-nul", reread.MasterStates[0].Name.ToString());
    }

    [Fact]
    public void V7_ref_markers_round_trip()
    {
        var reread = MetadataReader.Read(SyntheticSnapshots.Bytes(SyntheticCase.V7RefMarkers));
        Assert.Equal(MetadataVersion.V7, reread.Version);
        Assert.Equal(0, reread.Operators[0].Subtasks[0].State!.RefMarker);
        Assert.Equal(1, reread.Operators[0].Subtasks[1].State!.RefMarker);
        Assert.Equal(117, reread.Operators[0].Subtasks[1].State!.RefCheckpointId);
        var e = Assert.Throws<MetadataFormatException>(() => MetadataReader.Read(SyntheticSnapshots.Bytes(SyntheticCase.V7RefMarkers), new MetadataReaderOptions { AllowUnverifiedV7 = false }));
        Assert.Contains("version 7", e.Message);
    }

    [Fact]
    public void Large_is_deterministic_and_sized()
    {
        var a = SyntheticSnapshots.Large(20_000, 7);
        var b = SyntheticSnapshots.Large(20_000, 7);
        Assert.Equal(a, b);
        Assert.NotEqual(a, SyntheticSnapshots.Large(20_000, 8));
        Assert.InRange(a.Length, 20_000 * 90, 20_000 * 140);
        var model = MetadataReader.Read(a);
        Bytes.AssertIdentical(a, MetadataWriter.ToArray(model), "large");
        var counts = SnapshotSummary.Create(model, null).HandleCounts;
        var streamHandles = model.Operators.SelectMany(o => o.Subtasks)
            .Select(s => s.State!.ManagedKeyedState).OfType<IncrementalRemoteKeyedStateHandle>()
            .Sum(h => 1 + h.SharedState.Length + h.PrivateState.Length);
        Assert.Equal(20_000, streamHandles);
        Assert.True(counts[TypeCodes.Name(TypeCodes.FileStreamStateHandle)] > 19_000);
        Assert.Equal(SnapshotKind.Checkpoint, model.Properties!.Kind);
    }
}
