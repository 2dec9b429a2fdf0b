using System.Security.Cryptography;
using Stateport.Relocation.Copying;
using Stateport.Storage;
using Stateport.Storage.Local;
using Stateport.Storage.S3;
using Stateport.Tests.Shared;

namespace Stateport.Relocation.Tests.Copying;

/// <summary>The copy engine against the real Ceph RGW clusters A and B.</summary>
public sealed class S3CopyEngineTests : IClassFixture<S3CopyFixture>, IDisposable
{
    private static readonly CopyOptions Options = new() { Parallelism = 8 };
    private readonly S3CopyFixture _s3;
    private readonly TempDirectory _temp = new();
    private readonly LocalObjectStore _local = new();

    public S3CopyEngineTests(S3CopyFixture s3) => _s3 = s3;

    public void Dispose() => _temp.Dispose();

    private StorageUri A1(string prefix) => StorageUri.S3(_s3.BucketA1, prefix);
    private StorageUri A2(string prefix) => StorageUri.S3(_s3.BucketA2, prefix);
    private StorageUri B(string prefix) => StorageUri.S3(_s3.BucketB, prefix);

    [Fact]
    public async Task Local_to_S3_streams_including_a_multipart_object_and_resumes()
    {
        var files = CopyTree.Generate(40, seed: 10, S3CopyFixture.MultipartSize);
        CopyTree.WriteLocal(_temp.Path, files);
        var items = await CopyTree.ItemsAsync(_local, _temp.Uri(), A1("local-to-s3"));

        var report = await new CopyEngine(_local, _s3.StoreA, Options).CopyAsync(items, null, CancellationToken.None);

        Assert.All(report.Results, r => Assert.Equal(CopyMethod.Streamed, r.Method));
        Assert.Contains("-", report.Results.Single(r => r.Item.Source.Name == "large-0").Destination.ETag, StringComparison.Ordinal);
        await CopyTree.AssertContentsAsync(_s3.StoreA, A1("local-to-s3"), files);

        var rerun = await new CopyEngine(_local, _s3.StoreA, Options).CopyAsync(items, null, CancellationToken.None);

        Assert.Equal(items.Count, rerun.Skipped);
    }

    [Fact]
    public async Task S3_to_S3_on_one_endpoint_copies_server_side_including_a_multipart_copy()
    {
        var files = CopyTree.Generate(40, seed: 11, S3CopyFixture.MultipartSize);
        await CopyTree.UploadAsync(_s3.StoreA, A1("same-src"), files);
        var items = await CopyTree.ItemsAsync(_s3.StoreA, A1("same-src"), A2("same-dst"));
        // A second store with the same endpoint and keys: identity, not instance, decides.
        await using var otherStoreA = new S3ObjectStore(S3CopyFixture.SettingsFor(S3TestServer.A), S3CopyFixture.SmallParts);
        var engine = new CopyEngine(_s3.StoreA, otherStoreA, Options);
        Assert.True(engine.CopiesServerSide);

        var report = await engine.CopyAsync(items, null, CancellationToken.None);

        Assert.All(report.Results, r => Assert.Equal(CopyMethod.ServerSide, r.Method));
        Assert.Equal(CopyTree.TotalBytes(files), report.BytesServerSide);
        await CopyTree.AssertContentsAsync(_s3.StoreA, A2("same-dst"), files);
    }

    [Fact]
    public async Task S3_to_S3_across_endpoints_streams_and_recopies_a_same_size_object_with_another_ETag()
    {
        var files = CopyTree.Generate(40, seed: 12, S3CopyFixture.MultipartSize);
        await CopyTree.UploadAsync(_s3.StoreA, A1("cross-src"), files);
        var items = await CopyTree.ItemsAsync(_s3.StoreA, A1("cross-src"), B("cross-dst"));
        var engine = new CopyEngine(_s3.StoreA, _s3.StoreB, Options);
        Assert.False(engine.CopiesServerSide);

        var report = await engine.CopyAsync(items, null, CancellationToken.None);

        Assert.All(report.Results, r => Assert.Equal(CopyMethod.Streamed, r.Method));
        Assert.Equal(CopyTree.TotalBytes(files), report.BytesStreamed);
        await CopyTree.AssertContentsAsync(_s3.StoreB, B("cross-dst"), files);

        // Same length, different bytes: both ETags are plain MD5s, so the difference is seen.
        var (tampered, content) = files.First(f => f.Value.Length > 100);
        using (var other = new MemoryStream(RandomNumberGenerator.GetBytes(content.Length)))
        {
            await _s3.StoreB.WriteAsync(B("cross-dst").Append(tampered), other, content.Length, CancellationToken.None);
        }

        var rerun = await engine.CopyAsync(items, null, CancellationToken.None);

        Assert.Equal(tampered, Assert.Single(rerun.Results, r => r.Method != CopyMethod.Skipped).Item.Destination.RelativeTo(B("cross-dst")));
        await CopyTree.AssertContentsAsync(_s3.StoreB, B("cross-dst"), files);
    }

    [Fact]
    public async Task S3_to_local_streams()
    {
        var files = CopyTree.Generate(40, seed: 13, S3CopyFixture.MultipartSize);
        await CopyTree.UploadAsync(_s3.StoreA, A1("s3-to-local"), files);
        var items = await CopyTree.ItemsAsync(_s3.StoreA, A1("s3-to-local"), _temp.Uri("copy"));

        var report = await new CopyEngine(_s3.StoreA, _local, Options).CopyAsync(items, null, CancellationToken.None);

        Assert.All(report.Results, r => Assert.Equal(CopyMethod.Streamed, r.Method));
        await CopyTree.AssertContentsAsync(_local, _temp.Uri("copy"), files);
    }

    [Fact]
    public async Task A_copy_cancelled_midway_leaves_only_complete_objects_and_a_rerun_finishes_it()
    {
        var files = CopyTree.Generate(150, seed: 14, S3CopyFixture.MultipartSize, S3CopyFixture.MultipartSize);
        CopyTree.WriteLocal(_temp.Path, files);
        var items = await CopyTree.ItemsAsync(_local, _temp.Uri(), A1("resume"));
        var options = new CopyOptions { Parallelism = 4 };
        using var cancel = new CancellationTokenSource();
        var progress = new RecordingProgress(p =>
        {
            if (p.ObjectsDone >= 20)
            {
                cancel.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new CopyEngine(_local, _s3.StoreA, options).CopyAsync(items, progress, cancel.Token));

        var present = new List<ObjectInfo>();
        await foreach (var info in _s3.StoreA.ListAsync(A1("resume/"), CancellationToken.None))
        {
            present.Add(info);
        }
        Assert.InRange(present.Count, 20, items.Count - 1);
        Assert.All(present, info => Assert.Equal(files[info.Uri.RelativeTo(A1("resume"))!].Length, info.Length));
        Assert.Equal(0, await S3CopyFixture.OpenUploadsAsync(S3TestServer.A, _s3.BucketA1, "resume/"));

        var rerun = await new CopyEngine(_local, _s3.StoreA, options).CopyAsync(items, null, CancellationToken.None);

        // At least: a PUT whose response the cancellation cut off may still have been committed.
        Assert.InRange(rerun.Skipped, present.Count, items.Count - 1);
        Assert.Equal(items.Count, rerun.Skipped + rerun.Copied);
        await CopyTree.AssertContentsAsync(_s3.StoreA, A1("resume"), files);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(S3CopyFixture.MultipartSize)]
    public async Task A_corrupt_body_is_never_committed_by_the_S3_store(int length)
    {
        var body = RandomNumberGenerator.GetBytes(length);
        var destination = A1($"corrupt/{length}");
        var wrongMd5 = Convert.ToHexStringLower(MD5.HashData([1]));
        using var stream = new VerifyingReadStream(new MemoryStream(body), StorageUri.Local("/src"), length, wrongMd5, _ => { }, CancellationToken.None);

        var error = await Assert.ThrowsAsync<StorageException>(() => _s3.StoreA.WriteAsync(destination, stream, length, CancellationToken.None));

        Assert.Equal(StorageErrorKind.Integrity, error.Kind);
        Assert.Null(await _s3.StoreA.StatAsync(destination, CancellationToken.None));
        Assert.Equal(0, await S3CopyFixture.OpenUploadsAsync(S3TestServer.A, _s3.BucketA1, "corrupt/"));
    }
}
