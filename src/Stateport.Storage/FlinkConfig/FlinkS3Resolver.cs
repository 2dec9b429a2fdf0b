using System.Text.RegularExpressions;

namespace Stateport.Storage.FlinkConfig;

/// <summary>Inputs to <see cref="FlinkS3Resolver.Resolve"/> besides the configuration.</summary>
public sealed record FlinkS3ResolveOptions
{
    /// <summary>The plugin to apply; by default detected from ENABLE_BUILT_IN_PLUGINS, then the directory scheme, else hadoop.</summary>
    public FlinkS3Plugin? Plugin { get; init; }

    /// <summary>Overrides the configuration's version.</summary>
    public FlinkVersion? Version { get; init; }

    /// <summary>The ENABLE_BUILT_IN_PLUGINS value; when null it is taken from <see cref="Environment"/>.</summary>
    public string? EnableBuiltInPlugins { get; init; }

    /// <summary>The environment Flink runs with (IRSA variables, AWS_REGION, AWS_PROFILE); null means the process environment.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }
}

/// <summary>Applies an S3 plugin's key rewrite, mirrors and precedence to a Flink configuration.</summary>
public static partial class FlinkS3Resolver
{
    public static FlinkS3Resolution Resolve(FlinkConfiguration config, FlinkS3ResolveOptions? options = null)
    {
        options ??= new FlinkS3ResolveOptions();
        var environment = options.Environment ?? FlinkConfigLoader.ProcessEnvironment();
        var version = options.Version ?? config.Version;
        var findings = new List<FlinkFinding>(config.Findings);
        var directories = FlinkStateDirectories.Resolve(config, version, findings);
        var enabled = ParseEnabledPlugins(options.EnableBuiltInPlugins ?? environment.GetValueOrDefault("ENABLE_BUILT_IN_PLUGINS"), version, findings);
        var (plugin, reason) = ChoosePlugin(options.Plugin, enabled, directories, findings);
        CheckSchemes(plugin, enabled, directories, version, findings);
        if (plugin == FlinkS3Plugin.Native && version is not null && !version.AtLeast(2, 3))
        {
            findings.Add(new(FlinkFindingSeverity.Error, null, null, $"flink-s3-fs-native exists from Flink 2.3; Flink {version} has no such plugin"));
        }

        var rules = S3PluginRules.For(plugin);
        var keys = rules.EffectiveKeys(config, findings);
        AuditKeys(config, rules, findings);
        var context = new SettingsContext(rules, config, environment, version);
        var globalFindings = new List<FlinkFinding>();
        var global = context.Build(keys, null, globalFindings);
        findings.AddRange(globalFindings);

        var buckets = rules.BucketsIn(keys);
        var perBucket = new Dictionary<string, S3Settings>(StringComparer.Ordinal);
        foreach (var bucket in buckets)
        {
            var bucketFindings = new List<FlinkFinding>();
            perBucket[bucket] = context.Build(rules.ForBucket(keys, bucket), bucket, bucketFindings).Settings;
            findings.AddRange(bucketFindings.Except(globalFindings).Select(f => f with { Message = $"for bucket {bucket}: {f.Message}" }));
        }
        S3Settings ForBucket(string bucket)
        {
            if (perBucket.TryGetValue(bucket, out var cached))
            {
                return cached;
            }
            // A bucket not found by suffix matching (dotted names): match its prefix directly; findings were reported above.
            var merged = rules.ForBucket(keys, bucket);
            return merged.Count == keys.Count && merged.All(k => keys.TryGetValue(k.Key, out var v) && v == k.Value) ? global.Settings : context.Build(merged, bucket, []).Settings;
        }

        var entropy = ResolveEntropy(config, directories, findings);
        return new FlinkS3Resolution(ForBucket)
        {
            Configuration = config,
            Plugin = plugin,
            PluginReason = reason,
            EnabledPlugins = enabled,
            Settings = global.Settings,
            CredentialChain = global.Chain,
            UseChunkEncoding = global.UseChunkEncoding,
            Entropy = entropy,
            Directories = directories,
            BucketsWithOverrides = buckets,
            EffectiveKeys = keys.Values.ToList(),
            Findings = Deduplicate(findings),
        };
    }

    private static List<FlinkFinding> Deduplicate(List<FlinkFinding> findings) => findings.Distinct().ToList();

    private static List<FlinkS3Plugin> ParseEnabledPlugins(string? value, FlinkVersion? version, List<FlinkFinding> findings)
    {
        var result = new List<FlinkS3Plugin>();
        if (string.IsNullOrWhiteSpace(value))
        {
            return result;
        }
        foreach (var jar in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = PluginJarPattern().Match(jar);
            if (!match.Success)
            {
                if (jar.Contains("s3", StringComparison.OrdinalIgnoreCase))
                {
                    findings.Add(new(FlinkFindingSeverity.Error, "ENABLE_BUILT_IN_PLUGINS", "environment",
                        $"'{jar}' is not an exact jar name from opt/; the entrypoint prints 'Plugin {jar} does not exist. Exiting.' and exits 1",
                        version is null ? "ENABLE_BUILT_IN_PLUGINS=flink-s3-fs-hadoop-<exact version>.jar" : $"ENABLE_BUILT_IN_PLUGINS={FlinkKeySpelling.PluginJarName(FlinkS3Plugin.Hadoop, version)}"));
                }
                continue;
            }
            var plugin = match.Groups["kind"].Value switch
            {
                "presto" => FlinkS3Plugin.Presto,
                "native" => FlinkS3Plugin.Native,
                _ => FlinkS3Plugin.Hadoop,
            };
            var jarVersion = FlinkVersion.Parse(match.Groups["version"].Value);
            if (version is not null && (jarVersion.Major != version.Major || jarVersion.Minor != version.Minor || version.Patch is { } patch && patch != jarVersion.Patch))
            {
                findings.Add(new(FlinkFindingSeverity.Error, "ENABLE_BUILT_IN_PLUGINS", "environment",
                    $"{jar} does not match Flink {version}; the jar version must equal the image version, else the entrypoint exits with 'Plugin {jar} does not exist'",
                    $"ENABLE_BUILT_IN_PLUGINS={FlinkKeySpelling.PluginJarName(plugin, version)}"));
            }
            if (!result.Contains(plugin))
            {
                result.Add(plugin);
            }
        }
        return result;
    }

    private static (FlinkS3Plugin Plugin, string Reason) ChoosePlugin(
        FlinkS3Plugin? given, List<FlinkS3Plugin> enabled, List<FlinkStateDirectory> directories, List<FlinkFinding> findings)
    {
        if (given is { } explicitPlugin)
        {
            return (explicitPlugin, "given");
        }
        var s3Directories = directories.Where(d => d.Uri is { IsS3: true }).ToList();
        var schemes = s3Directories.Select(d => d.Uri!.Scheme).Distinct().ToList();
        if (enabled.Count == 1)
        {
            return (enabled[0], "ENABLE_BUILT_IN_PLUGINS");
        }
        if (schemes.Contains("s3p") && (enabled.Count == 0 || enabled.Contains(FlinkS3Plugin.Presto)))
        {
            return (FlinkS3Plugin.Presto, "scheme s3p://");
        }
        if (schemes.Contains("s3a") && (enabled.Count == 0 || enabled.Contains(FlinkS3Plugin.Hadoop)))
        {
            return (FlinkS3Plugin.Hadoop, "scheme s3a://");
        }
        if (enabled.Count > 1)
        {
            // One factory per scheme survives, by load order; the native factory declares a low priority.
            var pick = enabled.Contains(FlinkS3Plugin.Hadoop) ? FlinkS3Plugin.Hadoop : enabled.Contains(FlinkS3Plugin.Presto) ? FlinkS3Plugin.Presto : enabled[0];
            findings.Add(new(FlinkFindingSeverity.Warn, "ENABLE_BUILT_IN_PLUGINS", "environment",
                $"several S3 plugins are enabled ({string.Join(", ", enabled.Select(FlinkKeySpelling.PluginName))}) and claim s3://; which one serves it depends on load order. The tool assumes {FlinkKeySpelling.PluginName(pick)}; pass the plugin explicitly if that is wrong",
                "use s3a:// (hadoop) or s3p:// (presto) in the directories"));
            return (pick, "several plugins enabled; assumed");
        }
        findings.Add(new(FlinkFindingSeverity.Info, null, null,
            "S3 plugin unknown (no ENABLE_BUILT_IN_PLUGINS, no s3a:// or s3p:// directory); assuming flink-s3-fs-hadoop"));
        return (FlinkS3Plugin.Hadoop, "default");
    }

    private static void CheckSchemes(FlinkS3Plugin plugin, List<FlinkS3Plugin> enabled, List<FlinkStateDirectory> directories, FlinkVersion? version, List<FlinkFinding> findings)
    {
        foreach (var directory in directories.Where(d => d.Uri is { IsS3: true }))
        {
            var scheme = directory.Uri!.Scheme;
            var servedBy = scheme switch
            {
                "s3p" => [FlinkS3Plugin.Presto],
                "s3a" => [FlinkS3Plugin.Hadoop, FlinkS3Plugin.Native],
                "s3" => new[] { FlinkS3Plugin.Hadoop, FlinkS3Plugin.Presto, FlinkS3Plugin.Native },
                _ => [],
            };
            if (servedBy.Length == 0)
            {
                findings.Add(new(FlinkFindingSeverity.Error, directory.Key, directory.Provenance, $"no Flink S3 plugin serves {scheme}://", "use s3://, s3a:// or s3p://"));
                continue;
            }
            if (!servedBy.Contains(plugin))
            {
                findings.Add(new(FlinkFindingSeverity.Error, directory.Key, directory.Provenance,
                    $"{FlinkKeySpelling.PluginName(plugin)} does not serve {scheme}:// (UnsupportedFileSystemSchemeException); snapshot paths keep their scheme",
                    $"ENABLE_BUILT_IN_PLUGINS={(version is null ? FlinkKeySpelling.PluginName(servedBy[0]) + "-<exact version>.jar" : FlinkKeySpelling.PluginJarName(servedBy[0], version))}"));
            }
            else if (enabled.Count > 0 && !servedBy.Intersect(enabled).Any())
            {
                findings.Add(new(FlinkFindingSeverity.Error, directory.Key, directory.Provenance,
                    $"no enabled plugin serves {scheme}://",
                    $"ENABLE_BUILT_IN_PLUGINS={(version is null ? FlinkKeySpelling.PluginName(servedBy[0]) + "-<exact version>.jar" : FlinkKeySpelling.PluginJarName(servedBy[0], version))}"));
            }
            if (scheme == "s3" && enabled.Count > 1)
            {
                findings.Add(new(FlinkFindingSeverity.Warn, directory.Key, directory.Provenance,
                    "several enabled plugins claim s3://; Flink advises s3a:// (hadoop) or s3p:// (presto)"));
            }
        }
        if (directories.All(d => d.Role != FlinkDirectoryRole.Checkpoints))
        {
            findings.Add(new(FlinkFindingSeverity.Info, FlinkKeySpelling.CheckpointDirKey(version), null, "no checkpoint directory configured"));
        }
    }

    /// <summary>Reports S3-looking keys the plugin does not read, or reads under another spelling.</summary>
    private static void AuditKeys(FlinkConfiguration config, S3PluginRules rules, List<FlinkFinding> findings)
    {
        foreach (var entry in config.Entries)
        {
            var key = entry.Key;
            if (key.StartsWith("security.delegation.token.provider.", StringComparison.Ordinal))
            {
                AuditDelegationKey(entry, rules, findings);
                continue;
            }
            if (!S3PluginRules.LooksLikeS3Key(key))
            {
                continue;
            }
            var status = rules.Classify(key);
            if (status.Kind == KeyStatusKind.Read)
            {
                continue;
            }
            var setting = S3PluginRules.Recognize(key);
            var shownValue = entry.IsSecret ? "<value>" : entry.Value;
            var fix = setting is { } s ? FlinkKeySpelling.FixLine(rules.Plugin, s, shownValue) : null;
            if (status.Kind == KeyStatusKind.Ignored)
            {
                findings.Add(new(FlinkFindingSeverity.Warn, key, entry.Provenance, status.Message!, status.Fix ?? fix));
                continue;
            }
            var pluginName = FlinkKeySpelling.PluginName(rules.Plugin);
            if (setting is { } known)
            {
                var message = fix is not null
                    ? $"ignored by {pluginName}; its spelling is {FlinkKeySpelling.KeyFor(rules.Plugin, known)}"
                    : $"ignored by {pluginName}, which has no {Describe(known)} setting{NoEquivalentHint(rules.Plugin, known)}";
                findings.Add(new(FlinkFindingSeverity.Warn, key, entry.Provenance, message, fix));
            }
            else if (status.Kind == KeyStatusKind.NotRead)
            {
                findings.Add(new(FlinkFindingSeverity.Warn, key, entry.Provenance, $"ignored by {pluginName} (a key of another S3 plugin)"));
            }
            else
            {
                findings.Add(new(FlinkFindingSeverity.Warn, key, entry.Provenance, $"unknown S3 key for {pluginName} (typo?); it has no effect"));
            }
        }
    }

    private static void AuditDelegationKey(FlinkConfigEntry entry, S3PluginRules rules, List<FlinkFinding> findings)
    {
        var rest = entry.Key["security.delegation.token.provider.".Length..];
        var service = rest.Contains('.', StringComparison.Ordinal) ? rest[..rest.IndexOf('.', StringComparison.Ordinal)] : rest;
        if (service == "s3")
        {
            findings.Add(new(FlinkFindingSeverity.Warn, entry.Key, entry.Provenance,
                $"Flink 1.17.0 name; since 1.17.1 the service is {rules.DelegationService}",
                $"security.delegation.token.provider.{rules.DelegationService}{rest[service.Length..]}: {entry.DisplayValue}"));
        }
        else if (service.StartsWith("s3-", StringComparison.Ordinal) && service != rules.DelegationService)
        {
            findings.Add(new(FlinkFindingSeverity.Info, entry.Key, entry.Provenance,
                $"for another S3 plugin; {FlinkKeySpelling.PluginName(rules.Plugin)} reads security.delegation.token.provider.{rules.DelegationService}.*"));
        }
    }

    private static string Describe(FlinkS3Setting setting) => setting switch
    {
        FlinkS3Setting.ListVersion => "list-version",
        FlinkS3Setting.Ssl => "TLS flag",
        FlinkS3Setting.SessionToken => "session-token",
        FlinkS3Setting.Region => "region",
        _ => setting.ToString(),
    };

    private static string NoEquivalentHint(FlinkS3Plugin plugin, FlinkS3Setting setting) => (plugin, setting) switch
    {
        (FlinkS3Plugin.Presto, FlinkS3Setting.Region) => " (it takes the region from the endpoint: use a regional endpoint)",
        (_, FlinkS3Setting.ListVersion) => " (only flink-s3-fs-hadoop can switch to ListObjects v1)",
        (FlinkS3Plugin.Native, FlinkS3Setting.Ssl) => " (put http:// or https:// in s3.endpoint)",
        (FlinkS3Plugin.Presto, FlinkS3Setting.SessionToken) => " (temporary keys cannot be used)",
        _ => "",
    };

    private static FlinkEntropy? ResolveEntropy(FlinkConfiguration config, List<FlinkStateDirectory> directories, List<FlinkFinding> findings)
    {
        var keyEntry = config["s3.entropy.key"];
        var lengthEntry = config["s3.entropy.length"];
        if (keyEntry is null)
        {
            if (lengthEntry is not null)
            {
                findings.Add(new(FlinkFindingSeverity.Info, lengthEntry.Key, lengthEntry.Provenance, "s3.entropy.length has no effect without s3.entropy.key"));
            }
            return null;
        }
        var length = 4;
        if (lengthEntry is not null && (!int.TryParse(lengthEntry.Value, out length) || length <= 0))
        {
            findings.Add(new(FlinkFindingSeverity.Error, lengthEntry.Key, lengthEntry.Provenance, "entropy length must be a number > 0; Flink refuses to start", "s3.entropy.length: 4"));
            length = 4;
        }
        var invalid = keyEntry.Value.AsSpan().IndexOfAny(EntropyForbidden);
        if (invalid >= 0)
        {
            findings.Add(new(FlinkFindingSeverity.Error, keyEntry.Key, keyEntry.Provenance,
                $"entropy key contains '{keyEntry.Value[invalid]}'; Flink rejects ~#@*+%{{}}<>[]|\"\\", "s3.entropy.key: _entropy_"));
        }
        var checkpoint = directories.FirstOrDefault(d => d.Role == FlinkDirectoryRole.Checkpoints);
        if (checkpoint is not null && !checkpoint.Value.Contains(keyEntry.Value, StringComparison.Ordinal))
        {
            findings.Add(new(FlinkFindingSeverity.Info, keyEntry.Key, keyEntry.Provenance,
                $"the entropy key does not occur in {checkpoint.Key}, so no entropy is injected"));
        }
        else if (checkpoint is not null)
        {
            findings.Add(new(FlinkFindingSeverity.Info, keyEntry.Key, keyEntry.Provenance,
                "entropy injection is on: data files are spread under random prefixes, so snapshots cannot be relocated by copying one directory"));
        }
        return new FlinkEntropy(keyEntry.Value, length);
    }

    private static readonly System.Buffers.SearchValues<char> EntropyForbidden = System.Buffers.SearchValues.Create("~#@*+%{}<>[]|\"\\");

    [GeneratedRegex(@"^flink-s3-fs-(?<kind>hadoop|presto|native)-(?<version>\d+\.\d+\.\d+)\.jar$")]
    private static partial Regex PluginJarPattern();
}
