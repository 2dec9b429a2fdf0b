using System.CommandLine;
using Stateport.Cli.Rendering;
using Stateport.Metadata.Inspection;
using Stateport.Relocation.Snapshots;

namespace Stateport.Cli.Commands;

internal static class InspectCommand
{
    public static Command Create(CliContext context)
    {
        var snapshot = new Argument<string>("snapshot") { Description = "Snapshot directory or its metadata file (local path, file:, s3://, s3a://, s3p://)" };
        var json = new Option<bool>("--json") { Description = "Machine-readable output (schema in docs/json.md)" };
        var all = new Option<bool>("--all") { Description = "List every referenced file (default: the first 20 of each group)" };
        var storage = StorageOptions.ForOneLocation();
        var command = new Command("inspect", "Show what a snapshot holds: version, operators, handles, referenced files, and whether it can be moved as is.")
        {
            snapshot,
            json,
            all,
        };
        storage.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var stores = new Stores(parse, storage, context);
            var location = parse.GetValue(snapshot)!;
            var (uri, store) = stores.Open(location, Side.Source, "snapshot");
            var loaded = await SnapshotLoader.LoadAsync(store, uri, cancellationToken);
            var summary = SnapshotSummary.Create(loaded.Metadata, loaded.DirectoryFlinkPath);
            if (parse.GetValue(json))
            {
                InspectRenderer.WriteJson(context, uri.ToString(), loaded.MetadataUri.ToString(), loaded.Bytes.Length, summary);
            }
            else
            {
                InspectRenderer.WriteText(context.Out, loaded.MetadataUri.ToDisplayString(), loaded.Bytes.Length, summary, parse.GetValue(all));
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
