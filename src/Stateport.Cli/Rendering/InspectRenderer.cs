using System.Text.Json;
using Stateport.Metadata;
using Stateport.Metadata.Inspection;
using Stateport.Metadata.Model;
using Stateport.Metadata.Paths;

namespace Stateport.Cli.Rendering;

/// <summary>Renders <c>inspect</c>: a readable report, or the stable JSON schema (docs/json.md).</summary>
internal static class InspectRenderer
{
    public const int JsonSchemaVersion = 1;

    public static string VerdictText(Relocatability r) => r switch
    {
        Relocatability.SelfContained => "self-contained: moving the directory is enough",
        Relocatability.NeedsRewrite => "needs a rewrite: _metadata holds absolute paths into its own directory (use relocate or rewrite)",
        _ => "references files outside the snapshot directory (e.g. shared/): relocate copies them too and rewrites _metadata",
    };

    private static string VerdictCode(Relocatability r) => r switch
    {
        Relocatability.SelfContained => "self-contained",
        Relocatability.NeedsRewrite => "needs-rewrite",
        _ => "references-outside",
    };

    private static string LocationCode(ReferenceLocation l) => l switch
    {
        ReferenceLocation.Inside => "inside",
        ReferenceLocation.Outside => "outside",
        ReferenceLocation.Inline => "inline",
        _ => "unknown",
    };

    private static string FieldCode(PathField f) => f switch
    {
        PathField.AbsoluteFile => "file",
        PathField.SegmentFile => "segment-file",
        PathField.RelativeFile => "relative-file",
        PathField.InlineName => "inline-name",
        PathField.TaskOwnedDirectory => "task-owned-dir",
        _ => "shared-dir",
    };

    /// <summary>
    /// Checkpoint or savepoint: from the V4+ properties blob, else from Flink's directory naming
    /// (chk-N/, savepoint-xxxxxx-yyyyyyyyyyyy/).
    /// </summary>
    public static (string Kind, string? Source) SnapshotKindOf(SnapshotSummary s, string metadataLocation)
    {
        switch (s.Properties?.Kind)
        {
            case SnapshotKind.Checkpoint:
                return ("checkpoint", "properties");
            case SnapshotKind.Savepoint:
                return ("savepoint", "properties");
        }
        var parts = metadataLocation.Split('/');
        var directory = parts.Length >= 2 ? parts[^2] : "";
        if (directory.StartsWith("chk-", StringComparison.Ordinal))
        {
            return ("checkpoint", "directory-name");
        }
        if (directory.StartsWith("savepoint-", StringComparison.Ordinal))
        {
            return ("savepoint", "directory-name");
        }
        return ("unknown", null);
    }

    public static void WriteText(TextWriter w, string metadataLocation, int metadataBytes, SnapshotSummary s, bool all)
    {
        var kind = s.Properties?.Kind is SnapshotKind.Checkpoint or SnapshotKind.Savepoint
            ? s.Properties.ToString()
            : SnapshotKindOf(s, metadataLocation) switch
            {
                ("unknown", _) => s.Version.HasPropertiesBlob() ? "kind not recorded" : "kind not recorded before format version 4",
                var (k, _) => $"{k} (from the directory name)",
            };
        w.WriteLine($"Snapshot      {metadataLocation} ({Units.Count(metadataBytes)} bytes)");
        w.WriteLine($"Format        version {(int)s.Version} ({s.Version.WrittenBy()}){LayoutNote(s)}");
        w.WriteLine($"Checkpoint    id {s.CheckpointId}, {kind}");
        w.WriteLine($"State         {Units.Bytes(s.TotalStateSize)} in {s.Operators.Count} operator(s), {s.MasterStateCount} master state(s)");
        var relative = s.References.Count(r => r.Kind == "relative");
        var inside = s.References.Count(r => r.Kind == "absolute" && r.Location == ReferenceLocation.Inside);
        var outside = s.References.Count(r => r.Kind == "absolute" && r.Location is ReferenceLocation.Outside or ReferenceLocation.Unknown);
        var inline = s.References.Where(r => r.Kind == "inline").ToList();
        w.WriteLine($"Files         {relative} relative, {inside} absolute inside the directory, {outside} absolute outside, {inline.Count} inline ({Units.Bytes(inline.Sum(r => Math.Max(0, r.Size)))})");
        w.WriteLine($"Verdict       {VerdictText(s.Relocatability)}");
        if (s.TrailerLength > 0)
        {
            w.WriteLine($"Note          {s.TrailerLength} unread byte(s) after the last operator (kept as is)");
        }
        w.WriteLine();

        w.WriteLine($"Operators ({s.Operators.Count})");
        var ops = new TextTable("#", "ID", "NAME", "UID", "PARALLELISM", "MAX", "SUBTASKS", "STATE");
        foreach (var op in s.Operators)
        {
            var subtasks = op.FullyFinished ? "finished" : op.FinishedSubtasks > 0 ? $"{op.SubtaskCount} ({op.FinishedSubtasks} finished)" : op.SubtaskCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
            ops.Add(op.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), op.Id, op.Name ?? "-", op.Uid ?? "-",
                op.Parallelism.ToString(System.Globalization.CultureInfo.InvariantCulture), op.MaxParallelism.ToString(System.Globalization.CultureInfo.InvariantCulture), subtasks, Units.Bytes(op.StateSize));
        }
        ops.Write(w);
        w.WriteLine();

        w.WriteLine("Handles");
        var handles = new TextTable("TYPE", "COUNT");
        foreach (var (name, count) in s.HandleCounts)
        {
            handles.Add(name, Units.Count(count));
        }
        handles.Write(w);

        WriteGroup(w, "Relative files (inside the directory)", s.References.Where(r => r.Kind == "relative"), all);
        WriteGroup(w, "Absolute files inside the directory", s.References.Where(r => r.Kind == "absolute" && r.Location == ReferenceLocation.Inside), all);
        WriteGroup(w, "Absolute files outside the directory", s.References.Where(r => r.Kind == "absolute" && r.Location is ReferenceLocation.Outside or ReferenceLocation.Unknown), all);
        WriteGroup(w, "Inline state (bytes inside _metadata; names are not dereferenced)", inline, all);
        if (s.Directories.Count > 0)
        {
            w.WriteLine();
            w.WriteLine($"File-merging directories ({s.Directories.Count})");
            foreach (var d in s.Directories)
            {
                w.WriteLine($"  {d}");
            }
        }
    }

    private static string LayoutNote(SnapshotSummary s) =>
        (s.ChannelLayout, s.ChangelogLayout) switch
        {
            (ChannelLayout.Flink111, ChangelogLayout.A) => ", Flink 1.11 channel layout, Flink 1.14 changelog layout",
            (ChannelLayout.Flink111, _) => ", Flink 1.11 channel-state layout",
            (_, ChangelogLayout.A) => ", Flink 1.14 changelog layout",
            _ => "",
        };

    private static void WriteGroup(TextWriter w, string title, IEnumerable<FileReference> references, bool all)
    {
        var list = references.ToList();
        if (list.Count == 0)
        {
            return;
        }
        const int Shown = 20;
        w.WriteLine();
        w.WriteLine($"{title} ({list.Count})");
        var table = new TextTable("SIZE", "HANDLES", "PATH");
        foreach (var r in all ? list : list.Take(Shown))
        {
            table.Add(Units.Bytes(r.Size), Units.Count(r.HandleCount), r.Path.Length == 0 ? "(unnamed)" : r.Path);
        }
        table.Write(w);
        if (!all && list.Count > Shown)
        {
            w.WriteLine($"  ... {list.Count - Shown} more (--all lists every one; --json too)");
        }
    }

    public static void WriteJson(CliContext context, string location, string metadataLocation, int metadataBytes, SnapshotSummary s) =>
        Json.Write(context, j => WriteJson(j, location, metadataLocation, metadataBytes, s));

    private static void WriteJson(Utf8JsonWriter j, string location, string metadataLocation, int metadataBytes, SnapshotSummary s)
    {
        j.WriteStartObject();
        j.WriteNumber("schemaVersion", JsonSchemaVersion);
        j.WriteString("location", location);
        j.WriteString("metadataFile", metadataLocation);
        j.WriteNumber("metadataBytes", metadataBytes);
        j.WriteNumber("formatVersion", (int)s.Version);
        j.WriteString("writtenBy", s.Version.WrittenBy());
        j.WriteNumber("checkpointId", s.CheckpointId);
        var (kind, kindSource) = SnapshotKindOf(s, metadataLocation);
        j.WriteString("snapshotKind", kind);
        j.WriteString("snapshotKindSource", kindSource);
        if (s.Properties?.Format is SavepointFormat.Canonical or SavepointFormat.Native)
        {
            j.WriteString("savepointFormat", s.Properties.Format == SavepointFormat.Native ? "native" : "canonical");
        }
        else
        {
            j.WriteNull("savepointFormat");
        }
        j.WriteNumber("masterStates", s.MasterStateCount);
        j.WriteNumber("totalStateSize", s.TotalStateSize);
        j.WriteString("relocatability", VerdictCode(s.Relocatability));
        j.WriteStartObject("layout");
        j.WriteString("channelState", s.ChannelLayout == ChannelLayout.Flink111 ? "1.11" : "1.12+");
        j.WriteString("changelog", s.ChangelogLayout == ChangelogLayout.A ? "1.14" : "1.15+");
        j.WriteEndObject();

        j.WriteStartArray("operators");
        foreach (var op in s.Operators)
        {
            j.WriteStartObject();
            j.WriteString("id", op.Id);
            j.WriteString("name", op.Name);
            j.WriteString("uid", op.Uid);
            j.WriteNumber("parallelism", op.Parallelism);
            j.WriteNumber("maxParallelism", op.MaxParallelism);
            j.WriteNumber("subtasks", op.SubtaskCount);
            j.WriteNumber("finishedSubtasks", op.FinishedSubtasks);
            j.WriteBoolean("fullyFinished", op.FullyFinished);
            j.WriteNumber("stateSize", op.StateSize);
            j.WriteEndObject();
        }
        j.WriteEndArray();

        j.WriteStartObject("handleCounts");
        foreach (var (name, count) in s.HandleCounts)
        {
            j.WriteNumber(name, count);
        }
        j.WriteEndObject();

        j.WriteStartObject("referenceCounts");
        j.WriteNumber("relative", s.References.Count(r => r.Kind == "relative"));
        j.WriteNumber("absoluteInside", s.References.Count(r => r.Kind == "absolute" && r.Location == ReferenceLocation.Inside));
        j.WriteNumber("absoluteOutside", s.References.Count(r => r.Kind == "absolute" && r.Location is ReferenceLocation.Outside or ReferenceLocation.Unknown));
        j.WriteNumber("inline", s.References.Count(r => r.Kind == "inline"));
        j.WriteEndObject();

        j.WriteStartArray("references");
        foreach (var r in s.References)
        {
            j.WriteStartObject();
            j.WriteString("kind", r.Kind);
            j.WriteString("path", r.Path);
            j.WriteNumber("size", r.Size);
            j.WriteString("location", LocationCode(r.Location));
            j.WriteString("field", FieldCode(r.Field));
            j.WriteNumber("handles", r.HandleCount);
            j.WriteEndObject();
        }
        j.WriteEndArray();

        j.WriteStartArray("directories");
        foreach (var d in s.Directories)
        {
            j.WriteStringValue(d);
        }
        j.WriteEndArray();
        j.WriteEndObject();
    }
}
