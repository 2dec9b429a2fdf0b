using Stateport.Relocation;
using Stateport.Relocation.Copying;
using Stateport.Relocation.Planning;

namespace Stateport.Cli.Rendering;

internal static class RelocateRenderer
{
    public static void WritePlan(CliContext context, RelocationPlan plan, bool json, bool move, bool deleteShared)
    {
        if (json)
        {
            Json.Write(context, j =>
            {
                j.WriteStartObject();
                j.WriteBoolean("dryRun", true);
                j.WriteString("source", plan.Source.MetadataUri.ToString());
                j.WriteString("destination", plan.Destination.ToString());
                j.WriteString("destinationMetadata", plan.DestinationMetadata.ToString());
                j.WriteNumber("objects", plan.Files.Count + 1);
                j.WriteNumber("bytes", plan.TotalBytes + plan.NewMetadata.Length);
                j.WriteStartArray("copies");
                foreach (var f in plan.Files)
                {
                    j.WriteStartObject();
                    j.WriteString("from", f.File.Uri.ToString());
                    j.WriteString("to", f.Destination.ToString());
                    j.WriteNumber("size", f.File.RequiredLength);
                    j.WriteString("placement", f.File.Placement.ToString());
                    j.WriteEndObject();
                }
                j.WriteEndArray();
                j.WriteStartArray("rewrites");
                foreach (var c in plan.Rewrite.Changes.DistinctBy(c => c.Before))
                {
                    j.WriteStartObject();
                    j.WriteString("before", c.Before);
                    j.WriteString("after", c.After);
                    j.WriteEndObject();
                }
                j.WriteEndArray();
                j.WriteStartArray("deletes");
                if (move)
                {
                    j.WriteStringValue(plan.Source.MetadataUri.ToString());
                    foreach (var uri in plan.OwnedSourceFiles.Concat(deleteShared ? plan.SharedSourceFiles : []))
                    {
                        j.WriteStringValue(uri.ToString());
                    }
                }
                j.WriteEndArray();
                j.WriteEndObject();
            });
            return;
        }
        var w = context.Out;
        w.WriteLine($"Plan (dry run, nothing touched): {plan.Source.MetadataUri.ToDisplayString()} → {plan.Destination.ToDisplayString()}");
        var table = new TextTable("SIZE", "PLACEMENT", "FROM", "", "TO");
        foreach (var f in plan.Files)
        {
            table.Add(Units.Bytes(f.File.RequiredLength), f.File.Placement.ToString(), f.File.Uri.ToDisplayString(), "→", f.Destination.ToDisplayString());
        }
        table.Add(Units.Bytes(plan.NewMetadata.Length), "metadata (last)", plan.Source.MetadataUri.ToDisplayString(), "→", plan.DestinationMetadata.ToDisplayString());
        table.Write(w);
        w.WriteLine($"{plan.Files.Count + 1} object(s), {Units.Bytes(plan.TotalBytes + plan.NewMetadata.Length)}; {plan.Rewrite.Changes.Count} path(s) in _metadata rewritten");
        foreach (var c in plan.Rewrite.Changes.DistinctBy(c => c.Before).Take(20))
        {
            w.WriteLine($"  rewrite {c.Before} → {c.After}");
        }
        if (move)
        {
            w.WriteLine($"--move: after verification, delete {plan.OwnedSourceFiles.Count() + 1} source object(s){(deleteShared ? $" and {plan.SharedSourceFiles.Count()} shared one(s)" : $"; keep {plan.SharedSourceFiles.Count()} outside the snapshot directory")}");
        }
    }

    public static void WriteResult(CliContext context, RelocationReport report, bool json)
    {
        var plan = report.Plan;
        if (json)
        {
            Json.Write(context, j =>
            {
                j.WriteStartObject();
                j.WriteString("source", plan.Source.MetadataUri.ToString());
                j.WriteString("destination", plan.Destination.ToString());
                j.WriteString("destinationMetadata", plan.DestinationMetadata.ToString());
                j.WriteString("restoreWith", plan.Destination.ToString().TrimEnd('/'));
                j.WriteBoolean("alreadyComplete", report.AlreadyComplete);
                j.WriteNumber("objects", plan.Files.Count + 1);
                j.WriteNumber("copied", report.Copy.Copied);
                j.WriteNumber("skipped", report.Copy.Skipped);
                j.WriteNumber("bytesServerSide", report.Copy.BytesServerSide);
                j.WriteNumber("bytesStreamed", report.Copy.BytesStreamed);
                j.WriteNumber("pathsRewritten", plan.Rewrite.Changes.Count);
                j.WriteNumber("verifiedFiles", report.DestinationVerification.FilesChecked);
                j.WriteNumber("sourceFilesDeleted", report.SourceFilesDeleted);
                j.WriteNumber("seconds", Math.Round(report.Copy.Elapsed.TotalSeconds, 3));
                j.WriteEndObject();
            });
            return;
        }
        context.Out.WriteLine($"relocated to {plan.Destination.ToDisplayString()} ({report.Copy.Copied} copied, {report.Copy.Skipped} already there, {plan.Rewrite.Changes.Count} path(s) rewritten, verified)");
        context.Out.WriteLine($"restore with: flink run -s {plan.Destination.ToString().TrimEnd('/')} ...");
    }

    internal static string Method(CopyMethod m) => m.ToString();
}
