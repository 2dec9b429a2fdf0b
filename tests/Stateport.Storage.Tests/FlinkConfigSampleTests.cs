using Stateport.Storage.FlinkConfig;

namespace Stateport.Storage.Tests;

/// <summary>The sample configurations of §6 of docs/flink-s3-config.md, each with its "Expect" bullets.</summary>
public sealed class FlinkConfigSampleTests
{
    private static FlinkS3Resolution LoadAndResolve(string fileName, string text, FlinkVersion version,
        IReadOnlyDictionary<string, string> environment, FlinkS3Plugin? plugin = null)
    {
        using var dir = new FlinkConfigTempDir();
        dir.Write(fileName, text);
        var config = FlinkConfigLoader.Load(dir.Path, new FlinkConfigLoadOptions { Version = version, Environment = environment });
        return FlinkS3Resolver.Resolve(config, new FlinkS3ResolveOptions { Plugin = plugin, Environment = environment });
    }

    private static void AssertA(FlinkS3Resolution result)
    {
        Assert.Equal(FlinkS3Plugin.Hadoop, result.Plugin);
        Assert.Equal("DynamicTemporaryAWSCredentialsProvider → WebIdentityTokenCredentialsProvider [used]", result.DescribeCredentialChain());
        var credentials = result.Settings.Credentials;
        Assert.Equal(S3CredentialKind.WebIdentity, credentials.Kind);
        Assert.Equal(FlinkConfigSamples.IrsaEnvironment["AWS_WEB_IDENTITY_TOKEN_FILE"], credentials.WebIdentityTokenFile);
        Assert.Equal(FlinkConfigSamples.IrsaEnvironment["AWS_ROLE_ARN"], credentials.RoleArn);
        Assert.Equal("eu-west-1", result.Settings.Region);
        Assert.False(result.Settings.PathStyle);
        Assert.Null(result.Settings.Endpoint); // AWS over TLS
        Assert.True(result.Settings.IsAws);
        Assert.Equal(2, result.Settings.ListVersion);
        Assert.Null(result.Settings.RequestChecksums);
        Assert.Equal("s3://acme-flink-state/checkpoints", result.CheckpointDirectory!.Value);
        Assert.Equal("s3://acme-flink-state/savepoints", result.SavepointDirectory!.Value);
        Assert.DoesNotContain(result.Findings, f => f.Message.Contains("IRSA environment present but unused", StringComparison.Ordinal));
    }

    [Fact]
    public void A1_legacy_irsa_hadoop_118()
    {
        var result = LoadAndResolve("flink-conf.yaml", FlinkConfigSamples.A1, FlinkVersion.Parse("1.18.1"), FlinkConfigSamples.IrsaEnvironment);
        AssertA(result);
        Assert.Equal(FlinkConfigFormat.Legacy, result.Configuration.Format);
        Assert.Equal("flink-conf.yaml", result.Settings.Source);
        Assert.Equal("state.checkpoints.dir", result.CheckpointDirectory!.Key);
        Assert.True(result.CheckpointDirectory.FromDeprecatedKey);
        Assert.Equal("flink-conf.yaml:4", result.CheckpointDirectory.Provenance);
        Assert.Equal("state.savepoints.dir", result.SavepointDirectory!.Key);
        Assert.Equal("flink-conf.yaml:7", result.Settings.Credentials.Source);
    }

    [Fact]
    public void A2_yaml_irsa_hadoop_2x_nested_and_flat()
    {
        var result = LoadAndResolve("config.yaml", FlinkConfigSamples.A2, FlinkVersion.Parse("2.0.0"), FlinkConfigSamples.IrsaEnvironment);
        AssertA(result);
        Assert.Equal(FlinkConfigFormat.Yaml, result.Configuration.Format);
        Assert.Equal("execution.checkpointing.dir", result.CheckpointDirectory!.Key);
        Assert.False(result.CheckpointDirectory.FromDeprecatedKey);
        Assert.Equal("execution.checkpointing.savepoint-dir", result.SavepointDirectory!.Key);
        Assert.Equal("rocksdb", result.Configuration.GetValue("state.backend.type"));
        Assert.Equal("true", result.Configuration.GetValue("execution.checkpointing.incremental"));
        Assert.Equal("config.yaml:11", result.Configuration["s3.endpoint.region"]!.Provenance);
    }

    private static void AssertB(FlinkS3Resolution result)
    {
        Assert.Equal(FlinkS3Plugin.Hadoop, result.Plugin);
        Assert.Equal("http://rgw.storage.local:7480", result.Settings.Endpoint);
        Assert.True(result.Settings.PathStyle);
        Assert.Equal(1, result.Settings.ListVersion);
        Assert.Equal(ChecksumMode.WhenRequired, result.Settings.RequestChecksums);
        var credentials = result.Settings.Credentials;
        Assert.Equal(S3CredentialKind.Static, credentials.Kind);
        Assert.Equal("RGWACCESSEXAMPLE01", credentials.AccessKey);
        Assert.Equal("rgwSecret/Example+0001", credentials.SecretKey);
        Assert.Null(credentials.SessionToken);
        Assert.Equal("s3://flink/checkpoints", result.CheckpointDirectory!.Value);
        FlinkConfigSamples.AssertNoSecrets(FlinkConfigSamples.Printable(result));
    }

    [Fact]
    public void B1_legacy_rgw_hadoop_117()
    {
        var result = LoadAndResolve("flink-conf.yaml", FlinkConfigSamples.B1, FlinkVersion.Parse("1.17.2"), FlinkConfigSamples.NoEnvironment);
        AssertB(result);
        var shadowed = Assert.Single(result.Findings, f => f.Key == "s3.access.key" && f.Message.StartsWith("shadowed by s3.access-key", StringComparison.Ordinal));
        Assert.Equal(FlinkFindingSeverity.Warn, shadowed.Severity);
        Assert.Equal("flink-conf.yaml:7", shadowed.Provenance);
        // The comment after the directory is an ordinary comment, not a truncated value.
        Assert.DoesNotContain(result.Findings, f => f.Message.Contains("cut at '#'", StringComparison.Ordinal));
    }

    [Fact]
    public void B1_imported_as_presto_dotted_key_wins_and_ssl_and_list_keys_are_ignored()
    {
        var result = LoadAndResolve("flink-conf.yaml", FlinkConfigSamples.B1, FlinkVersion.Parse("1.17.2"), FlinkConfigSamples.NoEnvironment, FlinkS3Plugin.Presto);
        Assert.Equal("SHADOWED-DOTTED-KEY", result.Settings.Credentials.AccessKey);
        Assert.Contains(result.Findings, f => f.Key == "s3.access-key" && f.Message.StartsWith("shadowed by s3.access.key", StringComparison.Ordinal));
        var ssl = Assert.Single(result.Findings, f => f.Key == "s3.connection.ssl.enabled");
        Assert.Equal("s3.ssl.enabled: false", ssl.SuggestedFix);
        Assert.Contains(result.Findings, f => f.Key == "s3.list.version" && f.Message.Contains("ignored", StringComparison.Ordinal));
        Assert.Equal("https://rgw.storage.local:7480", result.Settings.Endpoint); // TLS flag lost
        Assert.Equal(2, result.Settings.ListVersion);
        FlinkConfigSamples.AssertNoSecrets(FlinkConfigSamples.Printable(result));
    }

    [Fact]
    public void B2_yaml_rgw_hadoop_2x()
    {
        var result = LoadAndResolve("config.yaml", FlinkConfigSamples.B2, FlinkVersion.Parse("2.1.0"), FlinkConfigSamples.NoEnvironment);
        AssertB(result);
        Assert.DoesNotContain(result.Findings, f => f.Message.StartsWith("shadowed", StringComparison.Ordinal));
        Assert.Equal("1", result.Configuration.GetValue("s3.list.version"));
    }

    [Fact]
    public void C1_legacy_minio_presto_120_with_flink_properties()
    {
        var result = LoadAndResolve("flink-conf.yaml", FlinkConfigSamples.C1, FlinkVersion.Parse("1.20"), FlinkConfigSamples.C1Environment);
        Assert.Equal(FlinkS3Plugin.Presto, result.Plugin);
        Assert.Equal("s3p", result.CheckpointDirectory!.Uri!.Scheme);
        Assert.Equal("s3p", result.SavepointDirectory!.Uri!.Scheme);
        Assert.Equal("http://minio:9000", result.Settings.Endpoint);
        Assert.True(result.Settings.PathStyle);
        // The overlay adds s3.secret-key, but presto's dotted key wins: the truncated file value is used.
        Assert.Equal("FLINK_PROPERTIES", result.Configuration["s3.secret-key"]!.Provenance);
        Assert.Equal(FlinkConfigSamples.C1MinioSecret, result.Configuration.GetValue("s3.secret-key"));
        Assert.Equal("minio", result.Settings.Credentials.SecretKey);
        Assert.Equal("minioadmin", result.Settings.Credentials.AccessKey);
        Assert.Contains(result.Findings, f => f.Message.StartsWith("value of s3.secret.key was cut at '#' on line 6", StringComparison.Ordinal));
        Assert.Contains(result.Findings, f => f.Key == "s3.secret-key" && f.Provenance == "FLINK_PROPERTIES"
            && f.Message.StartsWith("shadowed by s3.secret.key (flink-conf.yaml:6)", StringComparison.Ordinal));
        Assert.Contains(result.Findings, f => f.Severity == FlinkFindingSeverity.Error && f.Key == "s3.secret.key" && f.Message.Contains("in use was cut", StringComparison.Ordinal));
        FlinkConfigSamples.AssertNoSecrets(FlinkConfigSamples.Printable(result));
    }

    [Fact]
    public void C2_yaml_minio_native_23()
    {
        var environment = new Dictionary<string, string> { ["ENABLE_BUILT_IN_PLUGINS"] = "flink-s3-fs-native-2.3.0.jar" };
        var result = LoadAndResolve("config.yaml", FlinkConfigSamples.C2, FlinkVersion.Parse("2.3.0"), environment);
        Assert.Equal(FlinkS3Plugin.Native, result.Plugin);
        Assert.Equal("ENABLE_BUILT_IN_PLUGINS", result.PluginReason);
        var firstUsed = result.CredentialChain.First(s => s.Selected);
        Assert.StartsWith("static keys", firstUsed.Provider, StringComparison.Ordinal);
        Assert.Equal(S3CredentialKind.Static, result.Settings.Credentials.Kind);
        Assert.Equal("minioadmin", result.Settings.Credentials.SecretKey);
        Assert.True(result.Settings.PathStyle);
        Assert.Equal("us-east-1", result.Settings.Region);
        Assert.Equal("http://minio:9000", result.Settings.Endpoint);
        Assert.Equal(ChecksumMode.WhenRequired, result.Settings.RequestChecksums);
        Assert.False(result.UseChunkEncoding);
        Assert.DoesNotContain(result.Findings, f => f.Severity == FlinkFindingSeverity.Error);
        FlinkConfigSamples.AssertNoSecrets(FlinkConfigSamples.Printable(result));
    }

    [Fact]
    public void Samples_print_no_secrets()
    {
        foreach (var (file, text, version) in new[]
        {
            ("flink-conf.yaml", FlinkConfigSamples.B1, "1.17.0"), ("config.yaml", FlinkConfigSamples.B2, "2.0.0"),
            ("flink-conf.yaml", FlinkConfigSamples.C1, "1.20.1"), ("config.yaml", FlinkConfigSamples.C2, "2.3.0"),
        })
        {
            foreach (var plugin in Enum.GetValues<FlinkS3Plugin>())
            {
                var result = LoadAndResolve(file, text, FlinkVersion.Parse(version), FlinkConfigSamples.C1Environment, plugin);
                FlinkConfigSamples.AssertNoSecrets(FlinkConfigSamples.Printable(result));
            }
        }
    }
}
