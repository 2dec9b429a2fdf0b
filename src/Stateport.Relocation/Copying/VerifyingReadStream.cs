using System.Security.Cryptography;
using Stateport.Storage;

namespace Stateport.Relocation.Copying;

/// <summary>
/// Wraps a source body on its way into a destination write: counts the bytes, computes their MD5
/// and checks both when the body ends, before the destination sees the end of the stream. A
/// failure is thrown from a read, so the destination write fails and never completes (local: the
/// temporary file is deleted; S3: nothing is put, or the multipart upload is aborted). The same
/// holds for cancellation: a cancelled copy never delivers a clean end of stream.
/// </summary>
internal sealed class VerifyingReadStream : Stream
{
    private readonly Stream _inner;
    private readonly StorageUri _source;
    private readonly long _expectedLength;
    private readonly string? _expectedMd5;
    private readonly Action<long> _onBytesRead;
    private readonly CancellationToken _cancellationToken;
    // MD5 because that is what S3 puts in single-part ETags, not for security.
#pragma warning disable CA5351
    private readonly IncrementalHash? _md5;
#pragma warning restore CA5351
    private bool _finished;

    /// <param name="expectedMd5">Lower-case hex MD5 the body must have, or null when the source has no plain-MD5 ETag.</param>
    /// <param name="onBytesRead">Called with the size of every chunk read, for progress.</param>
    /// <param name="hash">
    /// Compute the MD5 (needed to check <paramref name="expectedMd5"/> or a destination's ETag); without it only
    /// the length is checked, for bodies the source store already verifies itself.
    /// </param>
    public VerifyingReadStream(Stream inner, StorageUri source, long expectedLength, string? expectedMd5, Action<long> onBytesRead, CancellationToken cancellationToken, bool hash = true)
    {
        _md5 = hash || expectedMd5 is not null ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;
        _inner = inner;
        _source = source;
        _expectedLength = expectedLength;
        _expectedMd5 = expectedMd5;
        _onBytesRead = onBytesRead;
        _cancellationToken = cancellationToken;
    }

    public long BytesRead { get; private set; }

    /// <summary>Lower-case hex MD5 of the whole body, when hashed; set once the end was reached and verified.</summary>
    public string? Md5 { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>
    /// Reads whatever the destination left unread (nothing, for a store that reads to the end) and
    /// verifies the body; after this <see cref="Md5"/> is set.
    /// </summary>
    /// <exception cref="StorageException">Integrity when the body is longer or shorter than expected or its MD5 differs.</exception>
    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (!_finished && await ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
        {
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        var read = _inner.Read(buffer);
        return Account(buffer[..read]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        var read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Account(buffer.Span[..read]);
    }

    private int Account(ReadOnlySpan<byte> chunk)
    {
        if (chunk.Length == 0)
        {
            Finish();
            return 0;
        }
        BytesRead += chunk.Length;
        if (BytesRead > _expectedLength)
        {
            throw new StorageException(StorageErrorKind.Integrity, _source.ToString(),
                $"read {_source}: body is longer than the {_expectedLength} bytes the source reported");
        }
        _md5?.AppendData(chunk);
        _onBytesRead(chunk.Length);
        return chunk.Length;
    }

    private void Finish()
    {
        if (_finished)
        {
            return;
        }
        // Checked before the end of stream reaches the destination, so a cancelled write cannot complete.
        _cancellationToken.ThrowIfCancellationRequested();
        if (BytesRead != _expectedLength)
        {
            throw new StorageException(StorageErrorKind.Integrity, _source.ToString(),
                $"read {_source}: body ended after {BytesRead} of {_expectedLength} bytes");
        }
        _finished = true;
        if (_md5 is null)
        {
            return;
        }
        var md5 = Convert.ToHexStringLower(_md5.GetHashAndReset());
        if (_expectedMd5 is not null && !md5.Equals(_expectedMd5, StringComparison.OrdinalIgnoreCase))
        {
            throw new StorageException(StorageErrorKind.Integrity, _source.ToString(),
                $"read {_source}: MD5 of the bytes read ({md5}) differs from the source ETag ({_expectedMd5}); corrupted in transit");
        }
        Md5 = md5;
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
            _md5?.Dispose();
        }
        base.Dispose(disposing);
    }
}
