using Stateport.Storage.FlinkConfig;

namespace Stateport.Storage.Tests;

/// <summary>A temporary conf directory; deleted on dispose.</summary>
internal sealed class FlinkConfigTempDir : IDisposable
{
    public FlinkConfigTempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "stateport-flinkconf-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string name, string text)
    {
        var file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, text);
        return file;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

internal static class FlinkConfigSamples
{
    public static readonly Dictionary<string, string> NoEnvironment = [];

    public static readonly Dictionary<string, string> IrsaEnvironment = new()
    {
        ["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
        ["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/flink-state",
    };

    public const string A1 = """
        # AWS, EKS with IRSA
        state.backend: rocksdb
        state.backend.incremental: true
        state.checkpoints.dir: s3://acme-flink-state/checkpoints
        state.savepoints.dir: s3://acme-flink-state/savepoints
        s3.endpoint.region: eu-west-1
        fs.s3a.aws.credentials.provider: com.amazonaws.auth.WebIdentityTokenCredentialsProvider
        """;

    public const string A2 = """
        state:
          backend:
            type: rocksdb
        execution:
          checkpointing:
            incremental: true
            dir: s3://acme-flink-state/checkpoints
            savepoint-dir: s3://acme-flink-state/savepoints
        fs.s3a.aws.credentials.provider: com.amazonaws.auth.WebIdentityTokenCredentialsProvider
        s3:
          endpoint.region: eu-west-1
        """;

    public const string B1 = """
        state.checkpoints.dir: s3://flink/checkpoints   # comment is stripped
        s3.endpoint: rgw.storage.local:7480
        s3.path.style.access: true
        s3.connection.ssl.enabled: false
        s3.list.version: 1
        s3.access-key: RGWACCESSEXAMPLE01
        s3.access.key: SHADOWED-DOTTED-KEY
        s3.secret-key: rgwSecret/Example+0001
        """;

    public const string B2 = """
        execution.checkpointing.dir: s3://flink/checkpoints
        s3:
          endpoint: "http://rgw.storage.local:7480"
          path.style.access: true
          connection.ssl.enabled: false
          list.version: 1
          access-key: RGWACCESSEXAMPLE01
          secret-key: "rgwSecret/Example+0001"
        """;

    public const string C1 = """
        state.checkpoints.dir: s3p://checkpoints/flink
        state.savepoints.dir: s3p://checkpoints/savepoints
        s3.endpoint: http://minio:9000
        s3.path-style-access: true
        s3.access.key: minioadmin
        s3.secret.key: minio#admin123
        """;

    public const string C1MinioSecret = "envMinioSecret42";

    public static readonly Dictionary<string, string> C1Environment = new()
    {
        ["FLINK_PROPERTIES"] = "s3.secret-key: ${MINIO_SECRET}",
        ["ENABLE_BUILT_IN_PLUGINS"] = "flink-s3-fs-presto-1.20.1.jar",
        ["MINIO_SECRET"] = C1MinioSecret,
    };

    public const string C2 = """
        execution.checkpointing.dir: s3://checkpoints/flink
        s3.endpoint: http://minio:9000
        s3.region: us-east-1
        s3.path-style-access: true
        s3.access-key: minioadmin
        s3.secret-key: "minioadmin"
        s3.chunked-encoding.enabled: false
        s3.checksum-validation.enabled: false
        """;

    /// <summary>Every secret value in the samples (access keys included: the tool hides them too).</summary>
    public static readonly string[] Secrets =
    [
        "RGWACCESSEXAMPLE01", "SHADOWED-DOTTED-KEY", "rgwSecret/Example+0001", "minioadmin", "minio#admin123", "admin123", C1MinioSecret,
    ];

    /// <summary>Everything a resolution can print.</summary>
    public static string Printable(FlinkS3Resolution resolution) => string.Join('\n',
    [
        resolution.ToString(),
        resolution.DescribeEffectiveKeys(),
        resolution.DescribeCredentialChain(),
        resolution.Settings.ToString(),
        resolution.Settings.Credentials.ToString(),
        string.Join('\n', resolution.Findings.Select(f => f.ToString())),
        string.Join('\n', resolution.CredentialChain.Select(s => s.ToString())),
        string.Join('\n', resolution.EffectiveKeys.Select(k => k.ToString())),
        string.Join('\n', resolution.Configuration.Entries.Select(e => e.ToString())),
        resolution.Configuration.DescribeKeys(),
        resolution.Configuration.ToString(),
        string.Join('\n', resolution.Directories.Select(d => d.ToString())),
        string.Join('\n', resolution.BucketsWithOverrides.Select(b => resolution.SettingsForBucket(b).ToString())),
    ]);

    public static void AssertNoSecrets(string printable)
    {
        foreach (var secret in Secrets)
        {
            Assert.DoesNotContain(secret, printable, StringComparison.Ordinal);
        }
    }
}
