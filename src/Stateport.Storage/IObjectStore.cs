namespace Stateport.Storage;

/// <summary>
/// One storage backend (local files, or one S3 endpoint with one credential set) behind the small
/// set of operations Stateport needs. Operations are written once above it (rclone's model).
/// All URIs passed in must belong to this store (<see cref="Handles"/>).
/// </summary>
public interface IObjectStore : IAsyncDisposable
{
    /// <summary>What this backend can do, e.g. server-side copy.</summary>
    StoreCapabilities Capabilities { get; }

    /// <summary>
    /// Identity of endpoint + credentials. Two stores with equal identity can copy server-side
    /// between each other. Never contains secrets.
    /// </summary>
    string Identity { get; }

    /// <summary>Human description for output, e.g. "s3 http://127.0.0.1:7480 (path-style, keys from --src-access-key)". No secrets.</summary>
    string Describe();

    /// <summary>True when <paramref name="uri"/> is addressed by this store.</summary>
    bool Handles(StorageUri uri);

    /// <summary>Size and ETag of one object, or null when it does not exist.</summary>
    Task<ObjectInfo?> StatAsync(StorageUri uri, CancellationToken cancellationToken);

    /// <summary>All objects whose key starts with <paramref name="prefix"/> (recursive, every page).</summary>
    IAsyncEnumerable<ObjectInfo> ListAsync(StorageUri prefix, CancellationToken cancellationToken);

    /// <summary>Read <paramref name="length"/> bytes from <paramref name="offset"/> (length -1 = to the end).</summary>
    Task<Stream> OpenReadAsync(StorageUri uri, long offset, long length, CancellationToken cancellationToken);

    /// <summary>
    /// Write an object from a stream with bounded memory (multipart above the store's threshold) and
    /// no temporary files. The object becomes visible only when complete.
    /// <paramref name="length"/> is the exact number of bytes the stream yields (-1 if unknown).
    /// </summary>
    Task<ObjectInfo> WriteAsync(StorageUri uri, Stream content, long length, CancellationToken cancellationToken);

    /// <summary>
    /// Server-side copy inside this store (S3 CopyObject / UploadPartCopy in parallel parts above
    /// the multipart threshold; local: file copy). The source's size is known from <paramref name="source"/>.
    /// </summary>
    Task<ObjectInfo> CopyAsync(ObjectInfo source, StorageUri destination, CancellationToken cancellationToken);

    /// <summary>Delete one object; deleting a missing object is not an error.</summary>
    Task DeleteAsync(StorageUri uri, CancellationToken cancellationToken);

    /// <summary>
    /// Remove what interrupted writes under <paramref name="prefix"/> left behind (local temporary files,
    /// S3 incomplete multipart uploads). Only safe while no other writer works there (the caller holds the
    /// destination lock). Returns how many leftovers were removed.
    /// </summary>
    Task<int> CleanupInterruptedWritesAsync(StorageUri prefix, CancellationToken cancellationToken) => Task.FromResult(0);
}

/// <summary>Optional capabilities of a backend.</summary>
public sealed record StoreCapabilities(
    bool ServerSideCopy,
    long MultipartThreshold,
    long PartSize);

/// <summary>One object: where it is, its size, and its ETag when the backend has one.</summary>
public sealed record ObjectInfo(StorageUri Uri, long Length, string? ETag, DateTimeOffset? LastModified = null);

/// <summary>
/// A read stream that checks its own content (e.g. an S3 whole-object read against a plain-MD5 ETag) and
/// fails a read rather than deliver corrupted bytes: callers need not hash it again.
/// </summary>
public interface ISelfVerifyingStream
{
    /// <summary>True when this stream verifies the whole body's checksum.</summary>
    bool VerifiesContent { get; }
}
