using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Amazon.S3;

namespace Stateport.Storage.Tests;

public sealed class RetryPolicyTests
{
    private static AmazonS3Exception S3Error(HttpStatusCode status, string code) =>
        new("test", Amazon.Runtime.ErrorType.Sender, code, "request-id", status);

    private static RetryPolicy NoSleep(int maxRetries, List<TimeSpan>? delays = null) =>
        new(maxRetries, delay: (wait, _) =>
        {
            delays?.Add(wait);
            return Task.CompletedTask;
        });

    public static TheoryData<Exception, bool> Classified => new()
    {
        { S3Error(HttpStatusCode.ServiceUnavailable, "SlowDown"), true },
        { S3Error(HttpStatusCode.InternalServerError, "InternalError"), true },
        { S3Error(HttpStatusCode.BadRequest, "RequestTimeout"), true },
        { S3Error(HttpStatusCode.NotFound, "NoSuchKey"), false },
        { S3Error(HttpStatusCode.Forbidden, "SignatureDoesNotMatch"), false },
        { S3Error(HttpStatusCode.BadRequest, "XAmzContentSHA256Mismatch"), false },
        { new HttpRequestException("reset", new SocketException((int)SocketError.ConnectionReset)), true },
        { new IOException("broken pipe"), true },
        { new TimeoutException(), true },
        { new TaskCanceledException("HttpClient timeout"), true },
        { new HttpRequestException("tls", new AuthenticationException("bad certificate")), false },
        { new StorageException(StorageErrorKind.NotFound, "s3://b/k", "not found"), false },
        { new InvalidOperationException(), false },
    };

    [Theory]
    [MemberData(nameof(Classified))]
    public void Classifies_transient_failures(Exception exception, bool transient) =>
        Assert.Equal(transient, RetryPolicy.IsTransient(exception));

    [Fact]
    public void Nothing_is_transient_once_the_caller_cancelled()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.False(RetryPolicy.IsTransient(new IOException(), cancelled.Token));
    }

    [Fact]
    public async Task Retries_transient_failures_until_success()
    {
        var delays = new List<TimeSpan>();
        var calls = 0;

        var result = await NoSleep(5, delays).ExecuteAsync(_ =>
            ++calls < 3 ? throw S3Error(HttpStatusCode.ServiceUnavailable, "SlowDown") : Task.FromResult("ok"), CancellationToken.None);

        Assert.Equal("ok", result);
        Assert.Equal(3, calls);
        Assert.Equal(2, delays.Count);
    }

    [Fact]
    public async Task Gives_up_after_max_retries_and_records_the_attempts()
    {
        var calls = 0;

        var e = await Assert.ThrowsAsync<IOException>(() => NoSleep(2).ExecuteAsync<int>(_ =>
        {
            calls++;
            throw new IOException("connection reset");
        }, CancellationToken.None));

        Assert.Equal(3, calls);
        Assert.Equal(3, RetryPolicy.AttemptsOf(e));
    }

    [Fact]
    public async Task Does_not_retry_client_errors()
    {
        var calls = 0;

        await Assert.ThrowsAsync<AmazonS3Exception>(() => NoSleep(5).ExecuteAsync<int>(_ =>
        {
            calls++;
            throw S3Error(HttpStatusCode.Forbidden, "AccessDenied");
        }, CancellationToken.None));

        Assert.Equal(1, calls);
    }

    [Fact]
    public void Backoff_is_full_jitter_bounded_by_the_cap()
    {
        var policy = new RetryPolicy(10, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));

        for (var attempt = 0; attempt < 40; attempt++)
        {
            var delay = policy.NextDelay(attempt);
            Assert.InRange(delay, TimeSpan.Zero, TimeSpan.FromMilliseconds(Math.Min(1000, 100 * Math.Pow(2, attempt))));
        }
    }
}
