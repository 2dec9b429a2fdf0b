using Amazon.S3.Model;

namespace Stateport.Storage.S3;

public sealed partial class S3ObjectStore
{
    /// <summary>Abort incomplete multipart uploads under the prefix: the remains of a killed or failed copy.</summary>
    public async Task<int> CleanupInterruptedWritesAsync(StorageUri prefix, CancellationToken cancellationToken)
    {
        var directory = prefix.AsDirectory();
        var aborted = 0;
        string? keyMarker = null;
        string? uploadIdMarker = null;
        while (true)
        {
            var request = new ListMultipartUploadsRequest { BucketName = directory.Bucket, Prefix = directory.Key, KeyMarker = keyMarker, UploadIdMarker = uploadIdMarker };
            var page = await CallAsync(directory, "list multipart uploads", ct => _client.ListMultipartUploadsAsync(request, ct), cancellationToken, quick: true).ConfigureAwait(false);
            foreach (var upload in page.MultipartUploads ?? [])
            {
                var key = upload.Key;
                var id = upload.UploadId;
                await CallAsync(StorageUri.S3(directory.Bucket, key, directory.Scheme), "abort multipart upload",
                    ct => _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = directory.Bucket, Key = key, UploadId = id }, ct),
                    cancellationToken, quick: true).ConfigureAwait(false);
                aborted++;
            }
            if (page.IsTruncated != true || (page.NextKeyMarker is null && page.NextUploadIdMarker is null))
            {
                return aborted;
            }
            keyMarker = page.NextKeyMarker;
            uploadIdMarker = page.NextUploadIdMarker;
        }
    }
}
