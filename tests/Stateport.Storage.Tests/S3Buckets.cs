using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
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

    public static AmazonS3Client ClientFor(S3TestEndpoint endpoint) =>
        new(new BasicAWSCredentials(endpoint.AccessKey, endpoint.SecretKey), new AmazonS3Config
        {
            ServiceURL = endpoint.Endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });

    public async Task InitializeAsync()
    {
        await CreateAsync(A, BucketA);
        await CreateAsync(B, BucketB);
    }

    public async Task DisposeAsync()
    {
        await RemoveAsync(A, BucketA);
        await RemoveAsync(B, BucketB);
    }

    private static async Task CreateAsync(S3TestEndpoint endpoint, string bucket)
    {
        using var client = ClientFor(endpoint);
        await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
    }

    private static async Task RemoveAsync(S3TestEndpoint endpoint, string bucket)
    {
        using var client = ClientFor(endpoint);
        try
        {
            var keys = new List<string>();
            string? token = null;
            do
            {
                var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token });
                keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
                token = page.IsTruncated == true ? page.NextContinuationToken : null;
            }
            while (token is not null);
            // One request per key: RGW 16.2 wants Content-MD5 on DeleteObjects, which SDK 4 no longer sends.
            await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16 },
                async (key, ct) => await client.DeleteObjectAsync(bucket, key, ct));
            await client.DeleteBucketAsync(bucket);
        }
        catch (AmazonS3Exception)
        {
            // Best effort: the test servers are throwaway.
        }
    }
}
