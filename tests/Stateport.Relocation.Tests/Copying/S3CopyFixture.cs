using Amazon.S3;
using Amazon.S3.Model;
using Stateport.Storage;
using Stateport.Storage.S3;
using Stateport.Tests.Shared;

namespace Stateport.Relocation.Tests.Copying;

/// <summary>
/// Two buckets on cluster A and one on cluster B (created and removed with the SDK directly), and
/// stores with thresholds lowered to S3's 5 MiB minimum so multipart paths run with small objects.
/// </summary>
public sealed class S3CopyFixture : IAsyncLifetime
{
    public const int MultipartSize = 12 * CopyTree.MiB;

    public string BucketA1 { get; } = S3TestServer.NewBucketName("copy-a1");
    public string BucketA2 { get; } = S3TestServer.NewBucketName("copy-a2");
    public string BucketB { get; } = S3TestServer.NewBucketName("copy-b");

    public S3ObjectStore StoreA { get; private set; } = null!;
    public S3ObjectStore StoreB { get; private set; } = null!;

    public static S3StoreOptions SmallParts { get; } = new()
    {
        MultipartThreshold = S3StoreOptions.MinPartSize,
        PartSize = S3StoreOptions.MinPartSize,
        CopyThreshold = S3StoreOptions.MinPartSize,
        CopyPartSize = S3StoreOptions.MinPartSize,
        RetryDelay = (_, _) => Task.CompletedTask,
    };

    public static S3Settings SettingsFor(S3TestEndpoint endpoint) => new()
    {
        Endpoint = endpoint.Endpoint,
        MaxRetries = 3,
        Credentials = new S3Credentials
        {
            Kind = S3CredentialKind.Static,
            AccessKey = endpoint.AccessKey,
            SecretKey = endpoint.SecretKey,
            Source = "test",
        },
        Source = "test",
    };

    public static AmazonS3Client ClientFor(S3TestEndpoint endpoint) => S3TestBuckets.Client(endpoint);

    /// <summary>Multipart uploads still open under <paramref name="prefix"/> (none may survive a failed or cancelled copy).</summary>
    public static async Task<int> OpenUploadsAsync(S3TestEndpoint endpoint, string bucket, string prefix)
    {
        using var client = ClientFor(endpoint);
        var uploads = await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket, Prefix = prefix });
        return uploads.MultipartUploads?.Count ?? 0;
    }

    public async Task InitializeAsync()
    {
        await S3TestBuckets.CreateAsync(S3TestServer.A, BucketA1);
        await S3TestBuckets.CreateAsync(S3TestServer.A, BucketA2);
        await S3TestBuckets.CreateAsync(S3TestServer.B, BucketB);
        StoreA = new S3ObjectStore(SettingsFor(S3TestServer.A), SmallParts);
        StoreB = new S3ObjectStore(SettingsFor(S3TestServer.B), SmallParts);
    }

    public async Task DisposeAsync()
    {
        if (StoreA is not null)
        {
            await StoreA.DisposeAsync();
        }
        if (StoreB is not null)
        {
            await StoreB.DisposeAsync();
        }
        await S3TestBuckets.RemoveAsync(S3TestServer.A, BucketA1);
        await S3TestBuckets.RemoveAsync(S3TestServer.A, BucketA2);
        await S3TestBuckets.RemoveAsync(S3TestServer.B, BucketB);
    }
}
