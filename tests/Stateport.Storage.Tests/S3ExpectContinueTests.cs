using Stateport.Storage.S3;
using Stateport.Tests.Shared;

namespace Stateport.Storage.Tests;

/// <summary>
/// Writes ask the server before sending the body ("Expect: 100-continue") only when the body is large:
/// for the small files most snapshots are made of, the extra round trip costs more than the body.
/// </summary>
public sealed class S3ExpectContinueTests(S3Buckets buckets) : IClassFixture<S3Buckets>
{
    private static CancellationToken Ct => CancellationToken.None;

    private readonly string _prefix = $"expect-{Guid.NewGuid():N}/";

    [Fact]
    public async Task Small_puts_go_straight_and_large_ones_and_large_parts_ask_first()
    {
        await using var proxy = new FaultProxy(S3Buckets.A.Endpoint);
        var options = S3Buckets.SmallParts with { MultipartThreshold = 12L * 1024 * 1024, ExpectContinueThreshold = 4L * 1024 * 1024 };
        await using var store = new S3ObjectStore(S3Buckets.SettingsFor(S3Buckets.A) with { Endpoint = proxy.Endpoint }, options);

        var small = await WriteAsync(store, "small", 64 * 1024);
        Assert.Equal(1, proxy.Requests(S3Operation.PutObject));
        Assert.Equal(0, proxy.ExpectContinueRequests(S3Operation.PutObject));

        var large = await WriteAsync(store, "large", 6 * 1024 * 1024);
        Assert.Equal(2, proxy.Requests(S3Operation.PutObject));
        Assert.Equal(1, proxy.ExpectContinueRequests(S3Operation.PutObject));

        // Two parts of 5 MiB (above the threshold) and a last one of 3 MiB (below it).
        var multipart = await WriteAsync(store, "multipart", 13 * 1024 * 1024);
        Assert.Equal(3, proxy.Requests(S3Operation.UploadPart));
        Assert.Equal(2, proxy.ExpectContinueRequests(S3Operation.UploadPart));

        foreach (var (uri, bytes) in new[] { small, large, multipart })
        {
            Assert.Equal(bytes.Length, (await store.StatAsync(uri, Ct))?.Length);
            var stream = await store.OpenReadAsync(uri, 0, -1, Ct);
            await using (stream)
            {
                var read = new MemoryStream();
                await stream.CopyToAsync(read, Ct);
                Assert.True(read.ToArray().AsSpan().SequenceEqual(bytes), $"{uri} read back differs");
            }
        }
    }

    [Fact]
    public async Task A_threshold_of_zero_asks_before_every_body()
    {
        await using var proxy = new FaultProxy(S3Buckets.A.Endpoint);
        var options = S3Buckets.SmallParts with { MultipartThreshold = 12L * 1024 * 1024, ExpectContinueThreshold = 0 };
        await using var store = new S3ObjectStore(S3Buckets.SettingsFor(S3Buckets.A) with { Endpoint = proxy.Endpoint }, options);

        await WriteAsync(store, "tiny", 100);

        Assert.Equal(1, proxy.ExpectContinueRequests(S3Operation.PutObject));
    }

    private async Task<(StorageUri Uri, byte[] Bytes)> WriteAsync(S3ObjectStore store, string name, int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        var uri = StorageUri.S3(buckets.BucketA, _prefix + name);
        await store.WriteAsync(uri, new MemoryStream(bytes), length, Ct);
        return (uri, bytes);
    }
}
