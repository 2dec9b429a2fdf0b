using System.Security.Cryptography;
using Stateport.Relocation.Copying;
using Stateport.Storage;
using Stateport.Storage.Local;

namespace Stateport.Relocation.Tests.Copying;

public sealed class VerifyingReadStreamTests : IDisposable
{
    private static readonly StorageUri Source = StorageUri.S3("bucket", "chk-1/file");
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static byte[] Bytes(int length) => RandomNumberGenerator.GetBytes(length);

    private static string Md5Of(byte[] bytes) => Convert.ToHexStringLower(MD5.HashData(bytes));

    private static VerifyingReadStream Verifying(byte[] body, long expectedLength, string? expectedMd5, CancellationToken cancellationToken = default) =>
        new(new MemoryStream(body), Source, expectedLength, expectedMd5, _ => { }, cancellationToken);

    [Fact]
    public async Task A_complete_body_with_the_expected_MD5_passes()
    {
        var body = Bytes(100_000);
        using var stream = Verifying(body, body.Length, Md5Of(body));

        await stream.CopyToAsync(Stream.Null);

        Assert.Equal(Md5Of(body), stream.Md5);
        Assert.Equal(body.Length, stream.BytesRead);
    }

    [Theory]
    [InlineData(99)]
    [InlineData(101)]
    public async Task A_body_of_the_wrong_length_fails_before_its_end_is_delivered(int expectedLength)
    {
        using var stream = Verifying(Bytes(100), expectedLength, null);

        var error = await Assert.ThrowsAsync<StorageException>(() => stream.CopyToAsync(Stream.Null));

        Assert.Equal(StorageErrorKind.Integrity, error.Kind);
        Assert.Equal(Source.ToString(), error.Uri);
    }

    [Fact]
    public async Task A_body_whose_MD5_differs_from_the_source_ETag_fails()
    {
        var body = Bytes(1000);
        using var stream = Verifying(body, body.Length, Md5Of(Bytes(1000)));

        var error = await Assert.ThrowsAsync<StorageException>(() => stream.CopyToAsync(Stream.Null));

        Assert.Equal(StorageErrorKind.Integrity, error.Kind);
        Assert.Contains("MD5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_copy_never_sees_a_clean_end_of_stream()
    {
        using var cancelled = new CancellationTokenSource();
        var body = Bytes(1000);
        using var stream = Verifying(body, body.Length, null, cancelled.Token);
        var buffer = new byte[2000];
        Assert.Equal(1000, await stream.ReadAsync(buffer, CancellationToken.None));
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.ReadAsync(buffer, CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task A_corrupt_body_is_never_committed_by_the_local_store()
    {
        var body = Bytes(3 * CopyTree.MiB);
        var destination = _temp.Uri("out/file");
        using var stream = Verifying(body, body.Length, Md5Of(Bytes(1)));

        await Assert.ThrowsAsync<StorageException>(() => new LocalObjectStore().WriteAsync(destination, stream, body.Length, CancellationToken.None));

        Assert.Empty(Directory.EnumerateFiles(_temp.Path, "*", SearchOption.AllDirectories));
    }
}
