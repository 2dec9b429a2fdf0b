using Stateport.Metadata.Model;

namespace Stateport.Metadata.Paths;

/// <summary>One rewritten field.</summary>
public sealed record PathChange(PathField Field, string Before, string After, int OperatorIndex, int SubtaskIndex);

/// <summary>What a rewrite did and what it could not do.</summary>
public sealed class RewriteResult
{
    public List<PathChange> Changes { get; } = [];

    /// <summary>Absolute paths that no rule covered (distinct, in file order).</summary>
    public List<string> Unmapped { get; } = [];

    /// <summary>Paths whose new form would not fit writeUTF's 65,535 bytes.</summary>
    public List<string> TooLong { get; } = [];
}

/// <summary>Thrown when a rewrite cannot be done: the message is one line for the user.</summary>
public sealed class PathRewriteException(string message) : Exception(message);

/// <summary>
/// Applies a <see cref="PrefixMap"/> to every absolute path of a model (handle types 2, 15 and the
/// directories of 17). Relative handles (6) and inline handle names (1) are left alone: relative paths
/// move with the directory, and inline names are identity keys Flink never dereferences.
/// </summary>
public static class PathRewriter
{
    public static RewriteResult Rewrite(CheckpointMetadata metadata, PrefixMap map)
    {
        var visitor = new RewriteVisitor(map);
        PathWalker.Walk(metadata, ref visitor);
        if (visitor.Result.TooLong.Count > 0)
        {
            throw new PathRewriteException($"rewritten path would exceed 65,535 encoded bytes, which Flink cannot store: {Shorten(visitor.Result.TooLong[0])}");
        }
        return visitor.Result;
    }

    private static string Shorten(string s) => s.Length <= 120 ? s : string.Concat(s.AsSpan(0, 117), "...");

    private struct RewriteVisitor(PrefixMap map) : IPathVisitor
    {
        public readonly RewriteResult Result = new();
        private readonly HashSet<string> _unmapped = new(StringComparer.Ordinal);

        public readonly bool Visit(in PathSite site, out MutfString replacement)
        {
            replacement = default;
            if (!site.IsAbsolute)
            {
                return false;
            }
            var before = site.Value.ToString();
            var after = map.Map(before);
            if (after is null)
            {
                if (_unmapped.Add(before))
                {
                    Result.Unmapped.Add(before);
                }
                return false;
            }
            if (after == before)
            {
                return false;
            }
            var encoded = ModifiedUtf8.Encode(after.Length > MutfString.MaxEncodedLength ? after[..(MutfString.MaxEncodedLength + 1)] : after, allowOverLength: true);
            if (encoded.Length > MutfString.MaxEncodedLength)
            {
                Result.TooLong.Add(after);
                return false;
            }
            replacement = new MutfString(encoded);
            Result.Changes.Add(new PathChange(site.Field, before, after, site.OperatorIndex, site.SubtaskIndex));
            return true;
        }
    }
}
