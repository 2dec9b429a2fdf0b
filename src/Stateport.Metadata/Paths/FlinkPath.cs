namespace Stateport.Metadata.Paths;

/// <summary>
/// String-level rules for Flink path strings (Path.toString()): the forms Flink writes and users type
/// differ (<c>file:/x</c> vs <c>file:///x</c>, trailing slashes), so comparisons normalise first.
/// </summary>
public static class FlinkPath
{
    /// <summary>
    /// Canonical form for matching: lower-case scheme; <c>file:///x</c>, <c>file://localhost/x</c> and a bare
    /// absolute <c>/x</c> become <c>file:/x</c>; repeated slashes in the path collapse; no trailing slash.
    /// </summary>
    public static string Normalize(string path)
    {
        var text = path.Trim();
        string scheme;
        string rest;
        var colon = text.IndexOf(':');
        if (colon > 1 && !text.AsSpan(0, colon).Contains('/'))
        {
            scheme = text[..colon].ToLowerInvariant();
            rest = text[(colon + 1)..];
        }
        else
        {
            scheme = "file";
            rest = text;
        }
        string authority = "";
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            var slash = rest.IndexOf('/', 2);
            authority = slash < 0 ? rest[2..] : rest[2..slash];
            rest = slash < 0 ? "" : rest[slash..];
        }
        if (scheme == "file" && authority.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            authority = "";
        }
        rest = CollapseSlashes(rest).TrimEnd('/');
        return authority.Length == 0 && scheme == "file"
            ? "file:" + (rest.Length == 0 ? "/" : rest)
            : $"{scheme}://{authority}{rest}";
    }

    private static string CollapseSlashes(string path)
    {
        if (!path.Contains("//", StringComparison.Ordinal))
        {
            return path;
        }
        var chars = new System.Text.StringBuilder(path.Length);
        foreach (var c in path)
        {
            if (c != '/' || chars.Length == 0 || chars[^1] != '/')
            {
                chars.Append(c);
            }
        }
        return chars.ToString();
    }

    /// <summary>The S3 family (s3, s3a, s3n, s3p) addresses the same objects; compare it as one scheme.</summary>
    public static string SchemeFamily(string normalized)
    {
        foreach (var s in (ReadOnlySpan<string>)["s3a://", "s3n://", "s3p://"])
        {
            if (normalized.StartsWith(s, StringComparison.Ordinal))
            {
                return "s3://" + normalized[s.Length..];
            }
        }
        return normalized;
    }

    /// <summary>
    /// When <paramref name="path"/> lies under <paramref name="directory"/> (both normalised, S3 schemes
    /// compared as one family, at a '/' boundary), the relative remainder ("" when equal); else null.
    /// </summary>
    public static string? RelativeTo(string path, string directory)
    {
        var p = SchemeFamily(Normalize(path));
        var d = SchemeFamily(Normalize(directory));
        if (p == d)
        {
            return "";
        }
        var prefix = d.EndsWith('/') ? d : d + "/";
        return p.StartsWith(prefix, StringComparison.Ordinal) ? p[prefix.Length..] : null;
    }

    /// <summary>Join a directory and a relative path with exactly one '/'.</summary>
    public static string Combine(string directory, string relative) =>
        relative.Length == 0 ? directory.TrimEnd('/') : directory.TrimEnd('/') + "/" + relative.TrimStart('/');

    /// <summary>True when a relative path would leave its directory ("..", absolute, a scheme, backslashes, NUL).</summary>
    public static bool IsUnsafeRelative(string relative)
    {
        if (relative.Length == 0 || relative.StartsWith('/') || relative.Contains('\\') || relative.Contains('\0') || relative.Contains(':'))
        {
            return true;
        }
        foreach (var segment in relative.Split('/'))
        {
            if (segment is ".." or "." or "")
            {
                return true;
            }
        }
        return false;
    }
}
