using Stateport.Metadata;
using Stateport.Metadata.Model;
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
        await S3TestBuckets.CreateAsync(S3TestServer.A, src);
        await S3TestBuckets.CreateAsync(S3TestServer.A, dstA);
        await S3TestBuckets.CreateAsync(S3TestServer.B, dstB);
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
            var metadata = TestSnapshots.OperatorStateMetadata(
            [
                new RelativeFileStateHandle { RelativePath = MutfString.FromString("private-1"), StateSize = 1000 },
                new RelativeFileStateHandle { RelativePath = MutfString.FromString("large-private"), StateSize = Large },
                new FileStateHandle { FilePath = MutfString.FromString($"s3://{src}/flink/cp/job-1/shared/sst-1"), StateSize = Large + 1 },
                new FileStateHandle { FilePath = MutfString.FromString($"s3://{src}/flink/cp/job-1/shared/sst-2"), StateSize = 3000 },
            ], 3, new OperatorId(3, 4));
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
            await S3TestBuckets.RemoveAsync(S3TestServer.A, src);
            await S3TestBuckets.RemoveAsync(S3TestServer.A, dstA);
            await S3TestBuckets.RemoveAsync(S3TestServer.B, dstB);
        }
    }

    [Fact]
    public async Task Leftover_uploads_of_an_interrupted_run_are_aborted_once_the_new_metadata_is_written()
    {
        var bucket = S3TestServer.NewBucketName("relocator-leftovers");
        await S3TestBuckets.CreateAsync(S3TestServer.A, bucket);
        await using var store = new S3ObjectStore(S3CopyFixture.SettingsFor(S3TestServer.A), S3CopyFixture.SmallParts);
        try
        {
            var content = Bytes(new Random(3), 2000);
            using (var body = new MemoryStream(content, writable: false))
            {
                await store.WriteAsync(StorageUri.S3(bucket, "src/chk-1/private-1"), body, content.Length, CancellationToken.None);
            }
            var metadata = TestSnapshots.OperatorStateMetadata(
                [new RelativeFileStateHandle { RelativePath = MutfString.FromString("private-1"), StateSize = content.Length }], 1, new OperatorId(1, 2));
            using (var body = new MemoryStream(metadata, writable: false))
            {
                await store.WriteAsync(StorageUri.S3(bucket, "src/chk-1/_metadata"), body, metadata.Length, CancellationToken.None);
            }
            // What a run killed mid-upload leaves behind: an upload that was started and never completed.
            using var client = S3TestBuckets.Client(S3TestServer.A);
            await client.InitiateMultipartUploadAsync(new Amazon.S3.Model.InitiateMultipartUploadRequest { BucketName = bucket, Key = "dst/chk-1/private-1" });
            Assert.Equal(1, await S3CopyFixture.OpenUploadsAsync(S3TestServer.A, bucket, "dst/"));

            var source = await SnapshotLoader.LoadAsync(store, StorageUri.Parse($"s3://{bucket}/src/chk-1"), CancellationToken.None);
            var plan = RelocationPlan.Create(source, StorageUri.Parse($"s3://{bucket}/dst/chk-1"), new RelocationOptions());
            var relocator = new Relocator(store, store);
            var steps = new List<string>();
            relocator.Step += steps.Add;
            var report = await relocator.RunAsync(plan, new RelocateOptions(), null, CancellationToken.None);

            Assert.True(report.DestinationVerification.Restorable);
            Assert.Equal(0, await S3CopyFixture.OpenUploadsAsync(S3TestServer.A, bucket, "dst/"));
            var wrote = steps.FindIndex(s => s.StartsWith("wrote ", StringComparison.Ordinal));
            var removed = steps.FindIndex(s => s.StartsWith("removed 1 leftover(s)", StringComparison.Ordinal));
            Assert.True(wrote >= 0 && removed > wrote, string.Join(" | ", steps));
            await AssertSameBytesAsync(store, $"s3://{bucket}/dst/chk-1/private-1", content);
        }
        finally
        {
            await S3TestBuckets.RemoveAsync(S3TestServer.A, bucket);
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
}
