using Stateport.Metadata.Model;
using Stateport.Tests.Shared;

namespace Stateport.Cli.Tests;

/// <summary>
/// A crafted _metadata on S3 must not make relocate read or write outside the declared locations:
/// '..' in a relative path, file:/etc/passwd from an S3 snapshot, another bucket, hdfs:// — all refused
/// with exit 2 and one line, with nothing written at the destination.
/// </summary>
public sealed class HostileReferenceTests
{
    public static TheoryData<string, string> Cases() => new()
    {
        { "dotdot-relative", "would leave the snapshot directory" },
        { "file-etc-passwd", "file:/etc/passwd" },
        { "other-bucket", "outside the source" },
        { "hdfs", "hdfs://" },
        { "dotdot-absolute", "'..'" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Relocate_refuses_the_reference_with_exit_2_and_writes_nothing(string kind, string expected)
    {
        await using var source = await TestBucket.CreateAsync(S3TestServer.A, "hostile-src");
        await using var target = await TestBucket.CreateAsync(S3TestServer.A, "hostile-dst");
        const string dir = "savepoints/savepoint-x";
        await source.PutAsync($"{dir}/ok-file", new byte[10]);
        IStreamStateHandle hostile = kind switch
        {
            "dotdot-relative" => Crafted.Relative("../../other-job/secret", 10),
            "file-etc-passwd" => Crafted.Absolute("file:/etc/passwd", new FileInfo("/etc/passwd").Length),
            "other-bucket" => Crafted.Absolute($"s3://{target.Name}/elsewhere/file", 10),
            "hdfs" => Crafted.Absolute("hdfs://namenode:8020/flink/checkpoints/job/shared/file", 10),
            "dotdot-absolute" => Crafted.Absolute($"s3://{source.Name}/{dir}/../../../escape", 10),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        if (kind == "other-bucket")
        {
            await target.PutAsync("elsewhere/file", new byte[10]);
        }
        await source.PutAsync($"{dir}/_metadata", Crafted.Metadata([Crafted.Relative("ok-file", 10), hostile]));
        var targetBefore = await target.ListAsync();

        var result = await Cli.RunAsync(Cli.Args("relocate", source.Uri(dir), target.Uri("relocated"), Cli.S3(S3TestServer.A)));

        Cli.AssertCleanFailure(result, 2, expected);
        Assert.Equal(targetBefore, await target.ListAsync());

        // inspect still shows it, verify reports it as a problem rather than following it.
        await Cli.RunExpectingAsync(0, Cli.Args("inspect", source.Uri(dir), "--json", Cli.S3(S3TestServer.A)));
        var verify = await Cli.RunAsync(Cli.Args("verify", source.Uri(dir), "--self-contained", Cli.S3(S3TestServer.A)));
        // A reference the snapshot cannot have is a finding of verify (exit 1), not a storage failure (exit 3).
        Assert.True(verify.Code == 1, $"verify of a snapshot with a {kind} reference: expected exit 1 (a finding)\n{verify}");
        Assert.DoesNotContain("   at ", verify.Out + verify.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Other_bucket_reference_is_copied_under_external_with_allow_external_references()
    {
        await using var source = await TestBucket.CreateAsync(S3TestServer.A, "ext-src");
        await using var other = await TestBucket.CreateAsync(S3TestServer.A, "ext-other");
        await using var target = await TestBucket.CreateAsync(S3TestServer.A, "ext-dst");
        const string dir = "savepoints/savepoint-x";
        await source.PutAsync($"{dir}/ok-file", new byte[10]);
        await other.PutAsync("previous-job/shared/sst-1", new byte[33]);
        await source.PutAsync($"{dir}/_metadata", Crafted.Metadata([Crafted.Relative("ok-file", 10), Crafted.Absolute($"s3://{other.Name}/previous-job/shared/sst-1", 33)]));

        await Cli.RunExpectingAsync(0, Cli.Args("relocate", source.Uri(dir), target.Uri("relocated"), "--allow-external-references", Cli.S3(S3TestServer.A)));

        var listing = await target.ListAsync();
        Assert.Equal(33, listing[$"relocated/external/{other.Name}/previous-job/shared/sst-1"]);
        await Snapshots.AssertSelfContainedAsync(target.Uri("relocated"), target.Uri("relocated/"), Snapshots.S3Objects(target.Name, listing), Cli.S3(S3TestServer.A));
    }
}
