using Stateport.Relocation.Copying;
using Stateport.Relocation.Planning;
using Stateport.Relocation.Snapshots;
using Stateport.Relocation.Verification;
using Stateport.Storage;

namespace Stateport.Relocation;

/// <summary>How a relocation runs.</summary>
public sealed record RelocateOptions
{
    public int Parallelism { get; init; } = 16;

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
        var existing = await destination.StatAsync(plan.DestinationMetadata, cancellationToken).ConfigureAwait(false);
        var alreadyComplete = false;
        if (existing is not null)
        {
            var bytes = await SnapshotLoader.ReadAllAsync(destination, plan.DestinationMetadata, cancellationToken).ConfigureAwait(false);
            if (!bytes.AsSpan().SequenceEqual(plan.NewMetadata))
            {
                throw new RelocationException($"{plan.DestinationMetadata} already exists and holds a different snapshot; choose another destination");
            }
            alreadyComplete = true;
            Step?.Invoke($"destination already holds this snapshot's {plan.DestinationMetadata.Name}: checking its files");
        }

        var engine = new CopyEngine(source, destination, new CopyOptions { Parallelism = options.Parallelism });
        var copy = await engine.CopyAsync(plan.Files.Select(f => f.ToCopyItem()).ToList(), progress, cancellationToken).ConfigureAwait(false);
        Step?.Invoke($"copied {copy.Copied} file(s) ({copy.BytesServerSide} bytes server-side, {copy.BytesStreamed} bytes streamed), {copy.Skipped} already present");

        // Every object is verified by the engine; check the whole set once more before the metadata makes it a snapshot.
        foreach (var file in plan.Files)
        {
            var info = await destination.StatAsync(file.Destination, cancellationToken).ConfigureAwait(false);
            if (info is null || (file.File.ExactLength && file.File.RequiredLength >= 0 && info.Length != file.File.RequiredLength) || info.Length < file.File.RequiredLength)
            {
                throw new StorageException(StorageErrorKind.Integrity, file.Destination.ToString(),
                    $"{file.Destination}: {(info is null ? "missing" : $"{info.Length} bytes, expected {file.File.RequiredLength}")} after copy; _metadata was not written");
            }
        }

        if (!alreadyComplete)
        {
            using var content = new MemoryStream(plan.NewMetadata, writable: false);
            await destination.WriteAsync(plan.DestinationMetadata, content, plan.NewMetadata.Length, cancellationToken).ConfigureAwait(false);
            Step?.Invoke($"wrote {plan.DestinationMetadata} ({plan.Rewrite.Changes.Count} path(s) rewritten)");
        }

        var loaded = await SnapshotLoader.LoadAsync(destination, plan.DestinationMetadata, cancellationToken).ConfigureAwait(false);
        var verification = await SnapshotVerifier.VerifyAsync(loaded, _ => destination, new VerifyOptions
        {
            ForbiddenPrefixes = [plan.Source.DirectoryFlinkPath],
            Parallelism = options.Parallelism,
        }, cancellationToken).ConfigureAwait(false);
        if (!verification.Restorable)
        {
            var first = verification.Problems.First();
            throw new RelocationException($"destination failed verification ({first.Uri}: {first.Message}); the source was not touched");
        }
        Step?.Invoke($"verified {plan.Destination}: {verification.FilesChecked} referenced file(s) present with the recorded sizes");

        var deleted = 0;
        if (options.Move)
        {
            deleted = await DeleteSourceAsync(plan, options, cancellationToken).ConfigureAwait(false);
            Step?.Invoke($"deleted {deleted} source file(s){(options.DeleteShared ? "" : "; files outside the snapshot directory (shared/) were kept: other checkpoints may use them (--delete-shared deletes them)")}");
        }
        return new RelocationReport(plan, copy, verification, alreadyComplete, deleted);
    }

    private async Task<int> DeleteSourceAsync(RelocationPlan plan, RelocateOptions options, CancellationToken cancellationToken)
    {
        // Metadata first: from then on the source is visibly not a snapshot, so a crash mid-delete cannot leave
        // a _metadata pointing at deleted files.
        await source.DeleteAsync(plan.Source.MetadataUri, cancellationToken).ConfigureAwait(false);
        var count = 1;
        var victims = plan.OwnedSourceFiles.ToList();
        if (options.DeleteShared)
        {
            victims.AddRange(plan.SharedSourceFiles);
        }
        await Parallel.ForEachAsync(victims, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallelism), CancellationToken = cancellationToken }, async (uri, ct) =>
        {
            await source.DeleteAsync(uri, ct).ConfigureAwait(false);
            Interlocked.Increment(ref count);
        }).ConfigureAwait(false);
        return count;
    }
}
