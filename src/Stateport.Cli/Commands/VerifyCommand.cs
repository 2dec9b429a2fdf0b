using System.CommandLine;
using Stateport.Cli.Rendering;
using Stateport.Relocation.Snapshots;
using Stateport.Relocation.Verification;
using Stateport.Storage;

namespace Stateport.Cli.Commands;

internal static class VerifyCommand
{
    public static Command Create(CliContext context)
    {
        var snapshot = new Argument<string>("snapshot") { Description = "Snapshot directory or its metadata file (local path, file:, s3://, s3a://, s3p://)" };
        var forbid = new Option<string[]>("--forbid-prefix") { Description = "A reference under this prefix is a problem (e.g. the old bucket after a move); repeatable", HelpName = "PREFIX" };
        var selfContained = new Option<bool>("--self-contained") { Description = "References outside the snapshot directory are problems, not just warnings" };
        var deep = new Option<bool>("--deep") { Description = "Also read each RocksDB SST file's footer and check its magic number" };
        var parallel = new Option<int>("--parallel") { Description = "Checks in flight", DefaultValueFactory = _ => 32 };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var storage = StorageOptions.ForOneLocation();
        var command = new Command("verify", "Check that a snapshot is restorable from where it is: every referenced file exists with the recorded size, nothing points at a forbidden location.")
        {
            snapshot,
            forbid,
            selfContained,
            deep,
            parallel,
            json,
        };
        storage.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var stores = new Stores(parse, storage, context);
            var (uri, store) = stores.Open(parse.GetValue(snapshot)!, Side.Source, "snapshot");
            LoadedSnapshot loaded;
            try
            {
                loaded = await SnapshotLoader.LoadAsync(store, uri, cancellationToken);
            }
            catch (SnapshotException e) when (e.Message.Contains("not a complete snapshot", StringComparison.Ordinal))
            {
                // An in-flight or broken copy is a finding of verify, not bad usage.
                Report(context, parse.GetValue(json), uri.ToString(), null, [new Finding(FindingKind.Missing, uri.AsDirectory().Append(SnapshotLoader.MetadataFileName).ToString(), e.Message, true)]);
                return ExitCodes.ProblemsFound;
            }
            var report = await SnapshotVerifier.VerifyAsync(
                loaded,
                u => u.IsS3 == uri.IsS3 ? stores.Open(u.ToString(), Side.Source, "reference").Store : throw new StorageException(StorageErrorKind.Other, u.ToString(), $"{u}: a snapshot on {(uri.IsS3 ? "S3" : "local disk")} references {(u.IsS3 ? "S3" : "local disk")}"),
                new VerifyOptions
                {
                    ForbiddenPrefixes = parse.GetValue(forbid) ?? [],
                    RequireSelfContained = parse.GetValue(selfContained),
                    Deep = parse.GetValue(deep),
                    Parallelism = Math.Max(1, parse.GetValue(parallel)),
                },
                cancellationToken);
            Report(context, parse.GetValue(json), uri.ToString(), report, report.Findings);
            return report.Restorable ? ExitCodes.Success : ExitCodes.ProblemsFound;
        });
        return command;
    }

    private static void Report(CliContext context, bool json, string location, VerifyReport? report, IReadOnlyList<Finding> findings)
    {
        var problems = findings.Count(f => f.IsProblem);
        var warnings = findings.Count - problems;
        if (json)
        {
            Json.Write(context, j =>
            {
                j.WriteStartObject();
                j.WriteString("location", location);
                j.WriteString("metadataFile", report?.Snapshot.MetadataUri.ToString());
                j.WriteBoolean("restorable", problems == 0);
                j.WriteNumber("filesChecked", report?.FilesChecked ?? 0);
                j.WriteNumber("bytesReferenced", report?.BytesReferenced ?? 0);
                j.WriteNumber("deepChecked", report?.DeepChecked ?? 0);
                j.WriteNumber("problemCount", problems);
                j.WriteNumber("warningCount", warnings);
                j.WriteStartArray("findings");
                foreach (var f in findings)
                {
                    j.WriteStartObject();
                    j.WriteString("severity", f.IsProblem ? "problem" : "warning");
                    j.WriteString("kind", f.Kind.ToString());
                    j.WriteString("uri", f.Uri);
                    j.WriteString("message", f.Message);
                    j.WriteEndObject();
                }
                j.WriteEndArray();
                j.WriteEndObject();
            });
            return;
        }
        foreach (var f in findings)
        {
            context.Out.WriteLine($"{(f.IsProblem ? "PROBLEM" : "warning")}  {f.Kind,-15}  {(f.Uri.Length > 0 ? f.Uri + ": " : "")}{f.Message}");
        }
        if (report is null)
        {
            context.Out.WriteLine($"NOT RESTORABLE: {location} is not a complete snapshot");
            return;
        }
        var summary = $"{Units.Count(report.FilesChecked)} referenced file(s), {Units.Bytes(report.BytesReferenced)}{(report.DeepChecked > 0 ? $", {report.DeepChecked} SST footer(s) checked" : "")}";
        context.Out.WriteLine(problems == 0
            ? $"RESTORABLE: {report.Snapshot.MetadataUri.ToDisplayString()}: {summary}{(warnings > 0 ? $"; {warnings} warning(s)" : "")}"
            : $"NOT RESTORABLE: {report.Snapshot.MetadataUri.ToDisplayString()}: {problems} problem(s) in {summary}");
    }
}
