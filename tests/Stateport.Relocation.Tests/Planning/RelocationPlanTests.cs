using Stateport.Metadata;
using Stateport.Metadata.Model;
using Stateport.Metadata.Paths;
using Stateport.Relocation.Planning;
using Stateport.Relocation.Snapshots;
using Stateport.Storage;

namespace Stateport.Relocation.Tests.Planning;

/// <summary>
/// The destination layout of <see cref="RelocationPlan"/>: inside → same relative path; job directory
/// (shared/) → &lt;dst&gt;/shared/; entropy segment dropped; external → &lt;dst&gt;/external/&lt;bucket&gt;/&lt;key&gt;;
/// --map placement; and crafted references refused.
/// </summary>
public sealed class RelocationPlanTests
{
    private const string Snapshot = "s3://src/flink/cp/job-1/chk-5";
    private const string Destination = "s3://dst/moved/chk-5";

    [Fact]
    public void Files_inside_the_snapshot_keep_their_relative_path()
    {
        var plan = Plan(Snapshot, [Relative("rel-1", 10), Absolute($"{Snapshot}/abs-inside", 20), Absolute($"{Snapshot}/sub/dir/abs-deep", 30)]);

        Assert.Equal(StorageUri.Parse(Destination + "/"), plan.Destination);
        Assert.Equal(StorageUri.Parse($"{Destination}/_metadata"), plan.DestinationMetadata);
        AssertTarget(plan, $"{Snapshot}/rel-1", $"{Destination}/rel-1", FilePlacement.InsideSnapshot);
        AssertTarget(plan, $"{Snapshot}/abs-inside", $"{Destination}/abs-inside", FilePlacement.InsideSnapshot);
        AssertTarget(plan, $"{Snapshot}/sub/dir/abs-deep", $"{Destination}/sub/dir/abs-deep", FilePlacement.InsideSnapshot);
        // Relative stays relative; absolute paths are rewritten to the new place.
        Assert.Equal(["rel-1", $"{Destination}/abs-inside", $"{Destination}/sub/dir/abs-deep"], PathsOf(plan.NewMetadata));
        Assert.Equal(60, plan.TotalBytes);
        Assert.Equal(3, plan.OwnedSourceFiles.Count());
        Assert.Empty(plan.SharedSourceFiles);
    }

    [Fact]
    public void Job_directory_files_go_to_the_same_relative_path_under_the_destination()
    {
        var plan = Plan(Snapshot, [Absolute("s3://src/flink/cp/job-1/shared/sst-1", 100), Absolute("s3://src/flink/cp/job-1/taskowned/t-1", 5)]);

        AssertTarget(plan, "s3://src/flink/cp/job-1/shared/sst-1", $"{Destination}/shared/sst-1", FilePlacement.JobDirectory);
        AssertTarget(plan, "s3://src/flink/cp/job-1/taskowned/t-1", $"{Destination}/taskowned/t-1", FilePlacement.JobDirectory);
        Assert.Equal([$"{Destination}/shared/sst-1", $"{Destination}/taskowned/t-1"], PathsOf(plan.NewMetadata));
        // --move keeps shared files unless --delete-shared.
        Assert.Empty(plan.OwnedSourceFiles);
        Assert.Equal(2, plan.SharedSourceFiles.Count());
    }

    [Fact]
    public void Entropy_injected_paths_lose_their_entropy_segment()
    {
        // s3.entropy.key: data files carry a random segment the metadata path does not.
        var plan = Plan(Snapshot, [Absolute("s3://src/a1b2/flink/cp/job-1/chk-5/data-1", 7), Absolute("s3://src/flink/c3d4/cp/job-1/shared/sst-2", 8)]);

        AssertTarget(plan, "s3://src/a1b2/flink/cp/job-1/chk-5/data-1", $"{Destination}/data-1", FilePlacement.EntropyInjected);
        AssertTarget(plan, "s3://src/flink/c3d4/cp/job-1/shared/sst-2", $"{Destination}/shared/sst-2", FilePlacement.EntropyInjected);
        Assert.Single(plan.OwnedSourceFiles);
    }

    [Fact]
    public void External_files_go_under_external_bucket_key_when_allowed()
    {
        var external = "s3://other-bucket/previous-job/shared/sst-9";
        var refused = Assert.Throws<RelocationException>(() => Plan(Snapshot, [Absolute(external, 9)]));
        Assert.Contains(external, refused.Message, StringComparison.Ordinal);
        Assert.Contains("--allow-external-references", refused.Message, StringComparison.Ordinal);

        var plan = Plan(Snapshot, [Absolute(external, 9), Absolute("s3://src/elsewhere/file", 3)], new RelocationOptions { AllowExternalReferences = true });
        AssertTarget(plan, external, $"{Destination}/external/other-bucket/previous-job/shared/sst-9", FilePlacement.External);
        // Same bucket but outside the job directory: external too.
        AssertTarget(plan, "s3://src/elsewhere/file", $"{Destination}/external/src/elsewhere/file", FilePlacement.External);
    }

    [Fact]
    public void Map_rules_place_absolute_files_and_rewrite_their_paths()
    {
        var options = new RelocationOptions { Map = [PrefixRule.Parse("s3://src/flink/cp/job-1/shared=s3://dst/common/shared")] };
        var plan = Plan(Snapshot, [Absolute("s3://src/flink/cp/job-1/shared/sst-1", 100), Relative("rel-1", 1)], options);

        AssertTarget(plan, "s3://src/flink/cp/job-1/shared/sst-1", "s3://dst/common/shared/sst-1", FilePlacement.JobDirectory);
        AssertTarget(plan, $"{Snapshot}/rel-1", $"{Destination}/rel-1", FilePlacement.InsideSnapshot);
        Assert.Equal(["s3://dst/common/shared/sst-1", "rel-1"], PathsOf(plan.NewMetadata));

        var offDestination = new RelocationOptions { Map = [PrefixRule.Parse("s3://src/flink/cp/job-1/shared=s3://third-bucket/shared")] };
        var e = Assert.Throws<RelocationException>(() => Plan(Snapshot, [Absolute("s3://src/flink/cp/job-1/shared/sst-1", 100)], offDestination));
        Assert.Contains("not on the destination", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Relative_path_with_dot_dot_is_refused()
    {
        var e = Assert.Throws<RelocationException>(() => Plan(Snapshot, [Relative("ok", 1), Relative("../../job-2/chk-9/stolen", 10)]));
        Assert.Contains("../../job-2/chk-9/stolen", e.Message, StringComparison.Ordinal);
        Assert.Contains("would leave", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Absolute_path_with_dot_dot_is_refused()
    {
        var e = Assert.Throws<RelocationException>(() => Plan(Snapshot, [Absolute($"{Snapshot}/../../../../escape", 10)]));
        Assert.Contains("'..'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Local_file_referenced_from_an_S3_snapshot_is_refused_even_with_allow_external()
    {
        foreach (var options in new[] { new RelocationOptions(), new RelocationOptions { AllowExternalReferences = true } })
        {
            var e = Assert.Throws<RelocationException>(() => Plan(Snapshot, [Absolute("file:/etc/passwd", 1000)], options));
            Assert.Contains("file:/etc/passwd", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Local_snapshot_may_not_reference_outside_its_checkpoint_root()
    {
        const string local = "file:/data/flink/cp/job-1/chk-5";
        var ok = Plan(local, [Absolute("file:/data/flink/cp/job-1/shared/sst-1", 10)], destination: "file:/backup/chk-5");
        AssertTarget(ok, "file:/data/flink/cp/job-1/shared/sst-1", "file:/backup/chk-5/shared/sst-1", FilePlacement.JobDirectory);

        var e = Assert.Throws<RelocationException>(() => Plan(local, [Absolute("file:/etc/passwd", 1000)], destination: "file:/backup/chk-5"));
        Assert.Contains("/etc/passwd", e.Message, StringComparison.Ordinal);
        var s3 = Assert.Throws<RelocationException>(() => Plan(local, [Absolute("s3://bucket/x", 1)], destination: "file:/backup/chk-5"));
        Assert.Contains("s3://bucket/x", s3.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hdfs://namenode:8020/flink/cp/job-1/shared/sst-1")]
    [InlineData("gs://bucket/flink/sst-1")]
    [InlineData("relative/without/scheme")]
    public void Unsupported_schemes_are_refused_with_the_path(string path)
    {
        var e = Assert.Throws<RelocationException>(() => Plan(Snapshot, [Absolute(path, 1)], new RelocationOptions { AllowExternalReferences = true }));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("cannot relocate", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_files_landing_on_the_same_destination_are_refused()
    {
        // chk-5/shared/x (inside) and job-1/shared/x (job directory) both map to <dst>/shared/x.
        var e = Assert.Throws<RelocationException>(() => Plan(Snapshot, [Relative("shared/x", 1), Absolute("s3://src/flink/cp/job-1/shared/x", 1)]));
        Assert.Contains("would land on", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_file_referenced_twice_is_planned_once_with_the_largest_size()
    {
        var plan = Plan(Snapshot, [Absolute("s3://src/flink/cp/job-1/shared/sst-1", 100), Absolute("s3://src/flink/cp/job-1/shared/sst-1", 100), Relative("r", 5)]);
        Assert.Equal(2, plan.Files.Count);
        Assert.Equal(2, plan.Files.Single(f => f.File.Placement == FilePlacement.JobDirectory).File.HandleCount);
    }

    [Fact]
    public void S3a_scheme_is_kept_in_rewritten_paths()
    {
        var plan = Plan("s3a://src/flink/cp/job-1/chk-5", [Absolute("s3a://src/flink/cp/job-1/shared/sst-1", 100)], destination: "s3a://dst/moved/chk-5");
        Assert.Equal(["s3a://dst/moved/chk-5/shared/sst-1"], PathsOf(plan.NewMetadata));
    }

    [Fact]
    public void Snapshot_with_nothing_to_rewrite_keeps_its_metadata_bytes()
    {
        var source = Load(Snapshot, [Relative("a", 1), Relative("b", 2)]);
        var plan = RelocationPlan.Create(source, StorageUri.Parse(Destination), new RelocationOptions());
        Assert.Equal(source.Bytes.ToArray(), plan.NewMetadata);
        Assert.Empty(plan.Rewrite.Changes);
    }

    // ------------------------------------------------------------------ helpers

    private static RelocationPlan Plan(string snapshot, IStreamStateHandle[] handles, RelocationOptions? options = null, string destination = Destination) =>
        RelocationPlan.Create(Load(snapshot, handles), StorageUri.Parse(destination), options ?? new RelocationOptions());

    private static void AssertTarget(RelocationPlan plan, string from, string to, FilePlacement placement)
    {
        var file = Assert.Single(plan.Files, f => f.File.Uri == StorageUri.Parse(from));
        Assert.Equal(StorageUri.Parse(to), file.Destination);
        Assert.Equal(placement, file.File.Placement);
    }

    private static RelativeFileStateHandle Relative(string path, long size) => new() { RelativePath = MutfString.FromString(path), StateSize = size };

    private static FileStateHandle Absolute(string path, long size) => new() { FilePath = MutfString.FromString(path), StateSize = size };

    /// <summary>A V3 snapshot at <paramref name="directory"/> whose subtask i's operator state is in handles[i].</summary>
    private static LoadedSnapshot Load(string directory, IStreamStateHandle[] handles)
    {
        var bytes = TestSnapshots.OperatorStateMetadata(handles, 5, new OperatorId(1, 2));
        var uri = StorageUri.Parse(directory).AsDirectory().Append(SnapshotLoader.MetadataFileName);
        return new LoadedSnapshot { MetadataUri = uri, Directory = uri.Parent(), Bytes = bytes, Metadata = MetadataReader.Read(bytes) };
    }

    /// <summary>The file path of each subtask's operator-state handle, in order.</summary>
    private static List<string> PathsOf(byte[] metadata) =>
        MetadataReader.Read(metadata).Operators[0].Subtasks
            .Select(s => ((OperatorStreamStateHandle)s.State!.ManagedOperatorState!).Delegate switch
            {
                FileStateHandle f => f.FilePath.ToString(),
                RelativeFileStateHandle r => r.RelativePath.ToString(),
                var other => throw new InvalidOperationException($"unexpected {other}"),
            })
            .ToList();
}
