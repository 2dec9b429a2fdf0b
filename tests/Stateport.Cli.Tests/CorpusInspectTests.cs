using System.Text.Json;
using Stateport.Tests.Shared;

namespace Stateport.Cli.Tests;

/// <summary><c>inspect --json</c> on every metadata file of the corpus (enumerated, not hand-picked).</summary>
public sealed class CorpusInspectTests
{
    public static TheoryData<string> Cases() => Corpus.MetadataFiles();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Inspect_json_describes_every_corpus_snapshot(string relativePath)
    {
        var path = Corpus.FullPath(relativePath);
        var bytes = File.ReadAllBytes(path);

        var result = await Cli.RunAsync("inspect", path, "--json");
        if (Corpus.VersionOf(bytes) == 0)
        {
            // Flink 1.1 savepoints are Java-serialized: refused as unsupported input, in one line.
            Cli.AssertCleanFailure(result, 2, "not supported");
            Assert.Equal("", result.Out);
            return;
        }

        Assert.True(result.Code == 0, $"{relativePath}\n{result}");
        Assert.Equal("", result.Err);
        var json = result.Json();
        Assert.Equal(1, json.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(Corpus.VersionOf(bytes), json.GetProperty("formatVersion").GetInt32());
        Assert.Equal(bytes.Length, json.GetProperty("metadataBytes").GetInt32());
        Assert.Equal("file:" + path, json.GetProperty("metadataFile").GetString());
        Assert.Contains(json.GetProperty("relocatability").GetString(), new[] { "self-contained", "needs-rewrite", "references-outside" });

        var counts = json.GetProperty("referenceCounts");
        var references = json.GetProperty("references").EnumerateArray().ToList();
        Assert.Equal(
            counts.GetProperty("relative").GetInt32() + counts.GetProperty("absoluteInside").GetInt32() + counts.GetProperty("absoluteOutside").GetInt32() + counts.GetProperty("inline").GetInt32(),
            references.Count);
        foreach (var reference in references)
        {
            Assert.False(string.IsNullOrEmpty(reference.GetProperty("path").GetString()));
            Assert.Equal(JsonValueKind.Number, reference.GetProperty("size").ValueKind);
        }
        Assert.True(json.GetProperty("operators").GetArrayLength() >= 0);

        // Relative references resolve next to the metadata file: the corpus ships those files.
        var directory = Path.GetDirectoryName(path)!;
        foreach (var reference in references.Where(r => r.GetProperty("kind").GetString() == "relative"))
        {
            var file = Path.Combine(directory, reference.GetProperty("path").GetString()!);
            Assert.True(File.Exists(file), $"{relativePath}: relative reference {file} is missing from the corpus");
        }
    }

    [Fact]
    public async Task Inspect_text_and_json_agree_for_the_absolute_path_checkpoint()
    {
        var text = await Cli.RunExpectingAsync(0, "inspect", CorpusSnapshots.CheckpointDirectory, "--all");
        var json = (await Cli.RunExpectingAsync(0, "inspect", CorpusSnapshots.CheckpointDirectory, "--json")).Json();
        Assert.Equal("references-outside", json.GetProperty("relocatability").GetString());
        var outside = Snapshots.References(json).Where(r => r.Kind == "absolute").Select(r => r.Uri).ToList();
        Assert.Equal(3, outside.Count);
        Assert.All(outside, uri =>
        {
            Assert.StartsWith($"file:/state/checkpoint/{CorpusSnapshots.JobId}/shared/", uri, StringComparison.Ordinal);
            Assert.Contains(uri, text.Out, StringComparison.Ordinal);
        });
    }
}
