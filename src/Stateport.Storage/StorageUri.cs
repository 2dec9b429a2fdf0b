namespace Stateport.Storage;

/// <summary>
/// A location: an S3 object or prefix (<c>s3://</c>, <c>s3a://</c>, <c>s3p://</c>; the scheme is kept
/// because Flink stores it in <c>_metadata</c>), or a local file (<c>file:/x</c>, <c>file:///x</c>, or
/// a plain path). Immutable; equality is by scheme, bucket and key.
/// </summary>
public sealed record StorageUri
{
    private StorageUri(string scheme, string bucket, string key)
    {
        Scheme = scheme;
        Bucket = bucket;
        Key = key;
    }

    private static readonly System.Buffers.SearchValues<char> SchemeChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");

    /// <summary>"s3", "s3a", "s3p" or "file".</summary>
    public string Scheme { get; }

    /// <summary>S3 bucket; empty for local files.</summary>
    public string Bucket { get; }

    /// <summary>S3 object key (no leading slash), or the absolute local path.</summary>
    public string Key { get; }

    public bool IsS3 => Scheme != "file";
    public bool IsLocal => Scheme == "file";

    /// <summary>The local path; only for local URIs.</summary>
    public string LocalPath => IsLocal ? Key : throw new InvalidOperationException($"{this} is not a local path");

    public static bool IsS3Scheme(string scheme) =>
        scheme.Equals("s3", StringComparison.OrdinalIgnoreCase) ||
        scheme.Equals("s3a", StringComparison.OrdinalIgnoreCase) ||
        scheme.Equals("s3n", StringComparison.OrdinalIgnoreCase) ||
        scheme.Equals("s3p", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parse a URI or plain path. Throws <see cref="FormatException"/> with a one-line message.</summary>
    public static StorageUri Parse(string text)
    {
        if (TryParse(text, out var uri, out var error))
        {
            return uri;
        }
        throw new FormatException(error);
    }

    public static bool TryParse(string text, out StorageUri uri, out string error)
    {
        uri = null!;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty location";
            return false;
        }
        var schemeEnd = text.IndexOf(':');
        // A one-letter "scheme" is a Windows drive letter, not a URI.
        if (schemeEnd > 1 && text.AsSpan(0, schemeEnd).IndexOfAnyExcept(SchemeChars) < 0)
        {
            var scheme = text[..schemeEnd].ToLowerInvariant();
            var rest = text[(schemeEnd + 1)..];
            if (IsS3Scheme(scheme))
            {
                if (!rest.StartsWith("//", StringComparison.Ordinal))
                {
                    error = $"'{text}': an S3 location needs the form {scheme}://bucket/key";
                    return false;
                }
                rest = rest[2..];
                var slash = rest.IndexOf('/');
                var bucket = slash < 0 ? rest : rest[..slash];
                var key = slash < 0 ? "" : rest[(slash + 1)..];
                if (bucket.Length == 0)
                {
                    error = $"'{text}': no bucket name";
                    return false;
                }
                uri = new StorageUri(scheme, bucket, key);
                return true;
            }
            if (scheme == "file")
            {
                // Flink writes file:/x (no authority); users write file:///x. file://host/x is refused.
                string path;
                if (rest.StartsWith("///", StringComparison.Ordinal))
                {
                    path = rest[2..];
                }
                else if (rest.StartsWith("//", StringComparison.Ordinal))
                {
                    var afterHost = rest.IndexOf('/', 2);
                    var host = afterHost < 0 ? rest[2..] : rest[2..afterHost];
                    if (host.Length > 0 && !host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
                    {
                        error = $"'{text}': file URIs with a host are not supported";
                        return false;
                    }
                    path = afterHost < 0 ? "/" : rest[afterHost..];
                }
                else
                {
                    path = rest;
                }
                if (!path.StartsWith('/'))
                {
                    path = Path.GetFullPath(path);
                }
                uri = new StorageUri("file", "", path);
                return true;
            }
            error = $"'{text}': unsupported scheme '{scheme}:' (use s3://, s3a://, s3p://, file: or a local path)";
            return false;
        }
        uri = new StorageUri("file", "", Path.GetFullPath(text));
        return true;
    }

    /// <summary>Build an S3 URI.</summary>
    public static StorageUri S3(string bucket, string key, string scheme = "s3") => new(scheme, bucket, key.TrimStart('/'));

    /// <summary>Build a local URI from a path.</summary>
    public static StorageUri Local(string path) => new("file", "", Path.GetFullPath(path));

    /// <summary>This location with a relative path appended ("a/b" + "c" = "a/b/c").</summary>
    public StorageUri Append(string relative)
    {
        relative = relative.TrimStart('/');
        if (relative.Length == 0)
        {
            return this;
        }
        var key = Key.Length == 0 ? relative : Key.EndsWith('/') ? Key + relative : Key + "/" + relative;
        return new StorageUri(Scheme, Bucket, key);
    }

    /// <summary>The same location seen as a directory: key ends with '/' (empty key stays empty).</summary>
    public StorageUri AsDirectory() => Key.Length == 0 || Key.EndsWith('/') ? this : new StorageUri(Scheme, Bucket, Key + "/");

    /// <summary>The parent directory (with trailing '/').</summary>
    public StorageUri Parent()
    {
        var trimmed = Key.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        return new StorageUri(Scheme, Bucket, slash < 0 ? "" : trimmed[..(slash + 1)]);
    }

    /// <summary>The last path segment.</summary>
    public string Name
    {
        get
        {
            var trimmed = Key.TrimEnd('/');
            var slash = trimmed.LastIndexOf('/');
            return slash < 0 ? trimmed : trimmed[(slash + 1)..];
        }
    }

    /// <summary>
    /// When this is inside <paramref name="directory"/> (same scheme family, bucket, and key prefix at
    /// a '/' boundary), the relative path; otherwise null.
    /// </summary>
    public string? RelativeTo(StorageUri directory)
    {
        if (IsS3 != directory.IsS3 || Bucket != directory.Bucket)
        {
            return null;
        }
        var dir = directory.AsDirectory().Key;
        if (dir.Length == 0)
        {
            return Key;
        }
        return Key.StartsWith(dir, StringComparison.Ordinal) ? Key[dir.Length..] : null;
    }

    /// <summary>Flink's spelling: s3://bucket/key, file:/path.</summary>
    public override string ToString() => IsLocal ? "file:" + Key : $"{Scheme}://{Bucket}/{Key}";

    /// <summary>For display: local paths without the scheme.</summary>
    public string ToDisplayString() => IsLocal ? Key : ToString();
}
