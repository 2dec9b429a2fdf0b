using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Amazon.S3.Model;
using Stateport.Storage.S3;

namespace Stateport.Storage.Tests;

/// <summary>The S3 store against two real Ceph RGW 16.2 clusters on 127.0.0.1 (scripts/s3-server.sh).</summary>
public sealed class S3ObjectStoreTests : IClassFixture<S3Buckets>, IAsyncLifetime
{
    private const int MiB = 1024 * 1024;
    private static CancellationToken Ct => CancellationToken.None;

    private readonly S3Buckets _buckets;
    private readonly string _prefix = $"t-{Guid.NewGuid():N}/";
    private S3ObjectStore _a = null!;
    private S3ObjectStore _aSmallParts = null!;

    public S3ObjectStoreTests(S3Buckets buckets) => _buckets = buckets;

    public Task InitializeAsync()
    {
        _a = new S3ObjectStore(S3Buckets.SettingsFor(S3Buckets.A));
        _aSmallParts = new S3ObjectStore(S3Buckets.SettingsFor(S3Buckets.A), S3Buckets.SmallParts);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _aSmallParts.DisposeAsync();
    }

    private StorageUri InA(string name) => StorageUri.S3(_buckets.BucketA, _prefix + name);

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task<byte[]> ReadAllAsync(IObjectStore store, StorageUri uri, long offset = 0, long length = -1)
    {
        await using var stream = await store.OpenReadAsync(uri, offset, length, Ct);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Ct);
        return copy.ToArray();
    }

    private static void AssertNoSecret(Exception e)
    {
        foreach (var secret in new[] { S3Buckets.A.SecretKey, S3Buckets.B.SecretKey, WrongSecret })
        {
            Assert.DoesNotContain(secret, e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, e.ToString(), StringComparison.Ordinal);
        }
        Assert.DoesNotContain('\n', e.Message);
    }

    private const string WrongSecret = "wrongSecretKeyThatMustNeverBePrinted0123";

    [Fact]
    public async Task Write_stat_and_read_back()
    {
        var data = RandomBytes(1000, 1);

        var written = await _a.WriteAsync(InA("small"), new MemoryStream(data), data.Length, Ct);
        var stat = await _a.StatAsync(InA("small"), Ct);

        Assert.Equal(1000, written.Length);
        Assert.NotNull(stat);
        Assert.Equal(1000, stat.Length);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(data)), stat.ETag);
        Assert.Equal(written.ETag, stat.ETag);
        Assert.NotNull(stat.LastModified);
        Assert.Equal(data, await ReadAllAsync(_a, InA("small")));
    }

    [Fact]
    public async Task Ranged_reads_return_exactly_the_range()
    {
        var data = RandomBytes(1000, 2);
        await _a.WriteAsync(InA("ranged"), new MemoryStream(data), data.Length, Ct);

        Assert.Equal(data[100..150], await ReadAllAsync(_a, InA("ranged"), 100, 50));
        Assert.Equal(data[990..], await ReadAllAsync(_a, InA("ranged"), 990, -1));
        Assert.Equal(data[..1], await ReadAllAsync(_a, InA("ranged"), 0, 1));
        Assert.Empty(await ReadAllAsync(_a, InA("ranged"), 10, 0));
    }

    [Fact]
    public async Task Missing_object_stats_as_null_and_reads_as_NotFound()
    {
        Assert.Null(await _a.StatAsync(InA("missing"), Ct));

        var e = await Assert.ThrowsAsync<StorageException>(() => _a.OpenReadAsync(InA("missing"), 0, -1, Ct));

        Assert.Equal(StorageErrorKind.NotFound, e.Kind);
        Assert.Equal("NoSuchKey", e.ErrorCode);
        Assert.Equal(InA("missing").ToString(), e.Uri);
        AssertNoSecret(e);
    }

    [Fact]
    public async Task List_follows_every_page_with_list_v2_and_v1()
    {
        const int count = 1_100;
        var keys = Enumerable.Range(0, count).Select(i => $"{_prefix}many/{i}").ToList();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (key, ct) =>
            await _a.WriteAsync(StorageUri.S3(_buckets.BucketA, key), new MemoryStream([1, 2, 3]), 3, ct));
        await _a.WriteAsync(InA("many-sibling"), new MemoryStream([1]), 1, Ct);
        keys.Sort(StringComparer.Ordinal);

        await using var v1 = new S3ObjectStore(S3Buckets.SettingsFor(S3Buckets.A, listVersion: 1));
        var prefix = StorageUri.S3(_buckets.BucketA, _prefix + "many/", "s3a");
        var listedV2 = await _a.ListAsync(prefix, Ct).ToListAsync(Ct);
        var listedV1 = await v1.ListAsync(prefix, Ct).ToListAsync(Ct);

        Assert.Equal(keys, listedV2.Select(o => o.Uri.Key));
        Assert.Equal(keys, listedV1.Select(o => o.Uri.Key));
        Assert.All(listedV2, o => Assert.Equal(3, o.Length));
        Assert.All(listedV1, o => Assert.Equal("s3a", o.Uri.Scheme));
        Assert.All(listedV2, o => Assert.DoesNotContain('"', o.ETag!));
    }

    [Fact]
    public async Task Large_write_uses_multipart_and_reads_back_identically()
    {
        var data = RandomBytes(12 * MiB + 123, 3);

        var written = await _aSmallParts.WriteAsync(InA("multipart"), new MemoryStream(data), data.Length, Ct);

        Assert.Equal(data.Length, written.Length);
        Assert.EndsWith("-3", written.ETag);
        var stat = await _a.StatAsync(InA("multipart"), Ct);
        Assert.Equal(written.ETag, stat!.ETag);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await ReadAllAsync(_a, InA("multipart"))));
    }

    [Fact]
    public async Task Stream_of_unknown_length_is_written_multipart_or_single()
    {
        var large = RandomBytes(6 * MiB, 4);
        var small = RandomBytes(1000, 5);

        var largeInfo = await _aSmallParts.WriteAsync(InA("unknown-large"), new ForwardOnlyStream(large), -1, Ct);
        var smallInfo = await _aSmallParts.WriteAsync(InA("unknown-small"), new ForwardOnlyStream(small), -1, Ct);
        var unseekableKnown = await _a.WriteAsync(InA("unseekable-known"), new ForwardOnlyStream(small), small.Length, Ct);

        Assert.Equal(large.Length, largeInfo.Length);
        Assert.EndsWith("-2", largeInfo.ETag);
        Assert.Equal(small.Length, smallInfo.Length);
        Assert.DoesNotContain("-", smallInfo.ETag);
        Assert.Equal(small.Length, unseekableKnown.Length);
        Assert.Equal(large, await ReadAllAsync(_a, InA("unknown-large")));
        Assert.Equal(small, await ReadAllAsync(_a, InA("unseekable-known")));
    }

    [Fact]
    public async Task Short_source_aborts_the_multipart_upload_and_writes_nothing()
    {
        var data = RandomBytes(11 * MiB, 6);

        var e = await Assert.ThrowsAsync<StorageException>(() =>
            _aSmallParts.WriteAsync(InA("short"), new ForwardOnlyStream(data), data.Length + 1, Ct));

        Assert.Equal(StorageErrorKind.Integrity, e.Kind);
        Assert.Null(await _a.StatAsync(InA("short"), Ct));
        using var client = S3Buckets.ClientFor(S3Buckets.A);
        var uploads = await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = _buckets.BucketA, Prefix = _prefix + "short" }, Ct);
        Assert.Empty(uploads.MultipartUploads ?? []);
    }

    [Fact]
    public async Task Server_side_copy_below_and_above_the_copy_threshold()
    {
        var small = RandomBytes(2000, 7);
        var large = RandomBytes(11 * MiB, 8);
        var smallSource = await _a.WriteAsync(InA("copy-src-small"), new MemoryStream(small), small.Length, Ct);
        var largeSource = await _aSmallParts.WriteAsync(InA("copy-src-large"), new MemoryStream(large), large.Length, Ct);

        var smallCopy = await _aSmallParts.CopyAsync(smallSource, InA("copy-dst/small"), Ct);
        var largeCopy = await _aSmallParts.CopyAsync(largeSource, StorageUri.S3(_buckets.BucketA, _prefix + "copy-dst/large"), Ct);

        Assert.Equal(small.Length, smallCopy.Length);
        Assert.Equal(smallSource.ETag, smallCopy.ETag);
        Assert.Equal(large.Length, largeCopy.Length);
        Assert.EndsWith("-3", largeCopy.ETag);
        Assert.DoesNotContain('"', largeCopy.ETag!);
        Assert.Equal(small, await ReadAllAsync(_a, InA("copy-dst/small")));
        Assert.Equal(SHA256.HashData(large), SHA256.HashData(await ReadAllAsync(_a, InA("copy-dst/large"))));
    }

    [Fact]
    public async Task Copy_of_a_missing_source_is_NotFound()
    {
        var e = await Assert.ThrowsAsync<StorageException>(() => _a.CopyAsync(new ObjectInfo(InA("no-source"), 10, null), InA("no-dest"), Ct));

        Assert.Equal(StorageErrorKind.NotFound, e.Kind);
        AssertNoSecret(e);
    }

    [Fact]
    public async Task Stream_copy_between_independent_clusters()
    {
        var data = RandomBytes(7 * MiB + 5, 9);
        var source = await _a.WriteAsync(InA("cross"), new MemoryStream(data), data.Length, Ct);
        await using var b = new S3ObjectStore(S3Buckets.SettingsFor(S3Buckets.B), S3Buckets.SmallParts);
        var destination = StorageUri.S3(_buckets.BucketB, _prefix + "cross");

        Assert.NotEqual(_a.Identity, b.Identity);
        ObjectInfo copied;
        await using (var input = await _a.OpenReadAsync(source.Uri, 0, -1, Ct))
        {
            copied = await b.WriteAsync(destination, input, source.Length, Ct);
        }

        Assert.Equal(data.Length, copied.Length);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await ReadAllAsync(b, destination)));
        Assert.Null(await _a.StatAsync(StorageUri.S3(_buckets.BucketA, _prefix + "cross-missing"), Ct));
    }

    [Fact]
    public async Task Delete_removes_the_object_and_tolerates_missing_ones()
    {
        await _a.WriteAsync(InA("doomed"), new MemoryStream([1, 2]), 2, Ct);

        await _a.DeleteAsync(InA("doomed"), Ct);
        await _a.DeleteAsync(InA("doomed"), Ct);

        Assert.Null(await _a.StatAsync(InA("doomed"), Ct));
    }

    [Fact]
    public async Task Wrong_secret_key_is_a_credentials_error_without_the_secret()
    {
        await using var store = new S3ObjectStore(S3Buckets.SettingsFor(S3Buckets.A, secretKey: WrongSecret));

        var list = await Assert.ThrowsAsync<StorageException>(() => store.ListAsync(InA(""), Ct).ToListAsync(Ct).AsTask());
        var stat = await Assert.ThrowsAsync<StorageException>(() => store.StatAsync(InA("x"), Ct));
        var write = await Assert.ThrowsAsync<StorageException>(() => store.WriteAsync(InA("x"), new MemoryStream([1]), 1, Ct));

        Assert.Equal(StorageErrorKind.Credentials, list.Kind);
        Assert.Equal("SignatureDoesNotMatch", list.ErrorCode);
        Assert.Contains($"credentials rejected by {S3Buckets.A.Endpoint} (SignatureDoesNotMatch): check the secret key", list.Message);
        Assert.Equal(StorageErrorKind.Credentials, stat.Kind);
        Assert.Equal(StorageErrorKind.Credentials, write.Kind);
        AssertNoSecret(list);
        AssertNoSecret(stat);
        AssertNoSecret(write);
    }

    [Fact]
    public async Task Unknown_access_key_is_a_credentials_error()
    {
        var settings = S3Buckets.SettingsFor(S3Buckets.A);
        settings = settings with { Credentials = settings.Credentials with { AccessKey = "AKIANOSUCHKEY0000000" } };
        await using var store = new S3ObjectStore(settings);

        var e = await Assert.ThrowsAsync<StorageException>(() => store.ListAsync(InA(""), Ct).ToListAsync(Ct).AsTask());

        Assert.Equal(StorageErrorKind.Credentials, e.Kind);
        Assert.Equal("InvalidAccessKeyId", e.ErrorCode);
        AssertNoSecret(e);
    }

    [Fact]
    public async Task Missing_bucket_is_NoSuchBucket_for_every_operation()
    {
        var missing = StorageUri.S3("stateport-no-such-bucket-" + Guid.NewGuid().ToString("N")[..8], "k");

        var list = await Assert.ThrowsAsync<StorageException>(() => _a.ListAsync(missing, Ct).ToListAsync(Ct).AsTask());
        var stat = await Assert.ThrowsAsync<StorageException>(() => _a.StatAsync(missing, Ct));
        var read = await Assert.ThrowsAsync<StorageException>(() => _a.OpenReadAsync(missing, 0, -1, Ct));
        var write = await Assert.ThrowsAsync<StorageException>(() => _a.WriteAsync(missing, new MemoryStream([1]), 1, Ct));

        Assert.All(new[] { list, stat, read, write }, e =>
        {
            Assert.Equal(StorageErrorKind.NoSuchBucket, e.Kind);
            Assert.Equal("NoSuchBucket", e.ErrorCode);
            AssertNoSecret(e);
        });
    }

    [Fact]
    public async Task Unreachable_endpoint_is_a_network_error_after_the_retries()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var settings = S3Buckets.SettingsFor(S3Buckets.A, maxRetries: 1) with { Endpoint = $"http://127.0.0.1:{port}" };
        await using var store = new S3ObjectStore(settings, S3Buckets.SmallParts);

        var e = await Assert.ThrowsAsync<StorageException>(() => store.StatAsync(StorageUri.S3("bucket", "key"), Ct));

        Assert.Equal(StorageErrorKind.Network, e.Kind);
        Assert.Contains($"cannot reach http://127.0.0.1:{port}", e.Message);
        Assert.Contains("2 attempts", e.Message);
        AssertNoSecret(e);
    }

    [Fact]
    public async Task Credential_report_names_the_source_and_redacts_the_key()
    {
        var report = await _a.ResolveCredentialsAsync(Ct);

        Assert.Equal(S3Credentials.Redact(S3Buckets.A.AccessKey), report.AccessKeyRedacted);
        Assert.DoesNotContain(S3Buckets.A.SecretKey, report.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(S3Buckets.A.SecretKey, _a.Describe(), StringComparison.Ordinal);
        Assert.DoesNotContain(S3Buckets.A.SecretKey, _a.Identity, StringComparison.Ordinal);
    }

    /// <summary>A stream that cannot seek or report its length, like a network body.</summary>
    private sealed class ForwardOnlyStream(byte[] data) : MemoryStream(data, writable: false)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    }
}
