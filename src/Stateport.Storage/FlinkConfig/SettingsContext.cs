namespace Stateport.Storage.FlinkConfig;

/// <summary>Builds <see cref="S3Settings"/> and walks the credential chain of one plugin over its effective keys.</summary>
internal sealed class SettingsContext
{
    private const string DynamicTokenProvider = "org.apache.flink.fs.s3.common.token.DynamicTemporaryAWSCredentialsProvider";
    private const string IrsaTokenVariable = "AWS_WEB_IDENTITY_TOKEN_FILE";

    // S3A's default list in Hadoop 3.3, which all released Flink versions bundle.
    private static readonly string[] Hadoop33DefaultProviders =
    [
        "org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider",
        "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
        "com.amazonaws.auth.EnvironmentVariableCredentialsProvider",
        "org.apache.hadoop.fs.s3a.auth.IAMInstanceCredentialsProvider",
    ];

    private readonly S3PluginRules _rules;
    private readonly FlinkConfiguration _config;
    private readonly IReadOnlyDictionary<string, string> _environment;

    public SettingsContext(S3PluginRules rules, FlinkConfiguration config, IReadOnlyDictionary<string, string> environment, FlinkVersion? version)
    {
        _rules = rules;
        _config = config;
        _environment = environment;
        _ = version;
    }

    private enum ProviderKind
    {
        Temporary,
        Simple,
        Environment,
        Instance,
        Profile,
        WebIdentity,
        Anonymous,
        DefaultChain,
        AssumedRole,
        DynamicTemporary,
        SystemProperties,
        Unknown,
    }

    public sealed record Result(S3Settings Settings, List<FlinkCredentialStep> Chain, bool? UseChunkEncoding);

    private sealed record Keys(FlinkEffectiveKey? Access, FlinkEffectiveKey? Secret, FlinkEffectiveKey? Token);

    public Result Build(Dictionary<string, FlinkEffectiveKey> keys, string? bucket, List<FlinkFinding> findings) => _rules.Plugin switch
    {
        FlinkS3Plugin.Presto => BuildPresto(keys, findings),
        FlinkS3Plugin.Native => BuildNative(keys, findings),
        _ => BuildHadoop(keys, findings),
    };

    private Result BuildHadoop(Dictionary<string, FlinkEffectiveKey> keys, List<FlinkFinding> findings)
    {
        var tls = ParseBool(keys.GetValueOrDefault("fs.s3a.connection.ssl.enabled"), findings) ?? true;
        var endpoint = EndpointUrl(keys.GetValueOrDefault("fs.s3a.endpoint"), tls);
        var region = keys.GetValueOrDefault("fs.s3a.endpoint.region");
        var tokenRegion = _config["security.delegation.token.provider.s3-hadoop.region"];
        string? regionValue = region?.Value;
        if (tokenRegion is not null && tokenRegion.Value != regionValue)
        {
            findings.Add(new(FlinkFindingSeverity.Info, tokenRegion.Key, tokenRegion.Provenance, "Flink also writes this region to fs.s3a.endpoint.region"));
            regionValue = tokenRegion.Value;
        }
        var listVersion = 2;
        if (keys.GetValueOrDefault("fs.s3a.list.version") is { } listKey)
        {
            if (listKey.Value.Trim() is "1" or "2")
            {
                listVersion = int.Parse(listKey.Value.Trim());
            }
            else
            {
                findings.Add(new(FlinkFindingSeverity.Warn, listKey.SourceKey, listKey.Provenance, "list version must be 1 or 2; S3A forces 2", "fs.s3a.list.version: 1"));
            }
        }
        var pathStyle = ParseBool(keys.GetValueOrDefault("fs.s3a.path.style.access"), findings);
        CheckSigner(keys.GetValueOrDefault("fs.s3a.signing-algorithm") ?? keys.GetValueOrDefault("fs.s3a.s3.signing-algorithm"), findings);
        var credentialKeys = new Keys(keys.GetValueOrDefault("fs.s3a.access.key"), keys.GetValueOrDefault("fs.s3a.secret.key"), keys.GetValueOrDefault("fs.s3a.session.token"));
        var (credentials, chain) = HadoopChain(keys, credentialKeys, findings);
        var settings = Settings(endpoint, regionValue, pathStyle, listVersion, credentials, checksumsOff: false, findings);
        return new Result(settings, chain, null);
    }

    private Result BuildPresto(Dictionary<string, FlinkEffectiveKey> keys, List<FlinkFinding> findings)
    {
        var tls = ParseBool(keys.GetValueOrDefault("presto.s3.ssl.enabled"), findings) ?? true;
        var endpoint = EndpointUrl(keys.GetValueOrDefault("presto.s3.endpoint"), tls);
        var pathStyle = ParseBool(keys.GetValueOrDefault("presto.s3.path-style-access"), findings);
        CheckSigner(keys.GetValueOrDefault("presto.s3.signer-type"), findings);
        var credentialKeys = new Keys(keys.GetValueOrDefault("presto.s3.access-key"), keys.GetValueOrDefault("presto.s3.secret-key"), null);
        var (credentials, chain) = PrestoChain(keys, credentialKeys, findings);
        var settings = Settings(endpoint, null, pathStyle, 2, credentials, checksumsOff: false, findings);
        return new Result(settings, chain, null);
    }

    private Result BuildNative(Dictionary<string, FlinkEffectiveKey> keys, List<FlinkFinding> findings)
    {
        FlinkEffectiveKey? Read((string Primary, string Fallback) pair) => keys.GetValueOrDefault(pair.Primary) ?? keys.GetValueOrDefault(pair.Fallback);
        var endpointKey = keys.GetValueOrDefault("s3.endpoint");
        if (endpointKey is not null && !endpointKey.Value.Contains("://", StringComparison.Ordinal))
        {
            findings.Add(new(FlinkFindingSeverity.Error, endpointKey.SourceKey, endpointKey.Provenance,
                "flink-s3-fs-native needs a full URI with scheme in s3.endpoint (it is the SDK endpoint override); the tool assumes https",
                $"s3.endpoint: https://{endpointKey.Value}"));
        }
        var endpoint = EndpointUrl(endpointKey, tls: true);
        var regionKey = keys.GetValueOrDefault("s3.region");
        var region = regionKey?.Value;
        if (region is null && _environment.TryGetValue("AWS_REGION", out var environmentRegion) && environmentRegion.Length > 0)
        {
            findings.Add(new(FlinkFindingSeverity.Info, "s3.region", null, "not set; the SDK takes AWS_REGION from the environment"));
            region = environmentRegion;
        }
        else if (region is null)
        {
            findings.Add(new(FlinkFindingSeverity.Warn, "s3.region", null,
                "not set and AWS_REGION is not in the environment; unless ~/.aws/config or IMDS provides one, the plugin fails with 'AWS region could not be determined' (there is no silent us-east-1)",
                "s3.region: us-east-1"));
        }
        var pathStyleKey = Read(S3PluginRules.NativeFallbacks[2]);
        var pathStyle = ParseBool(pathStyleKey, findings);
        if (endpoint is not null && pathStyle is null)
        {
            findings.Add(new(FlinkFindingSeverity.Warn, "s3.path-style-access", null,
                "custom endpoint without a path-style setting; whether the native plugin turns it on by itself is unverified",
                "s3.path-style-access: true"));
        }
        var checksums = ParseBool(keys.GetValueOrDefault("s3.checksum-validation.enabled"), findings);
        var chunked = ParseBool(keys.GetValueOrDefault("s3.chunked-encoding.enabled"), findings);
        var credentialKeys = new Keys(Read(S3PluginRules.NativeFallbacks[0]), Read(S3PluginRules.NativeFallbacks[1]), null);
        var (credentials, chain) = NativeChain(keys, credentialKeys, findings);
        var settings = Settings(endpoint, region, pathStyle, 2, credentials, checksumsOff: checksums == false, findings);
        return new Result(settings, chain, chunked == false ? false : null);
    }

    private S3Settings Settings(string? endpoint, string? region, bool? pathStyle, int listVersion, S3Credentials credentials, bool checksumsOff, List<FlinkFinding> findings)
    {
        var settings = new S3Settings
        {
            Endpoint = endpoint,
            Region = region,
            // Flink's plugins default to virtual-hosted addressing, so an unset flag means off, not the tool's own default.
            PathStyle = pathStyle ?? false,
            ListVersion = listVersion,
            Credentials = credentials,
            Source = _config.FileName,
        };
        if (!settings.IsAws || checksumsOff)
        {
            settings = settings with { RequestChecksums = ChecksumMode.WhenRequired };
        }
        if (!settings.IsAws && pathStyle is null && _rules.Plugin != FlinkS3Plugin.Native)
        {
            findings.Add(new(FlinkFindingSeverity.Info, FlinkKeySpelling.KeyFor(_rules.Plugin, FlinkS3Setting.PathStyle), null,
                "custom endpoint with virtual-hosted addressing (the plugin's default); if <bucket>.<host> does not resolve, turn path style on",
                FlinkKeySpelling.FixLine(_rules.Plugin, FlinkS3Setting.PathStyle, "true")));
        }
        return settings;
    }

    private (S3Credentials, List<FlinkCredentialStep>) HadoopChain(Dictionary<string, FlinkEffectiveKey> keys, Keys credentialKeys, List<FlinkFinding> findings)
    {
        var chain = new List<FlinkCredentialStep>();
        S3Credentials? chosen = DelegationTokens(chain, findings);
        var providerKey = keys.GetValueOrDefault("fs.s3a.aws.credentials.provider");
        var providers = providerKey is null ? Hadoop33DefaultProviders : SplitProviders(providerKey.Value);
        foreach (var provider in providers)
        {
            CheckProviderGeneration(provider, providerKey, findings);
            var (credentials, detail) = Evaluate(provider, credentialKeys, keys, providerKey, findings, nested: false);
            chosen = Step(chain, provider, credentials, detail, chosen);
        }
        if (providerKey is null && _environment.ContainsKey(IrsaTokenVariable))
        {
            findings.Add(new(FlinkFindingSeverity.Warn, "fs.s3a.aws.credentials.provider", null,
                "IRSA environment present but unused: the hadoop plugin's default chain has no web identity, so Flink falls back to the node/instance role",
                $"fs.s3a.aws.credentials.provider: {FlinkKeySpelling.CredentialsProviderClass(FlinkS3Plugin.Hadoop, S3CredentialKind.WebIdentity)}"));
        }
        WarnTemporaryKeyWithoutToken(credentialKeys, chosen, findings);
        return (Finish(chosen, chain, providers, findings, credentialKeys), chain);
    }

    private (S3Credentials, List<FlinkCredentialStep>) PrestoChain(Dictionary<string, FlinkEffectiveKey> keys, Keys credentialKeys, List<FlinkFinding> findings)
    {
        var chain = new List<FlinkCredentialStep>();
        S3Credentials? chosen = DelegationTokens(chain, findings);
        var hasKeys = credentialKeys.Access is not null && credentialKeys.Secret is not null;
        chosen = Step(chain, "static keys (s3.access.key / s3.secret.key)",
            hasKeys ? StaticCredentials(credentialKeys.Access!, credentialKeys.Secret!, null) : null,
            hasKeys ? $"from {credentialKeys.Access!.SourceKey} ({credentialKeys.Access.Provenance})" : "not set", chosen);
        WarnHalfKeys(credentialKeys, findings);
        var instanceKey = keys.GetValueOrDefault("presto.s3.use-instance-credentials");
        var useInstance = ParseBool(instanceKey, findings);
        chosen = Step(chain, "instance credentials (s3.use-instance-credentials)",
            useInstance == true ? new S3Credentials { Kind = S3CredentialKind.Instance, Source = instanceKey!.Provenance } : null,
            useInstance switch
            {
                true => "on",
                false => "off",
                _ => "unset: off in current Presto, on in older versions (unverified for the bundled one)",
            }, chosen);
        chain.Add(new("IAM role (hive.s3.iam-role)", false, "cannot be set through Flink's s3.* prefix"));
        if (keys.GetValueOrDefault("presto.s3.credentials-provider") is { } custom)
        {
            var stock = custom.Value.StartsWith("com.amazonaws.", StringComparison.Ordinal) || custom.Value.StartsWith("software.amazon.", StringComparison.Ordinal);
            findings.Add(stock
                ? new(FlinkFindingSeverity.Error, custom.SourceKey, custom.Provenance,
                    "stock AWS providers fail in flink-s3-fs-presto: the class needs a (URI, Configuration) constructor (FLINK-13602)",
                    "remove it; the SDK default chain (with web identity) follows when no keys are set")
                : new(FlinkFindingSeverity.Warn, custom.SourceKey, custom.Provenance, "custom credentials provider class; the tool cannot run it and uses the SDK default chain"));
            chain.Add(new(custom.Value, false, stock ? "fails to load (FLINK-13602)" : "custom class, not emulated"));
        }
        chosen = Step(chain, "AWS SDK v1 default chain", S3Credentials.DefaultChain with { Source = "AWS SDK default chain" },
            "environment → system properties → web identity → profile → container/EC2", chosen);
        if (_environment.ContainsKey(IrsaTokenVariable))
        {
            if (hasKeys)
            {
                findings.Add(new(FlinkFindingSeverity.Warn, credentialKeys.Access!.SourceKey, credentialKeys.Access.Provenance,
                    "IRSA environment present, but static keys come first in the presto chain and shadow it", "remove s3.access.key and s3.secret.key"));
            }
            else if (useInstance is null)
            {
                findings.Add(new(FlinkFindingSeverity.Info, "s3.use-instance-credentials", null,
                    "IRSA works through the default chain, unless the bundled Presto turns instance credentials on by default (older versions did)",
                    "s3.use-instance-credentials: false"));
            }
        }
        CheckTruncated(credentialKeys, chosen!, findings);
        return (chosen!, chain);
    }

    private (S3Credentials, List<FlinkCredentialStep>) NativeChain(Dictionary<string, FlinkEffectiveKey> keys, Keys credentialKeys, List<FlinkFinding> findings)
    {
        var chain = new List<FlinkCredentialStep>();
        S3Credentials? chosen = null;
        if (ParseBool(keys.GetValueOrDefault("s3.anonymous-credentials"), findings) == true)
        {
            var key = keys["s3.anonymous-credentials"];
            findings.Add(new(FlinkFindingSeverity.Info, key.SourceKey, key.Provenance, "s3.anonymous-credentials exists in early builds; unverified in the release"));
            chosen = Step(chain, "anonymous (s3.anonymous-credentials)", new S3Credentials { Kind = S3CredentialKind.Anonymous, Source = key.Provenance }, "on", chosen);
        }
        var providerKey = keys.GetValueOrDefault("fs.s3.aws.credentials.provider");
        var providers = providerKey is null ? [] : SplitProviders(providerKey.Value);
        foreach (var provider in providers)
        {
            CheckProviderGeneration(provider, providerKey, findings);
            var (credentials, detail) = Evaluate(provider, credentialKeys, keys, providerKey, findings, nested: false);
            chosen = Step(chain, provider, credentials, detail, chosen);
        }
        var hasKeys = credentialKeys.Access is not null && credentialKeys.Secret is not null;
        chosen = Step(chain, "static keys (s3.access-key / s3.secret-key)",
            hasKeys ? StaticCredentials(credentialKeys.Access!, credentialKeys.Secret!, null) : null,
            hasKeys ? $"from {credentialKeys.Access!.SourceKey} ({credentialKeys.Access.Provenance})" : "not set", chosen);
        WarnHalfKeys(credentialKeys, findings);
        chosen = DelegationTokens(chain, findings, chosen);
        chosen = Step(chain, "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider", S3Credentials.DefaultChain with { Source = "AWS SDK default chain" },
            "environment → system properties → web identity → profile → container/EC2", chosen);
        if (_environment.ContainsKey(IrsaTokenVariable) && chosen!.Kind == S3CredentialKind.Static)
        {
            findings.Add(new(FlinkFindingSeverity.Warn, credentialKeys.Access?.SourceKey, credentialKeys.Access?.Provenance,
                "IRSA environment present, but static keys come first in the native chain and shadow it", "remove s3.access-key and s3.secret-key"));
        }
        if (keys.GetValueOrDefault("s3.assume-role.arn") is { } roleArn)
        {
            findings.Add(new(FlinkFindingSeverity.Warn, roleArn.SourceKey, roleArn.Provenance,
                "assume-role wraps the whole chain; the tool records the role ARN on the credentials, and assuming it is up to the S3 backend"));
            chosen = chosen! with
            {
                RoleArn = roleArn.Value,
                RoleSessionName = keys.GetValueOrDefault("s3.assume-role.session-name")?.Value ?? "flink-s3-session",
            };
        }
        CheckTruncated(credentialKeys, chosen!, findings);
        return (chosen!, chain);
    }

    /// <summary>Flink's delegation-token provider: long-lived keys the JobManager exchanges for session credentials.</summary>
    private S3Credentials? DelegationTokens(List<FlinkCredentialStep> chain, List<FlinkFinding> findings, S3Credentials? chosen = null)
    {
        var prefix = $"security.delegation.token.provider.{_rules.DelegationService}.";
        var access = _config[prefix + "access-key"];
        var secret = _config[prefix + "secret-key"];
        var region = _config[prefix + "region"];
        var name = _rules.Plugin == FlinkS3Plugin.Native ? "delegation tokens" : DynamicTokenProvider;
        if (access is not null && secret is not null && region is not null)
        {
            var credentials = new S3Credentials { Kind = S3CredentialKind.Static, AccessKey = access.Value, SecretKey = secret.Value, Source = access.Provenance };
            return Step(chain, name, credentials,
                $"from {prefix}* (Flink exchanges these keys for session credentials via STS; the tool uses them directly)", chosen);
        }
        if (access is not null || secret is not null || region is not null)
        {
            var present = new[] { access, secret, region }.OfType<FlinkConfigEntry>().First();
            findings.Add(new(FlinkFindingSeverity.Warn, present.Key, present.Provenance,
                $"delegation tokens need all three of {prefix}access-key, secret-key and region; none are issued"));
        }
        chain.Add(new(name, false, "no delegation tokens (empty unless " + prefix + "* is fully set)"));
        return chosen;
    }

    private static S3Credentials? Step(List<FlinkCredentialStep> chain, string provider, S3Credentials? credentials, string detail, S3Credentials? chosen)
    {
        if (chosen is not null)
        {
            chain.Add(new(provider, false, credentials is null ? detail : "not reached"));
            return chosen;
        }
        chain.Add(new(provider, credentials is not null, credentials is null ? $"skipped: {detail}" : $"{credentials.Describe()}; {detail}"));
        return credentials;
    }

    private (S3Credentials? Credentials, string Detail) Evaluate(
        string provider, Keys keys, Dictionary<string, FlinkEffectiveKey> allKeys, FlinkEffectiveKey? providerKey, List<FlinkFinding> findings, bool nested)
    {
        var source = providerKey?.Provenance ?? "default chain";
        switch (Classify(provider))
        {
            case ProviderKind.Temporary:
                return keys.Access is not null && keys.Secret is not null && keys.Token is not null
                    ? (StaticCredentials(keys.Access, keys.Secret, keys.Token), "access key, secret and session token")
                    : (null, "needs fs.s3a.access.key, fs.s3a.secret.key and fs.s3a.session.token");
            case ProviderKind.Simple:
                return keys.Access is not null && keys.Secret is not null
                    ? (StaticCredentials(keys.Access, keys.Secret, null), $"from {keys.Access.SourceKey} ({keys.Access.Provenance})")
                    : (null, "no access key and secret");
            case ProviderKind.Environment:
                var hasAccess = _environment.ContainsKey("AWS_ACCESS_KEY_ID") || _environment.ContainsKey("AWS_ACCESS_KEY");
                var hasSecret = _environment.ContainsKey("AWS_SECRET_ACCESS_KEY") || _environment.ContainsKey("AWS_SECRET_KEY");
                return hasAccess && hasSecret
                    ? (new S3Credentials { Kind = S3CredentialKind.Environment, Source = "environment" }, "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
                    : (null, "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY not set in this environment");
            case ProviderKind.Instance:
                return (new S3Credentials { Kind = S3CredentialKind.Instance, Source = source }, "container credentials, then IMDS");
            case ProviderKind.Profile:
                var profile = _environment.GetValueOrDefault("AWS_PROFILE") ?? "default";
                return (new S3Credentials { Kind = S3CredentialKind.Profile, ProfileName = profile, Source = source }, $"profile '{profile}'");
            case ProviderKind.WebIdentity:
                var tokenFile = _environment.GetValueOrDefault(IrsaTokenVariable);
                var roleArn = _environment.GetValueOrDefault("AWS_ROLE_ARN");
                var credentials = new S3Credentials
                {
                    Kind = S3CredentialKind.WebIdentity,
                    WebIdentityTokenFile = tokenFile,
                    RoleArn = roleArn,
                    RoleSessionName = _environment.GetValueOrDefault("AWS_ROLE_SESSION_NAME"),
                    Source = source,
                };
                if (tokenFile is null || roleArn is null)
                {
                    findings.Add(new(FlinkFindingSeverity.Warn, providerKey?.SourceKey, providerKey?.Provenance,
                        "web identity is configured but AWS_WEB_IDENTITY_TOKEN_FILE/AWS_ROLE_ARN are not set here; is the service account annotated (eks.amazonaws.com/role-arn) and used by the pod?"));
                }
                // Chosen even without the variables: failing early with the Kubernetes fix beats silently using another source.
                return (credentials, "AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (needs AWSSDK.SecurityToken at run time)");
            case ProviderKind.Anonymous:
                return (new S3Credentials { Kind = S3CredentialKind.Anonymous, Source = source }, "unsigned requests");
            case ProviderKind.DefaultChain:
                return (S3Credentials.DefaultChain with { Source = source }, "SDK default chain");
            case ProviderKind.AssumedRole when !nested:
                return AssumedRole(keys, allKeys, providerKey, findings);
            case ProviderKind.DynamicTemporary:
                return (null, "Flink adds the delegation-token provider itself");
            case ProviderKind.SystemProperties:
                return (null, "JVM system properties are not visible to the tool");
            default:
                findings.Add(new(FlinkFindingSeverity.Warn, providerKey?.SourceKey, providerKey?.Provenance, $"unknown credentials provider class {provider}; the tool cannot emulate it"));
                return (null, "unknown class");
        }
    }

    private (S3Credentials?, string) AssumedRole(Keys keys, Dictionary<string, FlinkEffectiveKey> allKeys, FlinkEffectiveKey? providerKey, List<FlinkFinding> findings)
    {
        var arn = allKeys.GetValueOrDefault("fs.s3a.assumed.role.arn");
        if (arn is null)
        {
            findings.Add(new(FlinkFindingSeverity.Error, "fs.s3a.assumed.role.arn", providerKey?.Provenance, "AssumedRoleCredentialProvider needs fs.s3a.assumed.role.arn"));
            return (null, "no fs.s3a.assumed.role.arn");
        }
        var inner = allKeys.GetValueOrDefault("fs.s3a.assumed.role.credentials.provider")?.Value ?? "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider";
        foreach (var provider in SplitProviders(inner))
        {
            var (credentials, detail) = Evaluate(provider, keys, allKeys, providerKey, findings, nested: true);
            if (credentials is not null)
            {
                findings.Add(new(FlinkFindingSeverity.Warn, arn.SourceKey, arn.Provenance,
                    "assumed role: the tool records the role ARN on the credentials; assuming it is up to the S3 backend"));
                return (credentials with
                {
                    RoleArn = arn.Value,
                    RoleSessionName = allKeys.GetValueOrDefault("fs.s3a.assumed.role.session.name")?.Value,
                }, $"role {arn.Value} assumed with {detail}");
            }
        }
        return (null, "no source credentials for the role");
    }

    private S3Credentials Finish(S3Credentials? chosen, List<FlinkCredentialStep> chain, IReadOnlyList<string> providers, List<FlinkFinding> findings, Keys keys)
    {
        if (chosen is null)
        {
            findings.Add(new(FlinkFindingSeverity.Warn, "fs.s3a.aws.credentials.provider", null,
                $"no provider in the chain yields credentials in this environment ({string.Join(", ", providers)}); the tool falls back to the AWS SDK default chain"));
            chosen = S3Credentials.DefaultChain with { Source = "fallback" };
            chain.Add(new("AWS SDK default chain (tool fallback)", true, "nothing else yielded credentials"));
        }
        CheckTruncated(keys, chosen, findings);
        return chosen;
    }

    private void CheckTruncated(Keys keys, S3Credentials chosen, List<FlinkFinding> findings)
    {
        if (chosen.Kind != S3CredentialKind.Static)
        {
            return;
        }
        foreach (var key in new[] { keys.Access, keys.Secret, keys.Token })
        {
            if (key is not null && _config[key.SourceKey] is { CutAtHash: true } entry && entry.Provenance == key.Provenance)
            {
                findings.Add(new(FlinkFindingSeverity.Error, key.SourceKey, key.Provenance,
                    $"the {(key == keys.Access ? "access key" : key == keys.Secret ? "secret key" : "session token")} in use was cut at '#' by flink-conf.yaml ({FlinkSecrets.Redact(key.Value)}); expect SignatureDoesNotMatch",
                    "move it to config.yaml (quoted) or use a value without '#'"));
            }
        }
    }

    private static void WarnHalfKeys(Keys keys, List<FlinkFinding> findings)
    {
        if ((keys.Access is null) != (keys.Secret is null))
        {
            var present = keys.Access ?? keys.Secret!;
            findings.Add(new(FlinkFindingSeverity.Warn, present.SourceKey, present.Provenance, "an access key needs a secret key and vice versa; static keys are not used"));
        }
    }

    private static void WarnTemporaryKeyWithoutToken(Keys keys, S3Credentials? chosen, List<FlinkFinding> findings)
    {
        if (chosen is { Kind: S3CredentialKind.Static, SessionToken: null } && chosen.AccessKey is { } access
            && access.StartsWith("ASIA", StringComparison.Ordinal) && keys.Access is not null)
        {
            findings.Add(new(FlinkFindingSeverity.Warn, keys.Access.SourceKey, keys.Access.Provenance,
                "ASIA… access keys are temporary and need their session token (403 InvalidAccessKeyId otherwise)",
                "fs.s3a.session.token: <token> and fs.s3a.aws.credentials.provider: org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider"));
        }
    }

    private void CheckProviderGeneration(string provider, FlinkEffectiveKey? providerKey, List<FlinkFinding> findings)
    {
        if (providerKey is null)
        {
            return;
        }
        if (provider.Contains(".shaded.", StringComparison.Ordinal))
        {
            findings.Add(new(FlinkFindingSeverity.Warn, providerKey.SourceKey, providerKey.Provenance,
                $"shaded class name {provider} (Flink ≈1.9); current versions use the unshaded name"));
        }
        if (_rules.Plugin == FlinkS3Plugin.Hadoop && provider.StartsWith("software.amazon.awssdk.", StringComparison.Ordinal))
        {
            findings.Add(new(FlinkFindingSeverity.Warn, providerKey.SourceKey, providerKey.Provenance,
                $"SDK v2 class {provider}: released flink-s3-fs-hadoop bundles Hadoop 3.3 with SDK v1, where it does not load (Hadoop 3.4 builds need it)",
                Classify(provider) == ProviderKind.WebIdentity ? "fs.s3a.aws.credentials.provider: com.amazonaws.auth.WebIdentityTokenCredentialsProvider" : null));
        }
        if (_rules.Plugin == FlinkS3Plugin.Native && provider.StartsWith("com.amazonaws.", StringComparison.Ordinal))
        {
            findings.Add(new(FlinkFindingSeverity.Warn, providerKey.SourceKey, providerKey.Provenance,
                $"SDK v1 class {provider}: flink-s3-fs-native uses SDK v2 class names",
                FlinkKeySpelling.CredentialsProviderClass(FlinkS3Plugin.Native, ToKind(Classify(provider))) is { } v2 ? $"fs.s3.aws.credentials.provider: {v2}" : null));
        }
    }

    private static S3CredentialKind ToKind(ProviderKind kind) => kind switch
    {
        ProviderKind.WebIdentity => S3CredentialKind.WebIdentity,
        ProviderKind.Environment => S3CredentialKind.Environment,
        ProviderKind.Instance => S3CredentialKind.Instance,
        ProviderKind.Profile => S3CredentialKind.Profile,
        ProviderKind.Anonymous => S3CredentialKind.Anonymous,
        ProviderKind.Simple or ProviderKind.Temporary => S3CredentialKind.Static,
        _ => S3CredentialKind.DefaultChain,
    };

    private static ProviderKind Classify(string provider) => provider[(provider.LastIndexOf('.') + 1)..] switch
    {
        "TemporaryAWSCredentialsProvider" => ProviderKind.Temporary,
        "SimpleAWSCredentialsProvider" or "StaticCredentialsProvider" => ProviderKind.Simple,
        "EnvironmentVariableCredentialsProvider" => ProviderKind.Environment,
        "InstanceProfileCredentialsProvider" or "IAMInstanceCredentialsProvider" or "EC2ContainerCredentialsProviderWrapper"
            or "ContainerCredentialsProvider" => ProviderKind.Instance,
        "ProfileCredentialsProvider" => ProviderKind.Profile,
        "WebIdentityTokenCredentialsProvider" or "WebIdentityTokenFileCredentialsProvider" => ProviderKind.WebIdentity,
        "AnonymousAWSCredentialsProvider" or "AnonymousAWSCredentials" or "AnonymousCredentialsProvider" => ProviderKind.Anonymous,
        "DefaultAWSCredentialsProviderChain" or "DefaultCredentialsProvider" => ProviderKind.DefaultChain,
        "AssumedRoleCredentialProvider" => ProviderKind.AssumedRole,
        "DynamicTemporaryAWSCredentialsProvider" => ProviderKind.DynamicTemporary,
        "SystemPropertyCredentialsProvider" or "SystemPropertiesCredentialsProvider" => ProviderKind.SystemProperties,
        _ => ProviderKind.Unknown,
    };

    private static string[] SplitProviders(string value) =>
        value.Split([',', '\n', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static S3Credentials StaticCredentials(FlinkEffectiveKey access, FlinkEffectiveKey secret, FlinkEffectiveKey? token) => new()
    {
        Kind = S3CredentialKind.Static,
        AccessKey = access.Value,
        SecretKey = secret.Value,
        SessionToken = token?.Value,
        Source = $"{access.Provenance} ({access.SourceKey})",
    };

    private static string? EndpointUrl(FlinkEffectiveKey? key, bool tls)
    {
        var raw = key?.Value.Trim();
        if (string.IsNullOrEmpty(raw))
        {
            return null;
        }
        // A scheme in the value wins over the TLS flag.
        return raw.Contains("://", StringComparison.Ordinal) ? raw : (tls ? "https://" : "http://") + raw;
    }

    private static bool? ParseBool(FlinkEffectiveKey? key, List<FlinkFinding> findings)
    {
        if (key is null)
        {
            return null;
        }
        var value = key.Value.Trim();
        if (value.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        if (value.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        findings.Add(new(FlinkFindingSeverity.Warn, key.SourceKey, key.Provenance, $"'{key.DisplayValue}' is not true/false; the default applies",
            $"{key.SourceKey}: true"));
        return null;
    }

    private static void CheckSigner(FlinkEffectiveKey? signer, List<FlinkFinding> findings)
    {
        if (signer is not null && signer.Value.Trim() == "S3SignerType")
        {
            findings.Add(new(FlinkFindingSeverity.Warn, signer.SourceKey, signer.Provenance,
                "S3SignerType is SigV2, which the tool's AWS SDK for .NET 4.x is not known to support; requests are signed with SigV4"));
        }
    }
}
