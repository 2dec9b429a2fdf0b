using System.Text.RegularExpressions;

namespace Stateport.Storage.FlinkConfig;

/// <summary>Which keys hold secrets, and how their values are shown.</summary>
public static partial class FlinkSecrets
{
    // Flink's own sensitive-key list (GlobalConfiguration), plus access keys which the tool also hides.
    private static readonly string[] SensitiveFragments =
    [
        "password", "secret", "token", "apikey", "api-key", "auth-params", "service-key",
        "basic-auth", "jaas.config", "http-headers", "fs.azure.account.key",
    ];

    public static bool IsSecretKey(string key)
    {
        var lower = key.ToLowerInvariant();
        return SensitiveFragments.Any(lower.Contains) || AccessKeyPattern().IsMatch(lower);
    }

    /// <summary>A value for display: redacted when the key is secret.</summary>
    public static string Display(string key, string? value)
    {
        if (value is null)
        {
            return "(null)";
        }
        return IsSecretKey(key) ? Redact(value) : value;
    }

    /// <summary>
    /// Redacts a secret. Long values keep their first 4 and last 2 characters (as
    /// <see cref="S3Credentials.Redact"/>) so an operator can tell which key is in use; the length is
    /// shown because truncation at '#' is a common cause of SignatureDoesNotMatch.
    /// </summary>
    public static string Redact(string value) => $"{S3Credentials.Redact(value)} ({value.Length} chars)";

    /// <summary>Hides user-info in a URI ("s3p://key:secret@bucket/x" → "s3p://***@bucket/x").</summary>
    public static string RedactUserInfo(string uri)
    {
        var schemeEnd = uri.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return uri;
        }
        var authorityStart = schemeEnd + 3;
        var slash = uri.IndexOf('/', authorityStart);
        var authorityEnd = slash < 0 ? uri.Length : slash;
        var at = uri.LastIndexOf('@', authorityEnd - 1, authorityEnd - authorityStart);
        return at < 0 ? uri : string.Concat(uri.AsSpan(0, authorityStart), "***", uri.AsSpan(at));
    }

    [GeneratedRegex("access.*key")]
    private static partial Regex AccessKeyPattern();
}
