using Stateport.Tests.Shared;

namespace Stateport.Cli.Tests;

/// <summary>verify against a real S3 server: passes on a good snapshot, names the broken file, flags forbidden prefixes and incomplete copies.</summary>
public sealed class VerifyS3Tests
{
    private static readonly string[] StorageA = Cli.S3(S3TestServer.A);

    [Fact]
    public async Task Passes_on_a_relocated_checkpoint_and_fails_naming_a_deleted_file()
    {
        await using var source = await TestBucket.CreateAsync(S3TestServer.A, "verify-src");
        await using var target = await TestBucket.CreateAsync(S3TestServer.A, "verify-dst");
        var src = await CorpusSnapshots.UploadCheckpointAsync(source);
        var dst = target.Uri("relocated/chk-6");
        await Cli.RunExpectingAsync(0, Cli.Args("relocate", src, dst, StorageA));

        var ok = await Cli.RunExpectingAsync(0, Cli.Args("verify", dst, "--json", "--self-contained", "--forbid-prefix", $"s3://{source.Name}", StorageA));
        var report = ok.Json();
        Assert.True(report.GetProperty("restorable").GetBoolean());
        Assert.Equal(6, report.GetProperty("filesChecked").GetInt32());
        Assert.Equal(0, report.GetProperty("problemCount").GetInt32());

        var victim = (await target.ListAsync("relocated/chk-6/shared/")).Keys.First();
        await target.DeleteObjectAsync(victim);

        var failed = await Cli.RunExpectingAsync(1, Cli.Args("verify", dst, StorageA));
        Assert.Contains($"s3://{target.Name}/{victim}", failed.Out, StringComparison.Ordinal);
        Assert.Contains("Missing", failed.Out, StringComparison.Ordinal);
        Assert.Contains("NOT RESTORABLE", failed.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", failed.Out + failed.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fails_naming_a_truncated_file()
    {
        await using var bucket = await TestBucket.CreateAsync(S3TestServer.A, "verify-trunc");
        var sp = await CorpusSnapshots.UploadSavepointAsync(bucket);
        await Cli.RunExpectingAsync(0, Cli.Args("verify", sp, StorageA));

        var victim = (await bucket.ListAsync("savepoints/savepoint-1/")).First(kv => !kv.Key.EndsWith("/_metadata", StringComparison.Ordinal) && kv.Value > 10);
        var content = await bucket.GetAsync(victim.Key);
        await bucket.PutAsync(victim.Key, content[..(content.Length / 2)]);

        var failed = await Cli.RunExpectingAsync(1, Cli.Args("verify", sp, "--json", StorageA));
        var report = failed.Json();
        Assert.False(report.GetProperty("restorable").GetBoolean());
        var finding = Assert.Single(report.GetProperty("findings").EnumerateArray(), f => f.GetProperty("severity").GetString() == "problem");
        Assert.Equal("SizeMismatch", finding.GetProperty("kind").GetString());
        Assert.Equal($"s3://{bucket.Name}/{victim.Key}", finding.GetProperty("uri").GetString());
    }

    [Fact]
    public async Task Flags_references_that_still_point_at_the_forbidden_old_bucket()
    {
        await using var old = await TestBucket.CreateAsync(S3TestServer.A, "verify-old");
        await using var copy = await TestBucket.CreateAsync(S3TestServer.A, "verify-new");
        await CorpusSnapshots.UploadCheckpointAsync(old);
        // A naive copy: the objects of chk-6 and the _metadata bytes as they are, still naming the old bucket.
        foreach (var (key, _) in await old.ListAsync($"checkpoints/{CorpusSnapshots.JobId}/chk-6/"))
        {
            await copy.PutAsync(key, await old.GetAsync(key));
        }
        var naive = copy.Uri($"checkpoints/{CorpusSnapshots.JobId}/chk-6");

        // Restorable as such (the old bucket still holds shared/)...
        await Cli.RunExpectingAsync(0, Cli.Args("verify", naive, StorageA));
        // ...but not once the old bucket is forbidden.
        var failed = await Cli.RunExpectingAsync(1, Cli.Args("verify", naive, "--forbid-prefix", $"s3://{old.Name}", StorageA));
        Assert.Contains("ForbiddenPrefix", failed.Out, StringComparison.Ordinal);
        Assert.Contains($"s3://{old.Name}/checkpoints/{CorpusSnapshots.JobId}/shared/", failed.Out, StringComparison.Ordinal);
        Assert.Equal(3, failed.Out.Split('\n').Count(l => l.StartsWith("PROBLEM", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Reports_a_directory_without_metadata_as_not_restorable()
    {
        await using var bucket = await TestBucket.CreateAsync(S3TestServer.A, "verify-nometa");
        await bucket.UploadDirectoryAsync(CorpusSnapshots.SavepointDirectory, "savepoints/half-copied", relative => relative != "_metadata");
        var location = bucket.Uri("savepoints/half-copied");

        var failed = await Cli.RunExpectingAsync(1, Cli.Args("verify", location, StorageA));
        Assert.Contains("_metadata", failed.Out, StringComparison.Ordinal);
        Assert.Contains("NOT RESTORABLE", failed.Out, StringComparison.Ordinal);

        var json = (await Cli.RunExpectingAsync(1, Cli.Args("verify", location, "--json", StorageA))).Json();
        Assert.False(json.GetProperty("restorable").GetBoolean());
        Assert.Contains("_metadata", json.GetProperty("findings")[0].GetProperty("uri").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reports_a_local_directory_without_metadata_as_not_restorable()
    {
        using var temp = new TempDir();
        File.WriteAllBytes(temp.Sub("some-state-file"), [1, 2, 3]);
        var failed = await Cli.RunExpectingAsync(1, "verify", temp.Path);
        Assert.Contains("_metadata", failed.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", failed.Out + failed.Err, StringComparison.Ordinal);
    }
}
