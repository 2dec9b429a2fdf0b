using Stateport.Metadata;
using Stateport.Metadata.Paths;
using Stateport.Relocation.Snapshots;
using Stateport.Storage;

namespace Stateport.Relocation.Planning;

/// <summary>Where a referenced file sits relative to the snapshot.</summary>
public enum FilePlacement
{
    /// <summary>In the snapshot directory (relative handle, or absolute path under it).</summary>
    InsideSnapshot,
    /// <summary>Under the job directory (the snapshot directory's parent): shared/, taskowned/.</summary>
    JobDirectory,
    /// <summary>An entropy-injected path that, without its entropy segment, is under the snapshot or job directory.</summary>
    EntropyInjected,
    /// <summary>Anywhere else (a previous job's shared/, a changelog base path).</summary>
    External,
}

/// <summary>One physical file a snapshot needs, however many handles point at it.</summary>
public sealed class ReferencedFile
{
    public required StorageUri Uri { get; init; }
    /// <summary>Path relative to the snapshot directory, or to the job directory when <see cref="UnderJobDirectory"/>; null for external files.</summary>
    public required string? RelativePath { get; init; }
    /// <summary>True when <see cref="RelativePath"/> is relative to the job directory (shared/, taskowned/).</summary>
    public bool UnderJobDirectory { get; init; }
    public required FilePlacement Placement { get; init; }
    /// <summary>The minimum length the file must have (max over handles); -1 = unknown.</summary>
    public long RequiredLength { get; set; }
    /// <summary>True when every handle records an exact size (file handles); false when only a minimum is known (segments).</summary>
    public bool ExactLength { get; set; } = true;
    /// <summary>The strings in _metadata that name this file (absolute ones, as written; relative ones as written).</summary>
    public HashSet<string> MetadataPaths { get; } = new(StringComparer.Ordinal);
    public bool IsRelativeHandle { get; set; }
    public int HandleCount { get; set; }
}

/// <summary>
/// Every file a snapshot's metadata references, each once, resolved to a location, plus the
/// file-merging directories. Shared by relocate (what to copy) and verify (what must exist).
/// </summary>
public sealed class SnapshotFiles
{
    public required LoadedSnapshot Snapshot { get; init; }
    public required IReadOnlyList<ReferencedFile> Files { get; init; }
    /// <summary>Absolute directory strings of file-merging handles (17), as written.</summary>
    public required IReadOnlyList<string> Directories { get; init; }
    /// <summary>References that cannot be resolved (unsupported scheme, unsafe relative path), as one-line problems.</summary>
    public required IReadOnlyList<string> Unresolvable { get; init; }

    /// <summary>The job directory: the snapshot directory's parent (<c>&lt;checkpoints&gt;/&lt;job&gt;/</c> for chk-N).</summary>
    public StorageUri JobDirectory => Snapshot.Directory.Parent();

    public static SnapshotFiles Collect(LoadedSnapshot snapshot)
    {
        var collector = new Collector(snapshot);
        PathWalker.Walk(snapshot.Metadata, ref collector);
        return new SnapshotFiles
        {
            Snapshot = snapshot,
            Files = collector.Files,
            Directories = collector.Directories,
            Unresolvable = collector.Problems,
        };
    }

    /// <summary>Classify an absolute location relative to the snapshot; null relative path for external files.</summary>
    public static (FilePlacement Placement, string? Relative, bool UnderJob) Classify(StorageUri file, StorageUri snapshotDirectory)
    {
        var jobDirectory = snapshotDirectory.Parent();
        if (Under(file, snapshotDirectory) is { Length: > 0 } inside)
        {
            return (FilePlacement.InsideSnapshot, inside, false);
        }
        if (jobDirectory.Key.Length > 0 && Under(file, jobDirectory) is { Length: > 0 } job)
        {
            return (FilePlacement.JobDirectory, job, true);
        }
        // Entropy injection (s3.entropy.key) puts a random segment into data-file paths and removes it
        // from the metadata path: try the path without each one of its segments.
        var segments = file.Key.Split('/');
        for (var i = 0; i < segments.Length - 1; i++)
        {
            var without = string.Join('/', segments.Where((_, j) => j != i));
            var candidate = file.IsS3 ? StorageUri.S3(file.Bucket, without, file.Scheme) : StorageUri.Local("/" + without.TrimStart('/'));
            if (Under(candidate, snapshotDirectory) is { Length: > 0 } e1)
            {
                return (FilePlacement.EntropyInjected, e1, false);
            }
            if (jobDirectory.Key.Length > 0 && Under(candidate, jobDirectory) is { Length: > 0 } e2)
            {
                return (FilePlacement.EntropyInjected, e2, true);
            }
        }
        return (FilePlacement.External, null, false);
    }

    private static string? Under(StorageUri file, StorageUri directory) =>
        file.IsS3 == directory.IsS3 && file.Bucket == directory.Bucket ? file.RelativeTo(directory) : null;

    private struct Collector(LoadedSnapshot snapshot) : IPathVisitor
    {
        public readonly List<ReferencedFile> Files = [];
        public readonly List<string> Directories = [];
        public readonly List<string> Problems = [];
        private readonly Dictionary<StorageUri, ReferencedFile> _byUri = [];
        private readonly HashSet<string> _directories = new(StringComparer.Ordinal);
        private readonly HashSet<string> _problemPaths = new(StringComparer.Ordinal);

        public readonly bool Visit(in PathSite site, out MutfString replacement)
        {
            replacement = default;
            switch (site.Field)
            {
                case PathField.InlineName:
                    return false;
                case PathField.TaskOwnedDirectory or PathField.SharedDirectory:
                    if (_directories.Add(site.Value.ToString()))
                    {
                        Directories.Add(site.Value.ToString());
                    }
                    return false;
            }
            var text = site.Value.ToString();
            StorageUri uri;
            string? relative;
            FilePlacement placement;
            var underJob = false;
            if (site.Field == PathField.RelativeFile)
            {
                if (FlinkPath.IsUnsafeRelative(text))
                {
                    Problem(text, $"relative path '{text}' would leave the snapshot directory (corrupt or crafted _metadata)");
                    return false;
                }
                uri = snapshot.Directory.Append(text);
                relative = text;
                placement = FilePlacement.InsideSnapshot;
            }
            else
            {
                if (!StorageUri.TryParse(text, out uri, out var error) || (uri.IsLocal && !text.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && !text.StartsWith('/')))
                {
                    Problem(text, $"cannot resolve '{text}': {(error.Length > 0 ? error : "not an absolute path")}");
                    return false;
                }
                if (uri.Key.Split('/').Any(s => s is ".." or "."))
                {
                    Problem(text, $"path '{text}' contains '.' or '..' segments (corrupt or crafted _metadata)");
                    return false;
                }
                (placement, relative, underJob) = Classify(uri, snapshot.Directory);
            }
            var required = site.RequiredLength;
            if (!_byUri.TryGetValue(uri, out var file))
            {
                file = new ReferencedFile { Uri = uri, RelativePath = relative, UnderJobDirectory = underJob, Placement = placement, RequiredLength = required };
                _byUri.Add(uri, file);
                Files.Add(file);
            }
            else if (required > file.RequiredLength)
            {
                file.RequiredLength = required;
            }
            if (site.Field == PathField.SegmentFile || required < 0)
            {
                file.ExactLength = false;
            }
            file.IsRelativeHandle |= site.Field == PathField.RelativeFile;
            file.MetadataPaths.Add(text);
            file.HandleCount++;
            return false;
        }

        private readonly void Problem(string path, string message)
        {
            if (_problemPaths.Add(path))
            {
                Problems.Add(message);
            }
        }
    }
}
