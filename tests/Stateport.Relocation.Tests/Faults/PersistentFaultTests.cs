using Stateport.Tests.Shared;
using Xunit.Abstractions;

namespace Stateport.Relocation.Tests.Faults;

/// <summary>
/// One operation failing every time: <c>relocate</c> gives up with exit 3 (storage error) and one
/// <c>error:</c> line naming the URI and the S3 error code, the source is untouched (also with
/// <c>--move</c>), and the destination has no <c>_metadata</c> and no corrupt object.
/// </summary>
public sealed class PersistentFaultTests(FaultFixture fixture, ITestOutputHelper output) : IClassFixture<FaultFixture>
{
    private string[] Same => FaultSupport.S3(fixture.ProxyA.Endpoint, S3TestServer.A);

    private string[] Cross => [.. FaultSupport.S3(fixture.ProxyA.Endpoint, S3TestServer.A, "src-"), .. FaultSupport.S3(fixture.ProxyB.Endpoint, S3TestServer.B, "dst-")];

    [Fact]
    public async Task Every_CopyObject_answered_SlowDown_fails_with_exit_3_and_moves_nothing()
    {
        var run = await RelocateAsync(fixture.ProxyA, FaultPlan.Always(S3Operation.CopyObject, FaultKind.SlowDown), "copy-slowdown", fixture.DestinationA, Same, "--move");
        AssertCleanFailure(run, "SlowDown", $"s3://{fixture.SourceBucket}/{FaultFixture.SourcePrefix}/");
        await AssertNoSnapshotAsync(S3TestServer.A, fixture.DestinationA, "copy-slowdown");
        await fixture.AssertSourceIntactAsync();
    }

    [Fact]
    public async Task Every_GetObject_of_a_data_file_answered_InternalError_fails_a_cross_endpoint_relocation_with_exit_3()
    {
        var run = await RelocateAsync(fixture.ProxyA, FaultPlan.Always(S3Operation.GetObject, FaultKind.InternalError, "/op-"), "get-500", fixture.DestinationB, Cross, "--move");
        AssertCleanFailure(run, "InternalError", $"s3://{fixture.SourceBucket}/{FaultFixture.SourcePrefix}/");
        await AssertNoSnapshotAsync(S3TestServer.B, fixture.DestinationB, "get-500");
        await fixture.AssertSourceIntactAsync();
    }

    [Fact]
    public async Task Every_PutObject_of_the_metadata_answered_InternalError_fails_with_exit_3_after_copying_the_files()
    {
        var run = await RelocateAsync(fixture.ProxyB, FaultPlan.Always(S3Operation.PutObject, FaultKind.InternalError, "/_metadata"), "put-500", fixture.DestinationB, Cross, "--move");
        AssertCleanFailure(run, "InternalError", $"s3://{fixture.DestinationB}/put-500/savepoint/_metadata");
        // The files arrived intact; only the metadata that would make them a snapshot is missing.
        FaultSupport.AssertHoldsFiles(await FaultSupport.ListAsync(S3TestServer.B, fixture.DestinationB, "put-500/savepoint/"), fixture.Files, "put-500");
        await AssertNoSnapshotAsync(S3TestServer.B, fixture.DestinationB, "put-500");
        await fixture.AssertSourceIntactAsync();
    }

    [Fact]
    public async Task Every_GET_body_of_a_data_file_corrupted_fails_with_exit_3_and_leaves_no_bad_object()
    {
        // Data files only (the _metadata read is covered below): every copy attempt is corrupted.
        var run = await RelocateAsync(fixture.ProxyA, FaultPlan.Always(S3Operation.GetObject, FaultKind.CorruptedBody, "/op-"), "corrupt", fixture.DestinationB, Cross, "--move");
        AssertCleanFailure(run, "corrupted in transit", $"s3://{fixture.SourceBucket}/{FaultFixture.SourcePrefix}/");
        await AssertNoSnapshotAsync(S3TestServer.B, fixture.DestinationB, "corrupt");
        await fixture.AssertSourceIntactAsync();
    }

    [Fact]
    public async Task A_corrupted_metadata_read_fails_with_exit_3_not_a_parse_error()
    {
        var run = await RelocateAsync(fixture.ProxyA, FaultPlan.Always(S3Operation.GetObject, FaultKind.CorruptedBody, "/_metadata"), "corrupt-meta", fixture.DestinationB, Cross);
        AssertCleanFailure(run, "corrupted in transit", $"s3://{fixture.SourceBucket}/{FaultFixture.SourcePrefix}/_metadata");
        await AssertNoSnapshotAsync(S3TestServer.B, fixture.DestinationB, "corrupt-meta");
        await fixture.AssertSourceIntactAsync();
    }

    [Fact]
    public async Task Move_with_10_percent_faults_deletes_the_source_only_after_the_destination_verified()
    {
        // Its own copy of the source, since this one is deleted.
        var prefix = "move-source/savepoint";
        await FaultSupport.UploadAsync(S3TestServer.A, fixture.DestinationA, prefix, fixture.Metadata, fixture.Files);
        fixture.ProxyA.ResetCounters();
        fixture.ProxyA.Plan = FaultPlan.Random(0.10, seed: 4242);
        var run = await FaultSupport.RunAsync(["relocate", $"s3://{fixture.DestinationA}/{prefix}", $"s3://{fixture.DestinationA}/move-dest/savepoint", "--move"], Same);
        var summary = fixture.ProxyA.Summary();
        fixture.ProxyA.Plan = FaultPlan.None;
        output.WriteLine($"move with 10 % faults: {run.Elapsed.TotalSeconds:F1}s; {summary}");
        Assert.True(run.Code == 0, $"{run}\n{summary}");
        Assert.True(fixture.ProxyA.Faults(operation: S3Operation.DeleteObject) > 0, summary);
        var destination = await FaultSupport.ListAsync(S3TestServer.A, fixture.DestinationA, "move-dest/savepoint/");
        FaultSupport.AssertHoldsFiles(destination, fixture.Files, "moved");
        Assert.Empty(await FaultSupport.ListAsync(S3TestServer.A, fixture.DestinationA, prefix + "/"));
        // Deletions come after the last write, and the metadata was verified by reading it back.
        var log = fixture.ProxyA.Log;
        var firstDelete = log.ToList().FindIndex(l => l.StartsWith("DeleteObject", StringComparison.Ordinal) && l.Contains(prefix, StringComparison.Ordinal));
        // The destination lock's heartbeat (a PUT every 20 s) may fall anywhere: it is not data.
        var lastCopy = log.ToList().FindLastIndex(l => (l.StartsWith("CopyObject", StringComparison.Ordinal) || l.StartsWith("PutObject", StringComparison.Ordinal))
            && !l.Contains(Stateport.Relocation.DestinationLock.FileName, StringComparison.Ordinal));
        Assert.True(firstDelete > lastCopy, $"a source object was deleted (line {firstDelete}) before the last write (line {lastCopy})");
    }

    private async Task<CliRun> RelocateAsync(FaultProxy proxy, FaultPlan plan, string name, string bucket, string[] storage, params string[] extra)
    {
        proxy.ResetCounters();
        proxy.Plan = plan;
        var run = await FaultSupport.RunAsync(["relocate", fixture.Source, $"s3://{bucket}/{name}/savepoint", .. extra], storage);
        var summary = proxy.Summary();
        proxy.Plan = FaultPlan.None;
        output.WriteLine($"{name}: exit {run.Code} after {run.Elapsed.TotalSeconds:F1}s; {summary}\n{run.Err.Trim().Split('\n').Last()}");
        Assert.True(proxy.Faults() > 0, summary);
        return run;
    }

    /// <summary>Exit 3, exactly one error line, naming the URI and the error, no stack trace.</summary>
    private static void AssertCleanFailure(CliRun run, string error, string uriPrefix)
    {
        Assert.True(run.Code == 3, run.ToString());
        var errors = run.Err.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1, run.ToString());
        Assert.Contains(error, errors[0], StringComparison.Ordinal);
        Assert.Contains(uriPrefix, errors[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Err, StringComparison.Ordinal);
    }

    /// <summary>No _metadata, and every object that is there is a complete, correct copy.</summary>
    private async Task AssertNoSnapshotAsync(S3TestEndpoint endpoint, string bucket, string name)
    {
        var listing = await FaultSupport.ListAsync(endpoint, bucket, $"{name}/savepoint/");
        Assert.False(listing.ContainsKey("_metadata"), string.Join(", ", listing.Keys));
        foreach (var (key, item) in listing)
        {
            if (fixture.Files.TryGetValue(key, out var content))
            {
                Assert.Equal(FaultSupport.Md5(content), item.ETag);
            }
        }
    }
}
