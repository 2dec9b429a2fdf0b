using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;

namespace Stateport.Storage.S3;

/// <summary>Turns an <see cref="S3Credentials"/> into SDK credentials and reports which source won, never the secret.</summary>
internal static class S3CredentialResolver
{
    /// <summary>
    /// SDK credentials for <paramref name="credentials"/>; null for the default chain, which the
    /// client then resolves itself on first use.
    /// </summary>
    /// <exception cref="StorageException">Credentials when the configured source is incomplete or missing.</exception>
    public static AWSCredentials? Create(S3Credentials credentials, string endpoint)
    {
        switch (credentials.Kind)
        {
            case S3CredentialKind.Static:
                if (string.IsNullOrEmpty(credentials.AccessKey) || string.IsNullOrEmpty(credentials.SecretKey))
                {
                    throw Missing(endpoint, $"static credentials from {credentials.Source} need both an access key and a secret key");
                }
                return credentials.SessionToken is null
                    ? new BasicAWSCredentials(credentials.AccessKey, credentials.SecretKey)
                    : new SessionAWSCredentials(credentials.AccessKey, credentials.SecretKey, credentials.SessionToken);
            case S3CredentialKind.Profile:
                var profile = ProfileName(credentials);
                if (!new CredentialProfileStoreChain().TryGetAWSCredentials(profile, out var fromProfile))
                {
                    throw Missing(endpoint, $"profile '{profile}' not found in ~/.aws/credentials or ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE)");
                }
                return fromProfile;
            case S3CredentialKind.Environment:
                if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID")) ||
                    string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY")))
                {
                    throw Missing(endpoint, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set");
                }
                return new EnvironmentVariablesAWSCredentials();
            case S3CredentialKind.WebIdentity:
                var tokenFile = credentials.WebIdentityTokenFile ?? Environment.GetEnvironmentVariable("AWS_WEB_IDENTITY_TOKEN_FILE");
                var roleArn = credentials.RoleArn ?? Environment.GetEnvironmentVariable("AWS_ROLE_ARN");
                if (string.IsNullOrEmpty(tokenFile) || string.IsNullOrEmpty(roleArn))
                {
                    throw Missing(endpoint, "web identity needs a token file and a role ARN (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)");
                }
                var sessionName = credentials.RoleSessionName ?? Environment.GetEnvironmentVariable("AWS_ROLE_SESSION_NAME") ?? $"stateport-{Environment.ProcessId}";
                // Calls STS through AWSSDK.SecurityToken, which the SDK loads by reflection at first use.
                return new AssumeRoleWithWebIdentityCredentials(tokenFile, roleArn, sessionName);
            case S3CredentialKind.Instance:
                return HasContainerCredentials() ? new GenericContainerCredentials() : new InstanceProfileAWSCredentials();
            case S3CredentialKind.Anonymous:
                return new AnonymousAWSCredentials();
            default:
                return null;
        }
    }

    /// <summary>Resolves the credentials (fetching temporary ones if needed) and says where they came from.</summary>
    /// <exception cref="StorageException">Credentials when no source yields credentials.</exception>
    public static async Task<S3CredentialReport> ReportAsync(S3Credentials configured, AWSCredentials? created, IClientConfig config, string endpoint, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var credentials = created ?? await DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync(config).ConfigureAwait(false);
            var source = created is null ? "default chain: " + SourceOf(credentials) : configured.Describe();
            if (credentials is AnonymousAWSCredentials)
            {
                return new S3CredentialReport(configured.Kind, source, null, false);
            }
            var resolved = await credentials.GetCredentialsAsync().ConfigureAwait(false);
            return new S3CredentialReport(configured.Kind, source, S3Credentials.Redact(resolved.AccessKey), resolved.UseToken);
        }
        catch (Exception e) when (e is AmazonClientException or InvalidOperationException or IOException && e is not StorageException)
        {
            throw Missing(endpoint, $"{configured.Describe()} yielded no credentials: {OneLine(e.Message)}", e);
        }
    }

    /// <summary>Names the source behind credentials the default chain picked.</summary>
    private static string SourceOf(AWSCredentials credentials) => credentials switch
    {
        EnvironmentVariablesAWSCredentials => "environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
        AssumeRoleWithWebIdentityCredentials web => $"web identity token {web.WebIdentityTokenFile} for role {web.RoleArn}",
        GenericContainerCredentials => "container credentials (AWS_CONTAINER_CREDENTIALS_*)",
        InstanceProfileAWSCredentials => "EC2 instance profile",
        SSOAWSCredentials => $"SSO profile '{Environment.GetEnvironmentVariable("AWS_PROFILE") ?? "default"}'",
        ProcessAWSCredentials => $"credential_process of profile '{Environment.GetEnvironmentVariable("AWS_PROFILE") ?? "default"}'",
        AssumeRoleAWSCredentials => $"assume-role profile '{Environment.GetEnvironmentVariable("AWS_PROFILE") ?? "default"}'",
        BasicAWSCredentials or SessionAWSCredentials => $"profile '{Environment.GetEnvironmentVariable("AWS_PROFILE") ?? "default"}'",
        _ => credentials.GetType().Name,
    };

    /// <summary>The part of <see cref="S3ObjectStore.Identity"/> naming the credentials: access key id or source, never a secret.</summary>
    public static string IdentityOf(S3Credentials credentials) => credentials.Kind switch
    {
        S3CredentialKind.Static => "key:" + credentials.AccessKey,
        S3CredentialKind.Profile => "profile:" + ProfileName(credentials),
        S3CredentialKind.WebIdentity => "web-identity:" + (credentials.RoleArn ?? "env"),
        _ => credentials.Kind.ToString().ToLowerInvariant(),
    };

    /// <summary>Short form for <see cref="S3ObjectStore.Describe"/>.</summary>
    public static string ShortDescription(S3Credentials credentials) => credentials.Kind switch
    {
        S3CredentialKind.Static => $"static keys {S3Credentials.Redact(credentials.AccessKey)} from {credentials.Source}",
        _ => credentials.Describe(),
    };

    private static string ProfileName(S3Credentials credentials) =>
        credentials.ProfileName ?? Environment.GetEnvironmentVariable("AWS_PROFILE") ?? "default";

    private static bool HasContainerCredentials() =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) ||
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_CONTAINER_CREDENTIALS_FULL_URI"));

    private static StorageException Missing(string endpoint, string message, Exception? inner = null) =>
        new(StorageErrorKind.Credentials, endpoint, $"no usable credentials for {endpoint}: {message}", null, inner);

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
