using Stateport.Metadata.Paths;
using Stateport.Relocation.Copying;
using Stateport.Relocation.Snapshots;
using Stateport.Storage;

namespace Stateport.Relocation.Planning;

/// <summary>Options for planning a relocation.</summary>
public sealed record RelocationOptions
{
    /// <summary>User rules: a referenced file under FROM is copied to TO instead of its default place.</summary>
    public IReadOnlyList<PrefixRule> Map { get; init; } = [];

    /// <summary>Allow references outside the source scope (another bucket, local paths outside the checkpoint root).</summary>
    public bool AllowExternalReferences { get; init; }
}

/// <summary>One file of the plan: where it is, where it goes.</summary>
public sealed record PlannedFile(ReferencedFile File, StorageUri Destination)
{
    public CopyItem ToCopyItem() => new(File.Uri, Destination, File.RequiredLength);
}

/// <summary>
/// Everything relocate will do, computed before anything is touched (so --dry-run prints it):
/// the files to copy and where each goes, the rewritten metadata, and what --move may delete.
/// Layout under &lt;dst&gt;: files of the snapshot directory keep their relative paths; files of the job
/// directory (shared/, taskowned/) go to the same relative paths under &lt;dst&gt; (e.g. &lt;dst&gt;/shared/…);
/// entropy-injected files lose their entropy segment; anything else goes to
/// &lt;dst&gt;/external/&lt;bucket or "local"&gt;/&lt;path&gt;. The result is a self-contained snapshot.
/// </summary>
public sealed class RelocationPlan
{
    public required LoadedSnapshot Source { get; init; }
    public required StorageUri Destination { get; init; }
    public required StorageUri DestinationMetadata { get; init; }
    public required IReadOnlyList<PlannedFile> Files { get; init; }
    public required RewriteResult Rewrite { get; init; }
    /// <summary>The new metadata bytes (the source's bytes when nothing needed rewriting).</summary>
    public required byte[] NewMetadata { get; init; }

    public long TotalBytes => Files.Sum(f => Math.Max(0, f.File.RequiredLength));

    /// <summary>Source files --move deletes: those inside the snapshot directory, and the metadata (deleted first).</summary>
    public IEnumerable<StorageUri> OwnedSourceFiles => Files.Where(f => f.File.Placement == FilePlacement.InsideSnapshot || (f.File.Placement == FilePlacement.EntropyInjected && !f.File.UnderJobDirectory)).Select(f => f.File.Uri);

    /// <summary>Source files outside the snapshot directory (shared/, external): deleted only with --delete-shared.</summary>
    public IEnumerable<StorageUri> SharedSourceFiles => Files.Select(f => f.File.Uri).Except(OwnedSourceFiles);

    public static RelocationPlan Create(LoadedSnapshot source, StorageUri destination, RelocationOptions options)
    {
        var files = SnapshotFiles.Collect(source);
        if (files.Unresolvable.Count > 0)
        {
            throw new RelocationException($"cannot relocate: {files.Unresolvable[0]}{(files.Unresolvable.Count > 1 ? $" (and {files.Unresolvable.Count - 1} more)" : "")}");
        }
        CheckScope(source, files, options);

        var destinationDirectory = destination.AsDirectory();
        var userMap = new PrefixMap(options.Map);
        var planned = new List<PlannedFile>(files.Files.Count);
        var pathMap = new Dictionary<string, string>(StringComparer.Ordinal);
        var seenDestinations = new Dictionary<StorageUri, StorageUri>();
        foreach (var file in files.Files)
        {
            var target = UserTarget(file, userMap, destination) ?? DefaultTarget(file, destinationDirectory);
            if (target.RelativeTo(destinationDirectory) is null && userMap.IsEmpty)
            {
                throw new RelocationException($"internal planning error: {target} is outside {destinationDirectory}");
            }
            if (seenDestinations.TryGetValue(target, out var other) && other != file.Uri)
            {
                throw new RelocationException($"two referenced files would land on {target}: {other} and {file.Uri}");
            }
            seenDestinations[target] = file.Uri;
            planned.Add(new PlannedFile(file, target));
            foreach (var path in file.MetadataPaths)
            {
                pathMap[path] = ToFlinkPath(target);
            }
        }

        // File-merging directories (17) follow the files: map them like a file at that place.
        foreach (var directory in files.Directories)
        {
            if (!StorageUri.TryParse(directory, out var uri, out _))
            {
                throw new RelocationException($"cannot relocate: file-merging directory '{directory}' has an unsupported scheme");
            }
            var (placement, relative, underJob) = SnapshotFiles.Classify(uri, source.Directory);
            var pseudo = new ReferencedFile { Uri = uri, RelativePath = relative, UnderJobDirectory = underJob, Placement = placement, RequiredLength = -1 };
            pathMap[directory] = ToFlinkPath(UserTarget(pseudo, userMap, destination) ?? DefaultTarget(pseudo, destinationDirectory));
        }

        var rewrite = PathRewriter.Rewrite(source.Metadata, new ExactMap(pathMap));
        var bytes = rewrite.Changes.Count == 0 ? source.Bytes.ToArray() : Stateport.Metadata.MetadataWriter.ToArray(source.Metadata);
        return new RelocationPlan
        {
            Source = source,
            Destination = destinationDirectory,
            DestinationMetadata = destinationDirectory.Append(source.MetadataUri.Name),
            Files = planned,
            Rewrite = rewrite,
            NewMetadata = bytes,
        };
    }

    /// <summary>
    /// A crafted _metadata must not make relocate read outside the declared source: S3 sources may only
    /// reference the same bucket; local sources only paths under the checkpoint root (the job directory's parent).
    /// </summary>
    private static void CheckScope(LoadedSnapshot source, SnapshotFiles files, RelocationOptions options)
    {
        var root = source.Directory.Parent().Parent();
        foreach (var file in files.Files)
        {
            var inScope = source.Directory.IsS3
                ? file.Uri.IsS3 && file.Uri.Bucket == source.Directory.Bucket
                : file.Uri.IsLocal && (root.Key.Length > 1 ? file.Uri.RelativeTo(root) is not null : file.Uri.RelativeTo(source.Directory) is not null);
            if (!inScope && !(options.AllowExternalReferences && file.Uri.IsS3 == source.Directory.IsS3))
            {
                throw new RelocationException(
                    $"{file.Uri} is outside the source ({(source.Directory.IsS3 ? $"bucket {source.Directory.Bucket}" : root.ToDisplayString())}); " +
                    (file.Uri.IsS3 == source.Directory.IsS3 ? "pass --allow-external-references if this is expected" : "a snapshot cannot mix local and S3 references"));
            }
        }
    }

    private static StorageUri? UserTarget(ReferencedFile file, PrefixMap map, StorageUri destination)
    {
        if (map.IsEmpty || file.IsRelativeHandle)
        {
            return null;
        }
        var mapped = map.Map(file.Uri.ToString());
        if (mapped is null)
        {
            return null;
        }
        var target = StorageUri.Parse(mapped);
        if (target.IsS3 != destination.IsS3 || target.Bucket != destination.Bucket)
        {
            throw new RelocationException($"--map sends {file.Uri} to {target}, which is not on the destination ({destination})");
        }
        return target;
    }

    private static StorageUri DefaultTarget(ReferencedFile file, StorageUri destination)
    {
        string relative;
        if (file.RelativePath is not null)
        {
            relative = file.RelativePath;
        }
        else
        {
            // External: keep it apart and collision-free.
            relative = file.Uri.IsS3 ? $"external/{file.Uri.Bucket}/{file.Uri.Key}" : $"external/local/{file.Uri.Key.TrimStart('/')}";
        }
        if (FlinkPath.IsUnsafeRelative(relative))
        {
            throw new RelocationException($"refusing {file.Uri}: its destination path '{relative}' would leave {destination}");
        }
        return destination.Append(relative);
    }

    /// <summary>The path string Flink expects: s3://b/k (scheme as the user gave it), file:/x.</summary>
    public static string ToFlinkPath(StorageUri uri) => uri.ToString();

    /// <summary>A map of exact paths, as the planner computed them.</summary>
    private sealed class ExactMap(Dictionary<string, string> map) : PrefixMap([])
    {
        public override string? Map(string path) => map.TryGetValue(path, out var to) ? to : null;
    }
}

/// <summary>A relocation that cannot be planned or done; one line for the user (exit 2 when the input is at fault).</summary>
public sealed class RelocationException(string message) : Exception(message);
