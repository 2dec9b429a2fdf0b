using Amazon.S3.Model;
using Stateport.Metadata;
using Stateport.Metadata.Model;
using Stateport.Metadata.Wire;
using Stateport.Relocation.Planning;
using Stateport.Relocation.Snapshots;
using Stateport.Relocation.Tests.Copying;
using Stateport.Storage;
using Stateport.Storage.S3;
using Stateport.Tests.Shared;

namespace Stateport.Relocation.Tests.Integration;

/// <summary>
/// <see cref="Relocator"/> against the real S3 servers with multipart thresholds lowered to 5 MiB, so
/// server-side multipart copy (UploadPartCopy) and streamed multipart upload both run inside a relocation.
/// </summary>
public sealed class RelocatorS3Tests
{
    private const int Large = (12 * 1024 * 1024) + 7;

    [Fact]
    public async Task Relocates_a_checkpoint_with_multipart_objects_server_side_and_streamed_and_moves_it()
    {
        var src = S3TestServer.NewBucketName("relocator-src");
        var dstA = S3TestServer.NewBucketName("relocator-dst-a");
        var dstB = S3TestServer.NewBucketName("relocator-dst-b");
        await CreateAsync(S3TestServer.A, src);
        await CreateAsync(S3TestServer.A, dstA);
        await CreateAsync(S3TestServer.B, dstB);
        await using var storeA = new S3ObjectStore(S3CopyFixture.SettingsFor(S3TestServer.A), S3CopyFixture.SmallParts);
        await using var storeB = new S3ObjectStore(S3CopyFixture.SettingsFor(S3TestServer.B), S3CopyFixture.SmallParts);
        try
        {
            var random = new Random(17);
            var files = new Dictionary<string, byte[]>
            {
                ["flink/cp/job-1/chk-3/private-1"] = Bytes(random, 1000),
                ["flink/cp/job-1/chk-3/large-private"] = Bytes(random, Large),
                ["flink/cp/job-1/shared/sst-1"] = Bytes(random, Large + 1),
                ["flink/cp/job-1/shared/sst-2"] = Bytes(random, 3000),
            };
            foreach (var (key, content) in files)
            {
                using var body = new MemoryStream(content, writable: false);
                await storeA.WriteAsync(StorageUri.S3(src, key), body, content.Length, CancellationToken.None);
            }
            var metadata = Metadata(
            [
                new RelativeFileStateHandle { RelativePath = MutfString.FromString("private-1"), StateSize = 1000 },
                new RelativeFileStateHandle { RelativePath = MutfString.FromString("large-private"), StateSize = Large },
                new FileStateHandle { FilePath = MutfString.FromString($"s3://{src}/flink/cp/job-1/shared/sst-1"), StateSize = Large + 1 },
                new FileStateHandle { FilePath = MutfString.FromString($"s3://{src}/flink/cp/job-1/shared/sst-2"), StateSize = 3000 },
            ]);
            using (var body = new MemoryStream(metadata, writable: false))
            {
                await storeA.WriteAsync(StorageUri.S3(src, "flink/cp/job-1/chk-3/_metadata"), body, metadata.Length, CancellationToken.None);
            }
            var source = await SnapshotLoader.LoadAsync(storeA, StorageUri.Parse($"s3://{src}/flink/cp/job-1/chk-3"), CancellationToken.None);

            // Endpoint A → endpoint B: streamed, multipart upload.
            var toB = RelocationPlan.Create(source, StorageUri.Parse($"s3://{dstB}/restored/chk-3"), new RelocationOptions());
            var streamed = await new Relocator(storeA, storeB).RunAsync(toB, new RelocateOptions { Parallelism = 4 }, null, CancellationToken.None);
            Assert.True(streamed.DestinationVerification.Restorable);
            Assert.Equal(4, streamed.DestinationVerification.FilesChecked);
            Assert.Equal(files.Values.Sum(f => (long)f.Length), streamed.Copy.BytesStreamed);
            await AssertSameBytesAsync(storeB, $"s3://{dstB}/restored/chk-3/shared/sst-1", files["flink/cp/job-1/shared/sst-1"]);
            await AssertSameBytesAsync(storeB, $"s3://{dstB}/restored/chk-3/large-private", files["flink/cp/job-1/chk-3/large-private"]);

            // Same endpoint with move: server-side (UploadPartCopy above 5 MiB), then the source's own files are deleted.
            source = await SnapshotLoader.LoadAsync(storeA, StorageUri.Parse($"s3://{src}/flink/cp/job-1/chk-3"), CancellationToken.None);
            var toA = RelocationPlan.Create(source, StorageUri.Parse($"s3://{dstA}/restored/chk-3"), new RelocationOptions());
            var moved = await new Relocator(storeA, storeA).RunAsync(toA, new RelocateOptions { Parallelism = 4, Move = true }, null, CancellationToken.None);
            Assert.Equal(0, moved.Copy.BytesStreamed);
            Assert.Equal(files.Values.Sum(f => (long)f.Length), moved.Copy.BytesServerSide);
            Assert.Equal(3, moved.SourceFilesDeleted);
            await AssertSameBytesAsync(storeA, $"s3://{dstA}/restored/chk-3/shared/sst-1", files["flink/cp/job-1/shared/sst-1"]);

            var left = new List<string>();
            await foreach (var info in storeA.ListAsync(StorageUri.S3(src, ""), CancellationToken.None))
            {
                left.Add(info.Uri.Key);
            }
            Assert.Equal(["flink/cp/job-1/shared/sst-1", "flink/cp/job-1/shared/sst-2"], left.Order(StringComparer.Ordinal));
            Assert.Equal(0, await S3CopyFixture.OpenUploadsAsync(S3TestServer.A, dstA, ""));
            Assert.Equal(0, await S3CopyFixture.OpenUploadsAsync(S3TestServer.B, dstB, ""));
        }
        finally
        {
            await RemoveAsync(S3TestServer.A, src);
            await RemoveAsync(S3TestServer.A, dstA);
            await RemoveAsync(S3TestServer.B, dstB);
        }
    }

    private static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static async Task AssertSameBytesAsync(IObjectStore store, string uri, byte[] expected)
    {
        var stream = await store.OpenReadAsync(StorageUri.Parse(uri), 0, -1, CancellationToken.None);
        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            Assert.True(expected.AsSpan().SequenceEqual(copy.ToArray()), $"{uri} differs from its source");
        }
    }

    private static byte[] Metadata(IStreamStateHandle[] handles)
    {
        var metadata = new CheckpointMetadata { Version = MetadataVersion.V3, CheckpointId = 3 };
        var op = new OperatorState { Id = new OperatorId(3, 4), Parallelism = handles.Length, MaxParallelism = 128 };
        for (var i = 0; i < handles.Length; i++)
        {
            op.Subtasks.Add(new SubtaskEntry
            {
                StoredIndex = i,
                State = new SubtaskState
                {
                    ManagedOperatorFlag = 1,
                    ManagedOperatorState = new OperatorStreamStateHandle(TypeCodes.PartitionableOperatorStateHandle)
                    {
                        States = [new OperatorStateEntry { Name = MutfString.FromString("s"), Mode = 0, Offsets = [0] }],
                        Delegate = handles[i],
                    },
                },
            });
        }
        op.StoredSubtaskCount = handles.Length;
        metadata.Operators.Add(op);
        return MetadataWriter.ToArray(metadata);
    }

    private static async Task CreateAsync(S3TestEndpoint endpoint, string bucket)
    {
        using var client = S3CopyFixture.ClientFor(endpoint);
        await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
    }

    private static async Task RemoveAsync(S3TestEndpoint endpoint, string bucket)
    {
        using var client = S3CopyFixture.ClientFor(endpoint);
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
            foreach (var key in keys)
            {
                await client.DeleteObjectAsync(bucket, key);
            }
            await client.DeleteBucketAsync(bucket);
        }
        catch (Amazon.S3.AmazonS3Exception)
        {
            // Best effort: the test servers are throwaway.
        }
    }
}
