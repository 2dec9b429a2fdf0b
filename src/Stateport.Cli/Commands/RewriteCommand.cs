using System.CommandLine;
using Stateport.Cli.Rendering;
using Stateport.Metadata;
using Stateport.Metadata.Paths;
using Stateport.Relocation.Snapshots;
using Stateport.Storage;

namespace Stateport.Cli.Commands;

internal static class RewriteCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("in") { Description = "Snapshot directory or metadata file to read (never modified)" };
        var output = new Argument<string>("out") { Description = "Where to write the rewritten metadata: a directory (gets _metadata) or a file path" };
        var map = new Option<string[]>("--map") { Description = "Prefix rule FROM=TO applied to every absolute path; repeatable, the longest FROM wins", HelpName = "FROM=TO", AllowMultipleArgumentsPerToken = false };
        var allowUnmapped = new Option<bool>("--allow-unmapped") { Description = "Keep absolute paths that no --map rule covers (default: fail and list them)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the before → after table; write nothing" };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var storage = StorageOptions.ForTwoLocations();
        var command = new Command("rewrite", "Rewrite the absolute locations inside a snapshot's _metadata (offline; every format version).")
        {
            input,
            output,
            map,
            allowUnmapped,
            dryRun,
            json,
        };
        storage.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var rules = (parse.GetValue(map) ?? []).Select(PrefixRule.Parse).ToList();
            await using var stores = new Stores(parse, storage, context);
            var (inUri, inStore) = stores.Open(parse.GetValue(input)!, Side.Source, "in");
            var (outLocation, outStore) = stores.Open(parse.GetValue(output)!, Side.Destination, "out");
            var loaded = await SnapshotLoader.LoadAsync(inStore, inUri, cancellationToken);
            var outUri = await ResolveOutputAsync(outStore, outLocation, cancellationToken);
            if (outUri == loaded.MetadataUri)
            {
                throw new CliException(ExitCodes.InvalidInput, $"out is the input metadata file {outUri.ToDisplayString()}: rewrite never modifies its input; write elsewhere");
            }

            var result = PathRewriter.Rewrite(loaded.Metadata, new PrefixMap(rules));
            if (rules.Count > 0 && result.Unmapped.Count > 0 && !parse.GetValue(allowUnmapped))
            {
                foreach (var path in result.Unmapped.Take(50))
                {
                    await context.Error.WriteLineAsync($"  unmapped: {path}");
                }
                if (result.Unmapped.Count > 50)
                {
                    await context.Error.WriteLineAsync($"  ... {result.Unmapped.Count - 50} more");
                }
                throw new CliException(ExitCodes.InvalidInput, $"{result.Unmapped.Count} absolute path(s) are not covered by any --map rule (listed above); add rules or pass --allow-unmapped");
            }

            // No change: the output is the input's bytes. Otherwise re-encode, and prove the result re-parses.
            var bytes = result.Changes.Count == 0 ? loaded.Bytes.ToArray() : MetadataWriter.ToArray(loaded.Metadata);
            if (result.Changes.Count > 0)
            {
                var check = MetadataReader.Read(bytes);
                if (check.Operators.Count != loaded.Metadata.Operators.Count)
                {
                    throw new InvalidOperationException("rewritten metadata does not re-parse to the same structure");
                }
            }

            var write = !parse.GetValue(dryRun);
            if (write)
            {
                using var content = new MemoryStream(bytes, writable: false);
                await outStore.WriteAsync(outUri, content, bytes.Length, cancellationToken);
            }

            if (parse.GetValue(json))
            {
                WriteJson(context, loaded.MetadataUri, outUri, result, bytes.Length, write);
            }
            else
            {
                WriteText(context, loaded.MetadataUri, outUri, result, bytes.Length, write);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>A directory (existing, or written with a trailing '/') gets _metadata; anything else is the file path.</summary>
    private static async Task<StorageUri> ResolveOutputAsync(IObjectStore store, StorageUri location, CancellationToken cancellationToken)
    {
        if (location.Key.EndsWith('/') || (location.IsLocal && Directory.Exists(location.LocalPath)))
        {
            return location.AsDirectory().Append(SnapshotLoader.MetadataFileName);
        }
        if (location.IsS3 && await store.StatAsync(location, cancellationToken) is null)
        {
            // An S3 "directory" is a prefix with objects under it.
            await foreach (var _ in store.ListAsync(location.AsDirectory(), cancellationToken))
            {
                return location.AsDirectory().Append(SnapshotLoader.MetadataFileName);
            }
        }
        return location;
    }

    private static void WriteText(CliContext context, StorageUri from, StorageUri to, RewriteResult result, int length, bool written)
    {
        var w = context.Out;
        if (result.Changes.Count > 0)
        {
            var table = new TextTable("FIELD", "BEFORE", "", "AFTER");
            foreach (var change in result.Changes)
            {
                table.Add(change.Field.ToString(), change.Before, "→", change.After);
            }
            table.Write(w, "");
        }
        foreach (var path in result.Unmapped)
        {
            w.WriteLine($"unmapped (kept): {path}");
        }
        var verb = written ? "wrote" : "would write (dry run)";
        w.WriteLine($"{verb} {to.ToDisplayString()}: {result.Changes.Count} path(s) rewritten, {Units.Count(length)} bytes, read from {from.ToDisplayString()}");
    }

    private static void WriteJson(CliContext context, StorageUri from, StorageUri to, RewriteResult result, int length, bool written)
        => Json.Write(context, j =>
        {
            j.WriteStartObject();
            j.WriteString("input", from.ToString());
            j.WriteString("output", to.ToString());
            j.WriteBoolean("written", written);
            j.WriteNumber("bytes", length);
            j.WriteStartArray("changes");
            foreach (var c in result.Changes)
            {
                j.WriteStartObject();
                j.WriteString("field", c.Field.ToString());
                j.WriteString("before", c.Before);
                j.WriteString("after", c.After);
                j.WriteNumber("operator", c.OperatorIndex);
                j.WriteNumber("subtask", c.SubtaskIndex);
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteStartArray("unmapped");
            foreach (var u in result.Unmapped)
            {
                j.WriteStringValue(u);
            }
            j.WriteEndArray();
            j.WriteEndObject();
        });
}
