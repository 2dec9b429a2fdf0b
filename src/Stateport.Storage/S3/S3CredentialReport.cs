namespace Stateport.Storage.S3;

/// <summary>
/// Which credential source won and what it yielded, for <c>doctor</c>. Holds no secret: the access
/// key is redacted and the secret key and session token are never copied here.
/// </summary>
/// <param name="Kind">The configured kind.</param>
/// <param name="Source">The source that produced the credentials, e.g. "environment variables", "profile 'prod'".</param>
/// <param name="AccessKeyRedacted">First 4 and last 2 characters of the access key id; null for anonymous.</param>
/// <param name="HasSessionToken">True for temporary credentials.</param>
public sealed record S3CredentialReport(S3CredentialKind Kind, string Source, string? AccessKeyRedacted, bool HasSessionToken)
{
    public override string ToString() =>
        AccessKeyRedacted is null ? Source : $"{Source} (access key {AccessKeyRedacted}{(HasSessionToken ? ", with session token" : "")})";
}
