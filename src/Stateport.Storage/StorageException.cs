namespace Stateport.Storage;

/// <summary>What kind of storage failure happened; the CLI maps all of them to exit code 3.</summary>
public enum StorageErrorKind
{
    /// <summary>Anything else the backend reported.</summary>
    Other,
    /// <summary>Object or file not found where one was required.</summary>
    NotFound,
    /// <summary>Bucket does not exist.</summary>
    NoSuchBucket,
    /// <summary>Credentials rejected or missing (403 InvalidAccessKeyId, SignatureDoesNotMatch, AccessDenied).</summary>
    Credentials,
    /// <summary>DNS, TCP, TLS, timeouts, resets after retries were exhausted.</summary>
    Network,
    /// <summary>Data read back did not match what was expected (length, checksum).</summary>
    Integrity,
    /// <summary>A destination path would leave the allowed root.</summary>
    PathEscape,
}

/// <summary>
/// An expected storage failure: one line for the user, naming the URI and the S3 error code.
/// Messages never contain secrets.
/// </summary>
public sealed class StorageException : IOException
{
    public StorageException(StorageErrorKind kind, string uri, string message, string? errorCode = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Uri = uri;
        ErrorCode = errorCode;
    }

    public StorageErrorKind Kind { get; }

    /// <summary>The URI the failure is about.</summary>
    public string Uri { get; }

    /// <summary>The S3 error code (e.g. "NoSuchBucket", "SlowDown") when there is one.</summary>
    public string? ErrorCode { get; }
}
