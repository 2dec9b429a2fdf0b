using System.Buffers;
using Amazon.S3.Model;

namespace Stateport.Storage.S3;

// Writes (single PutObject or bounded parallel multipart upload) and multipart server-side copy.
public sealed partial class S3ObjectStore
{
    private static readonly TimeSpan AbortTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// One PutObject up to <see cref="S3StoreOptions.MultipartThreshold"/>, else a multipart upload
    /// with at most <see cref="S3StoreOptions.PartConcurrency"/> pooled part buffers in flight. A
    /// failed multipart upload is aborted. The object is visible only once complete.
    /// </summary>
    /// <exception cref="StorageException">
    /// Integrity when the stream does not yield exactly <paramref name="length"/> bytes (the upload is
    /// aborted for multipart, and nothing is written for a single put); NoSuchBucket, Credentials, Network, Other.
    /// </exception>
    public async Task<ObjectInfo> WriteAsync(StorageUri uri, Stream content, long length, CancellationToken cancellationToken)
    {
        RequireS3(uri);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, -1);
        cancellationToken.ThrowIfCancellationRequested();
        if (length < 0 || length > Options.MultipartThreshold)
        {
            return await WriteMultipartAsync(uri, content, length, cancellationToken).ConfigureAwait(false);
        }
        if (content.CanSeek && content.Length - content.Position == length)
        {
            return await PutAsync(uri, content, content.Position, length, cancellationToken).ConfigureAwait(false);
        }
        if (length > Array.MaxLength)
        {
            return await WriteMultipartAsync(uri, content, length, cancellationToken).ConfigureAwait(false);
        }
        // An unseekable stream is buffered (at most the threshold) so a retry can send it again.
        var buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            var filled = await content.ReadAtLeastAsync(buffer.AsMemory(0, (int)length), (int)length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            var extra = filled == length ? await content.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) : 0;
            CheckLength(uri, filled + extra, length);
            var body = new MemoryStream(buffer, 0, filled, writable: false);
            await using (body.ConfigureAwait(false))
            {
                return await PutAsync(uri, body, 0, length, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<ObjectInfo> PutAsync(StorageUri uri, Stream body, long start, long length, CancellationToken cancellationToken)
    {
        var response = await CallAsync(uri, "write", ct =>
        {
            body.Position = start;
            var request = new PutObjectRequest(length > Options.ExpectContinueThreshold)
            {
                BucketName = uri.Bucket,
                Key = uri.Key,
                InputStream = body,
                AutoCloseStream = false,
                AutoResetStreamPosition = false,
                UseChunkEncoding = _useChunkEncoding,
            };
            request.Headers.ContentLength = length;
            return _client.PutObjectAsync(request, ct);
        }, cancellationToken).ConfigureAwait(false);
        _bucketsSeen.TryAdd(uri.Bucket, true);
        return new ObjectInfo(uri, length, S3ETag.Normalize(response.ETag));
    }

    private async Task<ObjectInfo> WriteMultipartAsync(StorageUri uri, Stream content, long length, CancellationToken cancellationToken)
    {
        var partSizeLong = length >= 0 ? S3StoreOptions.PartSizeFor(length, Options.PartSize) : Options.PartSize;
        if (partSizeLong > Array.MaxLength)
        {
            throw new StorageException(StorageErrorKind.Other, uri.ToString(), $"write {uri}: {length} bytes is too large for S3 (10,000 parts of at most 5 GiB)");
        }
        var partSize = (int)partSizeLong;
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(Options.PartConcurrency);
        var parts = new List<Task<PartETag>>();
        string? uploadId = null;
        var completed = false;
        long total = 0;
        try
        {
            try
            {
                for (var partNumber = 1; ; partNumber++)
                {
                    // The slot is taken before the buffer, so buffers in flight never exceed PartConcurrency.
                    await slots.WaitAsync(failFast.Token).ConfigureAwait(false);
                    var buffer = ArrayPool<byte>.Shared.Rent(partSize);
                    var handedOver = false;
                    try
                    {
                        var filled = await content.ReadAtLeastAsync(buffer.AsMemory(0, partSize), partSize, throwOnEndOfStream: false, failFast.Token).ConfigureAwait(false);
                        if (partNumber == 1 && filled < partSize)
                        {
                            // The whole stream fits in one part: a plain PutObject is cheaper.
                            CheckLength(uri, filled, length);
                            var body = new MemoryStream(buffer, 0, filled, writable: false);
                            await using (body.ConfigureAwait(false))
                            {
                                return await PutAsync(uri, body, 0, filled, cancellationToken).ConfigureAwait(false);
                            }
                        }
                        if (filled == 0)
                        {
                            break;
                        }
                        if (partNumber > S3StoreOptions.MaxParts)
                        {
                            throw new StorageException(StorageErrorKind.Other, uri.ToString(),
                                $"write {uri}: stream of unknown length exceeds 10,000 parts of {partSize} bytes; raise the part size");
                        }
                        uploadId ??= (await CallAsync(uri, "start multipart upload of", ct => _client.InitiateMultipartUploadAsync(
                            new InitiateMultipartUploadRequest { BucketName = uri.Bucket, Key = uri.Key }, ct), failFast.Token, quick: true).ConfigureAwait(false)).UploadId;
                        total += filled;
                        parts.Add(UploadPartAsync(uri, uploadId, partNumber, buffer, filled, slots, failFast));
                        handedOver = true;
                        if (filled < partSize)
                        {
                            break;
                        }
                    }
                    finally
                    {
                        if (!handedOver)
                        {
                            ArrayPool<byte>.Shared.Return(buffer);
                            slots.Release();
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (failFast.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // A part failed and cancelled the rest; awaiting the parts below rethrows that failure.
            }
            var etags = await Task.WhenAll(parts).ConfigureAwait(false);
            CheckLength(uri, total, length);
            var completeRequest = new CompleteMultipartUploadRequest { BucketName = uri.Bucket, Key = uri.Key, UploadId = uploadId, PartETags = [.. etags] };
            var result = await CompleteAsync(uri, completeRequest, "complete multipart upload of", subjectIsComplete: false, total, cancellationToken).ConfigureAwait(false);
            completed = true;
            _bucketsSeen.TryAdd(uri.Bucket, true);
            return result;
        }
        finally
        {
            if (!completed && uploadId is not null)
            {
                await failFast.CancelAsync().ConfigureAwait(false);
                await AbortAsync(uri, uploadId, parts).ConfigureAwait(false);
            }
        }
    }

    private async Task<PartETag> UploadPartAsync(StorageUri uri, string uploadId, int partNumber, byte[] buffer, int filled, SemaphoreSlim slots, CancellationTokenSource failFast)
    {
        try
        {
            var response = await CallAsync(uri, $"upload part {partNumber} of", async ct =>
            {
                var body = new MemoryStream(buffer, 0, filled, writable: false);
                await using (body.ConfigureAwait(false))
                {
                    return await _client.UploadPartAsync(new UploadPartRequest(filled > Options.ExpectContinueThreshold)
                    {
                        BucketName = uri.Bucket,
                        Key = uri.Key,
                        UploadId = uploadId,
                        PartNumber = partNumber,
                        PartSize = filled,
                        InputStream = body,
                        UseChunkEncoding = _useChunkEncoding,
                    }, ct).ConfigureAwait(false);
                }
            }, failFast.Token).ConfigureAwait(false);
            // The server's own spelling goes back in CompleteMultipartUpload.
            return new PartETag(partNumber, response.ETag);
        }
        catch
        {
            await failFast.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            slots.Release();
        }
    }

    private async Task<ObjectInfo> CopyMultipartAsync(ObjectInfo source, StorageUri destination, CancellationToken cancellationToken)
    {
        var partSize = S3StoreOptions.PartSizeFor(source.Length, Options.CopyPartSize);
        var partCount = (int)((source.Length + partSize - 1) / partSize);
        var subject = $"copy {source.Uri} to {destination}";
        var initiate = await CallAsync(destination, $"{subject} (start multipart):", ct => _client.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = destination.Bucket, Key = destination.Key }, ct), cancellationToken, subjectIsComplete: true, quick: true).ConfigureAwait(false);
        var uploadId = initiate.UploadId;
        var etags = new PartETag[partCount];
        var completed = false;
        try
        {
            var options = new ParallelOptions { MaxDegreeOfParallelism = Options.PartConcurrency, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(Enumerable.Range(0, partCount), options, async (index, partToken) =>
            {
                var first = index * partSize;
                var last = Math.Min(first + partSize, source.Length) - 1;
                var request = new CopyPartRequest
                {
                    SourceBucket = source.Uri.Bucket,
                    SourceKey = source.Uri.Key,
                    DestinationBucket = destination.Bucket,
                    DestinationKey = destination.Key,
                    UploadId = uploadId,
                    PartNumber = index + 1,
                    FirstByte = first,
                    LastByte = last,
                };
                var response = await CallAsync(source.Uri, $"{subject} (part {index + 1}):", ct => _client.CopyPartAsync(request, ct), partToken, subjectIsComplete: true).ConfigureAwait(false);
                etags[index] = new PartETag(index + 1, response.ETag);
            }).ConfigureAwait(false);
            var completeRequest = new CompleteMultipartUploadRequest { BucketName = destination.Bucket, Key = destination.Key, UploadId = uploadId, PartETags = [.. etags] };
            var result = await CompleteAsync(destination, completeRequest, $"{subject} (complete):", subjectIsComplete: true, source.Length, cancellationToken).ConfigureAwait(false);
            completed = true;
            return result;
        }
        finally
        {
            if (!completed)
            {
                await AbortAsync(destination, uploadId, []).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// CompleteMultipartUpload with retries. When a response is lost after the server completed the upload,
    /// the retry answers NoSuchUpload: then the object is there, with a multipart ETag of this many parts and
    /// the expected length, and that is success, not failure.
    /// </summary>
    private async Task<ObjectInfo> CompleteAsync(StorageUri uri, CompleteMultipartUploadRequest request, string action, bool subjectIsComplete, long length, CancellationToken cancellationToken)
    {
        try
        {
            var response = await CallAsync(uri, action, ct => _client.CompleteMultipartUploadAsync(request, ct), cancellationToken, subjectIsComplete).ConfigureAwait(false);
            return await CompletedObjectAsync(uri, length, response.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e) when (e.ErrorCode == "NoSuchUpload")
        {
            var existing = await StatAsync(uri, cancellationToken).ConfigureAwait(false);
            if (existing is not null && existing.Length == length && existing.ETag?.EndsWith($"-{request.PartETags.Count}", StringComparison.Ordinal) == true)
            {
                return existing;
            }
            throw;
        }
    }

    /// <summary>The completed object; Ceph RGW may answer CompleteMultipartUpload with an empty ETag, so stat it then.</summary>
    private async Task<ObjectInfo> CompletedObjectAsync(StorageUri uri, long length, string? etag, CancellationToken cancellationToken)
    {
        var normalized = S3ETag.Normalize(etag);
        if (normalized is not null)
        {
            return new ObjectInfo(uri, length, normalized);
        }
        var written = await StatAsync(uri, cancellationToken).ConfigureAwait(false) ?? throw NotFound(uri);
        CheckLength(uri, written.Length, length);
        return written;
    }

    /// <summary>Best effort: waits for in-flight parts, then aborts so the server frees the parts.</summary>
    private async Task AbortAsync(StorageUri uri, string uploadId, IReadOnlyCollection<Task> inFlight)
    {
        try
        {
            await Task.WhenAll(inFlight).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Already reported through the failure that led here.
        }
        using var timeout = new CancellationTokenSource(AbortTimeout);
        try
        {
            await CallAsync(uri, "abort multipart upload of", ct => _client.AbortMultipartUploadAsync(
                new AbortMultipartUploadRequest { BucketName = uri.Bucket, Key = uri.Key, UploadId = uploadId }, ct), timeout.Token, quick: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StorageException or OperationCanceledException)
        {
            // The original failure matters more; a bucket lifecycle rule cleans up leftover parts.
        }
    }

    private static void CheckLength(StorageUri uri, long actual, long expected)
    {
        if (expected >= 0 && actual != expected)
        {
            throw new StorageException(StorageErrorKind.Integrity, uri.ToString(),
                $"write {uri}: source yielded {(actual > expected ? "more than " + expected : actual.ToString(System.Globalization.CultureInfo.InvariantCulture))} bytes, expected {expected}");
        }
    }

    // The SDK asks for "Expect: 100-continue" on every PutObject and UploadPart; these decide per body size
    // (S3StoreOptions.ExpectContinueThreshold). They keep the SDK's class names because the S3 endpoint
    // resolver picks the bucket and key out of a request by its type's name.
    private sealed class PutObjectRequest(bool expectContinue) : Amazon.S3.Model.PutObjectRequest
    {
        protected override bool Expect100Continue => expectContinue;
    }

    private sealed class UploadPartRequest(bool expectContinue) : Amazon.S3.Model.UploadPartRequest
    {
        protected override bool Expect100Continue => expectContinue;
    }
}
