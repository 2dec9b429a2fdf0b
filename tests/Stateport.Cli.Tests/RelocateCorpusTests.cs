using Stateport.Tests.Shared;

namespace Stateport.Cli.Tests;

/// <summary>Which corpus snapshot a relocation test moves.</summary>
public enum CorpusSnapshot
{
    /// <summary>The native RocksDB savepoint (relative references only).</summary>
    Savepoint,
    /// <summary>The incremental checkpoint with absolute references into its job's shared/.</summary>
    Checkpoint,
}

/// <summary>Where a relocation test moves it.</summary>
public enum Route
{
    /// <summary>S3 bucket on endpoint A → another bucket on endpoint A (server-side copy).</summary>
    SameEndpoint,
    /// <summary>Endpoint A → endpoint B with other credentials (streamed).</summary>
    OtherEndpoint,
    /// <summary>Endpoint A → local directory.</summary>
    S3ToLocal,
    /// <summary>Local directory → endpoint B.</summary>
    LocalToS3,
}

/// <summary>
/// relocate against the real S3 servers with the real corpus: each result is re-inspected (every reference
/// under the new location), every referenced object exists with the recorded size, verify passes, and the
/// source is left as it was.
/// </summary>
public sealed class RelocateCorpusTests
{
    public static TheoryData<CorpusSnapshot, Route> Cases()
    {
        var data = new TheoryData<CorpusSnapshot, Route>();
        foreach (var snapshot in Enum.GetValues<CorpusSnapshot>())
        {
            foreach (var route in Enum.GetValues<Route>())
            {
                data.Add(snapshot, route);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Relocated_snapshot_is_self_contained_complete_and_verifies(CorpusSnapshot snapshot, Route route)
    {
        using var temp = new TempDir();
        await using var source = route == Route.LocalToS3 ? null : await TestBucket.CreateAsync(S3TestServer.A, "reloc-src");
        await using var target = route switch
        {
            Route.SameEndpoint => await TestBucket.CreateAsync(S3TestServer.A, "reloc-dst"),
            Route.OtherEndpoint or Route.LocalToS3 => await TestBucket.CreateAsync(S3TestServer.B, "reloc-dst"),
            _ => null,
        };

        string src;
        if (source is not null)
        {
            src = snapshot == CorpusSnapshot.Savepoint ? await CorpusSnapshots.UploadSavepointAsync(source) : await CorpusSnapshots.UploadCheckpointAsync(source);
        }
        else
        {
            // The corpus savepoint can be read in place; the checkpoint needs its shared/ files where its _metadata says.
            src = snapshot == CorpusSnapshot.Savepoint ? CorpusSnapshots.SavepointDirectory : await CorpusSnapshots.WriteLocalCheckpointAsync(temp.Sub("src"));
        }
        var sourceBefore = source is null ? null : await source.ListAsync();

        var dst = target is null ? temp.Sub("relocated/chk-6") : target.Uri("relocated/snapshot-1");
        string[] storage = route switch
        {
            Route.SameEndpoint => Cli.S3(S3TestServer.A),
            Route.OtherEndpoint => [.. Cli.S3(S3TestServer.A, "src-"), .. Cli.S3(S3TestServer.B, "dst-")],
            Route.S3ToLocal => Cli.S3(S3TestServer.A, "src-"),
            _ => Cli.S3(S3TestServer.B, "dst-"),
        };
        var run = await Cli.RunExpectingAsync(0, Cli.Args("relocate", src, dst, storage));
        Assert.DoesNotContain("   at ", run.Err, StringComparison.Ordinal);

        IReadOnlyDictionary<string, long> objects;
        string prefix;
        string[] dstStorage;
        if (target is null)
        {
            objects = Snapshots.LocalObjects(dst);
            prefix = "file:" + dst + "/";
            dstStorage = [];
        }
        else
        {
            objects = Snapshots.S3Objects(target.Name, await target.ListAsync());
            prefix = dst + "/";
            dstStorage = Cli.S3(target.Endpoint);
        }
        var inspect = await Snapshots.AssertSelfContainedAsync(dst, prefix, objects, dstStorage);
        // The savepoint stays relative; the checkpoint's shared/ references are absolute paths into the new directory.
        Assert.Equal(snapshot == CorpusSnapshot.Savepoint ? "self-contained" : "needs-rewrite", inspect.GetProperty("relocatability").GetString());

        var expectedFiles = snapshot == CorpusSnapshot.Savepoint ? 44 : 6;
        Assert.Equal(expectedFiles, Snapshots.References(inspect).Count);
        // Exactly the referenced files and the metadata: nothing else is copied.
        Assert.Equal(expectedFiles + 1, objects.Count);
        if (snapshot == CorpusSnapshot.Checkpoint)
        {
            // shared/ of the job directory lands in <dst>/shared/.
            Assert.Equal(3, objects.Keys.Count(k => k.StartsWith(prefix + "shared/", StringComparison.Ordinal)));
        }

        var forbid = source is not null ? $"s3://{source.Name}" : "file:" + Path.GetDirectoryName(src);
        var verify = await Cli.RunExpectingAsync(0, Cli.Args("verify", dst, "--self-contained", "--forbid-prefix", forbid, dstStorage));
        Assert.Contains("RESTORABLE", verify.Out, StringComparison.Ordinal);

        if (source is not null)
        {
            Assert.Equal(sourceBefore, await source.ListAsync());
        }
    }

    [Fact]
    public async Task Move_leaves_only_shared_files_of_the_checkpoint_at_the_source()
    {
        await using var source = await TestBucket.CreateAsync(S3TestServer.A, "move-src");
        await using var target = await TestBucket.CreateAsync(S3TestServer.A, "move-dst");
        var src = await CorpusSnapshots.UploadCheckpointAsync(source);
        var dst = target.Uri("moved/chk-6");

        await Cli.RunExpectingAsync(0, Cli.Args("relocate", src, dst, "--move", Cli.S3(S3TestServer.A)));

        var left = await source.ListAsync();
        Assert.Equal(3, left.Count);
        Assert.All(left.Keys, k => Assert.StartsWith($"checkpoints/{CorpusSnapshots.JobId}/shared/", k, StringComparison.Ordinal));
        await Snapshots.AssertSelfContainedAsync(dst, dst + "/", Snapshots.S3Objects(target.Name, await target.ListAsync()), Cli.S3(S3TestServer.A));
        await Cli.RunExpectingAsync(0, Cli.Args("verify", dst, "--self-contained", "--forbid-prefix", $"s3://{source.Name}", Cli.S3(S3TestServer.A)));
        // The old location is visibly not a snapshot any more (nothing left there at all: "no such snapshot").
        Cli.AssertCleanFailure(await Cli.RunAsync(Cli.Args("verify", src, Cli.S3(S3TestServer.A))), 2, "no such snapshot");
    }

    [Fact]
    public async Task Move_of_a_savepoint_across_endpoints_leaves_the_source_empty()
    {
        await using var source = await TestBucket.CreateAsync(S3TestServer.A, "move-src");
        await using var target = await TestBucket.CreateAsync(S3TestServer.B, "move-dst");
        var src = await CorpusSnapshots.UploadSavepointAsync(source);
        var dst = target.Uri("moved/savepoint-1");

        await Cli.RunExpectingAsync(0, Cli.Args("relocate", src, dst, "--move", Cli.S3(S3TestServer.A, "src-"), Cli.S3(S3TestServer.B, "dst-")));

        Assert.Empty(await source.ListAsync());
        await Snapshots.AssertSelfContainedAsync(dst, dst + "/", Snapshots.S3Objects(target.Name, await target.ListAsync()), Cli.S3(S3TestServer.B));
    }

    [Fact]
    public async Task Move_with_delete_shared_leaves_nothing_of_the_checkpoint()
    {
        using var temp = new TempDir();
        await using var source = await TestBucket.CreateAsync(S3TestServer.A, "move-src");
        var src = await CorpusSnapshots.UploadCheckpointAsync(source);
        var dst = temp.Sub("moved/chk-6");

        await Cli.RunExpectingAsync(0, Cli.Args("relocate", src, dst, "--move", "--delete-shared", Cli.S3(S3TestServer.A, "src-")));

        Assert.Empty(await source.ListAsync());
        await Snapshots.AssertSelfContainedAsync(dst, "file:" + dst + "/", Snapshots.LocalObjects(dst));
        await Cli.RunExpectingAsync(0, "verify", dst, "--self-contained");
    }

    [Fact]
    public async Task Rerun_of_a_finished_relocation_is_a_no_op_with_the_same_result()
    {
        await using var source = await TestBucket.CreateAsync(S3TestServer.A, "rerun-src");
        await using var target = await TestBucket.CreateAsync(S3TestServer.B, "rerun-dst");
        var src = await CorpusSnapshots.UploadCheckpointAsync(source);
        var dst = target.Uri("relocated/chk-6");
        string[] storage = [.. Cli.S3(S3TestServer.A, "src-"), .. Cli.S3(S3TestServer.B, "dst-")];

        await Cli.RunExpectingAsync(0, Cli.Args("relocate", src, dst, storage));
        var first = await target.ListAsync();
        var metadata = await target.GetAsync("relocated/chk-6/_metadata");

        var second = await Cli.RunExpectingAsync(0, Cli.Args("relocate", src, dst, "--json", storage));
        Assert.Equal(first, await target.ListAsync());
        Assert.Equal(metadata, await target.GetAsync("relocated/chk-6/_metadata"));
        var report = second.Json();
        Assert.True(report.GetProperty("alreadyComplete").GetBoolean(), second.ToString());
        Assert.Equal(0, report.GetProperty("copied").GetInt32());
    }
}
