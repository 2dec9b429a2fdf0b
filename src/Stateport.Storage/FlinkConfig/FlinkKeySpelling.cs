namespace Stateport.Storage.FlinkConfig;

/// <summary>The Flink S3 filesystem plugins.</summary>
public enum FlinkS3Plugin
{
    /// <summary><c>flink-s3-fs-hadoop</c>: Hadoop S3A, schemes s3:// and s3a://.</summary>
    Hadoop,
    /// <summary><c>flink-s3-fs-presto</c>: PrestoS3FileSystem, schemes s3:// and s3p://.</summary>
    Presto,
    /// <summary><c>flink-s3-fs-native</c> (Flink 2.3+, experimental): AWS SDK v2, schemes s3:// and s3a://.</summary>
    Native,
}

/// <summary>S3 client settings that have a Flink key, for suggesting fixes.</summary>
public enum FlinkS3Setting
{
    Endpoint,
    PathStyle,
    Ssl,
    ListVersion,
    CredentialsProvider,
    Region,
    AccessKey,
    SecretKey,
    SessionToken,
}

/// <summary>Exact key spellings to suggest to an operator, per plugin and Flink version (the reverse of the resolver).</summary>
public static class FlinkKeySpelling
{
    /// <summary>
    /// The key that sets <paramref name="setting"/> under <paramref name="plugin"/>, or null when the
    /// plugin has no such key (presto: region, list version, session token; native: TLS flag, list version).
    /// The spelling chosen is the one that wins in that plugin (hyphenated for hadoop keys, dotted for presto).
    /// </summary>
    public static string? KeyFor(FlinkS3Plugin plugin, FlinkS3Setting setting) => (plugin, setting) switch
    {
        (FlinkS3Plugin.Hadoop, FlinkS3Setting.Endpoint) => "s3.endpoint",
        (FlinkS3Plugin.Hadoop, FlinkS3Setting.PathStyle) => "s3.path.style.access",
        (FlinkS3Plugin.Hadoop, FlinkS3Setting.Ssl) => "fs.s3a.connection.ssl.enabled",
        (FlinkS3Plugin.Hadoop, FlinkS3Setting.ListVersion) => "fs.s3a.list.version",
        (FlinkS3Plugin.Hadoop, FlinkS3Setting.CredentialsProvider) => "fs.s3a.aws.credentials.provider",
        (FlinkS3Plugin.Hadoop, FlinkS3Setting.Region) => "fs.s3a.endpoint.region",
        (FlinkS3Plugin.Hadoop, FlinkS3Setting.AccessKey) => "s3.access-key",
        (FlinkS3Plugin.Hadoop, FlinkS3Setting.SecretKey) => "s3.secret-key",
        (FlinkS3Plugin.Hadoop, FlinkS3Setting.SessionToken) => "fs.s3a.session.token",
        (FlinkS3Plugin.Presto, FlinkS3Setting.Endpoint) => "s3.endpoint",
        (FlinkS3Plugin.Presto, FlinkS3Setting.PathStyle) => "s3.path.style.access",
        (FlinkS3Plugin.Presto, FlinkS3Setting.Ssl) => "s3.ssl.enabled",
        (FlinkS3Plugin.Presto, FlinkS3Setting.CredentialsProvider) => "s3.credentials-provider",
        (FlinkS3Plugin.Presto, FlinkS3Setting.AccessKey) => "s3.access.key",
        (FlinkS3Plugin.Presto, FlinkS3Setting.SecretKey) => "s3.secret.key",
        (FlinkS3Plugin.Native, FlinkS3Setting.Endpoint) => "s3.endpoint",
        (FlinkS3Plugin.Native, FlinkS3Setting.PathStyle) => "s3.path-style-access",
        (FlinkS3Plugin.Native, FlinkS3Setting.CredentialsProvider) => "fs.s3.aws.credentials.provider",
        (FlinkS3Plugin.Native, FlinkS3Setting.Region) => "s3.region",
        (FlinkS3Plugin.Native, FlinkS3Setting.AccessKey) => "s3.access-key",
        (FlinkS3Plugin.Native, FlinkS3Setting.SecretKey) => "s3.secret-key",
        _ => null,
    };

    /// <summary>A line to paste ("s3.path.style.access: true"), or null when the plugin has no key for it.</summary>
    public static string? FixLine(FlinkS3Plugin plugin, FlinkS3Setting setting, string value) =>
        KeyFor(plugin, setting) is { } key ? $"{key}: {value}" : null;

    /// <summary>The per-bucket key for <paramref name="bucket"/>, or null when the plugin has no per-bucket form.</summary>
    public static string? BucketKeyFor(FlinkS3Plugin plugin, FlinkS3Setting setting, string bucket)
    {
        if (plugin == FlinkS3Plugin.Presto)
        {
            return null;
        }
        var option = (plugin, setting) switch
        {
            // Per-bucket keys are copied by S3A after Flink's mirroring, so only the dotted spellings work.
            (FlinkS3Plugin.Hadoop, FlinkS3Setting.AccessKey) => "access.key",
            (FlinkS3Plugin.Hadoop, FlinkS3Setting.SecretKey) => "secret.key",
            (FlinkS3Plugin.Hadoop, FlinkS3Setting.PathStyle) => "path.style.access",
            (FlinkS3Plugin.Hadoop, FlinkS3Setting.Region) => "endpoint.region",
            (FlinkS3Plugin.Hadoop, FlinkS3Setting.CredentialsProvider) => "aws.credentials.provider",
            (FlinkS3Plugin.Hadoop, FlinkS3Setting.Ssl) => "connection.ssl.enabled",
            (FlinkS3Plugin.Hadoop, FlinkS3Setting.ListVersion) => "list.version",
            (FlinkS3Plugin.Hadoop, FlinkS3Setting.SessionToken) => "session.token",
            (_, FlinkS3Setting.Endpoint) => "endpoint",
            (FlinkS3Plugin.Native, FlinkS3Setting.AccessKey) => "access-key",
            (FlinkS3Plugin.Native, FlinkS3Setting.SecretKey) => "secret-key",
            (FlinkS3Plugin.Native, FlinkS3Setting.PathStyle) => "path-style-access",
            (FlinkS3Plugin.Native, FlinkS3Setting.Region) => "region",
            (FlinkS3Plugin.Native, FlinkS3Setting.CredentialsProvider) => "aws.credentials.provider",
            _ => null,
        };
        return option is null ? null : $"s3.bucket.{bucket}.{option}";
    }

    /// <summary>The provider class name that selects <paramref name="kind"/> in the plugin, or null when there is none.</summary>
    public static string? CredentialsProviderClass(FlinkS3Plugin plugin, S3CredentialKind kind) => plugin switch
    {
        // All released Flink versions bundle Hadoop 3.3 with SDK v1 (Hadoop 3.4/SDK v2 is FLINK-30975).
        FlinkS3Plugin.Hadoop => kind switch
        {
            S3CredentialKind.WebIdentity => "com.amazonaws.auth.WebIdentityTokenCredentialsProvider",
            S3CredentialKind.Environment => "com.amazonaws.auth.EnvironmentVariableCredentialsProvider",
            S3CredentialKind.Instance => "org.apache.hadoop.fs.s3a.auth.IAMInstanceCredentialsProvider",
            S3CredentialKind.Profile => "com.amazonaws.auth.profile.ProfileCredentialsProvider",
            S3CredentialKind.Anonymous => "org.apache.hadoop.fs.s3a.AnonymousAWSCredentialsProvider",
            S3CredentialKind.Static => "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
            S3CredentialKind.DefaultChain => "com.amazonaws.auth.DefaultAWSCredentialsProviderChain",
            _ => null,
        },
        FlinkS3Plugin.Native => kind switch
        {
            S3CredentialKind.WebIdentity => "software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider",
            S3CredentialKind.Environment => "software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider",
            S3CredentialKind.Instance => "software.amazon.awssdk.auth.credentials.InstanceProfileCredentialsProvider",
            S3CredentialKind.Profile => "software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider",
            S3CredentialKind.Anonymous => "software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider",
            S3CredentialKind.DefaultChain => "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider",
            _ => null,
        },
        // Presto only takes classes with a (URI, Configuration) constructor; stock AWS providers fail (FLINK-13602).
        _ => null,
    };

    /// <summary>The checkpoint directory key the version reads (renamed in 1.20 by FLIP-406).</summary>
    public static string CheckpointDirKey(FlinkVersion? version) =>
        version is null || version.AtLeast(1, 20) ? "execution.checkpointing.dir" : "state.checkpoints.dir";

    /// <summary>The savepoint directory key the version reads (renamed in 1.20).</summary>
    public static string SavepointDirKey(FlinkVersion? version) =>
        version is null || version.AtLeast(1, 20) ? "execution.checkpointing.savepoint-dir" : "state.savepoints.dir";

    /// <summary>The plugin's directory and jar base name ("flink-s3-fs-hadoop").</summary>
    public static string PluginName(FlinkS3Plugin plugin) => plugin switch
    {
        FlinkS3Plugin.Presto => "flink-s3-fs-presto",
        FlinkS3Plugin.Native => "flink-s3-fs-native",
        _ => "flink-s3-fs-hadoop",
    };

    /// <summary>The exact <c>ENABLE_BUILT_IN_PLUGINS</c> jar name ("flink-s3-fs-hadoop-1.20.1.jar"); the version must equal the image's.</summary>
    public static string PluginJarName(FlinkS3Plugin plugin, FlinkVersion version)
    {
        if (version.Patch is null)
        {
            // The jar name needs the full version; x.y.0 is the only safe guess.
            version = version with { Patch = 0 };
        }
        return $"{PluginName(plugin)}-{version}.jar";
    }

    /// <summary>The scheme Flink advises for the plugin when several claim s3://.</summary>
    public static string PreferredScheme(FlinkS3Plugin plugin) => plugin switch
    {
        FlinkS3Plugin.Presto => "s3p",
        FlinkS3Plugin.Hadoop => "s3a",
        _ => "s3",
    };
}
