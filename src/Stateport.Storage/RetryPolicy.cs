using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Amazon.Runtime;

namespace Stateport.Storage;

/// <summary>
/// Bounded retries with full-jitter exponential backoff for transient failures: HTTP 500/502/503/504,
/// 408/429, S3 SlowDown/RequestTimeout/InternalError, timeouts and connection resets. Client errors
/// (other 4xx) and TLS failures are never retried. The AWS SDK's own retries are switched off in
/// <see cref="S3.S3ObjectStore"/> so this is the only retry layer.
/// </summary>
public sealed class RetryPolicy
{
    private static readonly HashSet<string> TransientErrorCodes = new(StringComparer.Ordinal)
    {
        "SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "Throttling",
        "ThrottlingException", "TooManyRequests",
    };

    private readonly Func<TimeSpan, CancellationToken, Task> _delay;

    /// <param name="maxRetries">Retries after the first attempt (0 = one attempt only).</param>
    /// <param name="baseDelay">Backoff base (default 100 ms).</param>
    /// <param name="maxDelay">Backoff cap (default 10 s).</param>
    /// <param name="delay">Waits between attempts; tests pass a no-op to avoid sleeping.</param>
    public RetryPolicy(int maxRetries, TimeSpan? baseDelay = null, TimeSpan? maxDelay = null, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetries);
        MaxRetries = maxRetries;
        BaseDelay = baseDelay ?? TimeSpan.FromMilliseconds(100);
        MaxDelay = maxDelay ?? TimeSpan.FromSeconds(10);
        _delay = delay ?? Task.Delay;
    }

    /// <summary>A policy that tries once.</summary>
    public static RetryPolicy None { get; } = new(0);

    public int MaxRetries { get; }
    public TimeSpan BaseDelay { get; }
    public TimeSpan MaxDelay { get; }

    /// <summary>Called before each retry with the failure, the retry number (1-based) and the delay.</summary>
    public Action<Exception, int, TimeSpan>? OnRetry { get; init; }

    /// <summary>Full jitter: uniform in [0, min(cap, base × 2^attempt)].</summary>
    public TimeSpan NextDelay(int attempt)
    {
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30)));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }

    /// <summary>
    /// Runs <paramref name="action"/>, retrying transient failures. The last failure is rethrown
    /// unchanged; <see cref="AttemptsOf"/> tells how many attempts were made.
    /// </summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled.</exception>
    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return await action(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < RetriesAllowedFor(e) && IsTransient(e, cancellationToken))
            {
                var wait = NextDelay(attempt);
                OnRetry?.Invoke(e, attempt + 1, wait);
                await _delay(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!e.Data.Contains(AttemptsKey))
            {
                e.Data[AttemptsKey] = attempt + 1;
                throw;
            }
        }
    }

    /// <inheritdoc cref="ExecuteAsync{T}(Func{CancellationToken, Task{T}}, CancellationToken)"/>
    public Task ExecuteAsync(Func<CancellationToken, Task> action, CancellationToken cancellationToken) =>
        ExecuteAsync(async ct =>
        {
            await action(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Waits the backoff for retry number <paramref name="attempt"/> + 1, for callers that retry by
    /// other means than <see cref="ExecuteAsync{T}"/> (resuming a cut S3 body).
    /// </summary>
    internal Task WaitBeforeRetryAsync(int attempt, CancellationToken cancellationToken) =>
        _delay(NextDelay(attempt), cancellationToken);

    private const string AttemptsKey = "Stateport.Attempts";

    /// <summary>Records that <paramref name="exception"/> ends <paramref name="attempts"/> attempts made by other means (resumed or re-read S3 bodies).</summary>
    internal static TException WithAttempts<TException>(TException exception, int attempts) where TException : Exception
    {
        exception.Data[AttemptsKey] = attempts;
        return exception;
    }

    /// <summary>How many attempts <see cref="ExecuteAsync{T}"/> made before giving up with <paramref name="exception"/> (1 if unknown).</summary>
    public static int AttemptsOf(Exception exception) =>
        exception.Data[AttemptsKey] is int attempts ? attempts : 1;

    /// <summary>
    /// A refused connection or an unknown host is usually a wrong endpoint, not a blip: a couple of retries
    /// cover a restarting server without making a typo wait through the whole backoff (~20 s).
    /// </summary>
    private int RetriesAllowedFor(Exception exception) => IsUnreachable(exception) ? Math.Min(MaxRetries, 2) : MaxRetries;

    private static bool IsUnreachable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.NoData or SocketError.HostUnreachable or SocketError.NetworkUnreachable })
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>True for failures worth retrying; false for client errors, TLS failures and caller cancellation.</summary>
    public static bool IsTransient(Exception exception, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case StorageException:
                case AuthenticationException:
                    return false;
                case AmazonServiceException service when service.StatusCode != 0:
                    return IsTransientStatus(service.StatusCode, service.ErrorCode);
                case HttpRequestException { StatusCode: { } status }:
                    return IsTransientStatus(status, null);
                case HttpRequestException http when ContainsAuthenticationFailure(http):
                    return false;
                case HttpRequestException:
                case SocketException:
                case IOException:
                case TimeoutException:
                    return true;
                // HttpClient reports its own timeout as a cancellation the caller did not ask for.
                case OperationCanceledException:
                    return true;
                default:
                    break;
            }
        }
        return false;
    }

    private static bool IsTransientStatus(HttpStatusCode status, string? errorCode) =>
        (errorCode is not null && TransientErrorCodes.Contains(errorCode)) ||
        status is HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable
            or HttpStatusCode.GatewayTimeout or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    private static bool ContainsAuthenticationFailure(Exception exception)
    {
        for (var e = exception.InnerException; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException)
            {
                return true;
            }
        }
        return false;
    }
}
