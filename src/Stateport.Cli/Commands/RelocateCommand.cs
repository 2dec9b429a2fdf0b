using System.CommandLine;
using Stateport.Cli.Rendering;
using Stateport.Metadata.Paths;
using Stateport.Relocation;
using Stateport.Relocation.Planning;
using Stateport.Relocation.Snapshots;

namespace Stateport.Cli.Commands;

internal static class RelocateCommand
{
    public static Command Create(CliContext context)
    {
        var source = new Argument<string>("src") { Description = "Snapshot directory or metadata file to relocate (local path, file:, s3://, s3a://, s3p://)" };
        var destination = new Argument<string>("dst") { Description = "Directory the snapshot is copied to; its _metadata is rewritten to point there" };
        var move = new Option<bool>("--move") { Description = "Delete the source after the destination is verified (files outside the snapshot directory are kept unless --delete-shared)" };
        var deleteShared = new Option<bool>("--delete-shared") { Description = "With --move: also delete referenced files outside the snapshot directory (shared/); other checkpoints may still use them" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan (objects, bytes, rewrites) and touch nothing" };
        var map = new Option<string[]>("--map") { Description = "Place referenced files under FROM at TO instead of the default layout; repeatable", HelpName = "FROM=TO" };
        var parallel = new Option<int?>("--parallel") { Description = "Requests in flight (default: 256 for server-side copies, 32 when streaming through this host)" };
        var allowExternal = new Option<bool>("--allow-external-references") { Description = "Allow references outside the source bucket (or, locally, outside the checkpoint root)" };
        var json = new Option<bool>("--json") { Description = "Machine-readable summary" };
        var storage = StorageOptions.ForTwoLocations();
        var command = new Command("relocate", "Copy (or move) a snapshot and exactly the files it references to another location, rewrite its _metadata, and verify it.")
        {
            source,
            destination,
            move,
            deleteShared,
            dryRun,
            map,
            parallel,
            allowExternal,
            json,
        };
        storage.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(deleteShared) && !parse.GetValue(move))
            {
                throw new CliException(ExitCodes.InvalidInput, "--delete-shared only makes sense with --move");
            }
            await using var stores = new Stores(parse, storage, context);
            var (srcUri, srcStore) = stores.Open(parse.GetValue(source)!, Side.Source, "src");
            var (dstUri, dstStore) = stores.Open(parse.GetValue(destination)!, Side.Destination, "dst");
            var dstDirectory = dstUri.AsDirectory();
            LoadedSnapshot loaded;
            try
            {
                loaded = await SnapshotLoader.LoadAsync(srcStore, srcUri, cancellationToken);
            }
            catch (SnapshotException) when (parse.GetValue(move))
            {
                // A --move interrupted after the source metadata was deleted: finish it from the journal.
                var resumer = new Relocator(srcStore, dstStore);
                resumer.Step += message => context.Error.WriteLine(message);
                if (await resumer.ResumeMoveAsync(dstDirectory, Math.Max(1, parse.GetValue(parallel) ?? 32), cancellationToken) is not { } deletedCount)
                {
                    throw;
                }
                context.Out.WriteLine($"finished the interrupted move to {dstDirectory.ToDisplayString()}: {deletedCount} source object(s) deleted");
                context.Out.WriteLine($"restore with: flink run -s {dstDirectory.ToString().TrimEnd('/')} ...");
                return ExitCodes.Success;
            }
            if (dstDirectory.RelativeTo(loaded.Directory) is not null || loaded.Directory.RelativeTo(dstDirectory) is not null)
            {
                throw new CliException(ExitCodes.InvalidInput, $"destination {dstDirectory.ToDisplayString()} overlaps the source snapshot directory {loaded.Directory.ToDisplayString()}");
            }
            var plan = RelocationPlan.Create(loaded, dstDirectory, new RelocationOptions
            {
                Map = (parse.GetValue(map) ?? []).Select(PrefixRule.Parse).ToList(),
                AllowExternalReferences = parse.GetValue(allowExternal),
            });

            var asJson = parse.GetValue(json);
            if (parse.GetValue(dryRun))
            {
                RelocateRenderer.WritePlan(context, plan, asJson, parse.GetValue(move), parse.GetValue(deleteShared));
                return ExitCodes.Success;
            }

            var relocator = new Relocator(srcStore, dstStore);
            if (!asJson)
            {
                relocator.Step += message => context.Error.WriteLine(message);
                context.Error.WriteLine($"relocating {loaded.MetadataUri.ToDisplayString()} → {plan.Destination.ToDisplayString()}: {plan.Files.Count} file(s), {Units.Bytes(plan.TotalBytes)} ({srcStore.Describe()} → {dstStore.Describe()})");
            }
            var progress = asJson ? null : new ProgressLine(context.Error, context.IsTerminal);
            var report = await relocator.RunAsync(plan, new RelocateOptions
            {
                Parallelism = parse.GetValue(parallel) is { } p ? Math.Max(1, p) : null,
                Move = parse.GetValue(move),
                DeleteShared = parse.GetValue(deleteShared),
            }, progress, cancellationToken);
            progress?.Finish();
            RelocateRenderer.WriteResult(context, report, asJson);
            return ExitCodes.Success;
        });
        return command;
    }
}
