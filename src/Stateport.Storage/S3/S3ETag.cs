namespace Stateport.Storage.S3;

/// <summary>ETag normalisation: Ceph RGW returns some ETags (copy responses) without the quotes S3 uses.</summary>
internal static class S3ETag
{
    /// <summary>The ETag without surrounding quotes, or null when empty.</summary>
    public static string? Normalize(string? etag)
    {
        var trimmed = etag?.Trim().Trim('"');
        return string.IsNullOrEmpty(trimmed) ? null : trimmed;
    }
}
