using Stateport.Metadata;
using Stateport.Storage;

namespace Stateport.Relocation.Snapshots;

/// <summary>
/// Finds and reads a snapshot's metadata file. The location may be the snapshot directory (then its
/// <c>_metadata</c>, or the single metadata file of a Flink 1.2-era savepoint directory) or the metadata file
/// itself, whatever its name.
/// </summary>
public static class SnapshotLoader
{
    public const string MetadataFileName = "_metadata";

    /// <summary>Largest metadata file we read (a 100 MB file holds ~10^6 handles; Flink itself caps far lower).</summary>
    public const long MaxMetadataBytes = 2L * 1024 * 1024 * 1024 - 1;

    /// <summary>Find the metadata file for <paramref name="location"/>; null when the directory has none.</summary>
    public static async Task<StorageUri?> FindMetadataAsync(IObjectStore store, StorageUri location, CancellationToken cancellationToken)
    {
        var asFile = location.Key.EndsWith('/') ? null : await store.StatAsync(location, cancellationToken).ConfigureAwait(false);
        if (asFile is not null)
        {
            return location;
        }
        var directory = location.AsDirectory();
        var candidate = directory.Append(MetadataFileName);
        if (await store.StatAsync(candidate, cancellationToken).ConfigureAwait(false) is not null)
        {
            return candidate;
        }
        // Flink 1.2-era savepoints are a directory holding one metadata file with another name.
        StorageUri? single = null;
        var seen = 0;
        await foreach (var entry in store.ListAsync(directory, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Uri.RelativeTo(directory) is not { } relative || relative.Contains('/') || entry.Length < 8)
            {
                continue;
            }
            if (++seen > 64)
            {
                break;
            }
            if (await HasMagicAsync(store, entry.Uri, cancellationToken).ConfigureAwait(false))
            {
                if (single is not null)
                {
                    return null;
                }
                single = entry.Uri;
            }
        }
        return single;
    }

    private static async Task<bool> HasMagicAsync(IObjectStore store, StorageUri uri, CancellationToken cancellationToken)
    {
        var stream = await store.OpenReadAsync(uri, 0, 4, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var head = new byte[4];
            var read = await stream.ReadAtLeastAsync(head, 4, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            return read == 4 && MetadataReader.HasMagic(head);
        }
    }

    /// <summary>Read and parse. Throws <see cref="SnapshotException"/> (not a snapshot), <see cref="MetadataFormatException"/> (corrupt) or <see cref="StorageException"/>.</summary>
    public static async Task<LoadedSnapshot> LoadAsync(IObjectStore store, StorageUri location, CancellationToken cancellationToken, MetadataReaderOptions? options = null)
    {
        var metadataUri = await FindMetadataAsync(store, location, cancellationToken).ConfigureAwait(false)
            ?? throw await NotFoundAsync(store, location, cancellationToken).ConfigureAwait(false);
        var bytes = await ReadAllAsync(store, metadataUri, cancellationToken).ConfigureAwait(false);
        var metadata = MetadataReader.Read(bytes, options);
        return new LoadedSnapshot
        {
            MetadataUri = metadataUri,
            Directory = metadataUri.Parent(),
            Bytes = bytes,
            Metadata = metadata,
        };
    }

    private static async Task<Exception> NotFoundAsync(IObjectStore store, StorageUri location, CancellationToken cancellationToken)
    {
        await foreach (var _ in store.ListAsync(location.AsDirectory(), cancellationToken).ConfigureAwait(false))
        {
            return new SnapshotException($"{location.ToDisplayString()}: not a complete snapshot: the directory has no {MetadataFileName} (an in-flight or broken copy?)");
        }
        return new SnapshotException($"{location.ToDisplayString()}: no such snapshot (nothing at that location)");
    }

    /// <summary>Read a whole object into one exactly-sized buffer.</summary>
    public static async Task<byte[]> ReadAllAsync(IObjectStore store, StorageUri uri, CancellationToken cancellationToken)
    {
        var info = await store.StatAsync(uri, cancellationToken).ConfigureAwait(false)
            ?? throw new SnapshotException($"{uri.ToDisplayString()}: no such file");
        if (info.Length > MaxMetadataBytes)
        {
            throw new SnapshotException($"{uri.ToDisplayString()}: {info.Length} bytes is too large for a metadata file");
        }
        var buffer = new byte[info.Length];
        var stream = await store.OpenReadAsync(uri, 0, info.Length, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read != buffer.Length)
            {
                throw new StorageException(StorageErrorKind.Integrity, uri.ToString(), $"{uri.ToDisplayString()}: read {read} of {buffer.Length} bytes (object changed or truncated during the read)");
            }
        }
        return buffer;
    }
}
