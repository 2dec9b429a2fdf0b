namespace Stateport.Metadata.Paths;

/// <summary>One FROM=TO rule.</summary>
public sealed record PrefixRule(string From, string To)
{
    /// <summary>Parse "FROM=TO" (the first '=' that is followed by a scheme or '/' splits; URIs rarely contain '=').</summary>
    public static PrefixRule Parse(string text)
    {
        var eq = text.IndexOf('=');
        if (eq <= 0 || eq == text.Length - 1)
        {
            throw new FormatException($"--map '{text}': expected FROM=TO, e.g. s3://old-bucket/checkpoints=s3://new-bucket/checkpoints");
        }
        return new PrefixRule(text[..eq].Trim(), text[(eq + 1)..].Trim());
    }
}

/// <summary>
/// Prefix rules applied to absolute paths; the longest matching FROM wins. Matching is on normalised
/// Flink paths (file:/x = file:///x, trailing slashes ignored) at '/' boundaries; scheme changes
/// (s3a:// → s3://) are just rules. The replacement keeps the path's remainder as written.
/// </summary>
public class PrefixMap
{
    private readonly (string From, string To, PrefixRule Rule)[] _rules;

    public PrefixMap(IEnumerable<PrefixRule> rules)
    {
        _rules = rules
            .Select(r => (From: FlinkPath.Normalize(r.From), To: ToFlinkForm(r.To), Rule: r))
            .OrderByDescending(r => r.From.Length)
            .ToArray();
        Rules = _rules.Select(r => r.Rule).ToArray();
    }

    public IReadOnlyList<PrefixRule> Rules { get; }

    public virtual bool IsEmpty => _rules.Length == 0;

    /// <summary>The mapped path, or null when no rule covers <paramref name="path"/>.</summary>
    public virtual string? Map(string path)
    {
        if (_rules.Length == 0)
        {
            return null;
        }
        var normalized = FlinkPath.Normalize(path);
        foreach (var (from, to, _) in _rules)
        {
            if (normalized == from)
            {
                return to;
            }
            if (normalized.Length > from.Length && normalized[from.Length] == '/' && normalized.StartsWith(from, StringComparison.Ordinal))
            {
                return to + normalized[from.Length..];
            }
            if (from.EndsWith('/') && normalized.StartsWith(from, StringComparison.Ordinal))
            {
                // "file:/" style roots.
                return to + "/" + normalized[from.Length..];
            }
        }
        return null;
    }

    /// <summary>Flink writes local paths as file:/x; keep other schemes as the user wrote them, minus a trailing slash.</summary>
    private static string ToFlinkForm(string to)
    {
        var normalized = FlinkPath.Normalize(to);
        return normalized.StartsWith("file:", StringComparison.Ordinal) ? normalized : to.TrimEnd('/');
    }
}
