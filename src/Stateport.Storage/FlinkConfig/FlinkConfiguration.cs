using System.Text;

namespace Stateport.Storage.FlinkConfig;

/// <summary>How a configuration file is parsed.</summary>
public enum FlinkConfigFormat
{
    /// <summary><c>flink-conf.yaml</c>: Flink's line-based "key: value" reader, not YAML.</summary>
    Legacy,
    /// <summary><c>config.yaml</c> (1.19+): standard YAML 1.1, flattened.</summary>
    Yaml,
}

/// <summary>Where a key's value came from.</summary>
public enum FlinkConfigOrigin
{
    File,
    FlinkProperties,
    DynamicProperty,
}

/// <summary>
/// One configuration key as Flink would see it. <see cref="ToString"/> redacts secret values;
/// read <see cref="Value"/> only to use it.
/// </summary>
public sealed record FlinkConfigEntry
{
    public required string Key { get; init; }

    /// <summary>The string Flink reads (lists rendered as "[a, b]").</summary>
    public required string Value { get; init; }

    /// <summary>The elements when the value is a YAML list; null otherwise.</summary>
    public IReadOnlyList<string>? Items { get; init; }

    /// <summary>"flink-conf.yaml:3", "FLINK_PROPERTIES" or "-D".</summary>
    public required string Provenance { get; init; }

    public FlinkConfigOrigin Origin { get; init; }

    /// <summary>True when the legacy parser cut this value at a '#' that was part of it.</summary>
    public bool CutAtHash { get; init; }

    /// <summary>Provenances of earlier values of this key that this one replaced (last value wins).</summary>
    public IReadOnlyList<string> Replaced { get; init; } = [];

    public bool IsSecret => FlinkSecrets.IsSecretKey(Key);

    /// <summary>The value for display (redacted when secret).</summary>
    public string DisplayValue => FlinkSecrets.Display(Key, Value);

    public override string ToString() => $"{Key}: {DisplayValue} ({Provenance})";

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(ToString());
        return true;
    }
}

/// <summary>
/// A Flink configuration after parsing the chosen file and applying the overlays
/// (<c>FLINK_PROPERTIES</c>, then <c>-D</c>), with the loader's findings.
/// </summary>
public sealed class FlinkConfiguration
{
    private readonly Dictionary<string, FlinkConfigEntry> _entries = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly List<FlinkFinding> _findings = [];

    public FlinkConfiguration(string fileName, FlinkConfigFormat format, FlinkVersion? version = null)
    {
        FileName = fileName;
        Format = format;
        Version = version;
        FileChoice = fileName;
    }

    /// <summary>File name only ("flink-conf.yaml"), used in provenance and as <see cref="S3Settings.Source"/>.</summary>
    public string FileName { get; }

    /// <summary>Full path of the file read; null when parsed from text.</summary>
    public string? FilePath { get; internal set; }

    public FlinkConfigFormat Format { get; }

    /// <summary>The Flink version given or inferred; null when unknown.</summary>
    public FlinkVersion? Version { get; internal set; }

    /// <summary>Which file was read and why ("flink-conf.yaml (Flink 1.20 prefers it over config.yaml)").</summary>
    public string FileChoice { get; internal set; }

    /// <summary>Keys in order of first appearance.</summary>
    public IReadOnlyList<FlinkConfigEntry> Entries => _order.Select(k => _entries[k]).ToList();

    public IReadOnlyList<FlinkFinding> Findings => _findings;

    public FlinkConfigEntry? this[string key] => _entries.GetValueOrDefault(key);

    public bool TryGet(string key, out FlinkConfigEntry entry) => _entries.TryGetValue(key, out entry!);

    public string? GetValue(string key) => _entries.TryGetValue(key, out var entry) ? entry.Value : null;

    internal void Set(FlinkConfigEntry entry)
    {
        if (_entries.TryGetValue(entry.Key, out var previous))
        {
            entry = entry with { Replaced = [.. previous.Replaced, previous.Provenance] };
        }
        else
        {
            _order.Add(entry.Key);
        }
        _entries[entry.Key] = entry;
    }

    internal void AddFinding(FlinkFinding finding) => _findings.Add(finding);

    /// <summary>All keys with redacted values and provenance, one per line.</summary>
    public string DescribeKeys()
    {
        var builder = new StringBuilder();
        foreach (var entry in Entries)
        {
            builder.Append(entry.ToString()).Append('\n');
        }
        return builder.ToString();
    }

    public override string ToString() => $"{FileChoice}: {_entries.Count} keys, {_findings.Count} findings";
}
