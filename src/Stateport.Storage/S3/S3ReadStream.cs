using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3.Model;

namespace Stateport.Storage.S3;

/// <summary>
/// The body of a GetObject response. Disposing disposes the response (and its connection);
/// reaching the end checks that the announced length arrived, so a cut connection is an
/// <see cref="StorageErrorKind.Integrity"/> or <see cref="StorageErrorKind.Network"/> error rather than a short file.
/// </summary>
/// <remarks>
/// Async reads survive a connection that is reset or closed mid-body (a flaky gateway, an
/// overloaded server): the rest is fetched with a ranged GET pinned to the first response's ETag
/// (If-Match), at most <see cref="RetryPolicy.MaxRetries"/> times per stream with backoff, so callers
/// that cannot retry a whole read (metadata loads, streamed copies) do not fail on one bad connection.
/// When the stream covers a whole object whose ETag is its MD5, the bytes are also hashed and a
/// mismatch at the end is an Integrity error: corrupted bytes are never passed off as a clean end of stream.
/// </remarks>
internal sealed class S3ReadStream : Stream, ISelfVerifyingStream
{
    private readonly long _expected;
    private readonly StorageUri _uri;
    private readonly string _endpoint;
    private readonly Func<long, CancellationToken, Task<GetObjectResponse>>? _resume;
    private readonly RetryPolicy? _retry;
    private readonly string? _expectedMd5;
#pragma warning disable CA5351 // MD5 because that is what S3 puts in single-part ETags, not for security.
    private readonly IncrementalHash? _md5;
#pragma warning restore CA5351
    private GetObjectResponse _response;
    private Stream _body;
    private long _delivered;
    private int _resumes;
    private readonly int _maxResumes;

    /// <param name="resume">Opens the rest of the range from the given offset (relative to the start of this stream); null = no resuming.</param>
    /// <param name="maxResumes">Resumes allowed (default: the policy's retries).</param>
    /// <param name="expectedMd5">The MD5 the whole body must have (plain-MD5 ETag of a whole-object read), or null.</param>
    public S3ReadStream(GetObjectResponse response, long expected, StorageUri uri, string endpoint,
        Func<long, CancellationToken, Task<GetObjectResponse>>? resume = null, RetryPolicy? retry = null, string? expectedMd5 = null, int? maxResumes = null)
    {
        _maxResumes = maxResumes ?? retry?.MaxRetries ?? 0;
        _response = response;
        _body = response.ResponseStream;
        _expected = expected;
        _uri = uri;
        _endpoint = endpoint;
        _resume = resume;
        _retry = retry;
        _expectedMd5 = expectedMd5;
#pragma warning disable CA5351
        _md5 = expectedMd5 is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.MD5);
#pragma warning restore CA5351
    }

    /// <summary>The MD5 the whole body is checked against, or null when it is not checked.</summary>
    public string? ExpectedMd5 => _expectedMd5;

    /// <inheritdoc />
    public bool VerifiesContent => _expectedMd5 is not null;

    /// <summary>How many times the body was resumed after a cut connection.</summary>
    public int Resumes => _resumes;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _expected;
    public override long Position { get => _delivered; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>Synchronous reads do not resume; a cut surfaces as Network/Integrity.</summary>
    public override int Read(Span<byte> buffer)
    {
        int read;
        try
        {
            read = _body.Read(buffer);
        }
        catch (AmazonClientException e)
        {
            throw SdkChecksum(e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException && e is not StorageException)
        {
            throw Cut(e);
        }
        if (read == 0 && buffer.Length > 0 && _delivered != _expected)
        {
            throw Short();
        }
        return Count(buffer[..read]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            int read;
            try
            {
                read = await _body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonClientException e)
            {
                throw SdkChecksum(e);
            }
            catch (Exception e) when (e is IOException or HttpRequestException && e is not StorageException && !cancellationToken.IsCancellationRequested)
            {
                if (!CanResume)
                {
                    throw Cut(e);
                }
                await ResumeAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (read == 0 && buffer.Length > 0 && _delivered != _expected)
            {
                // A connection closed cleanly before the announced length: same as a cut.
                if (!CanResume || _delivered > _expected)
                {
                    throw Short();
                }
                await ResumeAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            return Count(buffer.Span[..read]);
        }
    }

    private bool CanResume => _resume is not null && _retry is not null && _resumes < _maxResumes && _delivered < _expected;

    private async Task ResumeAsync(CancellationToken cancellationToken)
    {
        await _retry!.WaitBeforeRetryAsync(_resumes, cancellationToken).ConfigureAwait(false);
        _resumes++;
        var next = await _resume!(_delivered, cancellationToken).ConfigureAwait(false);
        DisposeResponse();
        _response = next;
        _body = next.ResponseStream;
        if (next.ContentLength != _expected - _delivered)
        {
            throw new StorageException(StorageErrorKind.Integrity, _uri.ToString(),
                $"read {_uri}: resuming after {_delivered} of {_expected} bytes returned {next.ContentLength} bytes instead of {_expected - _delivered}");
        }
    }

    private int Count(ReadOnlySpan<byte> chunk)
    {
        _delivered += chunk.Length;
        if (_md5 is not null && chunk.Length > 0)
        {
            _md5.AppendData(chunk);
            if (_delivered == _expected)
            {
                // Checked as the last bytes arrive, before the caller gets them: callers that read
                // exactly the length never see the end of stream.
                var md5 = Convert.ToHexStringLower(_md5.GetHashAndReset());
                if (!md5.Equals(_expectedMd5, StringComparison.OrdinalIgnoreCase))
                {
                    throw new StorageException(StorageErrorKind.Integrity, _uri.ToString(),
                        $"read {_uri}: MD5 of the bytes read ({md5}) differs from the ETag ({_expectedMd5}); corrupted in transit");
                }
            }
        }
        return chunk.Length;
    }

    /// <summary>The SDK checks the MD5 of some whole-object bodies itself at their end ("Expected hash not equal to calculated hash").</summary>
    private StorageException SdkChecksum(AmazonClientException e) =>
        new(StorageErrorKind.Integrity, _uri.ToString(), $"read {_uri}: {S3ErrorMapper.OneLine(e.Message)}; corrupted in transit", null, e);

    private StorageException Short() => RetryPolicy.WithAttempts(
        new StorageException(StorageErrorKind.Integrity, _uri.ToString(), $"read {_uri}: body ended after {_delivered} of {_expected} bytes"), _resumes + 1);

    // The attempts (1 + resumes) tell callers whether this read was already retried.
    private StorageException Cut(Exception e) => RetryPolicy.WithAttempts(
        new StorageException(StorageErrorKind.Network, _uri.ToString(),
            $"read {_uri}: connection to {_endpoint} failed after {_delivered} of {_expected} bytes{(_resumes > 0 ? $" ({_resumes + 1} attempts)" : "")}: {S3ErrorMapper.OneLine(e.Message)}", null, e),
        _resumes + 1);

    private void DisposeResponse()
    {
        try
        {
            _body.Dispose();
        }
        catch (AmazonClientException)
        {
            // The SDK re-checks its MD5 when a corrupted body is closed; that failure was already reported by a read.
        }
        _response.Dispose();
    }

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
            DisposeResponse();
            _md5?.Dispose();
        }
        base.Dispose(disposing);
    }
}
