namespace Stateport.Storage.S3;

/// <summary>Transfer tuning for <see cref="S3ObjectStore"/>. Defaults suit production; tests lower the thresholds.</summary>
public sealed record S3StoreOptions
{
    /// <summary>S3's smallest allowed size for a part that is not the last one.</summary>
    public const long MinPartSize = 5L * 1024 * 1024;

    /// <summary>S3's largest CopyObject source (and largest part).</summary>
    public const long MaxSingleCopySize = 5L * 1024 * 1024 * 1024;

    /// <summary>S3's limit on parts per multipart upload.</summary>
    public const int MaxParts = 10_000;

    /// <summary>Objects larger than this (or of unknown length) are written with multipart upload.</summary>
    public long MultipartThreshold { get; init; } = 16L * 1024 * 1024;

    /// <summary>Part size for multipart writes (raised automatically to stay within 10,000 parts).</summary>
    public long PartSize { get; init; } = 8L * 1024 * 1024;

    /// <summary>Parts uploaded or copied at once per object; memory for writes is at most this × <see cref="PartSize"/>.</summary>
    public int PartConcurrency { get; init; } = 4;

    /// <summary>Objects larger than this are copied server-side with UploadPartCopy; at most 5 GiB.</summary>
    public long CopyThreshold { get; init; } = MaxSingleCopySize;

    /// <summary>Part size for multipart server-side copies.</summary>
    public long CopyPartSize { get; init; } = 256L * 1024 * 1024;

    /// <summary>
    /// Whole-object reads up to this size whose ETag is an MD5 are read into memory and verified
    /// (length and MD5) before the caller sees a byte, and re-read when corrupted or cut.
    /// </summary>
    public int VerifiedReadBufferSize { get; init; } = 1024 * 1024;

    /// <summary>
    /// Writes (PutObject, UploadPart) with a body larger than this ask the server first
    /// ("Expect: 100-continue"), so a refused request costs a round trip rather than the body.
    /// Smaller bodies are sent straight away: waiting for the interim answer would cost more than
    /// sending them (the AWS CLI and the Go SDK draw the line at 1 and 2 MB).
    /// </summary>
    public long ExpectContinueThreshold { get; init; } = 2L * 1024 * 1024;

    /// <summary>Per-request HTTP timeout for requests that move data (reads, writes, copies, completing uploads).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Timeout for requests that move no object data (stat, list, delete, start/abort multipart); retried like any timeout.</summary>
    public TimeSpan QuickRequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Waits between retries; null = <see cref="Task.Delay(TimeSpan, CancellationToken)"/>. Tests pass a no-op.</summary>
    public Func<TimeSpan, CancellationToken, Task>? RetryDelay { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when a value breaks an S3 limit.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MultipartThreshold);
        ArgumentOutOfRangeException.ThrowIfLessThan(PartSize, MinPartSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(PartSize, MaxSingleCopySize);
        ArgumentOutOfRangeException.ThrowIfLessThan(PartConcurrency, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(CopyThreshold);
        ArgumentOutOfRangeException.ThrowIfNegative(VerifiedReadBufferSize);
        ArgumentOutOfRangeException.ThrowIfNegative(ExpectContinueThreshold);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(QuickRequestTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(CopyThreshold, MaxSingleCopySize);
        ArgumentOutOfRangeException.ThrowIfLessThan(CopyPartSize, MinPartSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(CopyPartSize, MaxSingleCopySize);
    }

    /// <summary>The part size for an object of <paramref name="length"/> bytes: at least <paramref name="preferred"/>, at most 10,000 parts.</summary>
    internal static long PartSizeFor(long length, long preferred) =>
        Math.Max(preferred, (length + MaxParts - 1) / MaxParts);
}
