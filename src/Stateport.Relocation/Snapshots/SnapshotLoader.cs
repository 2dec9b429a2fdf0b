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

    /// <summary>Find the metadata file for <paramref name="location"/> (with its size); null when the directory has none.</summary>
    public static async Task<ObjectInfo?> FindMetadataAsync(IObjectStore store, StorageUri location, CancellationToken cancellationToken)
    {
        var directory = location.AsDirectory();
        // "dir" may name the file itself or the directory holding _metadata: ask both at once (one round trip).
        var asMetadata = store.StatAsync(directory.Append(MetadataFileName), cancellationToken);
        var asFile = location.Key.EndsWith('/') ? Task.FromResult<ObjectInfo?>(null) : store.StatAsync(location, cancellationToken);
        await Task.WhenAll(asFile, asMetadata).ConfigureAwait(false);
        if (await asFile.ConfigureAwait(false) is { } file)
        {
            return file;
        }
        if (await asMetadata.ConfigureAwait(false) is { } metadata)
        {
            return metadata;
        }
        // Flink 1.2-era savepoints are a directory holding one metadata file with another name.
        ObjectInfo? single = null;
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
                single = entry;
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
        var found = await FindMetadataAsync(store, location, cancellationToken).ConfigureAwait(false)
            ?? throw await NotFoundAsync(store, location, cancellationToken).ConfigureAwait(false);
        return await LoadAsync(store, found, cancellationToken, options).ConfigureAwait(false);
    }

    /// <summary>Loads the snapshot whose <c>_metadata</c> is <paramref name="metadata"/> (known to exist: no lookup first).</summary>
    /// <exception cref="StorageException">NotFound when it is gone meanwhile; Integrity, Network, …</exception>
    /// <exception cref="MetadataFormatException">When it is not a readable <c>_metadata</c>.</exception>
    public static async Task<LoadedSnapshot> LoadAsync(IObjectStore store, ObjectInfo metadata, CancellationToken cancellationToken, MetadataReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var bytes = await ReadAllAsync(store, metadata, cancellationToken).ConfigureAwait(false);
        return new LoadedSnapshot
        {
            MetadataUri = metadata.Uri,
            Directory = metadata.Uri.Parent(),
            Bytes = bytes,
            Metadata = MetadataReader.Read(bytes, options),
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
        return await ReadAllAsync(store, info, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Read a whole object whose size is known (from a stat or listing) into one exactly-sized buffer.</summary>
    public static async Task<byte[]> ReadAllAsync(IObjectStore store, ObjectInfo info, CancellationToken cancellationToken)
    {
        var uri = info.Uri;
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
