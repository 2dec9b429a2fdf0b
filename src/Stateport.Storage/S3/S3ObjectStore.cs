using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Stateport.Storage.S3;

/// <summary>
/// <see cref="IObjectStore"/> for one S3 endpoint and one credential set (AWS S3, Ceph RGW, MinIO).
/// The SDK's own retries are off (MaxErrorRetry = 0): every request goes through
/// <see cref="RetryPolicy"/> so retry behaviour is explicit and testable.
/// </summary>
public sealed partial class S3ObjectStore : IObjectStore
{
    private readonly AmazonS3Client _client;
    private readonly AmazonS3Config _config;
    private readonly AWSCredentials? _credentials;
    private readonly string _endpoint;
    private readonly bool _useChunkEncoding;
    private readonly ConcurrentDictionary<string, bool> _bucketsSeen = new(StringComparer.Ordinal);

    /// <summary>Creates the client; no request is made yet.</summary>
    /// <exception cref="StorageException">Credentials when the configured credential source is incomplete.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="options"/> break an S3 limit.</exception>
    public S3ObjectStore(S3Settings settings, S3StoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Options = options ?? new S3StoreOptions();
        Options.Validate();
        Settings = settings;
        _endpoint = EndpointName(settings);
        RetryPolicy = new RetryPolicy(settings.MaxRetries, delay: Options.RetryDelay);
        // aws-chunked uploads are an AWS feature that S3-compatible servers often lack.
        _useChunkEncoding = settings.IsAws;
        PathStyle = settings.PathStyle ?? !settings.IsAws;
        _config = CreateConfig(settings, Options, PathStyle);
        _credentials = S3CredentialResolver.Create(settings.Credentials, _endpoint);
        _client = _credentials is null ? new AmazonS3Client(_config) : new AmazonS3Client(_credentials, _config);
        Capabilities = new StoreCapabilities(ServerSideCopy: true, Options.MultipartThreshold, Options.PartSize);
    }

    public S3Settings Settings { get; }
    public S3StoreOptions Options { get; }
    public RetryPolicy RetryPolicy { get; }

    /// <summary>True when requests use path-style addressing (http://host/bucket/key).</summary>
    public bool PathStyle { get; }

    public StoreCapabilities Capabilities { get; }

    public string Identity => IdentityOf(Settings);

    /// <summary>The <see cref="Identity"/> a store built from <paramref name="settings"/> would have.</summary>
    public static string IdentityOf(S3Settings settings) =>
        $"s3 {EndpointName(settings)} {S3CredentialResolver.IdentityOf(settings.Credentials)}";

    /// <summary>The endpoint as shown to users: the URL, or AWS's regional URL.</summary>
    public static string EndpointName(S3Settings settings) =>
        settings.Endpoint?.TrimEnd('/') ?? $"https://s3.{RegionOf(settings)}.amazonaws.com";

    public string Describe()
    {
        var tls = Settings.InsecureSkipTlsVerify ? ", TLS verification OFF" : Settings.CaBundle is null ? "" : $", CA bundle {Settings.CaBundle}";
        return $"s3 {_endpoint} ({(PathStyle ? "path-style" : "virtual-hosted")}, list v{Settings.ListVersion}, {S3CredentialResolver.ShortDescription(Settings.Credentials)}{tls})";
    }

    public bool Handles(StorageUri uri) => uri.IsS3;

    /// <summary>
    /// Resolves the credentials now (fetching temporary ones from STS/IMDS if needed) and says which
    /// source won. For <c>doctor</c>; the report holds no secret.
    /// </summary>
    /// <exception cref="StorageException">Credentials when no source yields credentials.</exception>
    public Task<S3CredentialReport> ResolveCredentialsAsync(CancellationToken cancellationToken) =>
        S3CredentialResolver.ReportAsync(Settings.Credentials, _credentials, _config, _endpoint, cancellationToken);

    /// <exception cref="StorageException">NoSuchBucket, Credentials, Network, Other.</exception>
    public async Task<ObjectInfo?> StatAsync(StorageUri uri, CancellationToken cancellationToken)
    {
        RequireS3(uri);
        try
        {
            var response = await CallAsync(uri, "stat", ct => _client.GetObjectMetadataAsync(
                new GetObjectMetadataRequest { BucketName = uri.Bucket, Key = uri.Key }, ct), cancellationToken, quick: true).ConfigureAwait(false);
            _bucketsSeen.TryAdd(uri.Bucket, true);
            return new ObjectInfo(uri, response.ContentLength, S3ETag.Normalize(response.ETag), ToOffset(response.LastModified));
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.NotFound)
        {
            // A HEAD 404 has no body, so a missing bucket looks like a missing key: check once per bucket.
            await EnsureBucketExistsAsync(uri, cancellationToken).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>Every object under the prefix, following all pages (RGW may return short pages while truncated).</summary>
    /// <exception cref="StorageException">NoSuchBucket, Credentials, Network, Other.</exception>
    public IAsyncEnumerable<ObjectInfo> ListAsync(StorageUri prefix, CancellationToken cancellationToken)
    {
        RequireS3(prefix);
        return Settings.ListVersion == 1 ? ListV1Async(prefix, cancellationToken) : ListV2Async(prefix, cancellationToken);
    }

    private async IAsyncEnumerable<ObjectInfo> ListV2Async(StorageUri prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? token = null;
        while (true)
        {
            var request = new ListObjectsV2Request { BucketName = prefix.Bucket, Prefix = prefix.Key, ContinuationToken = token };
            var page = await CallAsync(prefix, "list", ct => _client.ListObjectsV2Async(request, ct), cancellationToken, quick: true).ConfigureAwait(false);
            _bucketsSeen.TryAdd(prefix.Bucket, true);
            foreach (var item in page.S3Objects ?? [])
            {
                yield return ToObjectInfo(prefix, item);
            }
            if (page.IsTruncated != true)
            {
                yield break;
            }
            token = page.NextContinuationToken;
            if (string.IsNullOrEmpty(token))
            {
                throw new StorageException(StorageErrorKind.Other, prefix.ToString(),
                    $"list {prefix}: {_endpoint} returned a truncated page without a continuation token (try list version 1)");
            }
        }
    }

    private async IAsyncEnumerable<ObjectInfo> ListV1Async(StorageUri prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? marker = null;
        while (true)
        {
            var request = new ListObjectsRequest { BucketName = prefix.Bucket, Prefix = prefix.Key, Marker = marker };
            var page = await CallAsync(prefix, "list", ct => _client.ListObjectsAsync(request, ct), cancellationToken, quick: true).ConfigureAwait(false);
            _bucketsSeen.TryAdd(prefix.Bucket, true);
            var items = page.S3Objects ?? [];
            foreach (var item in items)
            {
                yield return ToObjectInfo(prefix, item);
            }
            if (page.IsTruncated != true)
            {
                yield break;
            }
            // NextMarker is only sent with a delimiter; otherwise continue after the last key.
            var next = string.IsNullOrEmpty(page.NextMarker) ? items.LastOrDefault()?.Key : page.NextMarker;
            if (string.IsNullOrEmpty(next) || next == marker)
            {
                throw new StorageException(StorageErrorKind.Other, prefix.ToString(),
                    $"list {prefix}: {_endpoint} returned a truncated page with no way to continue");
            }
            marker = next;
        }
    }

    /// <summary>
    /// The byte range as a stream that must be disposed. Reading to the end verifies that the
    /// length the server announced arrived (<see cref="StorageErrorKind.Integrity"/> otherwise).
    /// Opening the response is retried; a connection cut mid-body is resumed with a ranged GET
    /// pinned to the object's ETag (async reads, up to <see cref="S3Settings.MaxRetries"/> times).
    /// A whole-object read of an object whose ETag is its MD5 is hashed and checked as its last
    /// bytes arrive; up to <see cref="S3StoreOptions.VerifiedReadBufferSize"/> bytes such a read is
    /// buffered and verified before it is returned, and re-read on a mismatch, so small files (such
    /// as _metadata) are never handed out corrupted and a corrupted transfer costs only a retry.
    /// </summary>
    /// <exception cref="StorageException">NotFound, NoSuchBucket, Credentials, Network, Other; Integrity for a buffered read that stays corrupt.</exception>
    public async Task<Stream> OpenReadAsync(StorageUri uri, long offset, long length, CancellationToken cancellationToken)
    {
        RequireS3(uri);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, -1);
        if (length == 0)
        {
            // A zero-length range cannot be expressed in a Range header; still report a missing object.
            _ = await StatAsync(uri, cancellationToken).ConfigureAwait(false) ?? throw NotFound(uri);
            return new MemoryStream([], writable: false);
        }
        var request = new GetObjectRequest { BucketName = uri.Bucket, Key = uri.Key };
        if (length > 0)
        {
            request.ByteRange = new ByteRange(offset, offset + length - 1);
        }
        else if (offset > 0)
        {
            request.ByteRange = new ByteRange($"bytes={offset}-");
        }
        var response = await CallAsync(uri, "read", ct => _client.GetObjectAsync(request, ct), cancellationToken).ConfigureAwait(false);
        var stream = ReadStreamFor(uri, offset, response);
        if (stream.ExpectedMd5 is null || stream.Length > Options.VerifiedReadBufferSize)
        {
            return stream;
        }
        return await ReadVerifiedAsync(uri, stream, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The body of <paramref name="response"/> (a read starting at <paramref name="offset"/>), resumable and, for whole objects, MD5-checked.</summary>
    private S3ReadStream ReadStreamFor(StorageUri uri, long offset, GetObjectResponse response, int? maxResumes = null)
    {
        var expected = response.ContentLength;
        var etag = S3ETag.Normalize(response.ETag);
        // "bytes 0-99/100": the total object size; no Content-Range means the whole object.
        var total = response.ContentRange is { } range && range.LastIndexOf('/') is var slash and >= 0
            && long.TryParse(range.AsSpan(slash + 1), System.Globalization.CultureInfo.InvariantCulture, out var size) ? size : expected;
        var wholeObject = offset == 0 && total == expected;
        // SSE-KMS and SSE-C objects have ETags that are not MD5s of the data.
        var encrypted = response.ServerSideEncryptionMethod?.Value?.StartsWith("aws:kms", StringComparison.Ordinal) == true
            || !string.IsNullOrEmpty(response.ServerSideEncryptionCustomerMethod?.Value) && response.ServerSideEncryptionCustomerMethod != ServerSideEncryptionCustomerMethod.None;
        var md5 = wholeObject && !encrypted && IsPlainMd5(etag) ? etag : null;
        Func<long, CancellationToken, Task<GetObjectResponse>>? resume = etag is null ? null : (done, cancellationToken) =>
            CallAsync(uri, "read", ct => _client.GetObjectAsync(new GetObjectRequest
            {
                BucketName = uri.Bucket,
                Key = uri.Key,
                ByteRange = new ByteRange(offset + done, offset + expected - 1),
                // The rest must come from the same object version, not one written since.
                EtagToMatch = $"\"{etag}\"",
            }, ct), cancellationToken);
        return new S3ReadStream(response, expected, uri, _endpoint, resume, RetryPolicy, md5, Math.Max(0, maxResumes ?? RetryPolicy.MaxRetries));
    }

    /// <summary>
    /// Reads a small whole object into memory and verifies its length and MD5 before returning it;
    /// a cut or corrupted transfer is read again (bounded by the retry policy) instead of failing.
    /// </summary>
    private async Task<Stream> ReadVerifiedAsync(StorageUri uri, S3ReadStream stream, CancellationToken cancellationToken)
    {
        // One budget for re-reads and resumes together, so a persistently failing read gives up
        // after about as many requests as any other failing request.
        var attempts = 1;
        while (true)
        {
            try
            {
                var buffer = new byte[stream.Length];
                await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
                await stream.DisposeAsync().ConfigureAwait(false);
                return new MemoryStream(buffer, writable: false);
            }
            catch (StorageException e) when (e.Kind is StorageErrorKind.Integrity or StorageErrorKind.Network
                && !cancellationToken.IsCancellationRequested)
            {
                attempts += stream.Resumes;
                await stream.DisposeAsync().ConfigureAwait(false);
                if (attempts > RetryPolicy.MaxRetries)
                {
                    throw RetryPolicy.WithAttempts(e, attempts);
                }
                await RetryPolicy.WaitBeforeRetryAsync(attempts - 1, cancellationToken).ConfigureAwait(false);
                attempts++;
                var response = await CallAsync(uri, "read", ct => _client.GetObjectAsync(new GetObjectRequest { BucketName = uri.Bucket, Key = uri.Key }, ct), cancellationToken).ConfigureAwait(false);
                stream = ReadStreamFor(uri, 0, response, RetryPolicy.MaxRetries + 1 - attempts);
                if (stream.ExpectedMd5 is null || stream.Length > Options.VerifiedReadBufferSize)
                {
                    // Replaced meanwhile by something that cannot be verified here: hand it out as a stream.
                    return stream;
                }
            }
            catch
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>A single-part S3 ETag: 32 hex digits (multipart ETags carry "-parts").</summary>
    private static bool IsPlainMd5(string? etag) => etag is { Length: 32 } && etag.All(char.IsAsciiHexDigit);

    /// <exception cref="StorageException">NotFound (missing source), NoSuchBucket, Credentials, Network, Other.</exception>
    public async Task<ObjectInfo> CopyAsync(ObjectInfo source, StorageUri destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        RequireS3(source.Uri);
        RequireS3(destination);
        if (source.Length > Options.CopyThreshold)
        {
            return await CopyMultipartAsync(source, destination, cancellationToken).ConfigureAwait(false);
        }
        var request = new CopyObjectRequest
        {
            SourceBucket = source.Uri.Bucket,
            SourceKey = source.Uri.Key,
            DestinationBucket = destination.Bucket,
            DestinationKey = destination.Key,
        };
        var response = await CallAsync(source.Uri, $"copy {source.Uri} to {destination}:", ct => _client.CopyObjectAsync(request, ct), cancellationToken, subjectIsComplete: true).ConfigureAwait(false);
        var etag = S3ETag.Normalize(response.ETag);
        if (etag is null)
        {
            var copied = await StatAsync(destination, cancellationToken).ConfigureAwait(false) ?? throw NotFound(destination);
            return copied;
        }
        return new ObjectInfo(destination, source.Length, etag);
    }

    /// <summary>Deletes one object; a missing object is fine, a missing bucket is not.</summary>
    /// <exception cref="StorageException">NoSuchBucket, Credentials, Network, Other.</exception>
    public async Task DeleteAsync(StorageUri uri, CancellationToken cancellationToken)
    {
        RequireS3(uri);
        try
        {
            await CallAsync(uri, "delete", ct => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = uri.Bucket, Key = uri.Key }, ct), cancellationToken, quick: true).ConfigureAwait(false);
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.NotFound)
        {
            // Already gone.
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Runs one request with retries and maps its failure to a <see cref="StorageException"/>.</summary>
    /// <param name="quick">
    /// A request without a body to move (stat, list, delete, start/abort multipart): it gets
    /// <see cref="S3StoreOptions.QuickRequestTimeout"/> instead of the client's long transfer timeout, so a
    /// connection that stalls is retried after seconds rather than minutes.
    /// </param>
    private async Task<T> CallAsync<T>(StorageUri uri, string action, Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken, bool subjectIsComplete = false, bool quick = false)
    {
        try
        {
            var timeout = Options.QuickRequestTimeout;
            return await RetryPolicy.ExecuteAsync(quick ? ct => WithTimeoutAsync(request, timeout, ct) : request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (S3ErrorMapper.Map(e, uri.ToString(), subjectIsComplete ? action.TrimEnd(':') : $"{action} {uri}", _endpoint, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    private static async Task<T> WithTimeoutAsync<T>(Func<CancellationToken, Task<T>> request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return await request(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Transient for the retry policy; its message (no inner exception) is what the user sees.
            throw new TimeoutException($"request timed out: no answer within {timeout.TotalSeconds:0.#} s");
        }
    }

    private async Task EnsureBucketExistsAsync(StorageUri uri, CancellationToken cancellationToken)
    {
        if (_bucketsSeen.ContainsKey(uri.Bucket))
        {
            return;
        }
        var bucket = StorageUri.S3(uri.Bucket, "", uri.Scheme);
        if (Settings.ListVersion == 1)
        {
            await CallAsync(bucket, "list", ct => _client.ListObjectsAsync(new ListObjectsRequest { BucketName = uri.Bucket, MaxKeys = 1 }, ct), cancellationToken, quick: true).ConfigureAwait(false);
        }
        else
        {
            await CallAsync(bucket, "list", ct => _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = uri.Bucket, MaxKeys = 1 }, ct), cancellationToken, quick: true).ConfigureAwait(false);
        }
        _bucketsSeen.TryAdd(uri.Bucket, true);
    }

    private static AmazonS3Config CreateConfig(S3Settings settings, S3StoreOptions options, bool pathStyle)
    {
        var checksums = settings.RequestChecksums ?? (settings.IsAws ? ChecksumMode.WhenSupported : ChecksumMode.WhenRequired);
        var config = new AmazonS3Config
        {
            ForcePathStyle = pathStyle,
            MaxErrorRetry = 0,
            Timeout = options.RequestTimeout,
            RequestChecksumCalculation = checksums == ChecksumMode.WhenRequired ? RequestChecksumCalculation.WHEN_REQUIRED : RequestChecksumCalculation.WHEN_SUPPORTED,
            ResponseChecksumValidation = checksums == ChecksumMode.WhenRequired ? ResponseChecksumValidation.WHEN_REQUIRED : ResponseChecksumValidation.WHEN_SUPPORTED,
        };
        if (settings.Endpoint is null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(RegionOf(settings));
        }
        else
        {
            config.ServiceURL = settings.Endpoint;
            config.AuthenticationRegion = RegionOf(settings);
        }
        if (settings.CaBundle is not null || settings.InsecureSkipTlsVerify)
        {
            config.HttpClientFactory = new TlsHttpClientFactory(settings.CaBundle, settings.InsecureSkipTlsVerify, options.RequestTimeout);
        }
        return config;
    }

    /// <summary>Signing region: explicit, else from an AWS host name (s3.eu-west-1.amazonaws.com), else the environment, else us-east-1.</summary>
    private static string RegionOf(S3Settings settings)
    {
        if (settings.Region is not null)
        {
            return settings.Region;
        }
        if (settings.IsAws && settings.Endpoint is not null && Uri.TryCreate(settings.Endpoint, UriKind.Absolute, out var url))
        {
            var labels = url.Host.Split('.');
            var s3 = Array.FindIndex(labels, l => l.StartsWith("s3", StringComparison.OrdinalIgnoreCase));
            if (s3 >= 0 && s3 + 2 < labels.Length && labels[s3 + 1] != "amazonaws")
            {
                return labels[s3 + 1];
            }
            return "us-east-1";
        }
        if (settings.IsAws)
        {
            return Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") ?? "us-east-1";
        }
        return "us-east-1";
    }

    private static ObjectInfo ToObjectInfo(StorageUri prefix, S3Object item) =>
        new(StorageUri.S3(prefix.Bucket, item.Key, prefix.Scheme), item.Size ?? 0, S3ETag.Normalize(item.ETag), ToOffset(item.LastModified));

    private static DateTimeOffset? ToOffset(DateTime? time) =>
        time is { } t ? new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime()) : null;

    private static StorageException NotFound(StorageUri uri) =>
        new(StorageErrorKind.NotFound, uri.ToString(), $"read {uri}: no such object", "NoSuchKey");

    private static void RequireS3(StorageUri uri)
    {
        if (!uri.IsS3)
        {
            throw new ArgumentException($"{uri} is not an S3 location", nameof(uri));
        }
    }
}
