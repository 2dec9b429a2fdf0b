using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Amazon.Runtime;

namespace Stateport.Storage.S3;

/// <summary>Turns SDK and network failures into one-line <see cref="StorageException"/>s naming the URI and S3 error code.</summary>
internal static class S3ErrorMapper
{
    /// <summary>
    /// The <see cref="StorageException"/> for <paramref name="exception"/>, or null when it must
    /// propagate unchanged (caller cancellation, already a <see cref="StorageException"/>).
    /// </summary>
    /// <param name="uri">The URI the failure is about.</param>
    /// <param name="subject">What was being done, e.g. "read s3://b/k".</param>
    /// <param name="endpoint">The endpoint as shown to the user.</param>
    public static StorageException? Map(Exception exception, string uri, string subject, string endpoint, CancellationToken cancellationToken)
    {
        if (exception is StorageException || (exception is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            return null;
        }
        var attempts = RetryPolicy.AttemptsOf(exception);
        var service = Find<AmazonServiceException>(exception);
        if (service is not null && service.StatusCode != 0)
        {
            return FromService(service, uri, subject, endpoint, attempts);
        }
        if (Find<AuthenticationException>(exception) is { } tls)
        {
            return new StorageException(StorageErrorKind.Network, uri,
                $"{subject}: TLS handshake with {endpoint} failed: {OneLine(tls.Message)} (trust a private CA with a CA bundle)", null, exception);
        }
        if (IsNetwork(exception))
        {
            return new StorageException(StorageErrorKind.Network, uri,
                $"{subject}: cannot reach {endpoint}: {Innermost(exception)} ({Attempts(attempts)})", null, exception);
        }
        if (exception is AmazonClientException client && client.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase))
        {
            return new StorageException(StorageErrorKind.Credentials, uri,
                $"{subject}: no usable credentials for {endpoint}: {OneLine(client.Message)}", null, exception);
        }
        return new StorageException(StorageErrorKind.Other, uri, $"{subject}: {OneLine(exception.Message)}", null, exception);
    }

    private static StorageException FromService(AmazonServiceException e, string uri, string subject, string endpoint, int attempts)
    {
        var status = (int)e.StatusCode;
        var code = string.IsNullOrEmpty(e.ErrorCode) ? e.StatusCode.ToString() : e.ErrorCode;
        return code switch
        {
            "NoSuchBucket" => new(StorageErrorKind.NoSuchBucket, uri, $"{subject}: bucket does not exist on {endpoint} (NoSuchBucket)", code, e),
            "NoSuchKey" => new(StorageErrorKind.NotFound, uri, $"{subject}: no such object (NoSuchKey)", code, e),
            "SignatureDoesNotMatch" => new(StorageErrorKind.Credentials, uri, $"{subject}: credentials rejected by {endpoint} (SignatureDoesNotMatch): check the secret key", code, e),
            "InvalidAccessKeyId" => new(StorageErrorKind.Credentials, uri, $"{subject}: credentials rejected by {endpoint} (InvalidAccessKeyId): check the access key id", code, e),
            "AccessDenied" => new(StorageErrorKind.Credentials, uri, $"{subject}: access denied by {endpoint} (AccessDenied): the credentials lack permission for this bucket or key", code, e),
            "ExpiredToken" or "InvalidToken" or "TokenRefreshRequired" => new(StorageErrorKind.Credentials, uri, $"{subject}: credentials rejected by {endpoint} ({code}): the session token is expired or invalid", code, e),
            "RequestTimeTooSkewed" => new(StorageErrorKind.Credentials, uri, $"{subject}: {endpoint} rejected the request time (RequestTimeTooSkewed): fix the clock", code, e),
            _ when e.StatusCode == HttpStatusCode.NotFound => new(StorageErrorKind.NotFound, uri, $"{subject}: not found (404 {code})", code, e),
            // HEAD responses have no body, so a 403 there carries no error code.
            _ when e.StatusCode == HttpStatusCode.Forbidden => new(StorageErrorKind.Credentials, uri, $"{subject}: credentials rejected by {endpoint} (403 {code}): check the access key, secret key and permissions", code, e),
            _ when status >= 500 || RetryPolicy.IsTransient(e) => new(StorageErrorKind.Other, uri, $"{subject}: {endpoint} answered {status} {code} ({Attempts(attempts)}): {OneLine(e.Message)}", code, e),
            _ => new(StorageErrorKind.Other, uri, $"{subject}: {endpoint} answered {status} {code}: {OneLine(e.Message)}", code, e),
        };
    }

    private static bool IsNetwork(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException or SocketException or TimeoutException or IOException or OperationCanceledException)
            {
                return true;
            }
        }
        return false;
    }

    private static T? Find<T>(Exception exception) where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }
        return null;
    }

    private static string Innermost(Exception exception)
    {
        var e = exception;
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }
        return e is OperationCanceledException ? "request timed out" : OneLine(e.Message);
    }

    private static string Attempts(int attempts) => attempts == 1 ? "1 attempt" : $"{attempts} attempts";

    public static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
