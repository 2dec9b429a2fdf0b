using Stateport.Relocation.Copying;
using Stateport.Storage;
using Stateport.Storage.S3;
using Stateport.Tests.Shared;
using Xunit.Abstractions;

namespace Stateport.Relocation.Tests.Faults;

/// <summary>
/// Multipart steps under faults, through the copy engine with 5 MiB parts so the ~12 MiB files take
/// three parts: streamed (CreateMultipartUpload, UploadPart, CompleteMultipartUpload) and server-side
/// (UploadPartCopy). 30 % of those requests (and of the GETs feeding them) are faulted.
/// </summary>
public sealed class MultipartUnderFaultsTests(FaultFixture fixture, ITestOutputHelper output) : IClassFixture<FaultFixture>
{
    private static readonly S3StoreOptions SmallParts = new()
    {
        MultipartThreshold = S3StoreOptions.MinPartSize,
        PartSize = S3StoreOptions.MinPartSize,
        CopyThreshold = S3StoreOptions.MinPartSize,
        CopyPartSize = S3StoreOptions.MinPartSize,
    };

    private static FaultPlan MultipartFaults(int seed) => new()
    {
        OperationRates = new Dictionary<S3Operation, double>
        {
            [S3Operation.CreateMultipartUpload] = 0.3,
            [S3Operation.UploadPart] = 0.3,
            [S3Operation.UploadPartCopy] = 0.3,
            [S3Operation.CompleteMultipartUpload] = 0.3,
            [S3Operation.GetObject] = 0.3,
        },
        Seed = seed,
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Multipart_copies_survive_faults_on_every_step(bool serverSide)
    {
        var destinationEndpoint = serverSide ? S3TestServer.A : S3TestServer.B;
        var destinationProxy = serverSide ? fixture.ProxyA : fixture.ProxyB;
        var destinationBucket = serverSide ? fixture.DestinationA : fixture.DestinationB;
        await using var source = new S3ObjectStore(Settings(fixture.ProxyA, S3TestServer.A), SmallParts);
        await using var destination = serverSide ? null : new S3ObjectStore(Settings(fixture.ProxyB, S3TestServer.B), SmallParts);
        var large = fixture.Files.Where(f => f.Key.StartsWith("large-", StringComparison.Ordinal)).ToList();
        var prefix = serverSide ? "mp-server-side" : "mp-streamed";
        var items = large.Select(f => new CopyItem(
            StorageUri.S3(fixture.SourceBucket, $"{FaultFixture.SourcePrefix}/{f.Key}"),
            StorageUri.S3(destinationBucket, $"{prefix}/{f.Key}"), f.Value.Length)).ToList();

        foreach (var proxy in new[] { fixture.ProxyA, destinationProxy }.Distinct())
        {
            proxy.ResetCounters();
            proxy.Plan = MultipartFaults(serverSide ? 11 : 12);
        }
        var engine = new CopyEngine(source, destination ?? source, new CopyOptions());
        Assert.Equal(serverSide, engine.CopiesServerSide);
        CopyReport report;
        try
        {
            report = await engine.CopyAsync(items, null, CancellationToken.None);
        }
        finally
        {
            fixture.ProxyA.Plan = FaultPlan.None;
            destinationProxy.Plan = FaultPlan.None;
            output.WriteLine($"{prefix}: source proxy {fixture.ProxyA.Summary()}");
            if (!serverSide)
            {
                output.WriteLine($"{prefix}: destination proxy {destinationProxy.Summary()}");
            }
        }
        Assert.Equal(2, report.Copied);
        var multipartFaults = new[] { S3Operation.CreateMultipartUpload, S3Operation.UploadPart, S3Operation.UploadPartCopy, S3Operation.CompleteMultipartUpload }
            .Sum(op => destinationProxy.Faults(operation: op));
        Assert.True(multipartFaults > 0, destinationProxy.Summary());

        foreach (var (name, content) in large)
        {
            var copied = await FaultSupport.GetAsync(destinationEndpoint, destinationBucket, $"{prefix}/{name}");
            Assert.True(FaultSupport.Md5(content) == FaultSupport.Md5(copied), $"{name}: content differs");
        }
        // No multipart upload was left open.
        using var client = FaultSupport.Client(destinationEndpoint);
        var open = await client.ListMultipartUploadsAsync(new Amazon.S3.Model.ListMultipartUploadsRequest { BucketName = destinationBucket, Prefix = prefix });
        Assert.Empty(open.MultipartUploads ?? []);
    }

    private static S3Settings Settings(FaultProxy proxy, S3TestEndpoint endpoint) => new()
    {
        Endpoint = proxy.Endpoint,
        Credentials = new S3Credentials { Kind = S3CredentialKind.Static, AccessKey = endpoint.AccessKey, SecretKey = endpoint.SecretKey, Source = "test" },
        Source = "test",
    };
}
