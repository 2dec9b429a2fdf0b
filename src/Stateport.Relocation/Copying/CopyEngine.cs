using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Stateport.Storage;
using Stateport.Storage.S3;

namespace Stateport.Relocation.Copying;

/// <summary>
/// Copies objects from one store to another, written once above the backends (rclone's
/// operations): server-side when one endpoint and credential set serve both ends, else streamed
/// through this process with bounded memory; every object is verified after the copy. Objects
/// already complete at the destination are skipped, so a rerun resumes an interrupted copy.
/// </summary>
public sealed class CopyEngine
{
    // Deleting a corrupt destination object must not be stopped by the failure that cancelled the copy.
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(30);

    // Backoff base between whole-object attempts (see CopyOneAsync).
    private static readonly TimeSpan ObjectRetryBaseDelay = TimeSpan.FromMilliseconds(100);

    private readonly IObjectStore _source;
    private readonly IObjectStore _destination;
    private readonly CopyOptions _options;
    private readonly bool _serverSide;
    private readonly int _parallelism;

    /// <exception cref="ArgumentOutOfRangeException">When <see cref="CopyOptions.Parallelism"/> or <see cref="CopyOptions.MaxObjectAttempts"/> is below 1.</exception>
    public CopyEngine(IObjectStore source, IObjectStore destination, CopyOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Parallelism ?? 1, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxObjectAttempts, 1);
        _source = source;
        _destination = destination;
        _options = options;
        _serverSide = source.Identity == destination.Identity && destination.Capabilities.ServerSideCopy;
        _parallelism = options.Parallelism ?? (_serverSide ? CopyOptions.DefaultServerSideParallelism : CopyOptions.DefaultStreamedParallelism);
    }

    /// <summary>True when objects are copied by the destination store itself rather than streamed.</summary>
    public bool CopiesServerSide => _serverSide;

    /// <summary>
    /// Sizes and ETags of every source, by listing their directories. Reads only, so a caller may run it
    /// while it prepares the destination (<see cref="CopyAsync(IReadOnlyList{CopyItem}, CopyInventory, IProgress{CopyProgress}?, CancellationToken)"/>).
    /// </summary>
    public Task<IReadOnlyDictionary<StorageUri, ObjectInfo?>> StatSourcesAsync(IReadOnlyList<CopyItem> items, CancellationToken cancellationToken) =>
        ObjectStats.StatManyAsync(_source, items.Select(i => i.Source), _parallelism, cancellationToken);

    /// <summary>What the destination already holds of <paramref name="items"/> (a rerun resumes from it).</summary>
    public Task<IReadOnlyDictionary<StorageUri, ObjectInfo?>> StatDestinationsAsync(IReadOnlyList<CopyItem> items, CancellationToken cancellationToken) =>
        ObjectStats.StatManyAsync(_destination, items.Select(i => i.Destination), _parallelism, cancellationToken);

    /// <summary>Takes the inventory of both ends (concurrently), then copies: see <see cref="CopyAsync(IReadOnlyList{CopyItem}, CopyInventory, IProgress{CopyProgress}?, CancellationToken)"/>.</summary>
    public async Task<CopyReport> CopyAsync(IReadOnlyList<CopyItem> items, IProgress<CopyProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        var sources = StatSourcesAsync(items, cancellationToken);
        var destinations = StatDestinationsAsync(items, cancellationToken);
        await Task.WhenAll(sources, destinations).ConfigureAwait(false);
        return await CopyAsync(items, new CopyInventory(await sources.ConfigureAwait(false), await destinations.ConfigureAwait(false)), progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Checks every source against <paramref name="inventory"/> first (all must exist and be at least as long
    /// as expected), then copies the objects not yet complete at the destination, largest first, within one
    /// request budget, and verifies every destination object by one more listing.
    /// The first failure cancels the rest and is rethrown as is.
    /// </summary>
    /// <returns>One result per item, in input order; each result's destination is what the final listing saw.</returns>
    /// <exception cref="StorageException">
    /// NotFound when a source object is missing; Integrity when a source is shorter than its
    /// expected length, a body is cut or corrupted in transit, or a destination does not match
    /// after the copy; any other storage failure of either store.
    /// </exception>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled; no partial destination object is left.</exception>
    public async Task<CopyReport> CopyAsync(IReadOnlyList<CopyItem> items, CopyInventory inventory, IProgress<CopyProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(inventory);
        var stopwatch = Stopwatch.StartNew();
        using var budget = new RequestBudget(_parallelism);

        // Every source is checked before the first byte moves: a snapshot with a missing or short
        // file must not be relocated at all.
        var plans = items.Select(item => Plan(item, inventory.Sources.GetValueOrDefault(item.Source), inventory.Destinations.GetValueOrDefault(item.Destination))).ToArray();

        var tracker = new CopyProgressTracker(progress, items.Count, plans.Sum(p => p.Source.Length));
        var results = new CopyResult[items.Count];
        var toCopy = new List<int>();
        for (var index = 0; index < plans.Length; index++)
        {
            if (plans[index].CompleteDestination is { } existing)
            {
                results[index] = new CopyResult(items[index], CopyMethod.Skipped, existing);
                tracker.ObjectDone(existing.Length, skipped: true);
            }
            else
            {
                toCopy.Add(index);
            }
        }

        // Largest first, so a big file does not start last and stretch the tail of the copy.
        var largestFirst = toCopy.OrderByDescending(index => plans[index].Source.Length);
        await RunAllAsync(largestFirst, index => RequestsFor(plans[index].Source.Length), async (index, ct) =>
            results[index] = await CopyOneAsync(plans[index], tracker, ct).ConfigureAwait(false), budget, cancellationToken).ConfigureAwait(false);

        // Verify every destination object once, by listing (a HEAD per object would double the requests).
        var copied = await StatDestinationsAsync(items, cancellationToken).ConfigureAwait(false);
        for (var index = 0; index < items.Count; index++)
        {
            results[index] = results[index] with { Destination = await VerifyAsync(plans[index], copied[items[index].Destination]).ConfigureAwait(false) };
        }
        return new CopyReport(results, stopwatch.Elapsed);
    }

    private PlannedCopy Plan(CopyItem item, ObjectInfo? source, ObjectInfo? existing)
    {
        if (source is null)
        {
            throw new StorageException(StorageErrorKind.NotFound, item.Source.ToString(), $"{item.Source}: source object does not exist");
        }
        // For segment files the expected length is start + size, a minimum: only shorter is wrong.
        if (item.ExpectedLength >= 0 && source.Length < item.ExpectedLength)
        {
            throw new StorageException(StorageErrorKind.Integrity, item.Source.ToString(),
                $"{item.Source}: {source.Length} bytes, but the snapshot metadata expects at least {item.ExpectedLength}");
        }
        // Destination writes are atomic, so an existing object of the right size is a finished copy.
        var complete = existing is not null && existing.Length == source.Length && !ETagsDiffer(source.ETag, existing.ETag);
        return new PlannedCopy(item, source, complete ? existing : null);
    }

    /// <summary>
    /// Copies one object; a whole-object failure that a fresh attempt can fix is retried. Each request
    /// is already retried by the store, but a streamed body that is cut for good or fails its
    /// length/MD5 check (<see cref="StorageErrorKind.Network"/>, <see cref="StorageErrorKind.Integrity"/>)
    /// can only be fixed by reading the object again (unless the store already retried it); such an attempt left nothing at the destination
    /// (the write was never completed, or the corrupt object was deleted), so it is safe to repeat.
    /// </summary>
    private async Task<CopyResult> CopyOneAsync(PlannedCopy plan, CopyProgressTracker tracker, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await CopyOnceAsync(plan, tracker, cancellationToken).ConfigureAwait(false);
            }
            // A failure the store already retried (a request, or a body it resumed or re-read) is final.
            catch (StorageException e) when (e.Kind is StorageErrorKind.Integrity or StorageErrorKind.Network
                && RetryPolicy.AttemptsOf(e) == 1 && attempt < _options.MaxObjectAttempts && !cancellationToken.IsCancellationRequested)
            {
                // Full jitter, as for requests: uniform in [0, base × 2^attempt].
                var ceiling = ObjectRetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<CopyResult> CopyOnceAsync(PlannedCopy plan, CopyProgressTracker tracker, CancellationToken cancellationToken)
    {
        var destination = plan.Item.Destination;
        ObjectInfo written;
        CopyMethod method;
        if (_serverSide)
        {
            written = await _destination.CopyAsync(plan.Source, destination, cancellationToken).ConfigureAwait(false);
            method = CopyMethod.ServerSide;
            if (ETagsDiffer(plan.Source.ETag, written.ETag))
            {
                await DeleteCorruptAsync(destination).ConfigureAwait(false);
                throw new StorageException(StorageErrorKind.Integrity, destination.ToString(),
                    $"copy {plan.Source.Uri} to {destination}: destination ETag {written.ETag} differs from source ETag {plan.Source.ETag}");
            }
        }
        else
        {
            written = await StreamAsync(plan, tracker, cancellationToken).ConfigureAwait(false);
            method = CopyMethod.Streamed;
        }
        tracker.ObjectDone(method == CopyMethod.Streamed ? 0 : written.Length, skipped: false);
        return new CopyResult(plan.Item, method, written);
    }

    /// <summary>Source body piped into the destination write; no temporary files, memory bounded by the stores' part buffers.</summary>
    private async Task<ObjectInfo> StreamAsync(PlannedCopy plan, CopyProgressTracker tracker, CancellationToken cancellationToken)
    {
        var source = plan.Source;
        var destination = plan.Item.Destination;
        var body = await _source.OpenReadAsync(source.Uri, 0, source.Length, cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            // MD5 costs CPU on every byte: check the source ETag here only when the source store does not
            // already (an S3 whole-object read checks it itself), and hash for the destination only when it
            // will answer with a comparable single-PUT ETag.
            var sourceVerifies = body is ISelfVerifyingStream { VerifiesContent: true };
            var expectedMd5 = _options.VerifyMd5ETags && IsPlainMd5(source.ETag) && !sourceVerifies ? source.ETag : null;
            var destinationSinglePut = _destination is not S3ObjectStore s3 || source.Length <= s3.Options.MultipartThreshold;
            using var verifying = new VerifyingReadStream(body, source.Uri, source.Length, expectedMd5, tracker.BytesStreamed, cancellationToken,
                hash: _options.VerifyMd5ETags && destinationSinglePut && _destination is S3ObjectStore);
            ObjectInfo written;
            try
            {
                written = await _destination.WriteAsync(destination, verifying, source.Length, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The attempt may be retried: take its bytes back out of the progress.
                tracker.BytesStreamed(-verifying.BytesRead);
                throw;
            }
            try
            {
                // Normally a no-op: stores read to the end, where the body was already verified.
                await verifying.FinishAsync(cancellationToken).ConfigureAwait(false);
                if (verifying.Md5 is not null && IsPlainMd5(written.ETag) && !written.ETag!.Equals(verifying.Md5, StringComparison.OrdinalIgnoreCase))
                {
                    throw new StorageException(StorageErrorKind.Integrity, destination.ToString(),
                        $"write {destination}: destination ETag {written.ETag} differs from the MD5 of the bytes sent ({verifying.Md5}); corrupted in transit");
                }
            }
            catch (StorageException e) when (e.Kind == StorageErrorKind.Integrity)
            {
                await DeleteCorruptAsync(destination).ConfigureAwait(false);
                throw;
            }
            return written;
        }
    }

    /// <exception cref="StorageException">Integrity when the destination is missing or has the wrong length (a wrong one is deleted).</exception>
    private async Task<ObjectInfo> VerifyAsync(PlannedCopy plan, ObjectInfo? copied)
    {
        var destination = plan.Item.Destination;
        if (copied is null)
        {
            throw new StorageException(StorageErrorKind.Integrity, destination.ToString(),
                $"{destination}: missing after copying {plan.Source.Uri} to it");
        }
        if (copied.Length != plan.Source.Length)
        {
            await DeleteCorruptAsync(destination).ConfigureAwait(false);
            throw new StorageException(StorageErrorKind.Integrity, destination.ToString(),
                $"{destination}: {copied.Length} bytes after the copy, source {plan.Source.Uri} has {plan.Source.Length}");
        }
        return copied;
    }

    /// <summary>Best effort: a corrupt object must not stay behind looking like a finished copy.</summary>
    private async Task DeleteCorruptAsync(StorageUri uri)
    {
        using var timeout = new CancellationTokenSource(CleanupTimeout);
        try
        {
            await _destination.DeleteAsync(uri, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StorageException or OperationCanceledException)
        {
            // The integrity failure being thrown matters more; a rerun re-copies on size or ETag mismatch.
        }
    }

    /// <summary>
    /// Requests one object keeps in flight, so whole objects and multipart parts share one budget:
    /// a multipart write keeps up to the store's part concurrency uploading while the source streams.
    /// </summary>
    private int RequestsFor(long length)
    {
        // Only S3 sends parts in parallel; StoreCapabilities does not say how many.
        if (_destination is not S3ObjectStore s3)
        {
            return 1;
        }
        var options = s3.Options;
        if (_serverSide)
        {
            return length > options.CopyThreshold ? PartsInFlight(length, options.CopyPartSize, options.PartConcurrency) : 1;
        }
        return length > options.MultipartThreshold ? 1 + PartsInFlight(length, options.PartSize, options.PartConcurrency) : 1;
    }

    private static int PartsInFlight(long length, long preferredPartSize, int partConcurrency)
    {
        var partSize = Math.Max(preferredPartSize, (length + S3StoreOptions.MaxParts - 1) / S3StoreOptions.MaxParts);
        return (int)Math.Min(partConcurrency, (length + partSize - 1) / partSize);
    }

    /// <summary>True only when both ETags are single-part MD5s and they differ; anything else is not comparable.</summary>
    private bool ETagsDiffer(string? source, string? destination) => ETagsDiffer(source, destination, _options.VerifyMd5ETags);

    private static bool ETagsDiffer(string? source, string? destination, bool verify) =>
        verify && IsPlainMd5(source) && IsPlainMd5(destination) && !source!.Equals(destination, StringComparison.OrdinalIgnoreCase);

    /// <summary>A single-part S3 ETag: 32 hex digits (multipart ETags carry "-parts").</summary>
    private static bool IsPlainMd5(string? etag) => etag is { Length: 32 } && etag.All(char.IsAsciiHexDigit);

    /// <summary>
    /// Runs <paramref name="body"/> for every index within the budget. The first failure cancels the
    /// rest and is rethrown as is (not wrapped); cancellation by the caller throws <see cref="OperationCanceledException"/>.
    /// </summary>
    private static async Task RunAllAsync(IEnumerable<int> indices, Func<int, int> requestsFor, Func<int, CancellationToken, Task> body, RequestBudget budget, CancellationToken cancellationToken)
    {
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? firstFailure = null;
        // Each task asks for its permits before its first await, so the budget serves them in order.
        var tasks = indices.Select(async index =>
        {
            var taken = 0;
            try
            {
                taken = await budget.AcquireAsync(requestsFor(index), failFast.Token).ConfigureAwait(false);
                await body(index, failFast.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Cancellations caused by the first failure (or by the caller) are not failures of their own.
                if (e is not OperationCanceledException || !failFast.IsCancellationRequested)
                {
                    Interlocked.CompareExchange(ref firstFailure, e, null);
                }
                await failFast.CancelAsync().ConfigureAwait(false);
            }
            finally
            {
                if (taken > 0)
                {
                    budget.Release(taken);
                }
            }
        }).ToList();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        if (firstFailure is not null)
        {
            ExceptionDispatchInfo.Throw(firstFailure);
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    private sealed record PlannedCopy(CopyItem Item, ObjectInfo Source, ObjectInfo? CompleteDestination);
}
