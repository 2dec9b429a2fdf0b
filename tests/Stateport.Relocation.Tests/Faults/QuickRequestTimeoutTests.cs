using System.Diagnostics;
using Stateport.Storage;
using Stateport.Storage.S3;
using Stateport.Tests.Shared;

namespace Stateport.Relocation.Tests.Faults;

/// <summary>
/// Requests that move no object data (stat, list, delete) get a short timeout of their own: a server that
/// stops answering one is retried after seconds, not after the long timeout that reads and writes need.
/// </summary>
public sealed class QuickRequestTimeoutTests(FaultFixture fixture) : IClassFixture<FaultFixture>
{
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(20);

    private static readonly S3StoreOptions ShortQuickTimeout = new()
    {
        QuickRequestTimeout = TimeSpan.FromMilliseconds(400),
        RetryDelay = (_, _) => Task.CompletedTask,
    };

    [Fact]
    public async Task A_stat_whose_answer_never_comes_fails_after_the_quick_timeout_and_its_retries()
    {
        await using var proxy = new FaultProxy(S3TestServer.A.Endpoint)
        {
            Plan = FaultPlan.Always(S3Operation.HeadObject, FaultKind.Delay) with { Delay = Stall },
        };
        await using var store = new S3ObjectStore(Settings(proxy), ShortQuickTimeout);
        var metadata = StorageUri.Parse($"{fixture.Source}/_metadata");

        var elapsed = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<StorageException>(() => store.StatAsync(metadata, CancellationToken.None));

        Assert.True(elapsed.Elapsed < Stall, $"gave up after {elapsed.Elapsed}, not within the stall of {Stall}");
        Assert.Equal(StorageErrorKind.Network, error.Kind);
        Assert.Contains("timed out", error.Message, StringComparison.Ordinal);
        Assert.Contains(metadata.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Equal(store.RetryPolicy.MaxRetries + 1, proxy.Requests(S3Operation.HeadObject));
    }

    [Fact]
    public async Task A_stalled_listing_is_retried_and_the_retry_answers()
    {
        await using var proxy = new FaultProxy(S3TestServer.A.Endpoint);
        await using var store = new S3ObjectStore(Settings(proxy), ShortQuickTimeout);
        // About half the listing requests stall; the retries that are answered complete the listing.
        proxy.Plan = new FaultPlan
        {
            OperationRates = new Dictionary<S3Operation, double> { [S3Operation.ListObjectsV2] = 0.5 },
            Kinds = [FaultKind.Delay],
            Delay = Stall,
            Seed = 7,
        };

        var elapsed = Stopwatch.StartNew();
        var listed = new List<ObjectInfo>();
        await foreach (var info in store.ListAsync(StorageUri.Parse(fixture.Source + "/"), CancellationToken.None))
        {
            listed.Add(info);
        }

        Assert.True(elapsed.Elapsed < Stall, $"listing took {elapsed.Elapsed}");
        Assert.Equal(fixture.SourceListing.Count, listed.Count);
        Assert.True(proxy.Faults(FaultKind.Delay, S3Operation.ListObjectsV2) > 0, proxy.Summary());
    }

    [Fact]
    public async Task Reads_keep_the_long_transfer_timeout()
    {
        await using var proxy = new FaultProxy(S3TestServer.A.Endpoint)
        {
            Plan = FaultPlan.Always(S3Operation.GetObject, FaultKind.Delay, "/_metadata") with { Delay = TimeSpan.FromSeconds(2) },
        };
        await using var store = new S3ObjectStore(Settings(proxy), ShortQuickTimeout);

        var stream = await store.OpenReadAsync(StorageUri.Parse($"{fixture.Source}/_metadata"), 0, fixture.Metadata.Length, CancellationToken.None);
        await using (stream)
        {
            var read = new MemoryStream();
            await stream.CopyToAsync(read);
            Assert.Equal(fixture.Metadata, read.ToArray());
        }
        Assert.Equal(1, proxy.Requests(S3Operation.GetObject));
    }

    private static S3Settings Settings(FaultProxy proxy) => new()
    {
        Endpoint = proxy.Endpoint,
        Credentials = new S3Credentials { Kind = S3CredentialKind.Static, AccessKey = S3TestServer.A.AccessKey, SecretKey = S3TestServer.A.SecretKey, Source = "test" },
        Source = "test",
    };
}
