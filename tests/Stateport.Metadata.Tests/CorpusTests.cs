using Stateport.Metadata.Inspection;
using Stateport.Tests.Shared;

namespace Stateport.Metadata.Tests;

/// <summary>Every real snapshot of the corpus: parse, write back byte-identically, summarise.</summary>
public sealed class CorpusTests
{
    public static TheoryData<string> Files => Corpus.MetadataFiles();

    [Fact]
    public void Corpus_is_found_and_holds_every_version()
    {
        var versions = Corpus.MetadataFilePaths.Select(p => Corpus.VersionOf(Corpus.Read(p))).ToHashSet();
        for (var v = 0; v <= 6; v++)
        {
            Assert.Contains(v, versions);
        }
        // The corpus has 329 _metadata files plus 7 single-file Flink 1.1/1.2 savepoints with other names.
        Assert.True(Corpus.MetadataFilePaths.Count >= 336, $"only {Corpus.MetadataFilePaths.Count} metadata files under {Corpus.Root}");
        Assert.Contains(Corpus.MetadataFilePaths, p => !p.EndsWith("/_metadata", StringComparison.Ordinal) && p != "_metadata");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_and_writes_back_byte_identically(string file)
    {
        var bytes = Corpus.Read(file);
        var version = Corpus.VersionOf(bytes);
        if (version == 0)
        {
            var e = Assert.Throws<MetadataFormatException>(() => MetadataReader.Read(bytes));
            Assert.Contains("version 0", e.Message);
            Assert.Contains("Flink 1.1", e.Message);
            return;
        }

        var model = MetadataReader.Read(bytes);
        Assert.Equal((MetadataVersion)version, model.Version);
        Bytes.AssertIdentical(bytes, MetadataWriter.ToArray(model), $"{file} via ToArray");

        using var stream = new MemoryStream();
        MetadataWriter.Write(model, stream);
        Bytes.AssertIdentical(bytes, stream.ToArray(), $"{file} via Write(Stream)");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Summarises(string file)
    {
        var bytes = Corpus.Read(file);
        if (Corpus.VersionOf(bytes) == 0)
        {
            return; // refused above
        }
        var model = MetadataReader.Read(bytes);
        var directory = "file:" + Path.GetDirectoryName(Corpus.FullPath(file))!.Replace('\\', '/');
        foreach (var summary in new[] { SnapshotSummary.Create(model, null), SnapshotSummary.Create(model, directory) })
        {
            Assert.Equal(model.Version, summary.Version);
            Assert.Equal(model.CheckpointId, summary.CheckpointId);
            Assert.Equal(model.Operators.Count, summary.Operators.Count);
            Assert.Equal(model.MasterStates.Count, summary.MasterStateCount);
            Assert.True(summary.TotalStateSize >= 0);
            Assert.Equal(summary.TotalStateSize, summary.Operators.Sum(o => o.StateSize));
            Assert.All(summary.HandleCounts.Values, n => Assert.True(n > 0));
            Assert.All(summary.References, r => Assert.True(r.HandleCount >= 1));
            Assert.All(summary.Operators, o => Assert.True(o.FinishedSubtasks <= o.SubtaskCount));
            if (model.Version.HasPropertiesBlob())
            {
                Assert.NotNull(summary.Properties);
            }
        }
    }

    [Fact]
    public void Absolute_file_paths_of_a_real_checkpoint_rewrite_to_s3()
    {
        const string file = "example-beam-on-flink-1.12-rocksdb-incremental-494ff0-chk-6/chk-6/_metadata";
        const string from = "file:/state/checkpoint";
        const string to = "s3://restored-bucket/flink/checkpoints";
        var bytes = Corpus.Read(file);
        var model = MetadataReader.Read(bytes);
        var before = PathSites.Collect(model);
        Assert.Contains(before, s => s.IsAbsolute);
        Assert.All(before.Where(s => s.IsAbsolute), s => Assert.StartsWith(from + "/", s.Value));

        var result = Paths.PathRewriter.Rewrite(model, new Paths.PrefixMap([new Paths.PrefixRule("file:///state/checkpoint/", to)]));
        Assert.Empty(result.Unmapped);
        Assert.Equal(before.Count(s => s.IsAbsolute), result.Changes.Count);

        var reread = MetadataReader.Read(MetadataWriter.ToArray(model));
        var after = PathSites.Collect(reread);
        Assert.Equal(before.Count, after.Count);
        foreach (var (b, a) in before.Zip(after))
        {
            Assert.Equal(b.Field, a.Field);
            if (b.IsAbsolute)
            {
                Assert.Equal(to + b.Value[from.Length..], a.Value);
            }
            else
            {
                Assert.Equal(b.Value, a.Value); // relative handles and inline names (which look like file: paths) stay
            }
        }
    }
}
