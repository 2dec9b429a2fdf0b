using System.Buffers.Binary;
using System.Collections.Concurrent;
using Stateport.Metadata.Model;
using Stateport.Metadata.Paths;
using Stateport.Relocation.Planning;
using Stateport.Relocation.Snapshots;
using Stateport.Storage;

namespace Stateport.Relocation.Verification;

/// <summary>Options for <see cref="SnapshotVerifier"/>.</summary>
public sealed record VerifyOptions
{
    /// <summary>References under any of these prefixes are problems (the old location after a move).</summary>
    public IReadOnlyList<string> ForbiddenPrefixes { get; init; } = [];

    /// <summary>References outside the snapshot directory are problems, not just warnings.</summary>
    public bool RequireSelfContained { get; init; }

    /// <summary>Also read each SST file's footer and check the RocksDB magic.</summary>
    public bool Deep { get; init; }

    /// <summary>Stat requests in flight.</summary>
    public int Parallelism { get; init; } = 32;

    /// <summary>
    /// Objects the caller has just listed itself (the relocator's post-copy listing, under its lock):
    /// taken as they are instead of being listed again. Null = list everything.
    /// </summary>
    public IReadOnlyDictionary<StorageUri, ObjectInfo>? KnownObjects { get; init; }
}

/// <summary>
/// "Can Flink restore from this location, using only this location?": every referenced file exists with
/// the size its handle records, nothing points under a forbidden prefix, and (optionally) SST footers are sane.
/// </summary>
public static class SnapshotVerifier
{
    /// <summary>RocksDB table magic numbers, stored little-endian in the last 8 bytes of an SST file.</summary>
    private static readonly ulong[] SstMagics =
    [
        0x88e241b785f4cff7UL, // block-based table
        0xdb4775248b80fb57UL, // legacy block-based table
        0x8242229663bf9564UL, // plain table
        0x4f3418eb7a8f13b8UL, // legacy plain table
        0x926789d0c5f17873UL, // cuckoo table
    ];

    /// <param name="storeFor">The store that serves a URI (same credentials for the snapshot's bucket and its references).</param>
    public static async Task<VerifyReport> VerifyAsync(LoadedSnapshot snapshot, Func<StorageUri, IObjectStore> storeFor, VerifyOptions options, CancellationToken cancellationToken)
    {
        var files = SnapshotFiles.Collect(snapshot);
        var findings = new ConcurrentBag<(int Order, Finding Finding)>();
        var order = 0;
        foreach (var problem in files.Unresolvable)
        {
            findings.Add((order++, new Finding(FindingKind.Unresolvable, "", problem, true)));
        }

        var sstPaths = SstPaths(snapshot.Metadata);
        var indexed = files.Files.Select((file, index) => (file, index)).ToList();
        var deepChecked = 0;
        // One listing per directory instead of a HEAD per file, per store (references may use several).
        var stats = new ConcurrentDictionary<StorageUri, ObjectInfo?>();
        var unreadable = new ConcurrentDictionary<StorageUri, string>();
        var known = options.KnownObjects ?? new Dictionary<StorageUri, ObjectInfo>();
        foreach (var file in files.Files)
        {
            if (known.TryGetValue(file.Uri, out var info))
            {
                stats[file.Uri] = info;
            }
        }
        foreach (var group in files.Files.Where(f => !known.ContainsKey(f.Uri)).GroupBy(f => f.Uri.IsS3 ? f.Uri.Bucket : ""))
        {
            IObjectStore store;
            try
            {
                store = storeFor(group.First().Uri);
                foreach (var (uri, info) in await ObjectStats.StatManyAsync(store, group.Select(f => f.Uri), options.Parallelism, cancellationToken).ConfigureAwait(false))
                {
                    stats[uri] = info;
                }
            }
            catch (StorageException e) when (e.Kind is StorageErrorKind.NoSuchBucket)
            {
                foreach (var f in group)
                {
                    stats[f.Uri] = null;
                }
            }
            catch (StorageException e)
            {
                foreach (var f in group)
                {
                    unreadable[f.Uri] = e.Message;
                }
            }
        }
        await Parallel.ForEachAsync(indexed, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallelism), CancellationToken = cancellationToken }, async (item, ct) =>
        {
            var (file, index) = item;
            var baseOrder = 1000 + (index * 10);
            var uri = file.Uri.ToString();
            foreach (var prefix in options.ForbiddenPrefixes)
            {
                if (file.MetadataPaths.Any(p => FlinkPath.RelativeTo(p, prefix) is not null) || FlinkPath.RelativeTo(uri, prefix) is not null)
                {
                    findings.Add((baseOrder, new Finding(FindingKind.ForbiddenPrefix, uri, $"references the forbidden location {prefix}: a restore would read from there", true)));
                    break;
                }
            }
            if (file.Placement != FilePlacement.InsideSnapshot)
            {
                var where = file.Placement switch
                {
                    FilePlacement.JobDirectory => "outside the snapshot directory, in the job directory (e.g. shared/)",
                    FilePlacement.EntropyInjected => "outside the snapshot directory (entropy-injected path)",
                    _ => "outside the snapshot directory and its job directory",
                };
                findings.Add((baseOrder + 1, new Finding(FindingKind.OutsideSnapshot, uri, where, options.RequireSelfContained)));
            }

            if (unreadable.TryGetValue(file.Uri, out var reason))
            {
                // One unreadable reference (permissions, another medium) is a finding; the rest are still checked.
                findings.Add((baseOrder + 2, new Finding(FindingKind.Unreadable, uri, reason, true)));
                return;
            }
            var info = stats.GetValueOrDefault(file.Uri);
            if (info is null)
            {
                findings.Add((baseOrder + 2, new Finding(FindingKind.Missing, uri, "missing", true)));
                return;
            }
            if (file.RequiredLength >= 0)
            {
                if (file.ExactLength && info.Length != file.RequiredLength)
                {
                    findings.Add((baseOrder + 2, new Finding(FindingKind.SizeMismatch, uri, $"size {info.Length} bytes, but _metadata records {file.RequiredLength} (truncated or replaced?)", true)));
                    return;
                }
                if (!file.ExactLength && info.Length < file.RequiredLength)
                {
                    findings.Add((baseOrder + 2, new Finding(FindingKind.TooShort, uri, $"size {info.Length} bytes, but a segment handle needs at least {file.RequiredLength}", true)));
                    return;
                }
            }
            // Segments share a physical file, whose end is not an SST footer: check whole files only.
            if (options.Deep && file.ExactLength && info.Length > 0 && file.MetadataPaths.Any(sstPaths.Contains))
            {
                Interlocked.Increment(ref deepChecked);
                var problem = await CheckSstFooterAsync(storeFor(file.Uri), info, ct).ConfigureAwait(false);
                if (problem is not null)
                {
                    findings.Add((baseOrder + 3, new Finding(FindingKind.BadContent, uri, problem, true)));
                }
            }
        }).ConfigureAwait(false);

        return new VerifyReport
        {
            Snapshot = snapshot,
            FilesChecked = files.Files.Count,
            BytesReferenced = files.Files.Sum(f => Math.Max(0, f.RequiredLength)),
            DeepChecked = deepChecked,
            Findings = findings.OrderBy(f => f.Order).Select(f => f.Finding).ToList(),
        };
    }

    private static async Task<string?> CheckSstFooterAsync(IObjectStore store, ObjectInfo info, CancellationToken cancellationToken)
    {
        if (info.Length < 48)
        {
            return $"{info.Length} bytes is too short for an SST file (footer is 48+ bytes)";
        }
        var stream = await store.OpenReadAsync(info.Uri, info.Length - 8, 8, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var tail = new byte[8];
            var read = await stream.ReadAtLeastAsync(tail, 8, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read != 8)
            {
                return "could not read the SST footer";
            }
            var magic = BinaryPrimitives.ReadUInt64LittleEndian(tail);
            return SstMagics.Contains(magic) ? null : $"SST footer magic 0x{magic:x16} is not a RocksDB table magic (corrupt or not an SST file)";
        }
    }

    /// <summary>Metadata paths of files that incremental handles name "*.sst" (RocksDB/ForSt table files).</summary>
    private static HashSet<string> SstPaths(CheckpointMetadata metadata)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var op in metadata.Operators)
        {
            foreach (var entry in op.Subtasks)
            {
                if (entry.State is { } state)
                {
                    Collect(state.ManagedKeyedState, result);
                    Collect(state.RawKeyedState, result);
                }
            }
        }
        return result;

        static void Collect(IKeyedStateHandle? handle, HashSet<string> result)
        {
            switch (handle)
            {
                case IncrementalRemoteKeyedStateHandle h:
                    foreach (var e in h.SharedState.Concat(h.PrivateState))
                    {
                        if (e.LocalPath.ToString().EndsWith(".sst", StringComparison.Ordinal) && PathOf(e.Handle) is { } p)
                        {
                            result.Add(p);
                        }
                    }
                    break;
                case ChangelogStateBackendHandle c:
                    foreach (var m in c.Materialized)
                    {
                        Collect(m, result);
                    }
                    break;
            }
        }

        static string? PathOf(IStreamStateHandle? handle) => handle switch
        {
            FileStateHandle f => f.FilePath.ToString(),
            RelativeFileStateHandle r => r.RelativePath.ToString(),
            SegmentFileStateHandle s => s.PhysicalFilePath.ToString(),
            _ => null,
        };
    }
}
