using System.Collections.Concurrent;
using Stateport.Storage;

namespace Stateport.Relocation;

/// <summary>
/// Size and ETag of many objects at once. A snapshot's files sit in a few directories (chk-N/, shared/), so
/// listing each directory costs one request per 1,000 objects where a HEAD per object costs one each: the
/// difference between ~2 and ~6 requests per file in a relocation. Directories holding only a few of the
/// wanted objects are HEADed instead, and a listing that turns out far larger than what is wanted is
/// abandoned for HEADs. Listings are strongly consistent on S3, Ceph RGW, MinIO and local disk, so an
/// object absent from its directory's listing is absent.
/// </summary>
public static class ObjectStats
{
    /// <summary>Fewer wanted objects than this in one directory: HEAD them rather than list.</summary>
    private const int MinimumToList = 16;

    public static async Task<IReadOnlyDictionary<StorageUri, ObjectInfo?>> StatManyAsync(
        IObjectStore store, IEnumerable<StorageUri> uris, int parallelism, CancellationToken cancellationToken)
    {
        var wanted = uris.Distinct().ToList();
        var result = new ConcurrentDictionary<StorageUri, ObjectInfo?>();
        var toHead = new ConcurrentBag<StorageUri>();
        var byDirectory = wanted.GroupBy(u => u.Parent()).ToList();
        foreach (var small in byDirectory.Where(g => g.Count() < MinimumToList).SelectMany(g => g))
        {
            toHead.Add(small);
        }
        await Parallel.ForEachAsync(byDirectory.Where(g => g.Count() >= MinimumToList), new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(parallelism, 1, 8), CancellationToken = cancellationToken }, async (group, ct) =>
        {
            var want = group.ToHashSet();
            var found = new Dictionary<StorageUri, ObjectInfo>();
            var budget = (50L * want.Count) + 10_000;
            var complete = true;
            await foreach (var info in store.ListAsync(group.Key, ct).ConfigureAwait(false))
            {
                if (want.Contains(info.Uri))
                {
                    found[info.Uri] = info;
                }
                if (--budget <= 0)
                {
                    complete = false;
                    break;
                }
            }
            foreach (var uri in want)
            {
                if (found.TryGetValue(uri, out var info))
                {
                    result[uri] = info;
                }
                else if (complete)
                {
                    result[uri] = null;
                }
                else
                {
                    toHead.Add(uri);
                }
            }
        }).ConfigureAwait(false);
        await Parallel.ForEachAsync(toHead, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = cancellationToken }, async (uri, ct) =>
            result[uri] = await store.StatAsync(uri, ct).ConfigureAwait(false)).ConfigureAwait(false);
        return result;
    }
}
