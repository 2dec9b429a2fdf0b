using Stateport.Metadata.Model;
using Stateport.Metadata.Paths;
using Stateport.Metadata.Wire;

namespace Stateport.Metadata.Inspection;

/// <summary>Where a reference points, relative to the snapshot directory.</summary>
public enum ReferenceLocation
{
    /// <summary>Relative handle, or an absolute path under the snapshot directory.</summary>
    Inside,
    /// <summary>Absolute path elsewhere (e.g. the job's shared/ directory, another bucket).</summary>
    Outside,
    /// <summary>Inline bytes in _metadata.</summary>
    Inline,
    /// <summary>Absolute path, snapshot directory not known.</summary>
    Unknown,
}

/// <summary>Can the snapshot move by copying its directory?</summary>
public enum Relocatability
{
    /// <summary>Only relative and inline state: moving the directory is enough.</summary>
    SelfContained,
    /// <summary>Absolute paths, all inside the directory: a move needs a rewrite of _metadata.</summary>
    NeedsRewrite,
    /// <summary>Absolute paths outside the directory: those files must be copied too, and rewritten.</summary>
    ReferencesOutside,
}

/// <summary>One distinct referenced file (or inline handle, or file-merging directory).</summary>
public sealed class FileReference
{
    /// <summary>"relative", "absolute" or "inline".</summary>
    public required string Kind { get; init; }
    /// <summary>As stored in _metadata (for relative: the relative path; inline: the handle name).</summary>
    public required string Path { get; init; }
    /// <summary>Largest recorded size (segments: end of the furthest segment); -1 = unknown.</summary>
    public long Size { get; set; }
    public required ReferenceLocation Location { get; init; }
    public required PathField Field { get; init; }
    /// <summary>How many handles point at it (segment files are shared by many).</summary>
    public int HandleCount { get; set; }
}

/// <summary>One operator as inspect shows it.</summary>
public sealed record OperatorSummary(
    int Index,
    string Id,
    string? Name,
    string? Uid,
    int Parallelism,
    int MaxParallelism,
    int SubtaskCount,
    int FinishedSubtasks,
    bool FullyFinished,
    long StateSize);

/// <summary>Everything inspect reports, computed from the model alone (no I/O).</summary>
public sealed class SnapshotSummary
{
    public required MetadataVersion Version { get; init; }
    public required long CheckpointId { get; init; }
    public required SnapshotProperties? Properties { get; init; }
    public required int MasterStateCount { get; init; }
    public required IReadOnlyList<OperatorSummary> Operators { get; init; }
    /// <summary>Handle counts by Flink constant name (including channel-state kinds).</summary>
    public required IReadOnlyDictionary<string, int> HandleCounts { get; init; }
    public required IReadOnlyList<FileReference> References { get; init; }
    /// <summary>Absolute directories named by file-merging handles (17).</summary>
    public required IReadOnlyList<string> Directories { get; init; }
    public required long TotalStateSize { get; init; }
    public required Relocatability Relocatability { get; init; }
    public required ChannelLayout ChannelLayout { get; init; }
    public required ChangelogLayout ChangelogLayout { get; init; }
    public required int TrailerLength { get; init; }

    /// <summary>
    /// Summarise <paramref name="metadata"/>. <paramref name="snapshotDirectory"/> is the directory that
    /// holds _metadata as a Flink path (s3://b/p, file:/x), used to sort absolute paths into inside/outside.
    /// </summary>
    public static SnapshotSummary Create(CheckpointMetadata metadata, string? snapshotDirectory)
    {
        var collector = new Collector(snapshotDirectory);
        PathWalker.Walk(metadata, ref collector);

        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var operators = new List<OperatorSummary>(metadata.Operators.Count);
        long total = 0;
        for (var i = 0; i < metadata.Operators.Count; i++)
        {
            var op = metadata.Operators[i];
            long size = StateSizes.Of(op.CoordinatorState, counts);
            var finished = 0;
            foreach (var entry in op.Subtasks)
            {
                if (entry.State is null)
                {
                    finished++;
                    continue;
                }
                size += StateSizes.Of(entry.State, counts);
            }
            total += size;
            operators.Add(new OperatorSummary(
                i,
                op.Id.ToString(),
                metadata.Version.HasOperatorNameAndUid() && !op.Name.IsEmpty ? op.Name.ToString() : null,
                metadata.Version.HasOperatorNameAndUid() && !op.Uid.IsEmpty ? op.Uid.ToString() : null,
                op.Parallelism,
                op.MaxParallelism,
                op.Subtasks.Count,
                finished,
                op.IsFullyFinished,
                size));
        }

        var references = collector.References;
        var relocatability = references.Any(r => r.Kind == "absolute" && r.Location is ReferenceLocation.Outside or ReferenceLocation.Unknown)
                || collector.Directories.Count > 0
            ? Relocatability.ReferencesOutside
            : references.Any(r => r.Kind == "absolute") ? Relocatability.NeedsRewrite : Relocatability.SelfContained;
        // Without a known directory, absolute paths may all be inside; say "needs rewrite" unless proven outside.
        if (snapshotDirectory is null && relocatability == Relocatability.ReferencesOutside && collector.Directories.Count == 0)
        {
            relocatability = Relocatability.NeedsRewrite;
        }

        return new SnapshotSummary
        {
            Version = metadata.Version,
            CheckpointId = metadata.CheckpointId,
            Properties = metadata.Properties,
            MasterStateCount = metadata.MasterStates.Count,
            Operators = operators,
            HandleCounts = counts,
            References = references,
            Directories = collector.Directories,
            TotalStateSize = total,
            Relocatability = relocatability,
            ChannelLayout = metadata.ChannelLayout,
            ChangelogLayout = metadata.ChangelogLayout,
            TrailerLength = metadata.Version.HasPropertiesBlob() ? 0 : metadata.Trailer.Length,
        };
    }

    private struct Collector(string? snapshotDirectory) : IPathVisitor
    {
        public readonly List<FileReference> References = [];
        public readonly List<string> Directories = [];
        private readonly Dictionary<(string, string), FileReference> _byPath = [];
        private readonly HashSet<string> _directories = new(StringComparer.Ordinal);

        public readonly bool Visit(in PathSite site, out MutfString replacement)
        {
            replacement = default;
            var path = site.Value.ToString();
            if (site.Field is PathField.TaskOwnedDirectory or PathField.SharedDirectory)
            {
                if (_directories.Add(path))
                {
                    Directories.Add(path);
                }
                return false;
            }
            var kind = site.Field switch
            {
                PathField.RelativeFile => "relative",
                PathField.InlineName => "inline",
                _ => "absolute",
            };
            var size = site.RequiredLength;
            if (_byPath.TryGetValue((kind, path), out var existing))
            {
                existing.HandleCount++;
                if (size > existing.Size)
                {
                    existing.Size = size;
                }
                return false;
            }
            var location = kind switch
            {
                "relative" => ReferenceLocation.Inside,
                "inline" => ReferenceLocation.Inline,
                _ when snapshotDirectory is null => ReferenceLocation.Unknown,
                _ => FlinkPath.RelativeTo(path, snapshotDirectory) is { Length: > 0 } ? ReferenceLocation.Inside : ReferenceLocation.Outside,
            };
            var reference = new FileReference { Kind = kind, Path = path, Size = size, Location = location, Field = site.Field, HandleCount = 1 };
            _byPath.Add((kind, path), reference);
            References.Add(reference);
            return false;
        }
    }

    /// <summary>State sizes as Flink's getStateSize() computes them; also counts handle kinds.</summary>
    private static class StateSizes
    {
        private static void Count(SortedDictionary<string, int> counts, string name) =>
            counts[name] = counts.TryGetValue(name, out var n) ? n + 1 : 1;

        private static long Positive(long size) => size < 0 ? 0 : size;

        public static long Of(SubtaskState state, SortedDictionary<string, int> counts)
        {
            long size = 0;
            foreach (var h in state.LegacyStates)
            {
                size += Of(h, counts);
            }
            foreach (var h in state.ManagedOperatorChain)
            {
                size += Of(h, counts);
            }
            foreach (var h in state.RawOperatorChain)
            {
                size += Of(h, counts);
            }
            size += Of(state.ManagedOperatorState, counts) + Of(state.RawOperatorState, counts);
            size += Of(state.ManagedKeyedState, counts) + Of(state.RawKeyedState, counts);
            foreach (var c in state.InputChannelStates.Concat(state.ResultSubpartitionStates))
            {
                Count(counts, c.KindName);
                Of(c.Delegate, counts);
                size += Positive(c.StateSize);
            }
            return size;
        }

        public static long Of(IStreamStateHandle? handle, SortedDictionary<string, int> counts)
        {
            if (handle is null)
            {
                return 0;
            }
            Count(counts, TypeCodes.Name(handle.TypeCode));
            return handle switch
            {
                ByteStreamStateHandle h => h.Data.Length,
                FileStateHandle h => Positive(h.StateSize),
                RelativeFileStateHandle h => Positive(h.StateSize),
                SegmentFileStateHandle h => Positive(h.StateSize),
                KeyGroupsStateHandle h => Of(h.Delegate, counts),
                _ => 0,
            };
        }

        public static long Of(IOperatorStateHandle? handle, SortedDictionary<string, int> counts)
        {
            if (handle is not OperatorStreamStateHandle h)
            {
                return 0;
            }
            Count(counts, TypeCodes.Name(h.TypeCode));
            return Of(h.Delegate, counts);
        }

        public static long Of(IKeyedStateHandle? handle, SortedDictionary<string, int> counts)
        {
            switch (handle)
            {
                case null:
                    return 0;
                case KeyGroupsStateHandle h:
                    return Of((IStreamStateHandle)h, counts);
                case IncrementalRemoteKeyedStateHandle h:
                    {
                        Count(counts, TypeCodes.Name(h.TypeCode));
                        var size = Of(h.MetaDataState, counts);
                        foreach (var e in h.SharedState)
                        {
                            size += Of(e.Handle, counts);
                        }
                        foreach (var e in h.PrivateState)
                        {
                            size += Of(e.Handle, counts);
                        }
                        return size;
                    }
                case ChangelogStateBackendHandle h:
                    {
                        Count(counts, TypeCodes.Name(h.TypeCode));
                        long size = 0;
                        foreach (var m in h.Materialized)
                        {
                            size += Of(m, counts);
                        }
                        foreach (var m in h.NonMaterialized)
                        {
                            size += Of(m, counts);
                        }
                        return size;
                    }
                case InMemoryChangelogStateHandle h:
                    {
                        Count(counts, TypeCodes.Name(h.TypeCode));
                        long size = 0;
                        foreach (var c in h.Changes)
                        {
                            size += c.Change.Length;
                        }
                        return size;
                    }
                case ChangelogStateHandleStreamImpl h:
                    Count(counts, TypeCodes.Name(h.TypeCode));
                    foreach (var e in h.Handles)
                    {
                        Of(e.Handle, counts);
                    }
                    return Positive(h.StateSize);
                default:
                    return 0;
            }
        }
    }
}
