using Stateport.Storage;
using Stateport.Tests.Shared;

namespace Stateport.Cli.Tests;

/// <summary>
/// A synthetic savepoint with 1,200 referenced files (more than one S3 list page) and one 20 MiB file
/// (above the 16 MiB multipart threshold), relocated across endpoints (streamed, multipart upload) and
/// within one endpoint with --move (server-side copy, then delete).
/// </summary>
public sealed class LargeSnapshotTests
{
    private const int SmallFiles = 1200;
    private const int LargeSize = (20 * 1024 * 1024) + 12345;

    [Fact]
    public async Task Thousands_of_objects_and_a_multipart_object_relocate_and_verify()
    {
        await using var source = await TestBucket.CreateAsync(S3TestServer.A, "large-src");
        await using var other = await TestBucket.CreateAsync(S3TestServer.B, "large-dst-b");
        await using var same = await TestBucket.CreateAsync(S3TestServer.A, "large-dst-a");
        var (metadata, files) = Crafted.Savepoint(SmallFiles, smallSize: 0, [LargeSize], seed: 1200);
        await Crafted.UploadAsync(source, "savepoints/savepoint-large", metadata, files);
        var src = source.Uri("savepoints/savepoint-large");
        var largeName = files.Keys.Single(k => k.StartsWith("large-", StringComparison.Ordinal));

        // Endpoint A → endpoint B: streamed through the process; the large object goes up in parts.
        var dstB = other.Uri("relocated/savepoint-large");
        var run = await Cli.RunExpectingAsync(0, Cli.Args("relocate", src, dstB, "--json", Cli.S3(S3TestServer.A, "src-"), Cli.S3(S3TestServer.B, "dst-")));
        var report = run.Json();
        Assert.Equal(SmallFiles + 2, report.GetProperty("objects").GetInt32());
        Assert.Equal(SmallFiles + 1, report.GetProperty("copied").GetInt32());
        Assert.Equal(SmallFiles + 1, report.GetProperty("verifiedFiles").GetInt32());

        var listingB = await other.ListAsync("relocated/savepoint-large/");
        Assert.Equal(SmallFiles + 2, listingB.Count);
        foreach (var (name, content) in files)
        {
            Assert.Equal(content.Length, listingB[$"relocated/savepoint-large/{name}"]);
        }
        Assert.Equal(metadata, await other.GetAsync("relocated/savepoint-large/_metadata"));
        Assert.Equal(Snapshots.Sha256(files[largeName]), Snapshots.Sha256(await other.GetAsync($"relocated/savepoint-large/{largeName}")));
        await Snapshots.AssertSelfContainedAsync(dstB, dstB + "/", Snapshots.S3Objects(other.Name, listingB), Cli.S3(S3TestServer.B));

        // Stateport's own lister pages through more than 1,000 keys.
        await using (var store = S3Test.Store(S3TestServer.B))
        {
            var listed = 0;
            await foreach (var _ in store.ListAsync(StorageUri.S3(other.Name, "relocated/savepoint-large/"), CancellationToken.None))
            {
                listed++;
            }
            Assert.Equal(SmallFiles + 2, listed);
        }
        var verify = (await Cli.RunExpectingAsync(0, Cli.Args("verify", dstB, "--json", "--list-version", "1", Cli.S3(S3TestServer.B)))).Json();
        Assert.Equal(SmallFiles + 1, verify.GetProperty("filesChecked").GetInt32());

        // Same endpoint with --move: server-side copies, then the source is emptied.
        var dstA = same.Uri("moved/savepoint-large");
        var moved = (await Cli.RunExpectingAsync(0, Cli.Args("relocate", src, dstA, "--move", "--json", Cli.S3(S3TestServer.A)))).Json();
        Assert.Equal(0, moved.GetProperty("bytesStreamed").GetInt64());
        Assert.Equal(SmallFiles + 2, moved.GetProperty("sourceFilesDeleted").GetInt32());
        Assert.Empty(await source.ListAsync());
        var listingA = await same.ListAsync("moved/savepoint-large/");
        Assert.Equal(listingB.Values, listingA.Values);
        Assert.Equal(Snapshots.Sha256(files[largeName]), Snapshots.Sha256(await same.GetAsync($"moved/savepoint-large/{largeName}")));
        await Cli.RunExpectingAsync(0, Cli.Args("verify", dstA, "--self-contained", "--forbid-prefix", $"s3://{source.Name}", Cli.S3(S3TestServer.A)));
    }
}
