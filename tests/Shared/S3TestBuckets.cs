using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Stateport.Tests.Shared;

/// <summary>
/// Direct AWS SDK access to the local test endpoints, independent of the code under test: clients, and
/// buckets created for one test and removed after it. For test projects that reference AWSSDK.S3.
/// </summary>
public static class S3TestBuckets
{
    /// <summary>A client for a local Ceph RGW: path-style, no trailing checksums (RGW 16.2 rejects them).</summary>
    public static AmazonS3Client Client(S3TestEndpoint endpoint) =>
        new(new BasicAWSCredentials(endpoint.AccessKey, endpoint.SecretKey), new AmazonS3Config
        {
            ServiceURL = endpoint.Endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });

    public static async Task CreateAsync(S3TestEndpoint endpoint, string bucket)
    {
        using var client = Client(endpoint);
        await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
    }

    /// <summary>Empties (objects and open multipart uploads) and removes a bucket; best effort, the servers are throwaway.</summary>
    public static async Task RemoveAsync(S3TestEndpoint endpoint, string bucket)
    {
        using var client = Client(endpoint);
        try
        {
            var keys = new List<string>();
            string? token = null;
            do
            {
                var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token });
                keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
                token = page.IsTruncated == true ? page.NextContinuationToken : null;
            }
            while (token is not null);
            // One request per key: RGW 16.2 wants Content-MD5 on DeleteObjects, which SDK 4 no longer sends.
            await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16 },
                async (key, ct) => await client.DeleteObjectAsync(bucket, key, ct));
            var uploads = await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket });
            foreach (var upload in uploads.MultipartUploads ?? [])
            {
                await client.AbortMultipartUploadAsync(bucket, upload.Key, upload.UploadId);
            }
            await client.DeleteBucketAsync(bucket);
        }
        catch (AmazonS3Exception)
        {
        }
    }
}
