using Stateport.Relocation.Copying;
using Stateport.Relocation.Planning;
using Stateport.Relocation.Snapshots;
using Stateport.Relocation.Verification;
using Stateport.Storage;

namespace Stateport.Relocation;

/// <summary>How a relocation runs.</summary>
public sealed record RelocateOptions
{
    /// <summary>Requests in flight; null = the copy engine's defaults (256 server-side, 32 streamed).</summary>
    public int? Parallelism { get; init; }

    /// <summary>Delete the source snapshot after the destination is verified.</summary>
    public bool Move { get; init; }

    /// <summary>With <see cref="Move"/>: also delete referenced files outside the snapshot directory (shared/), which other checkpoints may still use.</summary>
    public bool DeleteShared { get; init; }
}

/// <summary>What a relocation did.</summary>
public sealed record RelocationReport(
    RelocationPlan Plan,
    CopyReport Copy,
    VerifyReport DestinationVerification,
    bool AlreadyComplete,
    int SourceFilesDeleted);

/// <summary>
/// Runs a <see cref="RelocationPlan"/> safely: copy every file (resuming what is already there), verify
/// each, write the rewritten <c>_metadata</c> last, verify the destination as a whole, and only then — for
/// <c>--move</c> — delete the source (its metadata first, so a half-deleted source is never mistaken for a snapshot).
/// </summary>
public sealed class Relocator(IObjectStore source, IObjectStore destination)
{
    /// <summary>Messages for the user as steps complete (plain text; the CLI decides how to show them).</summary>
    public event Action<string>? Step;

    public async Task<RelocationReport> RunAsync(RelocationPlan plan, RelocateOptions options, IProgress<CopyProgress>? progress, CancellationToken cancellationToken)
    {
        var engine = new CopyEngine(source, destination, new CopyOptions { Parallelism = options.Parallelism });
        var items = plan.Files.Select(f => f.ToCopyItem()).ToList();
        var (destinationLock, inventory, existingMetadata) = await PrepareAsync(plan, engine, items, cancellationToken).ConfigureAwait(false);
        var alreadyComplete = existingMetadata is not null;
        await using var _ = destinationLock.ConfigureAwait(false);

        var copy = await engine.CopyAsync(items, inventory, new FailPointProgress(progress), cancellationToken).ConfigureAwait(false);
        Step?.Invoke($"copied {copy.Copied} file(s) ({copy.BytesServerSide} bytes server-side, {copy.BytesStreamed} bytes streamed), {copy.Skipped} already present");

        // The engine has verified every destination object (one listing per directory) against its source;
        // the metadata's own promises (sizes recorded in _metadata) are checked once more here.
        foreach (var (file, result) in plan.Files.Zip(copy.Results))
        {
            var length = result.Destination.Length;
            if ((file.File.ExactLength && file.File.RequiredLength >= 0 && length != file.File.RequiredLength) || length < file.File.RequiredLength)
            {
                throw new StorageException(StorageErrorKind.Integrity, file.Destination.ToString(),
                    $"{file.Destination}: {length} bytes, but _metadata records {file.File.RequiredLength}; _metadata was not written");
            }
        }

        FailPoints.Hit("before-metadata");
        var metadataObject = existingMetadata;
        if (metadataObject is null)
        {
            await destinationLock.EnsureHeldAsync(cancellationToken).ConfigureAwait(false);
            using var content = new MemoryStream(plan.NewMetadata, writable: false);
            metadataObject = await destination.WriteAsync(plan.DestinationMetadata, content, plan.NewMetadata.Length, cancellationToken).ConfigureAwait(false);
            Step?.Invoke($"wrote {plan.DestinationMetadata} ({plan.Rewrite.Changes.Count} path(s) rewritten)");
        }

        FailPoints.Hit("after-metadata");

        // Leftovers of an interrupted earlier run (temporary files, incomplete multipart uploads) are removed
        // while the destination is read back: every write of this run is done by now (the cleanup would
        // take the temporary file of one in flight), and the lock is still held.
        var cleanup = destination.CleanupInterruptedWritesAsync(plan.Destination, cancellationToken);
        var readBack = ReadBackAsync(plan, options, copy, metadataObject, cancellationToken);
        await Task.WhenAll(cleanup, readBack).ConfigureAwait(false);
        var leftovers = await cleanup.ConfigureAwait(false);
        if (leftovers > 0)
        {
            Step?.Invoke($"removed {leftovers} leftover(s) of an interrupted earlier run (temporary files or incomplete multipart uploads)");
        }
        var verification = await readBack.ConfigureAwait(false);
        if (!verification.Restorable)
        {
            var first = verification.Problems.First();
            throw new RelocationException($"destination failed verification ({first.Uri}: {first.Message}); the source was not touched");
        }
        Step?.Invoke($"verified {plan.Destination}: {verification.FilesChecked} referenced file(s) present with the recorded sizes");

        var deleted = 0;
        if (options.Move)
        {
            await destinationLock.EnsureHeldAsync(cancellationToken).ConfigureAwait(false);
            deleted = await DeleteSourceAsync(plan, options, cancellationToken).ConfigureAwait(false);
            Step?.Invoke($"deleted {deleted} source file(s){(options.DeleteShared ? "" : "; files outside the snapshot directory (shared/) were kept: other checkpoints may use them (--delete-shared deletes them)")}");
        }
        return new RelocationReport(plan, copy, verification, alreadyComplete, deleted);
    }

    /// <summary>
    /// The rewritten metadata read back (the object just written, or found by an earlier run, without looking it
    /// up again) and checked against the copies the engine has just listed and verified under this run's lock;
    /// --move lists the destination once more before deleting anything.
    /// </summary>
    private async Task<VerifyReport> ReadBackAsync(RelocationPlan plan, RelocateOptions options, CopyReport copy, ObjectInfo metadataObject, CancellationToken cancellationToken)
    {
        var loaded = await SnapshotLoader.LoadAsync(destination, metadataObject, cancellationToken).ConfigureAwait(false);
        return await SnapshotVerifier.VerifyAsync(loaded, _ => destination, new VerifyOptions
        {
            ForbiddenPrefixes = [plan.Source.DirectoryFlinkPath],
            Parallelism = options.Parallelism ?? 32,
            KnownObjects = options.Move ? null : copy.Results.ToDictionary(r => r.Item.Destination, r => r.Destination),
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Everything before the first copy, overlapped where it is safe: the source is listed (read only, no lock
    /// needed) while the destination is checked and claimed, and the destination is listed while the claim
    /// settles; nothing is written there (not even a cleanup) before the lock is confirmed.
    /// </summary>
    private async Task<(DestinationLock Lock, CopyInventory Inventory, ObjectInfo? ExistingMetadata)> PrepareAsync(
        RelocationPlan plan, CopyEngine engine, List<CopyItem> items, CancellationToken cancellationToken)
    {
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sourceStats = engine.StatSourcesAsync(items, abandon.Token);
        Task<DestinationLock>? claim = null;
        try
        {
            var existing = CheckExistingMetadataAsync(plan, cancellationToken);
            claim = DestinationLock.ClaimAsync(destination, plan.Destination, cancellationToken);
            await Task.WhenAll(existing, claim).ConfigureAwait(false);
            var existingMetadata = await existing.ConfigureAwait(false);
            var claimed = await claim.ConfigureAwait(false);
            var destinationStats = engine.StatDestinationsAsync(items, cancellationToken);
            await Task.WhenAll(claimed.ConfirmAsync(cancellationToken), destinationStats).ConfigureAwait(false);
            FailPoints.Hit("after-lock");
            var inventory = new CopyInventory(await sourceStats.ConfigureAwait(false), await destinationStats.ConfigureAwait(false));
            return (claimed, inventory, existingMetadata);
        }
        catch
        {
            await abandon.CancelAsync().ConfigureAwait(false);
            try
            {
                await sourceStats.ConfigureAwait(false);
            }
            catch (Exception e) when (e is StorageException or OperationCanceledException)
            {
                // The failure being thrown is the one to report.
            }
            // A claim that succeeded is released, whichever step failed after it (or beside it).
            if (claim is { IsCompletedSuccessfully: true })
            {
                await claim.Result.DisposeAsync().ConfigureAwait(false);
            }
            throw;
        }
    }

    /// <summary>The destination's metadata when it is already exactly this snapshot's rewritten one (a finished earlier run), else null.</summary>
    private async Task<ObjectInfo?> CheckExistingMetadataAsync(RelocationPlan plan, CancellationToken cancellationToken)
    {
        if (await destination.StatAsync(plan.DestinationMetadata, cancellationToken).ConfigureAwait(false) is not { } existing)
        {
            return null;
        }
        var bytes = await SnapshotLoader.ReadAllAsync(destination, existing, cancellationToken).ConfigureAwait(false);
        if (!bytes.AsSpan().SequenceEqual(plan.NewMetadata))
        {
            throw new RelocationException($"{plan.DestinationMetadata} already exists and holds a different snapshot; choose another destination");
        }
        Step?.Invoke($"destination already holds this snapshot's {plan.DestinationMetadata.Name}: checking its files");
        return existing;
    }

    /// <summary>
    /// --move deletes the source metadata first (a half-deleted source must never look like a snapshot),
    /// so a rerun after a crash mid-delete cannot find the source plan any more. The list of what to delete
    /// is therefore written to the destination first (<see cref="MoveJournalName"/>) and removed when done;
    /// <see cref="ResumeMoveAsync"/> finishes from it.
    /// </summary>
    public const string MoveJournalName = ".stateport-move-journal";

    private async Task<int> DeleteSourceAsync(RelocationPlan plan, RelocateOptions options, CancellationToken cancellationToken)
    {
        var victims = new List<StorageUri> { plan.Source.MetadataUri };
        victims.AddRange(plan.OwnedSourceFiles);
        if (options.DeleteShared)
        {
            victims.AddRange(plan.SharedSourceFiles);
        }
        var journal = plan.Destination.Append(MoveJournalName);
        var text = System.Text.Encoding.UTF8.GetBytes(string.Join('\n', victims.Select(v => v.ToString())) + "\n");
        using (var content = new MemoryStream(text, writable: false))
        {
            await destination.WriteAsync(journal, content, text.Length, cancellationToken).ConfigureAwait(false);
        }
        FailPoints.Hit("before-delete");
        var count = await DeleteAllAsync(victims, options.Parallelism ?? 32, cancellationToken).ConfigureAwait(false);
        await destination.DeleteAsync(journal, cancellationToken).ConfigureAwait(false);
        return count;
    }

    private async Task<int> DeleteAllAsync(List<StorageUri> victims, int parallelism, CancellationToken cancellationToken)
    {
        // The metadata (first entry) goes alone and first; the data files after it, in parallel.
        await source.DeleteAsync(victims[0], cancellationToken).ConfigureAwait(false);
        FailPoints.Hit("during-delete");
        var count = 1;
        await Parallel.ForEachAsync(victims.Skip(1), new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = cancellationToken }, async (uri, ct) =>
        {
            await source.DeleteAsync(uri, ct).ConfigureAwait(false);
            FailPoints.Hit("during-delete");
            Interlocked.Increment(ref count);
        }).ConfigureAwait(false);
        return count;
    }

    /// <summary>
    /// Finish a --move interrupted after the source metadata was deleted: the destination must hold a
    /// complete, verified snapshot and the move journal. Returns the number of files deleted, or null when
    /// there is nothing to resume.
    /// </summary>
    public async Task<int?> ResumeMoveAsync(StorageUri destinationDirectory, int parallelism, CancellationToken cancellationToken)
    {
        var journal = destinationDirectory.AsDirectory().Append(MoveJournalName);
        if (await destination.StatAsync(journal, cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }
        await using var destinationLock = await DestinationLock.AcquireAsync(destination, destinationDirectory, cancellationToken).ConfigureAwait(false);
        var loaded = await SnapshotLoader.LoadAsync(destination, destinationDirectory, cancellationToken).ConfigureAwait(false);
        var verification = await SnapshotVerifier.VerifyAsync(loaded, _ => destination, new VerifyOptions(), cancellationToken).ConfigureAwait(false);
        if (!verification.Restorable)
        {
            throw new RelocationException($"cannot finish the interrupted move: the destination {destinationDirectory} does not verify; the source was left as it is");
        }
        var text = System.Text.Encoding.UTF8.GetString(await SnapshotLoader.ReadAllAsync(destination, journal, cancellationToken).ConfigureAwait(false));
        var victims = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(StorageUri.Parse).ToList();
        Step?.Invoke($"finishing an interrupted --move: {victims.Count} source object(s) listed in {journal}");
        var count = victims.Count == 0 ? 0 : await DeleteAllAsync(victims, parallelism, cancellationToken).ConfigureAwait(false);
        await destination.DeleteAsync(journal, cancellationToken).ConfigureAwait(false);
        return count;
    }

    /// <summary>Passes progress on and gives the crash tests their "after N objects" kill point.</summary>
    private sealed class FailPointProgress(IProgress<CopyProgress>? inner) : IProgress<CopyProgress>
    {
        private int _lastDone;

        public void Report(CopyProgress value)
        {
            inner?.Report(value);
            // Reports also arrive during large objects: count each newly finished object once.
            var last = Volatile.Read(ref _lastDone);
            while (value.ObjectsDone > last)
            {
                var seen = Interlocked.CompareExchange(ref _lastDone, value.ObjectsDone, last);
                if (seen == last)
                {
                    for (var i = last; i < value.ObjectsDone; i++)
                    {
                        FailPoints.Hit("after-object");
                    }
                    return;
                }
                last = seen;
            }
        }
    }
}
