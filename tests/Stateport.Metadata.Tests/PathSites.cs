using Stateport.Metadata.Model;
using Stateport.Metadata.Paths;

namespace Stateport.Metadata.Tests;

/// <summary>One visited path site, decoded.</summary>
internal sealed record VisitedSite(PathField Field, string Value, bool IsAbsolute, int OperatorIndex, int SubtaskIndex, bool InChangelog, byte HandleCode);

/// <summary>Collects every path site the walker shows, in walk order, without changing anything.</summary>
internal static class PathSites
{
    public static List<VisitedSite> Collect(CheckpointMetadata metadata)
    {
        var visitor = new Collector();
        PathWalker.Walk(metadata, ref visitor);
        return visitor.Sites;
    }

    private struct Collector() : IPathVisitor
    {
        public readonly List<VisitedSite> Sites = [];

        public readonly bool Visit(in PathSite site, out MutfString replacement)
        {
            replacement = default;
            Sites.Add(new VisitedSite(site.Field, site.Value.ToString(), site.IsAbsolute, site.OperatorIndex, site.SubtaskIndex, site.InChangelog, site.Handle.TypeCode));
            return false;
        }
    }
}
