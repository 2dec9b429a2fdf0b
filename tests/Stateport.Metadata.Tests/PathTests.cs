using System.Text;
using Stateport.Metadata.Model;
using Stateport.Metadata.Paths;
using Stateport.Metadata.Wire;
using Stateport.Tests.Shared;

namespace Stateport.Metadata.Tests;

/// <summary>PathWalker and PathRewriter on hand-built files with a path in every path-bearing field.</summary>
public sealed class PathTests
{
    private const string S3 = "s3://old-bucket/flink/cafebabecafebabecafebabecafebabe";
    private const string Local = "file:/var/flink/checkpoints/cafebabecafebabecafebabecafebabe";

    public static IEnumerable<object[]> Cases => SyntheticSnapshots.Cases();

    /// <summary>The field each tag (start of a path's last segment) stands for; see SyntheticSnapshots.</summary>
    private static readonly (string Tag, PathField Field, byte Code)[] Tags =
    [
        ("abs-", PathField.AbsoluteFile, TypeCodes.FileStreamStateHandle),
        ("seg-", PathField.SegmentFile, TypeCodes.SegmentFileHandle),
        ("tmdir-", PathField.TaskOwnedDirectory, TypeCodes.SegmentPartitionableOperatorStateHandle),
        ("shdir-", PathField.SharedDirectory, TypeCodes.SegmentPartitionableOperatorStateHandle),
        ("rel-", PathField.RelativeFile, TypeCodes.RelativeStreamStateHandle),
        ("inl-", PathField.InlineName, TypeCodes.ByteStreamStateHandle),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Walker_visits_every_path_field_with_the_right_kind(SyntheticCase c)
    {
        var model = SyntheticSnapshots.Create(c);
        var bytes = MetadataWriter.ToArray(model);
        var sites = PathSites.Collect(model);
        foreach (var site in sites)
        {
            var last = site.Value[(site.Value.LastIndexOf('/') + 1)..];
            var tag = Tags.SingleOrDefault(t => last.StartsWith(t.Tag, StringComparison.Ordinal));
            if (tag.Tag is null)
            {
                Assert.Equal(PathField.InlineName, site.Field); // coordinator state names are operator ids
                continue;
            }
            Assert.Equal(tag.Field, site.Field);
            Assert.Equal(tag.Code, site.HandleCode);
            Assert.Equal(site.Field is PathField.AbsoluteFile or PathField.SegmentFile or PathField.TaskOwnedDirectory or PathField.SharedDirectory, site.IsAbsolute);
            Assert.Equal(last.StartsWith("abs-dstl", StringComparison.Ordinal) || (last.StartsWith("rel-dstl", StringComparison.Ordinal)), site.InChangelog);
        }
        // Every tagged file string in the bytes was visited (nothing nested is missed).
        foreach (var (tag, field, _) in Tags.Where(t => t.Field is not (PathField.TaskOwnedDirectory or PathField.SharedDirectory)))
        {
            Assert.Equal(Occurrences(bytes, tag), sites.Count(s => s.Field == field && s.Value[(s.Value.LastIndexOf('/') + 1)..].StartsWith(tag, StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void Walker_sees_each_field_kind_in_every_nesting()
    {
        var sites = PathSites.Collect(SyntheticSnapshots.Create(SyntheticCase.V6AbsolutePathsEverywhere));
        Assert.Equal(
            [
                "abs-opstate-0", "abs-rawop-0", "abs-kg12-0", "abs-kg7-0", "rel-opstate-1", "inl-kg12-1",
                "abs-meta", "abs-sst-11", "abs-sst-12", "abs-nested-13", "abs-manifest", "rel-options", "inl-current", "abs-in", "abs-out-merged", "abs-out",
                "rel-meta-99", "abs-sst-20", "abs-dstl-1", "abs-dstl-2",
                "tmdir-tm-1", "shdir-op-4-0-1", "seg-a", "seg-a", "seg-b",
            ],
            sites.Select(s => s.Value[(s.Value.LastIndexOf('/') + 1)..]));
        Assert.Equal([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3], sites.Select(s => s.OperatorIndex));
        Assert.Equal([0, 0, 0, 0, 1, 1], sites.Take(6).Select(s => s.SubtaskIndex));
        Assert.Equal(2, sites.Count(s => s.InChangelog));
        Assert.Contains(sites, s => s.Field == PathField.TaskOwnedDirectory && s.Value == $"{S3}/taskowned/tmdir-tm-1");
        Assert.Contains(sites, s => s.Field == PathField.SharedDirectory && s.Value == $"{Local}/shared/shdir-op-4-0-1");
    }

    [Fact]
    public void No_rules_changes_nothing_and_lists_every_absolute_path()
    {
        var model = SyntheticSnapshots.Create(SyntheticCase.V6AbsolutePathsEverywhere);
        var original = MetadataWriter.ToArray(model);
        var result = PathRewriter.Rewrite(model, new PrefixMap([]));
        Assert.Empty(result.Changes);
        var absolute = PathSites.Collect(model).Where(s => s.IsAbsolute).Select(s => s.Value).Distinct().ToList();
        Assert.Equal(absolute, result.Unmapped);
        Bytes.AssertIdentical(original, MetadataWriter.ToArray(model), "no rules");
    }

    [Fact]
    public void Longest_prefix_wins()
    {
        var model = SyntheticSnapshots.Create(SyntheticCase.V6AbsolutePathsEverywhere);
        var result = PathRewriter.Rewrite(model, Map(
            ("s3://old-bucket/flink", "s3://short"),
            ($"{S3}/shared", "s3://long/shared-moved"),
            ($"{S3}/shared/abs-sst-11", "s3://longest/one-file")));
        var after = Leafs(model);
        Assert.Equal("s3://longest/one-file", after["abs-sst-11"]);
        Assert.Equal("s3://long/shared-moved/abs-nested-13", after["abs-nested-13"]);
        Assert.Equal("s3://short/cafebabecafebabecafebabecafebabe/chk-100/abs-meta", after["abs-meta"]);
        Assert.Equal("s3://short/cafebabecafebabecafebabecafebabe/taskowned/tmdir-tm-1", after["tmdir-tm-1"]);
        Assert.Equal(PathSites.Collect(model).Count(s => s.IsAbsolute && s.Value.StartsWith("s3://", StringComparison.Ordinal) && !s.Value.StartsWith("s3://dstl-bucket", StringComparison.Ordinal)), result.Changes.Count);
    }

    [Theory]
    [InlineData("file:///var/flink/checkpoints", "s3://new/cp")]
    [InlineData("file:///var/flink/checkpoints/", "s3://new/cp/")]
    [InlineData("file:/var/flink/checkpoints/", "s3://new/cp")]
    [InlineData("file:/var/flink//checkpoints", "s3://new/cp/")]
    [InlineData("file://localhost/var/flink/checkpoints", "s3://new/cp")]
    [InlineData("/var/flink/checkpoints", "s3://new/cp")]
    public void File_uri_forms_and_trailing_slashes_are_normalised(string from, string to)
    {
        var model = SyntheticSnapshots.Create(SyntheticCase.V6AbsolutePathsEverywhere);
        PathRewriter.Rewrite(model, Map((from, to)));
        var after = Leafs(model);
        Assert.Equal("s3://new/cp/cafebabecafebabecafebabecafebabe/chk-100/abs-rawop-0", after["abs-rawop-0"]);
        Assert.Equal("s3://new/cp/cafebabecafebabecafebabecafebabe/shared/shdir-op-4-0-1", after["shdir-op-4-0-1"]);
        Assert.Equal("s3://new/cp/cafebabecafebabecafebabecafebabe/dstl/abs-dstl-2", after["abs-dstl-2"]);
    }

    [Fact]
    public void Target_in_file_uri_form_is_written_as_flink_writes_it()
    {
        var model = SyntheticSnapshots.Create(SyntheticCase.V6AbsolutePathsEverywhere);
        PathRewriter.Rewrite(model, Map(("s3://old-bucket/flink", "file:///mnt/restore/")));
        Assert.Equal("file:/mnt/restore/cafebabecafebabecafebabecafebabe/chk-100/abs-meta", Leafs(model)["abs-meta"]);
    }

    [Fact]
    public void A_root_rule_maps_everything_below_it()
    {
        var model = SyntheticSnapshots.Create(SyntheticCase.V6AbsolutePathsEverywhere);
        PathRewriter.Rewrite(model, Map(("file:///", "s3://root-bucket/local")));
        Assert.Equal("s3://root-bucket/local/var/flink/checkpoints/cafebabecafebabecafebabecafebabe/chk-100/abs-rawop-0", Leafs(model)["abs-rawop-0"]);
    }

    [Fact]
    public void Prefixes_match_only_at_segment_boundaries()
    {
        var map = Map(("s3://b/flink", "s3://c/x"));
        Assert.Null(map.Map("s3://b/flinkX/a"));
        Assert.Equal("s3://c/x/a", map.Map("s3://b/flink/a"));
        Assert.Equal("s3://c/x", map.Map("s3://b/flink"));
    }

    [Fact]
    public void Scheme_change_s3a_to_s3()
    {
        var model = SyntheticSnapshots.Create(SyntheticCase.V6AbsolutePathsEverywhere);
        var to3a = new ReplacePrefix("s3://old-bucket/", "s3a://old-bucket/");
        PathWalker.Walk(model, ref to3a);
        Assert.Contains(PathSites.Collect(model), s => s.Value.StartsWith("s3a://old-bucket/", StringComparison.Ordinal));

        var result = PathRewriter.Rewrite(model, Map(("s3a://old-bucket/", "s3://old-bucket/")));
        Assert.DoesNotContain(PathSites.Collect(model), s => s.IsAbsolute && s.Value.StartsWith("s3a:", StringComparison.Ordinal));
        Assert.Equal(to3a.Count - 1, result.Changes.Count); // the inline name that looks like a path is not rewritten back
        Assert.Equal($"{S3}/shared/abs-sst-11", Leafs(model)["abs-sst-11"]);
    }

    [Fact]
    public void Relative_and_inline_handles_are_untouched()
    {
        var model = SyntheticSnapshots.Create(SyntheticCase.V6AbsolutePathsEverywhere);
        var before = PathSites.Collect(model).Where(s => !s.IsAbsolute).ToList();
        Assert.Contains(before, s => s.Field == PathField.InlineName && s.Value.StartsWith(S3, StringComparison.Ordinal));
        PathRewriter.Rewrite(model, Map(("s3://old-bucket", "s3://new"), ("file:/var", "s3://new-local"), ("s3://dstl-bucket", "s3://new-dstl")));
        var after = PathSites.Collect(model);
        Assert.Equal(before, after.Where(s => !s.IsAbsolute));
        Assert.All(after.Where(s => s.IsAbsolute), s => Assert.StartsWith("s3://new", s.Value));
    }

    [Fact]
    public void Unmapped_absolute_paths_are_listed_once_in_file_order()
    {
        var model = SyntheticSnapshots.Create(SyntheticCase.V6AbsolutePathsEverywhere);
        var result = PathRewriter.Rewrite(model, Map(("s3://old-bucket", "s3://new")));
        Assert.Equal(
            [
                $"{Local}/chk-100/abs-rawop-0", $"{Local}/chk-100/abs-kg7-0", $"{Local}/shared/abs-sst-12", $"{Local}/chk-100/abs-out-merged",
                "s3://dstl-bucket/dstl/cafebabe/dstl/abs-dstl-1", $"{Local}/dstl/abs-dstl-2", $"{Local}/shared/shdir-op-4-0-1", $"{Local}/shared/shdir-op-4-0-1/seg-b",
            ],
            result.Unmapped);
    }

    [Fact]
    public void A_rewrite_past_65535_encoded_bytes_is_refused()
    {
        var model = SyntheticSnapshots.Create(SyntheticCase.V6AbsolutePathsEverywhere);
        var e = Assert.Throws<PathRewriteException>(() => PathRewriter.Rewrite(model, Map(("s3://old-bucket", "s3://b/" + new string('x', 65_500)))));
        Assert.Contains("65,535", e.Message);

        // The limit is in encoded bytes, not chars: 32,800 x 'é' is 65,600 bytes.
        Assert.Throws<PathRewriteException>(() => PathRewriter.Rewrite(SyntheticSnapshots.Create(SyntheticCase.V6AbsolutePathsEverywhere), Map(("file:/var", "s3://b/" + new string('é', 32_800)))));
    }

    [Fact]
    public void A_rewrite_of_exactly_65535_encoded_bytes_is_written_and_read_back()
    {
        var model = SyntheticSnapshots.Create(SyntheticCase.V6AbsolutePathsEverywhere);
        const string path = $"{S3}/shared/abs-sst-11";
        var target = "s3://b/" + new string('y', MutfString.MaxEncodedLength - "s3://b/".Length);
        PathRewriter.Rewrite(model, Map((path, target)));
        var reread = MetadataReader.Read(MetadataWriter.ToArray(model));
        Assert.Equal(target, Leafs(reread).Values.Single(v => v.Length == MutfString.MaxEncodedLength));
    }

    [Fact]
    public void Non_ascii_paths_are_rewritten_and_re_encoded()
    {
        var model = SyntheticSnapshots.Create(SyntheticCase.V6NonAsciiStrings);
        PathRewriter.Rewrite(model, Map(("s3://bücket/flink", "s3://naïve/ü")));
        var reread = MetadataReader.Read(MetadataWriter.ToArray(model));
        Assert.Contains(PathSites.Collect(reread), s => s.Value == "s3://naïve/ü/zoë/\U0001F600/abs-ünïcode");
    }

    [Fact]
    public void Output_differs_only_in_rewritten_strings()
    {
        var original = SyntheticSnapshots.Bytes(SyntheticCase.V6AbsolutePathsEverywhere);
        var model = MetadataReader.Read(original);
        var before = PathSites.Collect(model);
        (string From, string To)[] rules =
        [
            ("s3://old-bucket/flink", "s3://new-bucket/a/much/longer/prefix/than/before"),
            ("file:/var/flink/checkpoints", "s3://n"),
            ("s3://dstl-bucket/dstl", "hdfs://namenode:8020/dstl"),
        ];
        var result = PathRewriter.Rewrite(model, Map(rules));
        Assert.Empty(result.Unmapped);
        var rewritten = MetadataWriter.ToArray(model);
        Assert.NotEqual(original.Length, rewritten.Length);

        // Pairwise: same sites in the same order; absolute ones mapped, the rest unchanged.
        var reread = MetadataReader.Read(rewritten);
        var after = PathSites.Collect(reread);
        Assert.Equal(before.Count, after.Count);
        foreach (var (b, a) in before.Zip(after))
        {
            Assert.Equal(b with { Value = a.Value }, a);
            var rule = rules.FirstOrDefault(r => b.IsAbsolute && b.Value.StartsWith(r.From + "/", StringComparison.Ordinal));
            Assert.Equal(rule.From is null ? b.Value : rule.To + b.Value[rule.From.Length..], a.Value);
        }
        Assert.Equal(result.Changes.Count, before.Count(s => s.IsAbsolute));

        // Every non-path byte is unchanged: the reverse rewrite gives back the original bytes exactly.
        var back = PathRewriter.Rewrite(reread, Map(rules.Select(r => (r.To, r.From)).ToArray()));
        Assert.Empty(back.Unmapped);
        Bytes.AssertIdentical(original, MetadataWriter.ToArray(reread), "rewrite then reverse rewrite");
    }

    private static PrefixMap Map(params (string From, string To)[] rules) => new(rules.Select(r => new PrefixRule(r.From, r.To)));

    /// <summary>Path values by their (unique) tagged last segment as it was before any rewrite.</summary>
    private static Dictionary<string, string> Leafs(CheckpointMetadata model)
    {
        var sites = PathSites.Collect(model);
        var tags = PathSites.Collect(SyntheticSnapshots.Create(model.Operators.Count == 4 ? SyntheticCase.V6AbsolutePathsEverywhere : SyntheticCase.V6NonAsciiStrings));
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (site, original) in sites.Zip(tags))
        {
            map.TryAdd(original.Value[(original.Value.LastIndexOf('/') + 1)..], site.Value);
        }
        return map;
    }

    private static int Occurrences(byte[] haystack, string needle)
    {
        var pattern = Encoding.ASCII.GetBytes(needle);
        var count = 0;
        for (var span = haystack.AsSpan(); ;)
        {
            var at = span.IndexOf(pattern);
            if (at < 0)
            {
                return count;
            }
            count++;
            span = span[(at + pattern.Length)..];
        }
    }

    /// <summary>A test-only rewrite (independent of PrefixMap) to produce s3a:// inputs.</summary>
    private struct ReplacePrefix(string from, string to) : IPathVisitor
    {
        public int Count;

        public bool Visit(in PathSite site, out MutfString replacement)
        {
            var value = site.Value.ToString();
            if (value.StartsWith(from, StringComparison.Ordinal))
            {
                Count++;
                replacement = MutfString.FromString(to + value[from.Length..]);
                return true;
            }
            replacement = default;
            return false;
        }
    }
}
