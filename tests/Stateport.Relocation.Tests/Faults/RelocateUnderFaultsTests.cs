using Stateport.Tests.Shared;
using Xunit.Abstractions;

namespace Stateport.Relocation.Tests.Faults;

/// <summary>
/// <c>relocate</c> through <see cref="FaultProxy"/> with 10 % of all requests faulted (every kind) must
/// succeed and leave a destination identical to a fault-free run: same endpoint (server-side copies)
/// and across endpoints (streamed, multipart reads and writes).
/// </summary>
public sealed class RelocateUnderFaultsTests(FaultFixture fixture, ITestOutputHelper output) : IClassFixture<FaultFixture>
{
    [Fact]
    public async Task Same_endpoint_relocation_with_10_percent_faults_matches_a_fault_free_run()
    {
        var storage = FaultSupport.S3(fixture.ProxyA.Endpoint, S3TestServer.A);
        await RunAndCompareAsync("same", [fixture.ProxyA], S3TestServer.A, fixture.DestinationA, storage);
    }

    [Fact]
    public async Task Cross_endpoint_relocation_with_10_percent_faults_matches_a_fault_free_run()
    {
        string[] storage = [.. FaultSupport.S3(fixture.ProxyA.Endpoint, S3TestServer.A, "src-"), .. FaultSupport.S3(fixture.ProxyB.Endpoint, S3TestServer.B, "dst-")];
        await RunAndCompareAsync("cross", [fixture.ProxyA, fixture.ProxyB], S3TestServer.B, fixture.DestinationB, storage);
    }

    [Fact]
    public async Task Truncated_and_corrupted_GET_bodies_are_detected_and_retried_never_written()
    {
        string[] storage = [.. FaultSupport.S3(fixture.ProxyA.Endpoint, S3TestServer.A, "src-"), .. FaultSupport.S3(fixture.ProxyB.Endpoint, S3TestServer.B, "dst-")];
        fixture.ProxyA.Plan = new FaultPlan
        {
            OperationRates = new Dictionary<S3Operation, double> { [S3Operation.GetObject] = 0.3 },
            Kinds = [FaultKind.TruncatedBody, FaultKind.CorruptedBody],
            Seed = 31,
        };
        fixture.ProxyA.ResetCounters();
        var run = await FaultSupport.RunAsync(["relocate", fixture.Source, $"s3://{fixture.DestinationB}/bodies/savepoint"], storage);
        var summary = fixture.ProxyA.Summary();
        fixture.ProxyA.Plan = FaultPlan.None;
        output.WriteLine($"GET body faults: {run.Elapsed.TotalSeconds:F1}s; source proxy: {summary}");
        Assert.True(run.Code == 0, $"{run}\n{summary}");
        Assert.True(fixture.ProxyA.Faults(FaultKind.TruncatedBody) > 0 && fixture.ProxyA.Faults(FaultKind.CorruptedBody) > 0, summary);

        var listing = await FaultSupport.ListAsync(S3TestServer.B, fixture.DestinationB, "bodies/savepoint/");
        FaultSupport.AssertHoldsFiles(listing, fixture.Files, "destination");
        Assert.Equal(fixture.Files.Count + 1, listing.Count);
        // The ETag is the server's MD5 of what it stored; read the large objects back too.
        foreach (var name in fixture.Files.Keys.Where(k => k.StartsWith("large-", StringComparison.Ordinal)))
        {
            Assert.Equal(FaultSupport.Md5(fixture.Files[name]), FaultSupport.Md5(await FaultSupport.GetAsync(S3TestServer.B, fixture.DestinationB, $"bodies/savepoint/{name}")));
        }
        Assert.Equal(fixture.Metadata, await FaultSupport.GetAsync(S3TestServer.B, fixture.DestinationB, "bodies/savepoint/_metadata"));
        await fixture.AssertSourceIntactAsync();
    }

    private async Task RunAndCompareAsync(string name, FaultProxy[] proxies, S3TestEndpoint destinationEndpoint, string destinationBucket, string[] storage)
    {
        foreach (var proxy in proxies)
        {
            proxy.Plan = FaultPlan.None;
            proxy.ResetCounters();
        }
        var reference = await FaultSupport.RunAsync(["relocate", fixture.Source, $"s3://{destinationBucket}/{name}-reference/savepoint"], storage);
        Assert.True(reference.Code == 0, reference.ToString());
        var referenceRequests = proxies.Sum(p => p.Requests());

        foreach (var proxy in proxies)
        {
            proxy.ResetCounters();
            proxy.Plan = FaultPlan.Random(0.10, seed: name.Length * 7919);
        }
        var faulted = await FaultSupport.RunAsync(["relocate", fixture.Source, $"s3://{destinationBucket}/{name}-faulted/savepoint"], storage);
        var summaries = string.Join("\n", proxies.Select(p => p.Summary()));
        foreach (var line in proxies.SelectMany(p => p.Log).Where(l => l.StartsWith("DeleteObject", StringComparison.Ordinal)))
        {
            output.WriteLine(line);
        }
        foreach (var proxy in proxies)
        {
            proxy.Plan = FaultPlan.None;
        }
        output.WriteLine($"{name}: fault-free {reference.Elapsed.TotalSeconds:F1}s, {referenceRequests} requests; 10 % faults {faulted.Elapsed.TotalSeconds:F1}s\n{summaries}");
        Assert.True(faulted.Code == 0, $"{faulted}\n{summaries}");
        // The faults really happened, of several kinds (a relocation makes ~1 request per file plus listings).
        Assert.True(proxies.Sum(p => p.Faults()) >= 10, summaries);
        Assert.True(FaultPlan.AllKinds.Count(k => proxies.Sum(p => p.Faults(k)) > 0) >= 4, summaries);

        var expected = await FaultSupport.ListAsync(destinationEndpoint, destinationBucket, $"{name}-reference/savepoint/");
        var actual = await FaultSupport.ListAsync(destinationEndpoint, destinationBucket, $"{name}-faulted/savepoint/");
        Assert.Equal(fixture.Files.Count + 1, expected.Count);
        Assert.Equal(expected, actual);
        FaultSupport.AssertHoldsFiles(actual, fixture.Files, "faulted run");
        Assert.Equal(
            await FaultSupport.GetAsync(destinationEndpoint, destinationBucket, $"{name}-reference/savepoint/_metadata"),
            await FaultSupport.GetAsync(destinationEndpoint, destinationBucket, $"{name}-faulted/savepoint/_metadata"));
        await fixture.AssertSourceIntactAsync();
    }
}
