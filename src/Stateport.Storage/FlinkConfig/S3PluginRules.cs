namespace Stateport.Storage.FlinkConfig;

internal enum KeyStatusKind
{
    /// <summary>The plugin reads the key.</summary>
    Read,
    /// <summary>The plugin reads the key but it has no effect (message explains).</summary>
    Ignored,
    /// <summary>The plugin does not look at keys with this prefix.</summary>
    NotRead,
    /// <summary>The prefix is the plugin's, the option is not one it knows.</summary>
    Unknown,
}

internal sealed record KeyStatus(KeyStatusKind Kind, string? Message = null, string? Fix = null)
{
    public static readonly KeyStatus Read = new(KeyStatusKind.Read);
    public static readonly KeyStatus NotRead = new(KeyStatusKind.NotRead);
    public static readonly KeyStatus Unknown = new(KeyStatusKind.Unknown);
}

/// <summary>Per-plugin key rewrite, mirrors and known options (§2.2–2.4 of the Flink S3 reference).</summary>
internal sealed class S3PluginRules
{
    private const string HadoopPrefix = "fs.s3a.";
    private const string PrestoPrefix = "presto.s3.";
    private const string NativeProviderKey = "fs.s3.aws.credentials.provider";

    private static readonly string[] S3LookingPrefixes = ["s3.", "s3a.", "fs.s3a.", "presto.s3.", "fs.s3.", "s3p."];

    // Flink's own keys under s3.*, read by the common factory for every plugin (s5cmd: hadoop and presto only).
    private static readonly string[] FlinkCommonOptions = ["entropy.key", "entropy.length", "upload.min.part.size", "upload.max.concurrent.uploads"];
    private static readonly string[] S5cmdOptions = ["s5cmd.path", "s5cmd.args"];

    private static readonly HashSet<string> HadoopOptions = new(StringComparer.Ordinal)
    {
        "endpoint", "endpoint.region", "path.style.access", "path-style-access", "connection.ssl.enabled", "list.version",
        "access.key", "access-key", "secret.key", "secret-key", "session.token", "aws.credentials.provider",
        "signing-algorithm", "s3.signing-algorithm", "sts.signing-algorithm", "custom.signers",
        "multipart.size", "multipart.threshold", "multipart.purge", "multipart.purge.age", "multipart.uploads.enabled",
        "connection.maximum", "connection.timeout", "connection.establish.timeout", "connection.request.timeout", "connection.ttl",
        "attempts.maximum", "threads.max", "threads.keepalivetime", "max.total.tasks", "fast.upload", "fast.upload.buffer",
        "fast.upload.active.blocks", "buffer.dir", "block.size", "paging.maximum", "readahead.range", "input.fadvise",
        "experimental.input.fadvise", "server-side-encryption-algorithm", "server-side-encryption.key", "encryption.algorithm",
        "encryption.key", "acl.default", "user.agent.prefix", "proxy.host", "proxy.port", "proxy.username", "proxy.password",
        "proxy.domain", "proxy.workstation", "proxy.ssl.enabled", "socket.send.buffer", "socket.recv.buffer",
        "requester.pays.enabled", "directory.marker.retention", "bulk.delete.page.size", "multiobjectdelete.enable",
        "retry.limit", "retry.interval", "retry.throttle.limit", "retry.throttle.interval", "create.checksum.algorithm",
        "checksum.validation", "ssl.channel.mode", "downgrade.syncable.exceptions", "etag.checksum.enabled",
        "accesspoint.required", "endpoint.fips", "impl", "executor.capacity", "security.credential.provider.path",
        "change.detection.mode", "change.detection.source", "change.detection.version.required", "region",
        "entropy.key", "entropy.length", "upload.min.part.size", "upload.max.concurrent.uploads", "s5cmd.path", "s5cmd.args",
    };

    private static readonly string[] HadoopOptionFamilies =
        ["assumed.role.", "committer.", "s3guard.", "metadatastore.", "audit.", "delegation.", "prefetch.", "vectored.", "select."];

    private static readonly HashSet<string> PrestoOptions = new(StringComparer.Ordinal)
    {
        "endpoint", "ssl.enabled", "path-style-access", "path.style.access", "access-key", "access.key", "secret-key", "secret.key",
        "credentials-provider", "use-instance-credentials", "signer-type", "signer-class", "pin-client-to-current-region",
        "max-client-retries", "max-error-retries", "max-backoff-time", "max-retry-time", "connect-timeout", "socket-timeout",
        "max-connections", "multipart.min-file-size", "multipart.min-part-size", "staging-directory", "sse.enabled", "sse.type",
        "sse.kms-key-id", "kms-key-id", "encryption-materials-provider", "user-agent-prefix", "acl-type",
        "skip-glacier-objects", "requester-pays.enabled", "storage-class", "entropy.key", "entropy.length",
        "upload.min.part.size", "upload.max.concurrent.uploads", "s5cmd.path", "s5cmd.args",
    };

    private static readonly HashSet<string> NativeKeys = new(StringComparer.Ordinal)
    {
        "s3.access-key", "s3.access.key", "s3.secret-key", "s3.secret.key", "s3.region", "s3.endpoint",
        "s3.path-style-access", "s3.path.style.access", "s3.chunked-encoding.enabled", "s3.checksum-validation.enabled",
        "s3.anonymous-credentials", "s3.assume-role.arn", "s3.assume-role.external-id", "s3.assume-role.session-name",
        "s3.assume-role.session-duration", "s3.sse.type", "s3.sse.kms.key-id", "s3.sse.kms.encryption-context",
        "s3.connection.max", "s3.retry.max-num-retries", "s3.connection.timeout", "s3.socket.timeout", "s3.crt.enabled",
        "s3.entropy.key", "s3.entropy.length", "s3.upload.min.part.size", "s3.upload.max.concurrent.uploads", NativeProviderKey,
    };

    /// <summary>Native per-bucket property → the global key it overrides.</summary>
    private static readonly Dictionary<string, string> NativeBucketProperties = new(StringComparer.Ordinal)
    {
        ["region"] = "s3.region",
        ["endpoint"] = "s3.endpoint",
        ["path-style-access"] = "s3.path-style-access",
        ["access-key"] = "s3.access-key",
        ["secret-key"] = "s3.secret-key",
        ["aws.credentials.provider"] = NativeProviderKey,
        ["sse.type"] = "s3.sse.type",
        ["sse.kms.key-id"] = "s3.sse.kms.key-id",
        ["assume-role.arn"] = "s3.assume-role.arn",
        ["assume-role.external-id"] = "s3.assume-role.external-id",
        ["assume-role.session-name"] = "s3.assume-role.session-name",
        ["assume-role.session-duration"] = "s3.assume-role.session-duration",
    };

    private static readonly (string From, string To)[] HadoopMirrors =
    [
        ("fs.s3a.access-key", "fs.s3a.access.key"),
        ("fs.s3a.secret-key", "fs.s3a.secret.key"),
        ("fs.s3a.path-style-access", "fs.s3a.path.style.access"),
    ];

    private static readonly (string From, string To)[] PrestoMirrors =
    [
        ("presto.s3.access.key", "presto.s3.access-key"),
        ("presto.s3.secret.key", "presto.s3.secret-key"),
        ("presto.s3.path.style.access", "presto.s3.path-style-access"),
    ];

    /// <summary>Native reads the first key, falling back to the second.</summary>
    public static readonly (string Primary, string Fallback)[] NativeFallbacks =
    [
        ("s3.access-key", "s3.access.key"),
        ("s3.secret-key", "s3.secret.key"),
        ("s3.path-style-access", "s3.path.style.access"),
    ];

    private S3PluginRules(FlinkS3Plugin plugin)
    {
        Plugin = plugin;
    }

    public FlinkS3Plugin Plugin { get; }

    public string DelegationService => Plugin switch
    {
        FlinkS3Plugin.Presto => "s3-presto",
        FlinkS3Plugin.Native => "s3-native",
        _ => "s3-hadoop",
    };

    private string PluginName => FlinkKeySpelling.PluginName(Plugin);

    public static S3PluginRules For(FlinkS3Plugin plugin) => new(plugin);

    public static bool LooksLikeS3Key(string key) => S3LookingPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal));

    /// <summary>Which setting a key means in any plugin's spelling; null when it is none of the common ones.</summary>
    public static FlinkS3Setting? Recognize(string key)
    {
        var prefix = S3LookingPrefixes.Where(p => key.StartsWith(p, StringComparison.Ordinal)).MaxBy(p => p.Length);
        if (prefix is null)
        {
            return null;
        }
        return key[prefix.Length..] switch
        {
            "endpoint" => FlinkS3Setting.Endpoint,
            "endpoint.region" or "region" => FlinkS3Setting.Region,
            "path.style.access" or "path-style-access" => FlinkS3Setting.PathStyle,
            "connection.ssl.enabled" or "ssl.enabled" => FlinkS3Setting.Ssl,
            "list.version" => FlinkS3Setting.ListVersion,
            "aws.credentials.provider" or "credentials-provider" or "credentials.provider" => FlinkS3Setting.CredentialsProvider,
            "access.key" or "access-key" => FlinkS3Setting.AccessKey,
            "secret.key" or "secret-key" => FlinkS3Setting.SecretKey,
            "session.token" or "session-token" => FlinkS3Setting.SessionToken,
            _ => null,
        };
    }

    /// <summary>The plugin-internal name of a Flink key, or null when the plugin does not read it.</summary>
    public string? Rewrite(string key)
    {
        switch (Plugin)
        {
            case FlinkS3Plugin.Hadoop:
                foreach (var prefix in (string[])["fs.s3a.", "s3a.", "s3."])
                {
                    if (key.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        return HadoopPrefix + key[prefix.Length..];
                    }
                }
                return null;
            case FlinkS3Plugin.Presto:
                foreach (var prefix in (string[])["presto.s3.", "s3."])
                {
                    if (key.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        return PrestoPrefix + key[prefix.Length..];
                    }
                }
                return null;
            default:
                return key.StartsWith("s3.", StringComparison.Ordinal) || key == NativeProviderKey ? key : null;
        }
    }

    /// <summary>Rewrites all keys, applies the mirrors, and reports ambiguities and shadowed keys.</summary>
    public Dictionary<string, FlinkEffectiveKey> EffectiveKeys(FlinkConfiguration config, List<FlinkFinding> findings)
    {
        var groups = new Dictionary<string, List<FlinkConfigEntry>>(StringComparer.Ordinal);
        foreach (var entry in config.Entries)
        {
            if (Rewrite(entry.Key) is { } target)
            {
                if (!groups.TryGetValue(target, out var list))
                {
                    groups[target] = list = [];
                }
                list.Add(entry);
            }
        }
        var result = new Dictionary<string, FlinkEffectiveKey>(StringComparer.Ordinal);
        foreach (var (target, sources) in groups)
        {
            // Most specific prefix first; Flink's real order is its hash map's, so this is only the tool's pick.
            var winner = sources.OrderByDescending(e => e.Key.Length).First();
            if (sources.Count > 1)
            {
                var names = string.Join(" and ", sources.Select(s => $"{s.Key} ({s.Provenance})"));
                var sameValue = sources.Select(s => s.Value).Distinct().Count() == 1;
                findings.Add(new(sameValue ? FlinkFindingSeverity.Info : FlinkFindingSeverity.Warn, winner.Key, winner.Provenance,
                    $"ambiguous: {names} all become {target}; Flink applies them in hash-map order, so either may win{(sameValue ? " (same value)" : $"; the tool uses {winner.Key}")}",
                    $"keep only one of {string.Join(", ", sources.Select(s => s.Key))}"));
            }
            result[target] = new FlinkEffectiveKey(target, winner.Value, winner.Key, winner.Provenance);
        }
        var mirrors = Plugin switch
        {
            FlinkS3Plugin.Hadoop => HadoopMirrors,
            FlinkS3Plugin.Presto => PrestoMirrors,
            _ => [],
        };
        foreach (var (from, to) in mirrors)
        {
            if (!result.TryGetValue(from, out var winning))
            {
                continue;
            }
            if (result.TryGetValue(to, out var shadowed))
            {
                ReportShadowed(shadowed.SourceKey, shadowed.Provenance, shadowed.Value, winning.SourceKey, winning.Provenance, winning.Value,
                    $"{PluginName} copies {from} over {to}", findings);
            }
            result[to] = winning with { Key = to };
        }
        if (Plugin == FlinkS3Plugin.Native)
        {
            foreach (var (primary, fallback) in NativeFallbacks)
            {
                if (result.TryGetValue(primary, out var winning) && result.TryGetValue(fallback, out var shadowed))
                {
                    ReportShadowed(shadowed.SourceKey, shadowed.Provenance, shadowed.Value, winning.SourceKey, winning.Provenance, winning.Value,
                        $"{PluginName} reads {primary} first and {fallback} only as a fallback", findings);
                }
            }
        }
        return result;
    }

    private static void ReportShadowed(string key, string provenance, string value, string winnerKey, string winnerProvenance, string winnerValue, string why, List<FlinkFinding> findings)
    {
        var same = value == winnerValue;
        findings.Add(new(same ? FlinkFindingSeverity.Info : FlinkFindingSeverity.Warn, key, provenance,
            $"shadowed by {winnerKey} ({winnerProvenance}){(same ? " (same value)" : "")}: {why}",
            $"remove {key}"));
    }

    /// <summary>Whether and how the plugin reads a Flink key.</summary>
    public KeyStatus Classify(string key)
    {
        var target = Rewrite(key);
        if (target is null)
        {
            return KeyStatus.NotRead;
        }
        switch (Plugin)
        {
            case FlinkS3Plugin.Hadoop:
                {
                    var option = target[HadoopPrefix.Length..];
                    if (option == "region")
                    {
                        return new(KeyStatusKind.Ignored, $"becomes fs.s3a.region, which S3A ignores; the hadoop plugin's region key is fs.s3a.endpoint.region");
                    }
                    if (option.StartsWith("bucket.", StringComparison.Ordinal))
                    {
                        return ClassifyHadoopBucketOption(option["bucket.".Length..]);
                    }
                    return HadoopOptions.Contains(option) || HadoopOptionFamilies.Any(f => option.StartsWith(f, StringComparison.Ordinal))
                        ? KeyStatus.Read : KeyStatus.Unknown;
                }
            case FlinkS3Plugin.Presto:
                {
                    var option = target[PrestoPrefix.Length..];
                    if (option.StartsWith("bucket.", StringComparison.Ordinal))
                    {
                        return new(KeyStatusKind.Ignored, "flink-s3-fs-presto has no per-bucket settings");
                    }
                    return PrestoOptions.Contains(option) ? KeyStatus.Read : KeyStatus.Unknown;
                }
            default:
                {
                    if (key.StartsWith("s3.bucket.", StringComparison.Ordinal))
                    {
                        return ClassifyNativeBucketProperty(key["s3.bucket.".Length..]);
                    }
                    if (S5cmdOptions.Any(o => key == "s3." + o))
                    {
                        return new(KeyStatusKind.Ignored, "s3.s5cmd.* is used only with the hadoop and presto plugins");
                    }
                    return NativeKeys.Contains(key) ? KeyStatus.Read : KeyStatus.Unknown;
                }
        }
    }

    private static KeyStatus ClassifyHadoopBucketOption(string bucketAndOption)
    {
        var option = LongestSuffix(bucketAndOption, HadoopOptions.Concat(HadoopOptionFamilies.Select(f => f.TrimEnd('.'))));
        if (option is null)
        {
            return KeyStatus.Unknown;
        }
        var bucket = bucketAndOption[..^(option.Length + 1)];
        var dotted = option switch
        {
            "access-key" => "access.key",
            "secret-key" => "secret.key",
            "path-style-access" => "path.style.access",
            _ => null,
        };
        if (dotted is not null)
        {
            // Flink mirrors only the global hyphenated keys; S3A copies per-bucket keys later and knows only the dotted names.
            return new(KeyStatusKind.Ignored, "S3A never reads the hyphenated spelling of a per-bucket key (Flink mirrors only the global keys)",
                $"s3.bucket.{bucket}.{dotted}: <value>");
        }
        return option == "region"
            ? new(KeyStatusKind.Ignored, "S3A ignores region; use endpoint.region", $"s3.bucket.{bucket}.endpoint.region: <region>")
            : KeyStatus.Read;
    }

    private static KeyStatus ClassifyNativeBucketProperty(string bucketAndProperty)
    {
        if (LongestSuffix(bucketAndProperty, NativeBucketProperties.Keys) is not null)
        {
            return KeyStatus.Read;
        }
        foreach (var (dotted, hyphen) in (ReadOnlySpan<(string, string)>)[("access.key", "access-key"), ("secret.key", "secret-key"), ("path.style.access", "path-style-access")])
        {
            if (bucketAndProperty.EndsWith("." + dotted, StringComparison.Ordinal))
            {
                var bucket = bucketAndProperty[..^(dotted.Length + 1)];
                return new(KeyStatusKind.Ignored, "per-bucket properties have no dotted fallback in flink-s3-fs-native", $"s3.bucket.{bucket}.{hyphen}: <value>");
            }
        }
        return new(KeyStatusKind.Ignored, "flink-s3-fs-native ignores this per-bucket property (it takes region, endpoint, path-style-access, access-key, secret-key, aws.credentials.provider, sse.*, assume-role.*)");
    }

    private static string? LongestSuffix(string text, IEnumerable<string> options) =>
        options.Where(o => text.Length > o.Length + 1 && text.EndsWith("." + o, StringComparison.Ordinal)).MaxBy(o => o.Length);

    /// <summary>Buckets that have per-bucket keys, found by longest known option suffix (bucket names may contain dots).</summary>
    public List<string> BucketsIn(Dictionary<string, FlinkEffectiveKey> keys)
    {
        var prefix = Plugin switch
        {
            FlinkS3Plugin.Hadoop => HadoopPrefix + "bucket.",
            FlinkS3Plugin.Native => "s3.bucket.",
            _ => null,
        };
        if (prefix is null)
        {
            return [];
        }
        IEnumerable<string> options = Plugin == FlinkS3Plugin.Hadoop
            ? HadoopOptions.Concat(HadoopOptionFamilies.Select(f => f.TrimEnd('.')))
            : NativeBucketProperties.Keys;
        var buckets = new List<string>();
        foreach (var key in keys.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var rest = key[prefix.Length..];
            var option = LongestSuffix(rest, options)
                ?? HadoopOptionFamilies.Select(f => f.TrimEnd('.')).FirstOrDefault(f => rest.Contains("." + f + ".", StringComparison.Ordinal));
            var bucket = option is null ? null : rest[..rest.IndexOf("." + option, StringComparison.Ordinal)];
            if (bucket is { Length: > 0 } && !buckets.Contains(bucket))
            {
                buckets.Add(bucket);
            }
        }
        return buckets;
    }

    /// <summary>The keys with a bucket's overrides applied, as the plugin would see them for that bucket.</summary>
    public Dictionary<string, FlinkEffectiveKey> ForBucket(Dictionary<string, FlinkEffectiveKey> keys, string bucket)
    {
        var merged = new Dictionary<string, FlinkEffectiveKey>(keys, StringComparer.Ordinal);
        switch (Plugin)
        {
            case FlinkS3Plugin.Hadoop:
                {
                    var prefix = $"{HadoopPrefix}bucket.{bucket}.";
                    foreach (var key in keys.Values.Where(k => k.Key.StartsWith(prefix, StringComparison.Ordinal)))
                    {
                        var option = key.Key[prefix.Length..];
                        if (option is "access-key" or "secret-key" or "path-style-access")
                        {
                            continue;
                        }
                        merged[HadoopPrefix + option] = key with { Key = HadoopPrefix + option };
                    }
                    break;
                }
            case FlinkS3Plugin.Native:
                {
                    var prefix = $"s3.bucket.{bucket}.";
                    foreach (var key in keys.Values.Where(k => k.Key.StartsWith(prefix, StringComparison.Ordinal)))
                    {
                        if (NativeBucketProperties.TryGetValue(key.Key[prefix.Length..], out var global))
                        {
                            merged[global] = key with { Key = global };
                        }
                    }
                    break;
                }
        }
        return merged;
    }
}
