using System.Net;
using System.Net.Security;
using System.Text;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Stateport.Storage.FlinkConfig;

namespace Stateport.Storage.Preflight;

/// <summary>The S3 steps: bucket and addressing, listing, probe objects, checksums, clock.</summary>
public sealed partial class PreflightRunner
{
    private readonly Dictionary<string, bool> _pathStyleFor = new(StringComparer.Ordinal);
    private bool _sawSkew;

    // ---------------------------------------------------------------- bucket and addressing

    /// <summary>HeadBucket in the configured style, then the other; reports "bucket" and "addressing". True when the bucket is usable.</summary>
    private async Task<bool> BucketStepsAsync(string bucket)
    {
        var configured = _settings.PathStyle ?? false;
        var name = $"bucket {bucket}";
        var host = _endpoint!.IdnHost;
        var ipHost = IPAddress.TryParse(host, out _);
        var styleName = configured ? "path-style" : "virtual-hosted";

        var (configuredOk, configuredError) = await HeadAsync(bucket, configured).ConfigureAwait(false);
        if (configuredOk)
        {
            _pathStyleFor[bucket] = configured;
            Add(name, PreflightStatus.Ok, $"HeadBucket {bucket} on {_endpointName}: 200 ({styleName})");
            if (configured)
            {
                var other = ipHost ? "virtual-hosted addressing is not possible with an IP endpoint" : await VirtualHostNoteAsync(bucket).ConfigureAwait(false);
                Add("addressing", PreflightStatus.Ok, $"path-style works (configured); {other}");
            }
            else
            {
                Add("addressing", PreflightStatus.Ok, ipHost
                    ? "virtual-hosted is configured, but the endpoint is an IP address, so the SDK uses path-style by itself; that works"
                    : $"virtual-hosted works ({bucket}.{host})");
            }
            return true;
        }

        var status = StatusOf(configuredError!);
        var tryOther = !configured && (status == 0 || status is 404 or 400 or 301 or 307 && Find<AmazonServiceException>(configuredError!)?.ErrorCode is not "PermanentRedirect");
        if (tryOther)
        {
            var (pathOk, _) = await HeadAsync(bucket, pathStyle: true).ConfigureAwait(false);
            if (pathOk)
            {
                _pathStyleFor[bucket] = true;
                Add(name, PreflightStatus.Ok, $"HeadBucket {bucket} on {_endpointName}: 200 (path-style only)");
                var fixes = new List<string>();
                if (FixLine(FlinkS3Setting.PathStyle, "true") is { } line)
                {
                    fixes.Add(line);
                }
                if (_plugin == FlinkS3Plugin.Native)
                {
                    fixes.Add("s3.path-style-access: true");
                }
                fixes.Add("stateport: --path-style true");
                Add("addressing", PreflightStatus.Fail,
                    $"virtual-hosted ({bucket}.{host}): {Describe(configuredError!)}; path-style: 200. The endpoint serves path-style only (no wildcard DNS / rgw_dns_name / MinIO domain)", fixes);
                return true;
            }
        }

        var (evidence, fix) = await ExplainBucketErrorAsync(bucket, configured, configuredError!).ConfigureAwait(false);
        Add(name, PreflightStatus.Fail, $"HeadBucket {bucket} on {_endpointName} ({styleName}): {evidence}", fix);
        Add("addressing", PreflightStatus.Skip, "skipped: the bucket did not answer in either style");
        return false;
    }

    private async Task<string> VirtualHostNoteAsync(string bucket)
    {
        var virtualHost = $"{bucket}.{_endpoint!.IdnHost}";
        try
        {
            await WithTimeout(ct => Dns.GetHostAddressesAsync(virtualHost, ct)).ConfigureAwait(false);
        }
        catch (Exception e) when (Expected(e))
        {
            return $"virtual-hosted would fail ({virtualHost} does not resolve); keep path style";
        }
        var (ok, error) = await HeadAsync(bucket, pathStyle: false).ConfigureAwait(false);
        return ok ? "virtual-hosted works too" : $"virtual-hosted fails ({Describe(error!)}); keep path style";
    }

    private async Task<(bool Ok, Exception? Error)> HeadAsync(string bucket, bool pathStyle)
    {
        if (!pathStyle && !IPAddress.TryParse(_endpoint!.IdnHost, out _))
        {
            try
            {
                await WithTimeout(ct => Dns.GetHostAddressesAsync($"{bucket}.{_endpoint.IdnHost}", ct)).ConfigureAwait(false);
            }
            catch (Exception e) when (Expected(e))
            {
                return (false, new HttpRequestException($"DNS lookup of {bucket}.{_endpoint.IdnHost} failed: {Describe(e)}", e));
            }
        }
        using var client = Client(_settings, pathStyle, whenRequired: true);
        try
        {
            await WithTimeout(ct => client.HeadBucketAsync(new HeadBucketRequest { BucketName = bucket }, ct)).ConfigureAwait(false);
            return (true, null);
        }
        catch (Exception e) when (Expected(e))
        {
            return (false, e);
        }
    }

    /// <summary>A HEAD error has no body: repeat as GET ?location to learn the S3 error code, then explain it.</summary>
    private async Task<(string Evidence, List<string> Fix)> ExplainBucketErrorAsync(string bucket, bool pathStyle, Exception error)
    {
        var status = StatusOf(error);
        if (status is 400 or 403 or 301)
        {
            using var client = Client(_settings, pathStyle, whenRequired: true);
            try
            {
                await WithTimeout(ct => client.GetBucketLocationAsync(new GetBucketLocationRequest { BucketName = bucket }, ct)).ConfigureAwait(false);
            }
            catch (Exception e) when (Expected(e) && Find<AmazonServiceException>(e) is { StatusCode: not 0, ErrorCode.Length: > 0 })
            {
                error = e;
            }
            catch (Exception e) when (Expected(e))
            {
                // Keep the HEAD error.
            }
        }
        return Explain(error, bucket);
    }

    // ---------------------------------------------------------------- listing

    private async Task ListStepAsync(StorageUri directory)
    {
        var bucket = directory.Bucket;
        var prefix = directory.AsDirectory().Key;
        using var client = Client(_settings, _pathStyleFor[bucket], whenRequired: true);
        var configuredV1 = _plugin == FlinkS3Plugin.Hadoop && _settings.ListVersion == 1;
        try
        {
            var page = await WithTimeout(ct => client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, MaxKeys = 2 }, ct)).ConfigureAwait(false);
            var keys = (page.S3Objects ?? []).Select(o => o.Key).ToList();
            var evidence = $"ListObjectsV2 s3://{bucket}/{prefix} (max-keys 2): {keys.Count} key(s)";
            if (page.IsTruncated == true)
            {
                if (string.IsNullOrEmpty(page.NextContinuationToken))
                {
                    Add("list", PreflightStatus.Fail, $"{evidence}, truncated without a continuation token", ListV1Fix());
                    return;
                }
                var next = await WithTimeout(ct => client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, MaxKeys = 2, ContinuationToken = page.NextContinuationToken }, ct)).ConfigureAwait(false);
                if ((next.S3Objects ?? []).Any(o => keys.Contains(o.Key)))
                {
                    Add("list", PreflightStatus.Fail, $"{evidence}; the continuation token is ignored (page 2 repeats page 1)", ListV1Fix());
                    return;
                }
                evidence += "; continuation works";
            }
            Add("list", PreflightStatus.Ok, configuredV1 ? $"{evidence}; V2 works, so fs.s3a.list.version: 1 is not needed (harmless)" : evidence);
        }
        catch (Exception e) when (Expected(e) && StatusOf(e) is 400 or 501 && Find<AmazonServiceException>(e)?.ErrorCode is not ("RequestTimeTooSkewed" or "AuthorizationHeaderMalformed" or "XAmzContentSHA256Mismatch"))
        {
            try
            {
                await WithTimeout(ct => client.ListObjectsAsync(new ListObjectsRequest { BucketName = bucket, Prefix = prefix, MaxKeys = 2 }, ct)).ConfigureAwait(false);
                var evidence = $"ListObjectsV2 rejected ({Describe(e)}); ListObjects v1 works";
                Add("list", configuredV1 ? PreflightStatus.Ok : PreflightStatus.Fail, configuredV1 ? $"{evidence}; fs.s3a.list.version: 1 is set" : evidence, configuredV1 ? null : ListV1Fix());
            }
            catch (Exception v1) when (Expected(v1))
            {
                var (evidence, fix) = Explain(v1, bucket);
                Add("list", PreflightStatus.Fail, $"ListObjectsV2: {Describe(e)}; ListObjects v1: {evidence}", fix);
            }
        }
        catch (Exception e) when (Expected(e))
        {
            var (evidence, fix) = Explain(e, bucket);
            Add("list", PreflightStatus.Fail, $"ListObjectsV2 s3://{bucket}/{prefix}: {evidence}", fix);
        }
    }

    private List<string> ListV1Fix() => _plugin == FlinkS3Plugin.Hadoop
        ? ["fs.s3a.list.version: 1", "stateport: --list-version 1"]
        : [$"{FlinkKeySpelling.PluginName(_plugin)} has no list-version key: use flink-s3-fs-hadoop (ENABLE_BUILT_IN_PLUGINS={(_version is null ? "flink-s3-fs-hadoop-<exact Flink version>.jar" : FlinkKeySpelling.PluginJarName(FlinkS3Plugin.Hadoop, _version))}) with fs.s3a.list.version: 1", "stateport: --list-version 1"];

    // ---------------------------------------------------------------- probe objects

    private async Task ProbeStepAsync(string role, StorageUri directory, string key)
    {
        var name = $"probe {role}";
        var bucket = directory.Bucket;
        var objectKey = directory.AsDirectory().Key + ProbePrefix + RandomSuffix();
        var location = $"s3://{bucket}/{objectKey}";
        var whenRequired = (_settings.RequestChecksums ?? (_settings.IsAws ? ChecksumMode.WhenSupported : ChecksumMode.WhenRequired)) == ChecksumMode.WhenRequired;
        using var client = Client(_settings, _pathStyleFor[bucket], whenRequired);
        var from = key.Length > 0 ? $" ({key})" : "";
        if (_options.NoWrite)
        {
            await ReadOnlyProbeAsync(name, client, bucket, directory.AsDirectory().Key, objectKey, from).ConfigureAwait(false);
            return;
        }

        var content = Encoding.UTF8.GetBytes($"stateport doctor probe {RandomSuffix()}\n");
        var done = new List<string>();
        string? failedOp = null;
        Exception? failure = null;
        var putAttempted = false;
        string? deleteError = null;
        try
        {
            failedOp = "PUT";
            putAttempted = true;
            await WithTimeout(ct => client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = bucket,
                Key = objectKey,
                InputStream = new MemoryStream(content),
                UseChunkEncoding = _settings.IsAws,
            }, ct)).ConfigureAwait(false);
            done.Add("PUT");

            failedOp = "GET";
            var read = await WithTimeout(async ct =>
            {
                using var response = await client.GetObjectAsync(bucket, objectKey, ct).ConfigureAwait(false);
                using var buffer = new MemoryStream();
                await response.ResponseStream.CopyToAsync(buffer, ct).ConfigureAwait(false);
                return buffer.ToArray();
            }).ConfigureAwait(false);
            if (!read.AsSpan().SequenceEqual(content))
            {
                throw new InvalidDataException($"GET returned {read.Length} bytes that differ from the {content.Length} written");
            }
            done.Add("GET");

            failedOp = "HEAD";
            var head = await WithTimeout(ct => client.GetObjectMetadataAsync(bucket, objectKey, ct)).ConfigureAwait(false);
            if (head.ContentLength != content.Length)
            {
                throw new InvalidDataException($"HEAD reports {head.ContentLength} bytes, {content.Length} were written");
            }
            done.Add("HEAD");

            failedOp = "LIST";
            var listed = await ListKeysAsync(client, bucket, objectKey).ConfigureAwait(false);
            if (!listed.Contains(objectKey))
            {
                throw new InvalidDataException("LIST does not show the object just written");
            }
            done.Add("LIST");
            failedOp = null;
        }
        catch (Exception e) when (Expected(e))
        {
            failure = e;
        }
        finally
        {
            if (putAttempted)
            {
                try
                {
                    await WithTimeout(ct => client.DeleteObjectAsync(bucket, objectKey, ct), cleanup: true).ConfigureAwait(false);
                    if (failure is null)
                    {
                        done.Add("DELETE");
                    }
                }
                catch (Exception e) when (Expected(e) || true)
                {
                    deleteError = Describe(e);
                }
            }
        }

        if (failure is not null)
        {
            var (evidence, fix) = failure is InvalidDataException ? (failure.Message, new List<string>()) : Explain(failure, bucket, write: failedOp == "PUT");
            var cleanup = deleteError is null ? "probe object deleted" : $"probe object NOT deleted ({deleteError}): remove {location} by hand";
            Add(name, PreflightStatus.Fail, $"{failedOp} {location}{from}: {evidence}{(done.Count > 0 ? $" (ok before: {string.Join(", ", done)})" : "")}; {cleanup}", fix);
            return;
        }
        if (deleteError is not null)
        {
            Add(name, PreflightStatus.Fail, $"PUT, GET, HEAD, LIST ok on {location}{from}, but DELETE failed: {deleteError}; remove it by hand",
                [$"IAM: allow s3:DeleteObject on arn:aws:s3:::{bucket}/* (Flink deletes old checkpoints)"]);
            return;
        }
        Add(name, PreflightStatus.Ok, $"{string.Join(", ", done)} of {location}{from} ok");
    }

    private async Task ReadOnlyProbeAsync(string name, AmazonS3Client client, string bucket, string prefix, string missingKey, string from)
    {
        try
        {
            var keys = await ListKeysAsync(client, bucket, prefix).ConfigureAwait(false);
            try
            {
                await WithTimeout(ct => client.GetObjectMetadataAsync(bucket, missingKey, ct)).ConfigureAwait(false);
                Add(name, PreflightStatus.Warn, $"HEAD of a random key under s3://{bucket}/{prefix} found an object; --no-write: no PUT/DELETE");
            }
            catch (Exception e) when (Expected(e) && StatusOf(e) == 404)
            {
                Add(name, PreflightStatus.Ok, $"LIST s3://{bucket}/{prefix}{from}: {keys.Count} key(s) on the first page; HEAD of a missing key → 404 (s3:ListBucket granted); --no-write: PUT/GET/DELETE skipped");
            }
            catch (Exception e) when (Expected(e) && StatusOf(e) == 403)
            {
                Add(name, PreflightStatus.Fail, $"HEAD of a missing key under s3://{bucket}/{prefix} → 403 (instead of 404): no s3:ListBucket",
                    [$"IAM: allow s3:ListBucket on arn:aws:s3:::{bucket} and s3:GetObject, s3:PutObject, s3:DeleteObject on arn:aws:s3:::{bucket}/*"]);
            }
        }
        catch (Exception e) when (Expected(e))
        {
            var (evidence, fix) = Explain(e, bucket);
            Add(name, PreflightStatus.Fail, $"LIST s3://{bucket}/{prefix}{from}: {evidence}", fix);
        }
    }

    private async Task<List<string>> ListKeysAsync(AmazonS3Client client, string bucket, string prefix)
    {
        if (_plugin == FlinkS3Plugin.Hadoop && _settings.ListVersion == 1)
        {
            var v1 = await WithTimeout(ct => client.ListObjectsAsync(new ListObjectsRequest { BucketName = bucket, Prefix = prefix, MaxKeys = 100 }, ct)).ConfigureAwait(false);
            return (v1.S3Objects ?? []).Select(o => o.Key).ToList();
        }
        var v2 = await WithTimeout(ct => client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, MaxKeys = 100 }, ct)).ConfigureAwait(false);
        return (v2.S3Objects ?? []).Select(o => o.Key).ToList();
    }

    // ---------------------------------------------------------------- checksums

    /// <summary>PUT with the SDK's default integrity checksums (what SDK v2 clients send); on a 400, retry with WHEN_REQUIRED.</summary>
    private async Task ChecksumStepAsync(StorageUri directory)
    {
        if (_options.NoWrite)
        {
            Add("checksums", PreflightStatus.Skip, "skipped: --no-write");
            return;
        }
        var bucket = directory.Bucket;
        var objectKey = directory.AsDirectory().Key + ProbePrefix + RandomSuffix() + "-checksum";
        var pathStyle = _pathStyleFor[bucket];
        using var defaults = Client(_settings, pathStyle, whenRequired: false);
        using var required = Client(_settings, pathStyle, whenRequired: true);
        var content = Encoding.UTF8.GetBytes("stateport doctor checksum probe\n");
        try
        {
            try
            {
                await WithTimeout(ct => defaults.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = objectKey, InputStream = new MemoryStream(content) }, ct)).ConfigureAwait(false);
                Add("checksums", PreflightStatus.Ok, "PUT with the SDK's default integrity checksums (CRC32 trailer, aws-chunked) accepted");
                return;
            }
            catch (Exception e) when (Expected(e) && StatusOf(e) == 400)
            {
                var first = Describe(e);
                try
                {
                    await WithTimeout(ct => required.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = objectKey, InputStream = new MemoryStream(content), UseChunkEncoding = false }, ct)).ConfigureAwait(false);
                }
                catch (Exception retry) when (Expected(retry))
                {
                    Add("checksums", PreflightStatus.Warn, $"PUT with default checksums: {first}; with WHEN_REQUIRED: {Describe(retry)}");
                    return;
                }
                var evidence = $"PUT with the SDK's default integrity checksums rejected ({first}); with checksums WHEN_REQUIRED and no aws-chunked encoding: ok";
                if (_plugin != FlinkS3Plugin.Native)
                {
                    Add("checksums", PreflightStatus.Ok, $"{evidence}. {FlinkKeySpelling.PluginName(_plugin)} (AWS SDK v1) is unaffected; stateport uses WHEN_REQUIRED for this endpoint");
                }
                else if (_settings.RequestChecksums == ChecksumMode.WhenRequired && _resolution.UseChunkEncoding == false)
                {
                    Add("checksums", PreflightStatus.Ok, $"{evidence}; s3.checksum-validation.enabled and s3.chunked-encoding.enabled are off");
                }
                else
                {
                    Add("checksums", PreflightStatus.Fail, $"{evidence}; flink-s3-fs-native (AWS SDK v2) sends them by default",
                        ["s3.checksum-validation.enabled: false", "s3.chunked-encoding.enabled: false"]);
                }
            }
        }
        catch (Exception e) when (Expected(e))
        {
            var (evidence, fix) = Explain(e, bucket, write: true);
            Add("checksums", PreflightStatus.Fail, $"PUT s3://{bucket}/{objectKey}: {evidence}", fix);
        }
        finally
        {
            try
            {
                await WithTimeout(ct => required.DeleteObjectAsync(bucket, objectKey, ct), cleanup: true).ConfigureAwait(false);
            }
            catch (Exception e) when (Expected(e) || true)
            {
                Add("cleanup", PreflightStatus.Fail, $"could not delete s3://{bucket}/{objectKey}: {Describe(e)}; remove it by hand");
            }
        }
    }

    // ---------------------------------------------------------------- clock

    private async Task ClockStepAsync()
    {
        var fix = new[] { "NTP: synchronise the clocks of the Flink hosts and of this host (S3 rejects requests more than 15 minutes off)" };
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, c, ch, e) => ValidateCertificate(c, ch, e) },
        };
        using var http = new HttpClient(handler) { Timeout = _options.Timeout };
        try
        {
            var before = DateTimeOffset.UtcNow;
            using var response = await WithTimeout(ct => http.SendAsync(new HttpRequestMessage(HttpMethod.Head, _endpoint), ct)).ConfigureAwait(false);
            var after = DateTimeOffset.UtcNow;
            if (response.Headers.Date is not { } date)
            {
                Add("clock", _sawSkew ? PreflightStatus.Fail : PreflightStatus.Skip, _sawSkew ? "the endpoint answered RequestTimeTooSkewed" : "the endpoint sent no Date header", _sawSkew ? fix : null);
                return;
            }
            var local = before + ((after - before) / 2);
            var skew = date - local;
            var text = $"server Date {date:u}, local clock {(skew >= TimeSpan.Zero ? "behind" : "ahead")} by {Math.Abs(skew.TotalSeconds):0.#}s";
            var status = _sawSkew || Math.Abs(skew.TotalMinutes) >= 15 ? PreflightStatus.Fail : Math.Abs(skew.TotalMinutes) >= 5 ? PreflightStatus.Warn : PreflightStatus.Ok;
            Add("clock", status, _sawSkew ? $"{text}; the endpoint answered RequestTimeTooSkewed" : text, status == PreflightStatus.Ok ? null : fix);
        }
        catch (Exception e) when (Expected(e))
        {
            Add("clock", _sawSkew ? PreflightStatus.Fail : PreflightStatus.Skip, $"could not read the server's Date: {Describe(e)}", _sawSkew ? fix : null);
        }
    }

    // ---------------------------------------------------------------- explanations

    private static int StatusOf(Exception e) => (int)(Find<AmazonServiceException>(e)?.StatusCode ?? 0);

    /// <summary>Evidence and fix lines for an S3 failure (§5 of the Flink S3 reference).</summary>
    private (string Evidence, List<string> Fix) Explain(Exception e, string bucket, bool write = false)
    {
        var service = Find<AmazonServiceException>(e);
        var status = StatusOf(e);
        var code = service?.ErrorCode ?? "";
        var evidence = Describe(e);
        var fixes = new List<string>();
        var accessKey = _settings.Credentials.AccessKey;
        switch (code)
        {
            case "SignatureDoesNotMatch":
                evidence += $": the endpoint knows access key {S3Credentials.Redact(accessKey)} but the request signature does not match, so the secret key is wrong{SecretHint()}";
                fixes.Add($"{FlinkKeySpelling.KeyFor(_plugin, FlinkS3Setting.SecretKey) ?? "s3.secret-key"}: <the secret of access key {S3Credentials.Redact(accessKey)}>");
                fixes.Add("config.yaml: quote the secret (\"...\"); flink-conf.yaml: nothing after a '#' survives; FLINK_PROPERTIES (1.19+) deletes whitespace");
                break;
            case "InvalidAccessKeyId":
                evidence += $": {_endpointName} does not know access key {S3Credentials.Redact(accessKey)} (a key of another store, an endpoint lost through a wrong key spelling, or a temporary key without its session token)";
                fixes.Add($"{EndpointKey()}: <the endpoint this key belongs to> (now {_endpointName})");
                fixes.Add($"{FlinkKeySpelling.KeyFor(_plugin, FlinkS3Setting.AccessKey) ?? "s3.access-key"}: <an access key of {_endpointName}>");
                if (accessKey?.StartsWith("ASIA", StringComparison.Ordinal) == true && _plugin == FlinkS3Plugin.Hadoop)
                {
                    fixes.Add("fs.s3a.session.token: <token>");
                    fixes.Add("fs.s3a.aws.credentials.provider: org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider");
                }
                break;
            case "ExpiredToken" or "InvalidToken" or "TokenRefreshRequired":
                evidence += ": the session token is expired or invalid";
                fixes.Add(_plugin == FlinkS3Plugin.Hadoop ? "fs.s3a.session.token: <a current token>" : "use long-lived keys or web identity");
                break;
            case "RequestTimeTooSkewed":
                _sawSkew = true;
                evidence += ": the request time differs from the server's by more than 15 minutes";
                fixes.Add("NTP: synchronise the clocks of the Flink hosts and of this host");
                break;
            case "NoSuchBucket":
                evidence = $"bucket {bucket} does not exist on {_endpointName} ({evidence})";
                fixes.AddRange(NoBucketFix(bucket));
                break;
            case "PermanentRedirect" or "AuthorizationHeaderMalformed" or "IllegalLocationConstraintException":
                RegionFix(e, evidence, fixes, out evidence);
                break;
            case "XAmzContentSHA256Mismatch":
                evidence += ": the endpoint rejects the request's integrity checksum";
                fixes.Add(_plugin == FlinkS3Plugin.Native ? "s3.checksum-validation.enabled: false" : "stateport: checksums WHEN_REQUIRED (automatic for non-AWS endpoints)");
                if (_plugin == FlinkS3Plugin.Native)
                {
                    fixes.Add("s3.chunked-encoding.enabled: false");
                }
                break;
            case "AccessDenied":
            case "" or "Forbidden" when status == 403:
                evidence += code == "AccessDenied"
                    ? ": the credentials are valid but lack permission"
                    : ": forbidden (HEAD has no error body: wrong secret, unknown key or missing permission)";
                fixes.Add($"IAM: allow s3:ListBucket on arn:aws:s3:::{bucket} and s3:GetObject, s3:PutObject, s3:DeleteObject on arn:aws:s3:::{bucket}/*");
                if (write)
                {
                    fixes.Add("with SSE-KMS also kms:GenerateDataKey and kms:Decrypt on the key");
                }
                if (_options.Environment.ContainsKey("AWS_WEB_IDENTITY_TOKEN_FILE") && _settings.Credentials.Kind != S3CredentialKind.WebIdentity && _plugin == FlinkS3Plugin.Hadoop)
                {
                    fixes.Add($"fs.s3a.aws.credentials.provider: {FlinkKeySpelling.CredentialsProviderClass(FlinkS3Plugin.Hadoop, S3CredentialKind.WebIdentity)}");
                }
                break;
            default:
                if (status == 404)
                {
                    evidence = $"bucket {bucket} does not exist on {_endpointName} ({evidence})";
                    fixes.AddRange(NoBucketFix(bucket));
                }
                else if (status == 301)
                {
                    RegionFix(e, evidence, fixes, out evidence);
                }
                break;
        }
        return (evidence, fixes);
    }

    private IEnumerable<string> NoBucketFix(string bucket)
    {
        yield return $"create bucket {bucket} on {_endpointName}, or point the directories at an existing bucket:";
        yield return $"{FlinkKeySpelling.CheckpointDirKey(_version)}: s3://<existing bucket>/checkpoints";
        yield return $"{FlinkKeySpelling.SavepointDirKey(_version)}: s3://<existing bucket>/savepoints";
    }

    private void RegionFix(Exception e, string evidence, List<string> fixes, out string newEvidence)
    {
        var body = Find<AmazonS3Exception>(e)?.ResponseBody ?? "";
        var region = ExpectingRegion().Match(e.Message + " " + body) is { Success: true } m ? m.Groups[1].Value
            : RegionElement().Match(body) is { Success: true } b ? b.Groups[1].Value : null;
        var target = region ?? "<bucket region>";
        newEvidence = $"{evidence}: the bucket is in region {target}, not {RegionOf(_settings, _options.Environment)}";
        switch (_plugin)
        {
            case FlinkS3Plugin.Hadoop:
                fixes.Add($"fs.s3a.endpoint: https://s3.{target}.amazonaws.com");
                fixes.Add($"fs.s3a.endpoint.region: {target}");
                break;
            case FlinkS3Plugin.Native:
                fixes.Add($"s3.region: {target}");
                break;
            default:
                fixes.Add($"s3.endpoint: https://s3.{target}.amazonaws.com");
                break;
        }
    }

    private string SecretHint()
    {
        var secret = _settings.Credentials.SecretKey;
        if (string.IsNullOrEmpty(secret))
        {
            return "";
        }
        var key = _resolution.EffectiveKeys.FirstOrDefault(k => k.Value == secret && k.Key.Contains("secret", StringComparison.Ordinal));
        var where = key is null ? _settings.Credentials.Source : $"{key.SourceKey}, {key.Provenance}";
        var tail = secret.Length > 8 ? $", ends with '{secret[^2..]}'" : "";
        return $" (configured secret from {where}: {secret.Length} chars{tail})";
    }

    [GeneratedRegex("expecting '([a-z0-9-]+)'")]
    private static partial Regex ExpectingRegion();

    [GeneratedRegex("<Region>([a-z0-9-]+)</Region>")]
    private static partial Regex RegionElement();
}
