using Stateport.Tests.Shared;

namespace Stateport.Cli.Tests;

/// <summary><c>rewrite</c> and <c>inspect</c> with S3 locations, on the corpus's absolute-path checkpoint.</summary>
public sealed class RewriteS3Tests
{
    private static readonly string[] StorageA = Cli.S3(S3TestServer.A);

    [Fact]
    public async Task Rewrite_of_the_absolute_path_checkpoint_to_S3_is_reinspected_from_S3()
    {
        await using var bucket = await TestBucket.CreateAsync(S3TestServer.A, "rewrite");
        var job = $"checkpoints/{CorpusSnapshots.JobId}";
        await bucket.UploadDirectoryAsync(CorpusSnapshots.CheckpointJobDirectory, job, r => r != "chk-6/_metadata");

        var rewrite = await Cli.RunExpectingAsync(0, Cli.Args("rewrite", CorpusSnapshots.CheckpointDirectory, bucket.Uri($"{job}/chk-6/"),
            "--map", $"file:/state/checkpoint=s3://{bucket.Name}/checkpoints", "--json", StorageA));
        var report = rewrite.Json();
        Assert.True(report.GetProperty("written").GetBoolean());
        Assert.Equal($"s3://{bucket.Name}/{job}/chk-6/_metadata", report.GetProperty("output").GetString());
        Assert.Equal(3, report.GetProperty("changes").GetArrayLength());
        Assert.Equal(0, report.GetProperty("unmapped").GetArrayLength());

        var listing = Snapshots.S3Objects(bucket.Name, await bucket.ListAsync());
        var inspect = await Snapshots.AssertSelfContainedAsync(bucket.Uri($"{job}/chk-6"), $"s3://{bucket.Name}/{job}/", listing, StorageA);
        Assert.Equal(bucket.Uri($"{job}/chk-6/_metadata"), inspect.GetProperty("metadataFile").GetString());
        var shared = Snapshots.References(inspect).Where(r => r.Kind == "absolute").ToList();
        Assert.Equal(3, shared.Count);
        Assert.All(shared, r => Assert.StartsWith($"s3://{bucket.Name}/{job}/shared/", r.Uri, StringComparison.Ordinal));
        // Everything else is as the corpus has it: same operators, same state sizes.
        var original = (await Cli.RunExpectingAsync(0, "inspect", CorpusSnapshots.CheckpointDirectory, "--json")).Json();
        Assert.Equal(original.GetProperty("operators").ToString(), inspect.GetProperty("operators").ToString());
        Assert.Equal(original.GetProperty("totalStateSize").GetInt64(), inspect.GetProperty("totalStateSize").GetInt64());

        // And the result is restorable from S3 as it is.
        await Cli.RunExpectingAsync(0, Cli.Args("verify", bucket.Uri($"{job}/chk-6"), StorageA));
    }

    [Fact]
    public async Task Rewrite_reads_from_S3_and_writes_to_another_endpoint()
    {
        await using var a = await TestBucket.CreateAsync(S3TestServer.A, "rewrite-in");
        await using var b = await TestBucket.CreateAsync(S3TestServer.B, "rewrite-out");
        var chk = await CorpusSnapshots.UploadCheckpointAsync(a);

        await Cli.RunExpectingAsync(0, Cli.Args("rewrite", chk, b.Uri("moved/chk-6/_metadata"),
            "--map", $"s3://{a.Name}/checkpoints=s3://{b.Name}/moved-root", Cli.S3(S3TestServer.A, "src-"), Cli.S3(S3TestServer.B, "dst-")));

        var inspect = (await Cli.RunExpectingAsync(0, Cli.Args("inspect", b.Uri("moved/chk-6"), "--json", Cli.S3(S3TestServer.B)))).Json();
        var absolute = Snapshots.References(inspect).Where(r => r.Kind == "absolute").ToList();
        Assert.Equal(3, absolute.Count);
        Assert.All(absolute, r => Assert.StartsWith($"s3://{b.Name}/moved-root/{CorpusSnapshots.JobId}/shared/", r.Uri, StringComparison.Ordinal));
        // The input was never modified.
        var again = (await Cli.RunExpectingAsync(0, Cli.Args("inspect", chk, "--json", Cli.S3(S3TestServer.A)))).Json();
        Assert.All(Snapshots.References(again).Where(r => r.Kind == "absolute"), r => Assert.StartsWith($"s3://{a.Name}/checkpoints/", r.Uri, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rewrite_with_an_unmapped_path_fails_and_writes_nothing()
    {
        await using var bucket = await TestBucket.CreateAsync(S3TestServer.A, "rewrite-unmapped");
        var result = await Cli.RunAsync(Cli.Args("rewrite", CorpusSnapshots.CheckpointDirectory, bucket.Uri("out/"),
            "--map", "file:/somewhere/else=s3://x/y", StorageA));
        Cli.AssertCleanFailure(result, 2, "not covered");
        Assert.Empty(await bucket.ListAsync());
    }

    [Fact]
    public async Task Inspect_accepts_s3_s3a_and_the_metadata_file_itself()
    {
        await using var bucket = await TestBucket.CreateAsync(S3TestServer.A, "inspect");
        var sp = await CorpusSnapshots.UploadSavepointAsync(bucket);
        var local = (await Cli.RunExpectingAsync(0, "inspect", CorpusSnapshots.SavepointDirectory, "--json")).Json();

        foreach (var location in new[] { sp, sp + "/", sp + "/_metadata", sp.Replace("s3://", "s3a://", StringComparison.Ordinal) })
        {
            var json = (await Cli.RunExpectingAsync(0, Cli.Args("inspect", location, "--json", StorageA))).Json();
            Assert.Equal(local.GetProperty("metadataBytes").GetInt32(), json.GetProperty("metadataBytes").GetInt32());
            Assert.Equal(local.GetProperty("references").ToString(), json.GetProperty("references").ToString());
        }
        var text = await Cli.RunExpectingAsync(0, Cli.Args("inspect", sp, StorageA));
        Assert.Contains($"{sp}/_metadata", text.Out, StringComparison.Ordinal);
    }
}
