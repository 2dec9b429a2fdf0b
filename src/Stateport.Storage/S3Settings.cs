namespace Stateport.Storage;

/// <summary>How the S3 client addresses one endpoint. Produced by CLI flags and by the Flink config importer.</summary>
public sealed record S3Settings
{
    /// <summary>Full endpoint URL with scheme (http/https), or null for AWS S3.</summary>
    public string? Endpoint { get; init; }

    /// <summary>Signing region; null = from the endpoint, else us-east-1 for custom endpoints.</summary>
    public string? Region { get; init; }

    /// <summary>Path-style addressing; null = default (on for custom endpoints, off for AWS).</summary>
    public bool? PathStyle { get; init; }

    /// <summary>1 = ListObjects (old Ceph RGW), 2 = ListObjectsV2.</summary>
    public int ListVersion { get; init; } = 2;

    /// <summary>
    /// Request checksum calculation; null = default: <see cref="ChecksumMode.WhenRequired"/> for
    /// non-AWS endpoints (Ceph RGW 16.2 rejects the SDK's default trailing CRC32 with
    /// XAmzContentSHA256Mismatch), <see cref="ChecksumMode.WhenSupported"/> for AWS.
    /// </summary>
    public ChecksumMode? RequestChecksums { get; init; }

    /// <summary>Where credentials come from.</summary>
    public S3Credentials Credentials { get; init; } = S3Credentials.DefaultChain;

    /// <summary>PEM file with extra CA certificates to trust (private CAs).</summary>
    public string? CaBundle { get; init; }

    /// <summary>Turns TLS certificate validation off. Only set by the loudly named --insecure-skip-tls-verify.</summary>
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>Retries per request for 500/503/SlowDown/timeouts/resets (jittered exponential backoff).</summary>
    public int MaxRetries { get; init; } = 8;

    /// <summary>Where these settings came from, for output ("--src-endpoint", "flink-conf.yaml:3").</summary>
    public string Source { get; init; } = "defaults";

    /// <summary>True when the endpoint is AWS S3 (no endpoint, or an amazonaws.com host).</summary>
    public bool IsAws => Endpoint is null || Uri.TryCreate(Endpoint, UriKind.Absolute, out var u) && u.Host.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Request checksum mode, as the AWS SDK names it.</summary>
public enum ChecksumMode
{
    WhenSupported,
    WhenRequired,
}

/// <summary>Kinds of credential source, in the words a Flink operator knows.</summary>
public enum S3CredentialKind
{
    /// <summary>The AWS SDK's default chain (environment, web identity, profile, container, instance).</summary>
    DefaultChain,
    /// <summary>Access key + secret (+ optional session token) given explicitly.</summary>
    Static,
    /// <summary>A named profile from ~/.aws/credentials or ~/.aws/config.</summary>
    Profile,
    /// <summary>AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.</summary>
    Environment,
    /// <summary>Web identity token file + role ARN (Kubernetes IRSA).</summary>
    WebIdentity,
    /// <summary>Container or EC2 instance role.</summary>
    Instance,
    /// <summary>Unsigned requests.</summary>
    Anonymous,
}

/// <summary>
/// A credential source. <see cref="ToString"/> and <see cref="Describe"/> never show the secret or
/// session token; the access key is shown redacted.
/// </summary>
public sealed record S3Credentials
{
    public static readonly S3Credentials DefaultChain = new() { Kind = S3CredentialKind.DefaultChain };

    public S3CredentialKind Kind { get; init; }
    public string? AccessKey { get; init; }
    public string? SecretKey { get; init; }
    public string? SessionToken { get; init; }
    public string? ProfileName { get; init; }
    public string? RoleArn { get; init; }
    public string? WebIdentityTokenFile { get; init; }
    public string? RoleSessionName { get; init; }

    /// <summary>Where the credentials were configured (flag, env var, config file line).</summary>
    public string Source { get; init; } = "default";

    /// <summary>Shows a key as its first 4 and last 2 characters.</summary>
    public static string Redact(string? value) =>
        value is null ? "(none)" :
        value.Length <= 8 ? new string('*', value.Length) :
        string.Concat(value.AsSpan(0, 4), new string('*', value.Length - 6), value.AsSpan(value.Length - 2));

    /// <summary>One line for output, without secrets.</summary>
    public string Describe() => Kind switch
    {
        S3CredentialKind.Static => $"static keys (access key {Redact(AccessKey)}{(SessionToken is null ? "" : ", with session token")}) from {Source}",
        S3CredentialKind.Profile => $"profile '{ProfileName}' from {Source}",
        S3CredentialKind.Environment => "environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
        S3CredentialKind.WebIdentity => $"web identity token {WebIdentityTokenFile ?? "(AWS_WEB_IDENTITY_TOKEN_FILE)"} for role {RoleArn ?? "(AWS_ROLE_ARN)"}",
        S3CredentialKind.Instance => "container/instance role",
        S3CredentialKind.Anonymous => "anonymous (unsigned requests)",
        _ => "AWS SDK default chain (environment, web identity, profile, container, instance)",
    };

    /// <summary>Never prints secrets.</summary>
    public override string ToString() => Describe();

    // Records generate a PrintMembers that would include secrets; override to keep them out.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append(Describe());
        return true;
    }
}
