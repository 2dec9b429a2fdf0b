using Stateport.Storage.FlinkConfig;

namespace Stateport.Storage.Tests;

/// <summary>Plugin rules (§2), per-bucket overrides, credential chains, findings, spellings and redaction.</summary>
public sealed class FlinkConfigResolverTests
{
    private static FlinkS3Resolution Resolve(string legacyText, FlinkS3Plugin? plugin = null, IReadOnlyDictionary<string, string>? environment = null, string? version = null)
    {
        environment ??= FlinkConfigSamples.NoEnvironment;
        var config = FlinkConfigLoader.Parse(legacyText, FlinkConfigFormat.Legacy, "flink-conf.yaml",
            new FlinkConfigLoadOptions { Environment = environment, Version = version is null ? null : FlinkVersion.Parse(version) });
        return FlinkS3Resolver.Resolve(config, new FlinkS3ResolveOptions { Plugin = plugin, Environment = environment });
    }

    [Fact]
    public void Hadoop_without_provider_does_not_use_web_identity_and_warns()
    {
        var result = Resolve("state.checkpoints.dir: s3://b/cp\n", environment: FlinkConfigSamples.IrsaEnvironment);
        Assert.Equal(S3CredentialKind.Instance, result.Settings.Credentials.Kind);
        Assert.Equal("DynamicTemporaryAWSCredentialsProvider → TemporaryAWSCredentialsProvider → SimpleAWSCredentialsProvider → EnvironmentVariableCredentialsProvider → IAMInstanceCredentialsProvider [used]",
            result.DescribeCredentialChain());
        var warning = Assert.Single(result.Findings, f => f.Message.StartsWith("IRSA environment present but unused", StringComparison.Ordinal));
        Assert.Equal("fs.s3a.aws.credentials.provider: com.amazonaws.auth.WebIdentityTokenCredentialsProvider", warning.SuggestedFix);
    }

    [Fact]
    public void Hadoop_default_chain_prefers_session_keys_then_keys_then_environment()
    {
        var withToken = Resolve("s3.access-key: ASIAEXAMPLEKEY1\ns3.secret-key: secretvalue1\nfs.s3a.session.token: tokenvalue1\n");
        Assert.Equal("tokenvalue1", withToken.Settings.Credentials.SessionToken);
        Assert.Equal(S3CredentialKind.Static, withToken.Settings.Credentials.Kind);

        var asiaWithoutToken = Resolve("s3.access-key: ASIAEXAMPLEKEY1\ns3.secret-key: secretvalue1\n");
        Assert.Contains(asiaWithoutToken.Findings, f => f.Message.StartsWith("ASIA", StringComparison.Ordinal));

        var environment = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "x", ["AWS_SECRET_ACCESS_KEY"] = "y" };
        Assert.Equal(S3CredentialKind.Environment, Resolve("", environment: environment).Settings.Credentials.Kind);
    }

    [Theory]
    [InlineData("com.amazonaws.auth.WebIdentityTokenCredentialsProvider", S3CredentialKind.WebIdentity)]
    [InlineData("software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider", S3CredentialKind.WebIdentity)]
    [InlineData("com.amazonaws.auth.InstanceProfileCredentialsProvider", S3CredentialKind.Instance)]
    [InlineData("org.apache.hadoop.fs.s3a.auth.IAMInstanceCredentialsProvider", S3CredentialKind.Instance)]
    [InlineData("com.amazonaws.auth.EC2ContainerCredentialsProviderWrapper", S3CredentialKind.Instance)]
    [InlineData("com.amazonaws.auth.profile.ProfileCredentialsProvider", S3CredentialKind.Profile)]
    [InlineData("org.apache.hadoop.fs.s3a.AnonymousAWSCredentialsProvider", S3CredentialKind.Anonymous)]
    [InlineData("com.amazonaws.auth.AnonymousAWSCredentials", S3CredentialKind.Anonymous)]
    [InlineData("com.amazonaws.auth.DefaultAWSCredentialsProviderChain", S3CredentialKind.DefaultChain)]
    [InlineData("org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider", S3CredentialKind.Static)]
    [InlineData("org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider", S3CredentialKind.Static)]
    [InlineData("com.amazonaws.auth.EnvironmentVariableCredentialsProvider", S3CredentialKind.Environment)]
    public void Hadoop_provider_class_names_map_to_credential_kinds(string provider, S3CredentialKind kind)
    {
        var environment = new Dictionary<string, string>(FlinkConfigSamples.IrsaEnvironment)
        {
            ["AWS_ACCESS_KEY_ID"] = "x",
            ["AWS_SECRET_ACCESS_KEY"] = "y",
        };
        var result = Resolve($"fs.s3a.aws.credentials.provider: {provider}\ns3.access-key: AKIAEXAMPLE\ns3.secret-key: secretvalue1\nfs.s3a.session.token: tok\n",
            environment: environment);
        Assert.Equal(kind, result.Settings.Credentials.Kind);
        if (kind == S3CredentialKind.Static)
        {
            Assert.Equal(provider.EndsWith("TemporaryAWSCredentialsProvider", StringComparison.Ordinal) ? "tok" : null, result.Settings.Credentials.SessionToken);
        }
    }

    [Fact]
    public void Provider_list_is_walked_in_order_with_skipped_sources()
    {
        var result = Resolve("fs.s3a.aws.credentials.provider: com.amazonaws.auth.EnvironmentVariableCredentialsProvider, com.amazonaws.auth.WebIdentityTokenCredentialsProvider\n",
            environment: FlinkConfigSamples.IrsaEnvironment);
        Assert.Equal(S3CredentialKind.WebIdentity, result.Settings.Credentials.Kind);
        Assert.Contains(result.CredentialChain, s => !s.Selected && s.Detail.StartsWith("skipped: AWS_ACCESS_KEY_ID", StringComparison.Ordinal));
    }

    [Fact]
    public void Presto_and_native_default_chains_include_web_identity()
    {
        var presto = Resolve("s3.endpoint: https://s3.eu-west-1.amazonaws.com\n", FlinkS3Plugin.Presto, FlinkConfigSamples.IrsaEnvironment);
        Assert.Equal(S3CredentialKind.DefaultChain, presto.Settings.Credentials.Kind);
        Assert.DoesNotContain(presto.Findings, f => f.Message.Contains("IRSA environment present but unused", StringComparison.Ordinal));
        var native = Resolve("s3.region: eu-west-1\n", FlinkS3Plugin.Native, FlinkConfigSamples.IrsaEnvironment, "2.3.0");
        Assert.Equal(S3CredentialKind.DefaultChain, native.Settings.Credentials.Kind);
        var shadowedIrsa = Resolve("s3.region: eu-west-1\ns3.access-key: AKIAEXAMPLE\ns3.secret-key: secretvalue1\n", FlinkS3Plugin.Native, FlinkConfigSamples.IrsaEnvironment);
        Assert.Equal(S3CredentialKind.Static, shadowedIrsa.Settings.Credentials.Kind);
        Assert.Contains(shadowedIrsa.Findings, f => f.Message.Contains("shadow", StringComparison.Ordinal) && f.Message.Contains("IRSA", StringComparison.Ordinal));
    }

    [Fact]
    public void Presto_with_stock_aws_provider_is_an_error()
    {
        var result = Resolve("s3.credentials-provider: com.amazonaws.auth.WebIdentityTokenCredentialsProvider\n", FlinkS3Plugin.Presto);
        Assert.Contains(result.Findings, f => f.Severity == FlinkFindingSeverity.Error && f.Message.Contains("FLINK-13602", StringComparison.Ordinal));
    }

    [Fact]
    public void Hadoop_per_bucket_overrides()
    {
        var result = Resolve("""
            s3.endpoint: http://global:9000
            s3.path.style.access: true
            s3.access-key: GLOBALACCESS
            s3.secret-key: globalsecret
            s3.bucket.archive.endpoint: https://s3.eu-west-1.amazonaws.com
            s3.bucket.archive.endpoint.region: eu-west-1
            s3.bucket.archive.path.style.access: false
            s3.bucket.archive.aws.credentials.provider: com.amazonaws.auth.profile.ProfileCredentialsProvider
            fs.s3a.bucket.my.dotted.bucket.access.key: DOTTEDACCESS
            s3.bucket.other.secret-key: ignoredsecret
            """);
        Assert.Equal(["archive", "my.dotted.bucket", "other"], result.BucketsWithOverrides.Order(StringComparer.Ordinal));
        var archive = result.SettingsForBucket("archive");
        Assert.Equal("https://s3.eu-west-1.amazonaws.com", archive.Endpoint);
        Assert.Equal("eu-west-1", archive.Region);
        Assert.False(archive.PathStyle);
        Assert.Equal(S3CredentialKind.Profile, archive.Credentials.Kind);
        Assert.Null(archive.RequestChecksums);
        Assert.Equal("DOTTEDACCESS", result.SettingsForBucket("my.dotted.bucket").Credentials.AccessKey);
        Assert.Equal("globalsecret", result.SettingsForBucket("other").Credentials.SecretKey);
        Assert.Same(result.Settings, result.SettingsForBucket("unconfigured"));
        Assert.Equal("http://global:9000", result.Settings.Endpoint);
        var ignored = Assert.Single(result.Findings, f => f.Key == "s3.bucket.other.secret-key");
        Assert.Equal("s3.bucket.other.secret.key: <value>", ignored.SuggestedFix);
        FlinkConfigSamples.AssertNoSecrets(FlinkConfigSamples.Printable(result));
    }

    [Fact]
    public void Native_per_bucket_overrides_and_ignored_properties()
    {
        var result = Resolve("""
            s3.region: us-east-1
            s3.endpoint: http://minio:9000
            s3.path-style-access: true
            s3.bucket.logs.example.com.region: eu-central-1
            s3.bucket.logs.example.com.endpoint: https://s3.eu-central-1.amazonaws.com
            s3.bucket.b2.chunked-encoding.enabled: false
            s3.bucket.b3.access.key: X
            """, FlinkS3Plugin.Native);
        var logs = result.SettingsForBucket("logs.example.com");
        Assert.Equal("eu-central-1", logs.Region);
        Assert.Equal("https://s3.eu-central-1.amazonaws.com", logs.Endpoint);
        Assert.True(logs.PathStyle);
        Assert.Contains(result.Findings, f => f.Key == "s3.bucket.b2.chunked-encoding.enabled" && f.Message.Contains("ignores this per-bucket property", StringComparison.Ordinal));
        Assert.Equal("s3.bucket.b3.access-key: <value>", Assert.Single(result.Findings, f => f.Key == "s3.bucket.b3.access.key").SuggestedFix);
    }

    [Fact]
    public void Keys_ignored_by_the_active_plugin_get_the_right_spelling()
    {
        var hadoop = Resolve("s3.region: eu-west-1\ns3.ssl.enabled: false\nfs.s3.aws.credentials.provider: x.AnonymousCredentialsProvider\ns3.endpoint.regoin: typo\n");
        Assert.Equal("fs.s3a.endpoint.region: eu-west-1", Assert.Single(hadoop.Findings, f => f.Key == "s3.region").SuggestedFix);
        Assert.Equal("fs.s3a.connection.ssl.enabled: false", Assert.Single(hadoop.Findings, f => f.Key == "s3.ssl.enabled").SuggestedFix);
        Assert.Equal("fs.s3a.aws.credentials.provider: x.AnonymousCredentialsProvider", Assert.Single(hadoop.Findings, f => f.Key == "fs.s3.aws.credentials.provider").SuggestedFix);
        Assert.Contains("unknown S3 key", Assert.Single(hadoop.Findings, f => f.Key == "s3.endpoint.regoin").Message, StringComparison.Ordinal);
        Assert.Null(hadoop.Settings.Region);

        var native = Resolve("s3.region: eu-west-1\nfs.s3a.endpoint: http://x:9000\ns3.list.version: 1\ns3.connection.ssl.enabled: false\n", FlinkS3Plugin.Native);
        Assert.Equal("s3.endpoint: http://x:9000", Assert.Single(native.Findings, f => f.Key == "fs.s3a.endpoint").SuggestedFix);
        Assert.Contains("only flink-s3-fs-hadoop", Assert.Single(native.Findings, f => f.Key == "s3.list.version").Message, StringComparison.Ordinal);
        Assert.Contains("s3.endpoint", Assert.Single(native.Findings, f => f.Key == "s3.connection.ssl.enabled").Message, StringComparison.Ordinal);
        Assert.Equal("eu-west-1", native.Settings.Region);

        var presto = Resolve("s3.region: eu-west-1\nfs.s3a.path.style.access: true\n", FlinkS3Plugin.Presto);
        Assert.Contains("regional endpoint", Assert.Single(presto.Findings, f => f.Key == "s3.region").Message, StringComparison.Ordinal);
        Assert.Equal("s3.path.style.access: true", Assert.Single(presto.Findings, f => f.Key == "fs.s3a.path.style.access").SuggestedFix);
    }

    [Fact]
    public void Two_keys_rewriting_to_the_same_name_are_ambiguous()
    {
        var result = Resolve("s3.endpoint: http://a:9000\nfs.s3a.endpoint: http://b:9000\n");
        var finding = Assert.Single(result.Findings, f => f.Message.StartsWith("ambiguous", StringComparison.Ordinal));
        Assert.Equal(FlinkFindingSeverity.Warn, finding.Severity);
        Assert.Contains("fs.s3a.endpoint", finding.Message, StringComparison.Ordinal);
        Assert.Equal("http://b:9000", result.Settings.Endpoint);
    }

    [Fact]
    public void Deprecated_and_too_new_keys_are_reported()
    {
        var modern = Resolve("state.checkpoints.dir: s3://b/old\nexecution.checkpointing.dir: s3://b/new\nstate.backend.incremental: true\n", version: "1.20.0");
        Assert.Equal("s3://b/new", modern.CheckpointDirectory!.Value);
        Assert.Contains(modern.Findings, f => f.Key == "state.checkpoints.dir" && f.Message.Contains("wins", StringComparison.Ordinal));
        Assert.Equal("execution.checkpointing.incremental: true", Assert.Single(modern.Findings, f => f.Key == "state.backend.incremental").SuggestedFix);

        var old = Resolve("state.checkpoints.dir: s3://b/old\nexecution.checkpointing.dir: s3://b/new\n", version: "1.18.0");
        Assert.Equal("s3://b/old", old.CheckpointDirectory!.Value);
        Assert.Contains(old.Findings, f => f.Key == "execution.checkpointing.dir" && f.Message.Contains("does not know this key", StringComparison.Ordinal));

        var dirs = Resolve("state.changelog.dstl.dfs.base-path: s3://b/dstl\nstate.backend.forst.primary-dir: s3://b/forst\nexecution.checkpointing.savepoint-dir: s3://b/sp\n");
        Assert.Equal([FlinkDirectoryRole.Savepoints, FlinkDirectoryRole.ChangelogBase, FlinkDirectoryRole.ForStPrimary], dirs.Directories.Select(d => d.Role));
    }

    [Fact]
    public void Plugin_detection()
    {
        Assert.Equal(FlinkS3Plugin.Presto, Resolve("state.checkpoints.dir: s3p://b/cp\n").Plugin);
        Assert.Equal(FlinkS3Plugin.Hadoop, Resolve("state.checkpoints.dir: s3a://b/cp\n").Plugin);
        var fallback = Resolve("state.checkpoints.dir: s3://b/cp\n");
        Assert.Equal(("default", FlinkS3Plugin.Hadoop), (fallback.PluginReason, fallback.Plugin));

        var both = new Dictionary<string, string> { ["ENABLE_BUILT_IN_PLUGINS"] = "flink-s3-fs-hadoop-1.20.1.jar;flink-s3-fs-presto-1.20.1.jar" };
        var several = Resolve("state.checkpoints.dir: s3://b/cp\n", environment: both, version: "1.20.1");
        Assert.Equal(FlinkS3Plugin.Hadoop, several.Plugin);
        Assert.Contains(several.Findings, f => f.Message.Contains("claim s3://", StringComparison.Ordinal));

        var wrongVersion = new Dictionary<string, string> { ["ENABLE_BUILT_IN_PLUGINS"] = "flink-s3-fs-hadoop-1.20.0.jar" };
        var mismatch = Resolve("", environment: wrongVersion, version: "1.20.1");
        Assert.Equal("ENABLE_BUILT_IN_PLUGINS=flink-s3-fs-hadoop-1.20.1.jar", Assert.Single(mismatch.Findings, f => f.Severity == FlinkFindingSeverity.Error).SuggestedFix);

        var hadoopOnS3p = Resolve("state.checkpoints.dir: s3p://b/cp\n", FlinkS3Plugin.Hadoop);
        Assert.Contains(hadoopOnS3p.Findings, f => f.Severity == FlinkFindingSeverity.Error && f.Message.Contains("does not serve s3p://", StringComparison.Ordinal));
    }

    [Fact]
    public void Entropy_is_validated()
    {
        var good = Resolve("state.checkpoints.dir: s3://b/_entropy_/checkpoints\ns3.entropy.key: _entropy_\ns3.entropy.length: 4\n");
        Assert.Equal(new FlinkEntropy("_entropy_", 4), good.Entropy);
        Assert.Equal("s3://b/checkpoints", good.Entropy!.WithoutMarker(good.CheckpointDirectory!.Value));
        var bad = Resolve("s3.entropy.key: _ent*ropy_\ns3.entropy.length: 0\n");
        Assert.Equal(2, bad.Findings.Count(f => f.Severity == FlinkFindingSeverity.Error && f.Key!.StartsWith("s3.entropy", StringComparison.Ordinal)));
    }

    [Fact]
    public void Native_endpoint_needs_a_scheme_and_region_may_come_from_environment()
    {
        var result = Resolve("s3.endpoint: minio:9000\n", FlinkS3Plugin.Native, new Dictionary<string, string> { ["AWS_REGION"] = "ap-south-1" });
        Assert.Equal("https://minio:9000", result.Settings.Endpoint);
        Assert.Equal("ap-south-1", result.Settings.Region);
        Assert.Contains(result.Findings, f => f.Severity == FlinkFindingSeverity.Error && f.Key == "s3.endpoint");
        var noRegion = Resolve("", FlinkS3Plugin.Native);
        Assert.Equal("s3.region: us-east-1", Assert.Single(noRegion.Findings, f => f.Key == "s3.region").SuggestedFix);
    }

    [Fact]
    public void Key_spellings_for_doctor()
    {
        Assert.Equal("s3.path.style.access: true", FlinkKeySpelling.FixLine(FlinkS3Plugin.Hadoop, FlinkS3Setting.PathStyle, "true"));
        Assert.Equal("s3.path-style-access", FlinkKeySpelling.KeyFor(FlinkS3Plugin.Native, FlinkS3Setting.PathStyle));
        Assert.Equal("s3.ssl.enabled", FlinkKeySpelling.KeyFor(FlinkS3Plugin.Presto, FlinkS3Setting.Ssl));
        Assert.Equal("fs.s3a.connection.ssl.enabled", FlinkKeySpelling.KeyFor(FlinkS3Plugin.Hadoop, FlinkS3Setting.Ssl));
        Assert.Equal("fs.s3a.list.version", FlinkKeySpelling.KeyFor(FlinkS3Plugin.Hadoop, FlinkS3Setting.ListVersion));
        Assert.Null(FlinkKeySpelling.KeyFor(FlinkS3Plugin.Presto, FlinkS3Setting.ListVersion));
        Assert.Equal("fs.s3a.endpoint.region", FlinkKeySpelling.KeyFor(FlinkS3Plugin.Hadoop, FlinkS3Setting.Region));
        Assert.Equal("s3.region", FlinkKeySpelling.KeyFor(FlinkS3Plugin.Native, FlinkS3Setting.Region));
        Assert.Equal("s3.access-key", FlinkKeySpelling.KeyFor(FlinkS3Plugin.Hadoop, FlinkS3Setting.AccessKey));
        Assert.Equal("s3.secret.key", FlinkKeySpelling.KeyFor(FlinkS3Plugin.Presto, FlinkS3Setting.SecretKey));
        Assert.Equal("fs.s3.aws.credentials.provider", FlinkKeySpelling.KeyFor(FlinkS3Plugin.Native, FlinkS3Setting.CredentialsProvider));
        Assert.Equal("s3.bucket.b.access.key", FlinkKeySpelling.BucketKeyFor(FlinkS3Plugin.Hadoop, FlinkS3Setting.AccessKey, "b"));
        Assert.Equal("flink-s3-fs-hadoop-1.20.1.jar", FlinkKeySpelling.PluginJarName(FlinkS3Plugin.Hadoop, FlinkVersion.Parse("1.20.1")));
        Assert.Equal("flink-s3-fs-native-2.3.0.jar", FlinkKeySpelling.PluginJarName(FlinkS3Plugin.Native, FlinkVersion.Parse("2.3")));
        Assert.Equal("execution.checkpointing.dir", FlinkKeySpelling.CheckpointDirKey(FlinkVersion.Parse("2.0.0")));
        Assert.Equal("state.checkpoints.dir", FlinkKeySpelling.CheckpointDirKey(FlinkVersion.Parse("1.19.1")));
        Assert.Equal("state.savepoints.dir", FlinkKeySpelling.SavepointDirKey(FlinkVersion.Parse("1.18.0")));
        Assert.Equal("com.amazonaws.auth.WebIdentityTokenCredentialsProvider", FlinkKeySpelling.CredentialsProviderClass(FlinkS3Plugin.Hadoop, S3CredentialKind.WebIdentity));
    }

    [Fact]
    public void Secrets_are_redacted_everywhere()
    {
        Assert.True(FlinkSecrets.IsSecretKey("s3.access-key"));
        Assert.True(FlinkSecrets.IsSecretKey("fs.s3a.bucket.b.access.key"));
        Assert.True(FlinkSecrets.IsSecretKey("security.ssl.keystore-password"));
        Assert.True(FlinkSecrets.IsSecretKey("fs.s3a.session.token"));
        Assert.True(FlinkSecrets.IsSecretKey("metrics.reporter.dghttp.apikey"));
        Assert.False(FlinkSecrets.IsSecretKey("s3.endpoint"));
        Assert.Equal("s3p://***@bucket/x", FlinkSecrets.RedactUserInfo("s3p://AKIA:secretvalue@bucket/x"));
        var entry = FlinkConfigLoader.Parse("s3.secret-key: rgwSecret/Example+0001\n", FlinkConfigFormat.Legacy, "flink-conf.yaml",
            new FlinkConfigLoadOptions { Environment = FlinkConfigSamples.NoEnvironment })["s3.secret-key"]!;
        Assert.DoesNotContain("rgwSecret/Example+0001", entry.ToString(), StringComparison.Ordinal);
        Assert.Contains("22 chars", entry.DisplayValue, StringComparison.Ordinal);
    }
}
