namespace Stateport.Storage.FlinkConfig;

/// <summary>What a configured state location is used for.</summary>
public enum FlinkDirectoryRole
{
    Checkpoints,
    Savepoints,
    /// <summary>Changelog (DSTL) base path; files under &lt;base&gt;/&lt;job-id&gt;/dstl/.</summary>
    ChangelogBase,
    /// <summary>ForSt (2.x) primary directory.</summary>
    ForStPrimary,
    /// <summary>Snapshot to restore from.</summary>
    RecoveryPath,
}

/// <summary>A state location from the configuration, with the key that provided it.</summary>
public sealed record FlinkStateDirectory(
    FlinkDirectoryRole Role,
    string Value,
    string Key,
    string Provenance,
    bool FromDeprecatedKey,
    string? Note)
{
    /// <summary>The parsed location, or null when it is not a valid URI or path.</summary>
    public StorageUri? Uri => StorageUri.TryParse(Value, out var uri, out _) ? uri : null;

    public override string ToString() =>
        $"{Role}: {FlinkSecrets.RedactUserInfo(Value)} (from {Key}, {Provenance}{(FromDeprecatedKey ? ", deprecated key" : "")})";
}

/// <summary>Checkpoint and savepoint keys across versions (§3 of the Flink S3 reference).</summary>
internal static class FlinkStateDirectories
{
    private sealed record Rename(string Current, string[] Older, FlinkVersion? RenamedIn, FlinkDirectoryRole? Role = null);

    private static readonly FlinkVersion V120 = new(1, 20);

    private static readonly Rename[] Renames =
    [
        new("execution.checkpointing.dir", ["state.checkpoints.dir", "state.backend.fs.checkpointdir"], V120, FlinkDirectoryRole.Checkpoints),
        new("execution.checkpointing.savepoint-dir", ["state.savepoints.dir", "savepoints.state.backend.fs.dir"], V120, FlinkDirectoryRole.Savepoints),
        new("state.changelog.dstl.dfs.base-path", ["dstl.dfs.base-path"], null, FlinkDirectoryRole.ChangelogBase),
        new("state.backend.forst.primary-dir", [], null, FlinkDirectoryRole.ForStPrimary),
        new("execution.state-recovery.path", ["execution.savepoint.path"], V120, FlinkDirectoryRole.RecoveryPath),
        new("execution.checkpointing.storage", ["state.checkpoint-storage"], V120),
        new("state.backend.type", ["state.backend"], new FlinkVersion(1, 17)),
        new("execution.checkpointing.incremental", ["state.backend.incremental"], V120),
        new("execution.checkpointing.create-subdir", ["state.checkpoints.create-subdir"], V120),
        new("execution.checkpointing.num-retained", ["state.checkpoints.num-retained"], V120),
        new("execution.checkpointing.data-inline-threshold", ["state.storage.fs.memory-threshold", "state.backend.fs.memory-threshold"], V120),
        new("execution.checkpointing.write-buffer-size", ["state.storage.fs.write-buffer-size", "state.backend.fs.write-buffer-size"], V120),
        new("execution.state-recovery.claim-mode", ["execution.savepoint-restore-mode"], V120),
        new("execution.state-recovery.ignore-unclaimed-state", ["execution.savepoint.ignore-unclaimed-state"], V120),
        new("execution.state-recovery.from-local", ["state.backend.local-recovery"], V120),
        new("execution.checkpointing.local-backup.dirs", ["taskmanager.state.local.root-dirs"], V120),
        new("state.changelog.enabled", ["state.backend.changelog.enabled"], null),
        new("state.changelog.storage", ["state.backend.changelog.storage"], null),
    ];

    /// <summary>Reports renamed keys and returns the state locations in role order.</summary>
    public static List<FlinkStateDirectory> Resolve(FlinkConfiguration config, FlinkVersion? version, List<FlinkFinding> findings)
    {
        var directories = new List<FlinkStateDirectory>();
        foreach (var rename in Renames)
        {
            var current = config[rename.Current];
            // A version before the rename does not know the new key at all.
            var currentKnown = rename.RenamedIn is null || version is null || version.CompareTo(rename.RenamedIn) >= 0;
            if (current is not null && !currentKnown)
            {
                findings.Add(new(FlinkFindingSeverity.Warn, current.Key, current.Provenance,
                    $"Flink {version} does not know this key (added in {rename.RenamedIn}); it is ignored",
                    $"{rename.Older[0]}: {current.DisplayValue}"));
                current = null;
            }
            var older = rename.Older.Select(k => config[k]).OfType<FlinkConfigEntry>().ToList();
            foreach (var old in older)
            {
                var deprecatedSince = rename.RenamedIn is null ? "" : $" since {rename.RenamedIn}";
                if (version is not null && rename.RenamedIn is not null && version.CompareTo(rename.RenamedIn) < 0)
                {
                    if (old.Key != rename.Older[0])
                    {
                        findings.Add(new(FlinkFindingSeverity.Info, old.Key, old.Provenance, $"old name of {rename.Older[0]}"));
                    }
                    continue;
                }
                var shadowed = current is not null ? $"; {rename.Current} ({current.Provenance}) is also set and wins" : "";
                findings.Add(new(current is not null ? FlinkFindingSeverity.Warn : FlinkFindingSeverity.Info, old.Key, old.Provenance,
                    $"deprecated key{deprecatedSince}, renamed to {rename.Current}{shadowed}",
                    current is null ? $"{rename.Current}: {old.DisplayValue}" : $"remove {old.Key}"));
            }
            if (older.Count > 1 && current is null && older.Select(o => o.Value).Distinct().Count() > 1)
            {
                findings.Add(new(FlinkFindingSeverity.Warn, older[0].Key, older[0].Provenance,
                    $"several old names of {rename.Current} are set with different values; which one Flink uses is unverified, the tool uses {older[0].Key}",
                    $"{rename.Current}: {older[0].DisplayValue}"));
            }
            if (rename.Role is not { } role)
            {
                continue;
            }
            var source = current ?? older.FirstOrDefault();
            if (source is not null)
            {
                var note = source == current ? null
                    : version is not null && rename.RenamedIn is not null && version.CompareTo(rename.RenamedIn) < 0
                        ? $"the name Flink {version} reads; renamed to {rename.Current} in {rename.RenamedIn}"
                        : $"deprecated key; {rename.Current} is the current name";
                directories.Add(new FlinkStateDirectory(role, source.Value, source.Key, source.Provenance, source != current, note));
            }
        }
        foreach (var entry in config.Entries.Where(e => e.Key.StartsWith("state.checkpoints.file-merging.", StringComparison.Ordinal)))
        {
            findings.Add(new(FlinkFindingSeverity.Warn, entry.Key, entry.Provenance,
                "pre-release name (unverified); Flink 1.20+ reads execution.checkpointing.file-merging.*",
                $"execution.checkpointing.file-merging.{entry.Key["state.checkpoints.file-merging.".Length..]}: {entry.DisplayValue}"));
        }
        return directories;
    }
}
