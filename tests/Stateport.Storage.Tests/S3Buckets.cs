using Amazon.S3;
using Stateport.Storage.S3;
using Stateport.Tests.Shared;

namespace Stateport.Storage.Tests;

/// <summary>
/// One fresh bucket on each test cluster (A and B), created with the SDK directly and emptied and
/// removed afterwards. Starting the servers fails the tests when they cannot be started.
/// </summary>
public sealed class S3Buckets : IAsyncLifetime
{
    public string BucketA { get; } = S3TestServer.NewBucketName("storage-a");
    public string BucketB { get; } = S3TestServer.NewBucketName("storage-b");

    public static S3TestEndpoint A => S3TestServer.A;
    public static S3TestEndpoint B => S3TestServer.B;

    /// <summary>Settings as the CLI would build them for static keys.</summary>
    public static S3Settings SettingsFor(S3TestEndpoint endpoint, int listVersion = 2, string? secretKey = null, int maxRetries = 3) => new()
    {
        Endpoint = endpoint.Endpoint,
        ListVersion = listVersion,
        MaxRetries = maxRetries,
        Credentials = new S3Credentials
        {
            Kind = S3CredentialKind.Static,
            AccessKey = endpoint.AccessKey,
            SecretKey = secretKey ?? endpoint.SecretKey,
            Source = "test",
        },
        Source = "test",
    };

    /// <summary>Small thresholds so multipart paths run with a few MiB.</summary>
    public static S3StoreOptions SmallParts { get; } = new()
    {
        MultipartThreshold = S3StoreOptions.MinPartSize,
        PartSize = S3StoreOptions.MinPartSize,
        CopyThreshold = S3StoreOptions.MinPartSize,
        CopyPartSize = S3StoreOptions.MinPartSize,
        RetryDelay = (_, _) => Task.CompletedTask,
    };

    public static AmazonS3Client ClientFor(S3TestEndpoint endpoint) => S3TestBuckets.Client(endpoint);

    public async Task InitializeAsync()
    {
        await S3TestBuckets.CreateAsync(A, BucketA);
        await S3TestBuckets.CreateAsync(B, BucketB);
    }

    public async Task DisposeAsync()
    {
        await S3TestBuckets.RemoveAsync(A, BucketA);
        await S3TestBuckets.RemoveAsync(B, BucketB);
    }
}
