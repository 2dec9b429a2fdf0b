using System.Text;

namespace Stateport.Storage.FlinkConfig;

/// <summary>
/// A key as the active plugin sees it after its rewrite and mirrors ("fs.s3a.endpoint"), with the
/// Flink key and line it came from. <see cref="ToString"/> redacts secrets.
/// </summary>
public sealed record FlinkEffectiveKey(string Key, string Value, string SourceKey, string Provenance)
{
    public string DisplayValue => FlinkSecrets.IsSecretKey(Key) || FlinkSecrets.IsSecretKey(SourceKey) ? FlinkSecrets.Redact(Value) : Value;

    public override string ToString() =>
        SourceKey == Key ? $"{Key} = {DisplayValue} ({Provenance})" : $"{Key} = {DisplayValue} (from {SourceKey}, {Provenance})";

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(ToString());
        return true;
    }
}

/// <summary>One credential source in the plugin's chain, in order, and whether it supplied the credentials.</summary>
public sealed record FlinkCredentialStep(string Provider, bool Selected, string Detail)
{
    public override string ToString() => $"{Provider}{(Selected ? " [used]" : "")}: {Detail}";
}

/// <summary>
/// Entropy injection (<c>s3.entropy.key</c>): the marker is replaced by random characters in
/// checkpoint data-file paths and removed from metadata paths.
/// </summary>
public sealed record FlinkEntropy(string Key, int Length)
{
    /// <summary>Where metadata lives for a configured directory: the marker removed, doubled slashes collapsed.</summary>
    public string WithoutMarker(string path)
    {
        var index = path.IndexOf(Key, StringComparison.Ordinal);
        if (index < 0)
        {
            return path;
        }
        var removed = string.Concat(path.AsSpan(0, index), path.AsSpan(index + Key.Length));
        var schemeEnd = removed.IndexOf("://", StringComparison.Ordinal);
        var head = schemeEnd < 0 ? "" : removed[..(schemeEnd + 3)];
        var tail = removed[head.Length..];
        while (tail.Contains("//", StringComparison.Ordinal))
        {
            tail = tail.Replace("//", "/", StringComparison.Ordinal);
        }
        return head + tail;
    }
}

/// <summary>The result of importing a Flink configuration for one S3 plugin.</summary>
public sealed class FlinkS3Resolution
{
    private readonly Func<string, S3Settings> _settingsForBucket;

    internal FlinkS3Resolution(Func<string, S3Settings> settingsForBucket)
    {
        _settingsForBucket = settingsForBucket;
    }

    public required FlinkConfiguration Configuration { get; init; }

    /// <summary>The plugin whose rules were applied.</summary>
    public required FlinkS3Plugin Plugin { get; init; }

    /// <summary>Why this plugin ("given", "ENABLE_BUILT_IN_PLUGINS", "scheme s3p:// of execution.checkpointing.dir", "default").</summary>
    public required string PluginReason { get; init; }

    /// <summary>S3 plugins named in <c>ENABLE_BUILT_IN_PLUGINS</c>.</summary>
    public required IReadOnlyList<FlinkS3Plugin> EnabledPlugins { get; init; }

    /// <summary>Settings for buckets without per-bucket overrides.</summary>
    public required S3Settings Settings { get; init; }

    /// <summary>The plugin's credential chain in order, including skipped sources and why.</summary>
    public required IReadOnlyList<FlinkCredentialStep> CredentialChain { get; init; }

    /// <summary>False when the plugin disables aws-chunked uploads (native <c>s3.chunked-encoding.enabled: false</c>); null = default.</summary>
    public bool? UseChunkEncoding { get; init; }

    public FlinkEntropy? Entropy { get; init; }

    /// <summary>Every state location found (checkpoints, savepoints, DSTL base, ForSt, recovery path).</summary>
    public required IReadOnlyList<FlinkStateDirectory> Directories { get; init; }

    public FlinkStateDirectory? CheckpointDirectory => Directories.FirstOrDefault(d => d.Role == FlinkDirectoryRole.Checkpoints);

    public FlinkStateDirectory? SavepointDirectory => Directories.FirstOrDefault(d => d.Role == FlinkDirectoryRole.Savepoints);

    /// <summary>Buckets that have per-bucket keys.</summary>
    public required IReadOnlyList<string> BucketsWithOverrides { get; init; }

    /// <summary>Keys as the plugin sees them after rewrite and mirrors.</summary>
    public required IReadOnlyList<FlinkEffectiveKey> EffectiveKeys { get; init; }

    /// <summary>Loader and resolver findings, in order of discovery. Never contain secret values.</summary>
    public required IReadOnlyList<FlinkFinding> Findings { get; init; }

    /// <summary>Settings for one bucket: per-bucket keys (fs.s3a.bucket.&lt;b&gt;.*, native s3.bucket.&lt;b&gt;.*) over the global ones.</summary>
    public S3Settings SettingsForBucket(string bucket) => _settingsForBucket(bucket);

    /// <summary>One line per effective key, secrets redacted.</summary>
    public string DescribeEffectiveKeys()
    {
        var builder = new StringBuilder();
        foreach (var key in EffectiveKeys.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            builder.Append(key.ToString()).Append('\n');
        }
        return builder.ToString();
    }

    /// <summary>"DynamicTemporaryAWSCredentialsProvider → WebIdentityTokenCredentialsProvider [used]".</summary>
    public string DescribeCredentialChain() =>
        string.Join(" → ", CredentialChain.Select(s => ShortName(s.Provider) + (s.Selected ? " [used]" : "")));

    private static string ShortName(string provider) => provider.Contains(' ', StringComparison.Ordinal) ? provider : provider[(provider.LastIndexOf('.') + 1)..];

    public override string ToString()
    {
        var builder = new StringBuilder();
        builder.Append("config: ").Append(Configuration.FileChoice).Append('\n');
        builder.Append("plugin: ").Append(FlinkKeySpelling.PluginName(Plugin)).Append(" (").Append(PluginReason).Append(")\n");
        builder.Append("endpoint: ").Append(Settings.Endpoint ?? "AWS").Append(", region: ").Append(Settings.Region ?? "(default)")
            .Append(", path style: ").Append(Settings.PathStyle?.ToString() ?? "(default)").Append(", list v").Append(Settings.ListVersion)
            .Append(", checksums: ").Append(Settings.RequestChecksums?.ToString() ?? "(default)").Append('\n');
        builder.Append("credentials: ").Append(Settings.Credentials.Describe()).Append('\n');
        builder.Append("chain: ").Append(DescribeCredentialChain()).Append('\n');
        foreach (var directory in Directories)
        {
            builder.Append(directory.ToString()).Append('\n');
        }
        if (Entropy is not null)
        {
            builder.Append("entropy: ").Append(Entropy.Key).Append(" x").Append(Entropy.Length).Append('\n');
        }
        foreach (var finding in Findings)
        {
            builder.Append(finding.ToString()).Append('\n');
        }
        return builder.ToString();
    }
}
