using Stateport.Storage.Local;
using Stateport.Storage.S3;

namespace Stateport.Storage;

/// <summary>
/// Hands out the store for a location: one shared <see cref="LocalObjectStore"/> for file: URIs, and
/// one <see cref="S3ObjectStore"/> per distinct endpoint + credential set. Disposing disposes every
/// store it created.
/// </summary>
public sealed class ObjectStoreFactory : IAsyncDisposable
{
    private readonly Dictionary<S3Settings, S3ObjectStore> _s3Stores = [];
    private readonly Lock _lock = new();
    private readonly LocalObjectStore _local = new();
    private bool _disposed;

    /// <param name="s3Options">Transfer tuning for every S3 store created; null = defaults.</param>
    public ObjectStoreFactory(S3StoreOptions? s3Options = null)
    {
        S3Options = s3Options ?? new S3StoreOptions();
        S3Options.Validate();
    }

    public S3StoreOptions S3Options { get; }

    /// <summary>
    /// The store for <paramref name="uri"/>. S3 stores are cached by their settings minus the
    /// description-only <c>Source</c> fields, so the same endpoint and keys given twice share one
    /// client; equal settings always mean equal <see cref="IObjectStore.Identity"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An S3 URI without <paramref name="s3Settings"/>.</exception>
    /// <exception cref="StorageException">Credentials when the configured credential source is incomplete.</exception>
    public IObjectStore Get(StorageUri uri, S3Settings? s3Settings = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (uri.IsLocal)
        {
            return _local;
        }
        if (s3Settings is null)
        {
            throw new ArgumentException($"{uri} needs S3 settings (endpoint, credentials)", nameof(s3Settings));
        }
        var key = s3Settings with { Source = "", Credentials = s3Settings.Credentials with { Source = "" } };
        lock (_lock)
        {
            if (!_s3Stores.TryGetValue(key, out var store))
            {
                store = new S3ObjectStore(s3Settings, S3Options);
                _s3Stores.Add(key, store);
            }
            return store;
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<S3ObjectStore> stores;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            stores = [.. _s3Stores.Values];
            _s3Stores.Clear();
        }
        foreach (var store in stores)
        {
            await store.DisposeAsync().ConfigureAwait(false);
        }
        await _local.DisposeAsync().ConfigureAwait(false);
    }
}
