using System.Diagnostics;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Stateport.Cli;
using Stateport.Metadata;
using Stateport.Metadata.Model;
using Stateport.Metadata.Wire;
using Stateport.Tests.Shared;

namespace Stateport.Relocation.Tests.Faults;

/// <summary>What one in-process CLI run did.</summary>
internal sealed record CliRun(int Code, string Out, string Err, TimeSpan Elapsed)
{
    public override string ToString() => $"exit {Code} after {Elapsed.TotalSeconds:F1}s\n--- stdout ---\n{Tail(Out)}\n--- stderr ---\n{Tail(Err)}";

    private static string Tail(string s) => s.Length <= 4000 ? s : "..." + s[^4000..];
}

/// <summary>One object as listed: size and ETag (an MD5 for single-part objects).</summary>
public readonly record struct Listed(long Size, string ETag);

/// <summary>Helpers for the fault-injection tests: a synthetic savepoint, buckets, listings, the CLI in process.</summary>
internal static class FaultSupport
{
    public const int SmallFiles = 200;
    public const int LargeSize = (12 * 1024 * 1024) + 4321;

    /// <summary>AC ED 00 05 70: Java serialization of null, the properties blob of a State Processor API savepoint.</summary>
    private static readonly byte[] NullPropertiesBlob = [0xAC, 0xED, 0x00, 0x05, 0x70];

    private static readonly IReadOnlyDictionary<string, string> Environment = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["HOME"] = "/nonexistent-stateport-test-home",
        ["PATH"] = "/usr/bin:/bin",
    };

    /// <summary>
    /// A V6 savepoint with <see cref="SmallFiles"/> relative files of 1–64 KiB and two of ~12 MiB: name →
    /// content, and its _metadata (one operator, one subtask per file). Deterministic by seed.
    /// </summary>
    public static (byte[] Metadata, SortedDictionary<string, byte[]> Files) Savepoint(int seed)
    {
        var random = new Random(seed);
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < SmallFiles; i++)
        {
            var content = new byte[1024 + random.Next(63 * 1024)];
            random.NextBytes(content);
            files[$"op-{i:D4}-{random.Next():x8}"] = content;
        }
        for (var i = 0; i < 2; i++)
        {
            var content = new byte[LargeSize + i];
            random.NextBytes(content);
            files[$"large-{i}-{random.Next():x8}"] = content;
        }
        var metadata = new CheckpointMetadata { Version = MetadataVersion.V6, CheckpointId = 42, Trailer = NullPropertiesBlob };
        var op = new OperatorState
        {
            Name = MutfString.FromString("Source: faults"),
            Uid = MutfString.FromString("faults-source"),
            Id = new OperatorId(0x0102030405060708L, 0x1112131415161718L),
            Parallelism = files.Count,
            MaxParallelism = Math.Max(128, files.Count),
        };
        var index = 0;
        foreach (var (name, content) in files)
        {
            op.Subtasks.Add(new SubtaskEntry
            {
                StoredIndex = index++,
                State = new SubtaskState
                {
                    ManagedOperatorFlag = 1,
                    ManagedOperatorState = new OperatorStreamStateHandle(TypeCodes.PartitionableOperatorStateHandle)
                    {
                        States = [new OperatorStateEntry { Name = MutfString.FromString("offsets"), Mode = 0, Offsets = [0] }],
                        Delegate = new RelativeFileStateHandle { RelativePath = MutfString.FromString(name), StateSize = content.Length },
                    },
                },
            });
        }
        op.StoredSubtaskCount = op.Subtasks.Count;
        metadata.Operators.Add(op);
        return (MetadataWriter.ToArray(metadata), files);
    }

    public static string Md5(byte[] content) => Convert.ToHexStringLower(MD5.HashData(content));

    public static Task CreateBucketAsync(S3TestEndpoint endpoint, string bucket) => S3TestBuckets.CreateAsync(endpoint, bucket);

    public static Task RemoveBucketAsync(S3TestEndpoint endpoint, string bucket) => S3TestBuckets.RemoveAsync(endpoint, bucket);

    public static AmazonS3Client Client(S3TestEndpoint endpoint) => S3TestBuckets.Client(endpoint);

    /// <summary>Uploads the files and then the _metadata under <paramref name="prefix"/>, directly (no proxy).</summary>
    public static async Task UploadAsync(S3TestEndpoint endpoint, string bucket, string prefix, byte[] metadata, IDictionary<string, byte[]> files)
    {
        using var client = Client(endpoint);
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (file, ct) =>
        {
            using var body = new MemoryStream(file.Value, writable: false);
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"{prefix}/{file.Key}", InputStream = body }, ct);
        });
        using var meta = new MemoryStream(metadata, writable: false);
        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"{prefix}/_metadata", InputStream = meta });
    }

    /// <summary>Key relative to <paramref name="prefix"/> → size and ETag, listed directly (no proxy).</summary>
    public static async Task<SortedDictionary<string, Listed>> ListAsync(S3TestEndpoint endpoint, string bucket, string prefix)
    {
        using var client = Client(endpoint);
        var result = new SortedDictionary<string, Listed>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, ContinuationToken = token });
            foreach (var item in page.S3Objects ?? [])
            {
                result[item.Key[prefix.Length..]] = new Listed(item.Size ?? 0, item.ETag.Trim('"'));
            }
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return result;
    }

    public static async Task<byte[]> GetAsync(S3TestEndpoint endpoint, string bucket, string key)
    {
        using var client = Client(endpoint);
        using var response = await client.GetObjectAsync(bucket, key);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    /// <summary>
    /// Asserts that <paramref name="listing"/> (relative keys) holds exactly the savepoint's files with
    /// their sizes and MD5 ETags.
    /// </summary>
    public static void AssertHoldsFiles(IReadOnlyDictionary<string, Listed> listing, IReadOnlyDictionary<string, byte[]> files, string what)
    {
        foreach (var (name, content) in files)
        {
            Assert.True(listing.TryGetValue(name, out var item), $"{what}: {name} missing");
            Assert.True(item.Size == content.Length, $"{what}: {name} has {item.Size} bytes, expected {content.Length}");
            Assert.True(item.ETag == Md5(content), $"{what}: {name} has ETag {item.ETag}, expected MD5 {Md5(content)}");
        }
    }

    /// <summary>--endpoint/--access-key/--secret-key (optionally with a side prefix) pointing at <paramref name="url"/> with <paramref name="endpoint"/>'s keys.</summary>
    public static string[] S3(string url, S3TestEndpoint endpoint, string side = "") =>
        [$"--{side}endpoint", url, $"--{side}access-key", endpoint.AccessKey, $"--{side}secret-key", endpoint.SecretKey];

    public static async Task<CliRun> RunAsync(params string[][] parts)
    {
        var args = parts.SelectMany(p => p).ToArray();
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var clock = Stopwatch.StartNew();
        var code = await StateportApp.RunAsync(args, new CliContext(output, error, isTerminal: false, environment: Environment), timeout.Token);
        return new CliRun(code, output.ToString(), error.ToString(), clock.Elapsed);
    }

    public static string[] Args(params string[] args) => args;
}

/// <summary>
/// A savepoint uploaded (without faults) to a source bucket on A, destination buckets on A and B, and
/// one fault proxy in front of each cluster. Buckets are removed on dispose.
/// </summary>
public sealed class FaultFixture : IAsyncLifetime
{
    public const string SourcePrefix = "savepoints/savepoint-faults";

    public string SourceBucket { get; } = S3TestServer.NewBucketName("faults-src");
    public string DestinationA { get; } = S3TestServer.NewBucketName("faults-dst-a");
    public string DestinationB { get; } = S3TestServer.NewBucketName("faults-dst-b");

    public byte[] Metadata { get; private set; } = [];
    public SortedDictionary<string, byte[]> Files { get; private set; } = [];
    public FaultProxy ProxyA { get; private set; } = null!;
    public FaultProxy ProxyB { get; private set; } = null!;

    public string Source => $"s3://{SourceBucket}/{SourcePrefix}";

    /// <summary>The source listing (relative keys) as uploaded.</summary>
    public SortedDictionary<string, Listed> SourceListing { get; private set; } = [];

    public async Task InitializeAsync()
    {
        (Metadata, Files) = FaultSupport.Savepoint(seed: 2024);
        await FaultSupport.CreateBucketAsync(S3TestServer.A, SourceBucket);
        await FaultSupport.CreateBucketAsync(S3TestServer.A, DestinationA);
        await FaultSupport.CreateBucketAsync(S3TestServer.B, DestinationB);
        await FaultSupport.UploadAsync(S3TestServer.A, SourceBucket, SourcePrefix, Metadata, Files);
        SourceListing = await FaultSupport.ListAsync(S3TestServer.A, SourceBucket, SourcePrefix + "/");
        ProxyA = new FaultProxy(S3TestServer.A.Endpoint);
        ProxyB = new FaultProxy(S3TestServer.B.Endpoint);
    }

    public async Task DisposeAsync()
    {
        if (ProxyA is not null)
        {
            await ProxyA.DisposeAsync();
        }
        if (ProxyB is not null)
        {
            await ProxyB.DisposeAsync();
        }
        await FaultSupport.RemoveBucketAsync(S3TestServer.A, SourceBucket);
        await FaultSupport.RemoveBucketAsync(S3TestServer.A, DestinationA);
        await FaultSupport.RemoveBucketAsync(S3TestServer.B, DestinationB);
    }

    /// <summary>Asserts the source is exactly as uploaded (nothing deleted or changed).</summary>
    public async Task AssertSourceIntactAsync()
    {
        var now = await FaultSupport.ListAsync(S3TestServer.A, SourceBucket, SourcePrefix + "/");
        Assert.Equal(SourceListing, now);
    }
}
