using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Stateport.Storage;

namespace Stateport.Relocation;

/// <summary>
/// One relocation at a time per destination. A lock object <c>&lt;dst&gt;/.stateport-relocate.lock</c> names the
/// run (id, host, pid) and carries a heartbeat. S3 has no atomic create, so ownership is confirmed by reading
/// the lock back, and re-checked before each irreversible step (writing _metadata, deleting the source): two
/// racing runs may both copy (idempotently, the same bytes), but only the owner commits. A lock whose process
/// is gone (same host) or whose heartbeat is older than <see cref="StaleAfter"/> is taken over: that is how a
/// rerun after a crash proceeds.
/// </summary>
public sealed partial class DestinationLock : IAsyncDisposable
{
    public const string FileName = ".stateport-relocate.lock";
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan SettleDelay = TimeSpan.FromMilliseconds(100);

    private readonly IObjectStore _store;
    private readonly StorageUri _uri;
    private readonly string _runId = Guid.NewGuid().ToString("N");
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private readonly CancellationTokenSource _stopHeartbeat = new();
    private Task? _heartbeat;

    private DestinationLock(IObjectStore store, StorageUri uri)
    {
        _store = store;
        _uri = uri;
    }

    private sealed record LockRecord(string RunId, string Host, int Pid, DateTimeOffset Started, DateTimeOffset Heartbeat);

    /// <summary>Claims and confirms the lock: <see cref="ClaimAsync"/> then <see cref="ConfirmAsync"/>.</summary>
    public static async Task<DestinationLock> AcquireAsync(IObjectStore store, StorageUri destinationDirectory, CancellationToken cancellationToken)
    {
        var lockObject = await ClaimAsync(store, destinationDirectory, cancellationToken).ConfigureAwait(false);
        try
        {
            await lockObject.ConfirmAsync(cancellationToken).ConfigureAwait(false);
            return lockObject;
        }
        catch
        {
            await lockObject.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Writes the lock unless a live run holds it. Ownership is not settled yet: the caller may read the
    /// destination meanwhile, but must await <see cref="ConfirmAsync"/> before writing anything there.
    /// </summary>
    public static async Task<DestinationLock> ClaimAsync(IObjectStore store, StorageUri destinationDirectory, CancellationToken cancellationToken)
    {
        var lockObject = new DestinationLock(store, destinationDirectory.AsDirectory().Append(FileName));
        var existing = await lockObject.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (existing is not null && !IsStale(existing))
        {
            throw Busy(lockObject._uri, existing);
        }
        await lockObject.WriteAsync(cancellationToken).ConfigureAwait(false);
        return lockObject;
    }

    /// <summary>Gives a racing writer time to land, then checks who won (last writer wins on S3) and starts the heartbeat.</summary>
    public async Task ConfirmAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(SettleDelay, cancellationToken).ConfigureAwait(false);
        await EnsureHeldAsync(cancellationToken).ConfigureAwait(false);
        _heartbeat ??= HeartbeatAsync();
    }

    /// <summary>Throws unless this run still owns the lock.</summary>
    public async Task EnsureHeldAsync(CancellationToken cancellationToken)
    {
        var current = await ReadAsync(cancellationToken).ConfigureAwait(false);
        if (current is null || current.RunId != _runId)
        {
            throw current is null
                ? new RelocationLockException($"lost the destination lock {_uri} (deleted by someone else); stopping before the next irreversible step")
                : Busy(_uri, current);
        }
    }

    private static RelocationLockException Busy(StorageUri uri, LockRecord record) =>
        new($"another relocation to this destination is running (run {record.RunId[..8]} on {record.Host}, pid {record.Pid}, started {record.Started:u}, last heartbeat {record.Heartbeat:u}); " +
            $"if it died, wait {StaleAfter.TotalMinutes:0} minutes for its lock to go stale or delete {uri}");

    private static bool IsStale(LockRecord record)
    {
        if (record.Host == Environment.MachineName && record.Pid != Environment.ProcessId)
        {
            try
            {
                using var process = Process.GetProcessById(record.Pid);
                if (process.HasExited)
                {
                    return true;
                }
            }
            catch (ArgumentException)
            {
                return true; // no such process: it died
            }
        }
        return DateTimeOffset.UtcNow - record.Heartbeat > StaleAfter;
    }

    /// <summary>The lock's record (one GET, no stat first: it runs before every irreversible step), or null when there is none.</summary>
    private async Task<LockRecord?> ReadAsync(CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            var stream = await _store.OpenReadAsync(_uri, 0, -1, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                bytes = buffer.ToArray();
            }
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.NotFound)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(bytes, LockJson.Default.LockRecord);
        }
        catch (JsonException)
        {
            // Unreadable: treat as stale garbage.
            return new LockRecord("unreadable", "", 0, DateTimeOffset.MinValue, DateTimeOffset.MinValue);
        }
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        var record = new LockRecord(_runId, Environment.MachineName, Environment.ProcessId, _started, DateTimeOffset.UtcNow);
        var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(record, LockJson.Default.LockRecord));
        using var content = new MemoryStream(bytes, writable: false);
        await _store.WriteAsync(_uri, content, bytes.Length, cancellationToken).ConfigureAwait(false);
    }

    private async Task HeartbeatAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(HeartbeatInterval, _stopHeartbeat.Token).ConfigureAwait(false);
                await WriteAsync(_stopHeartbeat.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (StorageException)
        {
            // A missed heartbeat is not fatal; ownership is re-checked before every irreversible step.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopHeartbeat.CancelAsync().ConfigureAwait(false);
        if (_heartbeat is not null)
        {
            await _heartbeat.ConfigureAwait(false);
        }
        _stopHeartbeat.Dispose();
        try
        {
            var current = await ReadAsync(CancellationToken.None).ConfigureAwait(false);
            if (current?.RunId == _runId)
            {
                await _store.DeleteAsync(_uri, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (StorageException)
        {
            // Left behind: it goes stale and the next run takes it over.
        }
    }

    [System.Text.Json.Serialization.JsonSerializable(typeof(LockRecord))]
    private sealed partial class LockJson : System.Text.Json.Serialization.JsonSerializerContext;
}

/// <summary>Another run holds the destination. Exit code 3 (the destination is busy; retry later).</summary>
public sealed class RelocationLockException(string message) : Exception(message);
