using Amazon.S3.Model;

namespace Stateport.Storage.S3;

/// <summary>
/// The body of a GetObject response. Disposing disposes the response (and its connection);
/// reaching the end checks that the announced length arrived, so a cut connection is an
/// <see cref="StorageErrorKind.Integrity"/> or <see cref="StorageErrorKind.Network"/> error rather than a short file.
/// </summary>
internal sealed class S3ReadStream : Stream
{
    private readonly GetObjectResponse _response;
    private readonly Stream _body;
    private readonly long _expected;
    private readonly StorageUri _uri;
    private readonly string _endpoint;
    private long _delivered;

    public S3ReadStream(GetObjectResponse response, long expected, StorageUri uri, string endpoint)
    {
        _response = response;
        _body = response.ResponseStream;
        _expected = expected;
        _uri = uri;
        _endpoint = endpoint;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _expected;
    public override long Position { get => _delivered; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read;
        try
        {
            read = _body.Read(buffer);
        }
        catch (Exception e) when (e is IOException or HttpRequestException && e is not StorageException)
        {
            throw Cut(e);
        }
        return Count(read, buffer.Length);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            read = await _body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException && e is not StorageException)
        {
            throw Cut(e);
        }
        return Count(read, buffer.Length);
    }

    private int Count(int read, int requested)
    {
        _delivered += read;
        if (read == 0 && requested > 0 && _delivered != _expected)
        {
            throw new StorageException(StorageErrorKind.Integrity, _uri.ToString(),
                $"read {_uri}: body ended after {_delivered} of {_expected} bytes");
        }
        return read;
    }

    private StorageException Cut(Exception e) =>
        new(StorageErrorKind.Network, _uri.ToString(),
            $"read {_uri}: connection to {_endpoint} failed after {_delivered} of {_expected} bytes: {S3ErrorMapper.OneLine(e.Message)}", null, e);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _body.Dispose();
            _response.Dispose();
        }
        base.Dispose(disposing);
    }
}
