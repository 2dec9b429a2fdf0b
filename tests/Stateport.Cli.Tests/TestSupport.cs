using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Stateport.Storage;
using Stateport.Storage.S3;
using Stateport.Tests.Shared;

namespace Stateport.Cli.Tests;

/// <summary>What one CLI run did: exit code, stdout, stderr.</summary>
internal sealed record CliResult(int Code, string Out, string Err)
{
    public override string ToString() => $"exit {Code}\n--- stdout ---\n{Tail(Out)}\n--- stderr ---\n{Tail(Err)}";

    private static string Tail(string s) => s.Length <= 6000 ? s : "..." + s[^6000..];

    public JsonElement Json() => JsonDocument.Parse(Out).RootElement.Clone();
}

/// <summary>Runs <c>stateport</c> in process with a hermetic environment.</summary>
internal static class Cli
{
    /// <summary>A fixed environment: no AWS_* variables, no home directory profiles, so only flags configure S3.</summary>
    public static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["HOME"] = "/nonexistent-stateport-test-home",
        ["PATH"] = "/usr/bin:/bin",
    };

    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var code = await StateportApp.RunAsync(args, new CliContext(output, error, isTerminal: false, environment: Environment), timeout.Token);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>Runs and asserts the exit code, showing the whole output when it differs.</summary>
    public static async Task<CliResult> RunExpectingAsync(int expected, params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.Code == expected, $"stateport {string.Join(' ', args.Select(Redact))}: expected exit {expected}\n{result}");
        return result;
    }

    /// <summary>--endpoint/--access-key/--secret-key (with a side prefix "src-"/"dst-" or none) for one test endpoint.</summary>
    public static string[] S3(S3TestEndpoint endpoint, string side = "") =>
        [$"--{side}endpoint", endpoint.Endpoint, $"--{side}access-key", endpoint.AccessKey, $"--{side}secret-key", endpoint.SecretKey];

    public static string[] Args(params object[] parts)
    {
        var list = new List<string>();
        foreach (var part in parts)
        {
            switch (part)
            {
                case string s:
                    list.Add(s);
                    break;
                case IEnumerable<string> many:
                    list.AddRange(many);
                    break;
                default:
                    throw new ArgumentException($"unsupported argument part {part}");
            }
        }
        return [.. list];
    }

    /// <summary>An expected failure: exactly the given exit code, one "error:" line first, no stack trace.</summary>
    public static void AssertCleanFailure(CliResult result, int code, params string[] mustContain)
    {
        Assert.True(result.Code == code, $"expected exit {code}\n{result}");
        Assert.DoesNotContain("   at ", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", result.Err, StringComparison.Ordinal);
        var errorLines = result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.True(errorLines.Count >= 1, $"no 'error:' line on stderr\n{result}");
        foreach (var text in mustContain)
        {
            Assert.True(errorLines[0].Contains(text, StringComparison.OrdinalIgnoreCase), $"the error line does not mention '{text}'\n{result}");
        }
    }

    private static string Redact(string arg) => arg == S3TestServer.A.SecretKey || arg == S3TestServer.B.SecretKey ? "***" : arg;
}

/// <summary>Temporary local directory, removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir(string prefix = "stateport-cli-test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Sub(string relative) => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>A bucket created for one test (unique name), emptied and removed on dispose.</summary>
internal sealed class TestBucket : IAsyncDisposable
{
    private TestBucket(S3TestEndpoint endpoint, string name)
    {
        Endpoint = endpoint;
        Name = name;
    }

    public S3TestEndpoint Endpoint { get; }
    public string Name { get; }

    public string Uri(string key = "") => $"s3://{Name}/{key}";

    public static async Task<TestBucket> CreateAsync(S3TestEndpoint endpoint, string prefix)
    {
        var name = S3TestServer.NewBucketName(prefix);
        using var client = S3Test.Client(endpoint);
        await client.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return new TestBucket(endpoint, name);
    }

    public Task PutAsync(string key, byte[] content) => S3Test.PutAsync(Endpoint, Name, key, content);

    /// <summary>Uploads every file under <paramref name="localDirectory"/> (recursively) below <paramref name="keyPrefix"/>.</summary>
    public async Task UploadDirectoryAsync(string localDirectory, string keyPrefix, Func<string, bool>? include = null)
    {
        var files = Directory.EnumerateFiles(localDirectory, "*", SearchOption.AllDirectories)
            .Select(f => (Full: f, Relative: System.IO.Path.GetRelativePath(localDirectory, f).Replace('\\', '/')))
            .Where(f => include?.Invoke(f.Relative) ?? true)
            .ToList();
        using var client = S3Test.Client(Endpoint);
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (f, ct) =>
            await client.PutObjectAsync(new PutObjectRequest { BucketName = Name, Key = keyPrefix.TrimEnd('/') + "/" + f.Relative, FilePath = f.Full }, ct));
    }

    /// <summary>Key → size of every object under <paramref name="prefix"/> (all pages).</summary>
    public Task<SortedDictionary<string, long>> ListAsync(string prefix = "") => S3Test.ListAsync(Endpoint, Name, prefix);

    public Task<byte[]> GetAsync(string key) => S3Test.GetAsync(Endpoint, Name, key);

    public async Task DeleteObjectAsync(string key)
    {
        using var client = S3Test.Client(Endpoint);
        await client.DeleteObjectAsync(Name, key);
    }

    public ValueTask DisposeAsync() => new(S3TestBuckets.RemoveAsync(Endpoint, Name));
}

/// <summary>Direct SDK access to the test endpoints (independent of the code under test).</summary>
internal static class S3Test
{
    public static AmazonS3Client Client(S3TestEndpoint endpoint) => S3TestBuckets.Client(endpoint);

    public static S3Settings Settings(S3TestEndpoint endpoint) => new()
    {
        Endpoint = endpoint.Endpoint,
        MaxRetries = 3,
        Credentials = new S3Credentials { Kind = S3CredentialKind.Static, AccessKey = endpoint.AccessKey, SecretKey = endpoint.SecretKey, Source = "test" },
        Source = "test",
    };

    /// <summary>A store of the code under test (for writing large objects with multipart, and for listing with its pagination).</summary>
    public static S3ObjectStore Store(S3TestEndpoint endpoint) => new(Settings(endpoint));

    public static async Task PutAsync(S3TestEndpoint endpoint, string bucket, string key, byte[] content)
    {
        using var client = Client(endpoint);
        using var body = new MemoryStream(content, writable: false);
        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = body, AutoCloseStream = false });
    }

    public static async Task<byte[]> GetAsync(S3TestEndpoint endpoint, string bucket, string key)
    {
        using var client = Client(endpoint);
        using var response = await client.GetObjectAsync(bucket, key);
        using var copy = new MemoryStream();
        await response.ResponseStream.CopyToAsync(copy);
        return copy.ToArray();
    }

    public static async Task<SortedDictionary<string, long>> ListAsync(S3TestEndpoint endpoint, string bucket, string prefix)
    {
        using var client = Client(endpoint);
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, ContinuationToken = token });
            foreach (var o in page.S3Objects ?? [])
            {
                result[o.Key] = o.Size ?? 0;
            }
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return result;
    }
}

/// <summary>Checks on a relocated or rewritten snapshot, through the CLI's own inspect output.</summary>
internal static class Snapshots
{
    /// <summary>Non-inline references of an <c>inspect --json</c> document, each resolved to its full location string.</summary>
    public static List<(string Uri, long Size, string Kind)> References(JsonElement inspect)
    {
        var metadataFile = inspect.GetProperty("metadataFile").GetString()!;
        var directory = metadataFile[..(metadataFile.LastIndexOf('/') + 1)];
        var result = new List<(string, long, string)>();
        foreach (var r in inspect.GetProperty("references").EnumerateArray())
        {
            var kind = r.GetProperty("kind").GetString()!;
            if (kind == "inline")
            {
                continue;
            }
            var path = r.GetProperty("path").GetString()!;
            var size = r.GetProperty("size").ValueKind == JsonValueKind.Number ? r.GetProperty("size").GetInt64() : -1;
            result.Add((kind == "relative" ? directory + path : path, size, kind));
        }
        return result;
    }

    /// <summary>
    /// Re-inspects <paramref name="location"/> (exit 0), then checks that every reference is under
    /// <paramref name="expectedPrefix"/> and present in <paramref name="objects"/> (URI → size) with the recorded size.
    /// Returns the inspect document.
    /// </summary>
    public static async Task<JsonElement> AssertSelfContainedAsync(string location, string expectedPrefix, IReadOnlyDictionary<string, long> objects, params string[] storageArgs)
    {
        var inspect = (await Cli.RunExpectingAsync(0, Cli.Args("inspect", location, "--json", storageArgs))).Json();
        var references = References(inspect);
        Assert.NotEmpty(references);
        foreach (var (uri, size, _) in references)
        {
            Assert.True(uri.StartsWith(expectedPrefix, StringComparison.Ordinal), $"reference {uri} is not under {expectedPrefix}");
            Assert.True(objects.TryGetValue(uri, out var actual), $"referenced object {uri} does not exist (have {objects.Count} objects)");
            if (size >= 0)
            {
                Assert.True(size == actual, $"{uri}: {actual} bytes, _metadata records {size}");
            }
        }
        return inspect;
    }

    /// <summary>s3://bucket/key → size for a bucket listing.</summary>
    public static Dictionary<string, long> S3Objects(string bucket, IDictionary<string, long> listing, string scheme = "s3") =>
        listing.ToDictionary(kv => $"{scheme}://{bucket}/{kv.Key}", kv => kv.Value, StringComparer.Ordinal);

    /// <summary>file:/path → size for a local tree.</summary>
    public static Dictionary<string, long> LocalObjects(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToDictionary(f => "file:" + Path.GetFullPath(f), f => new FileInfo(f).Length, StringComparer.Ordinal);

    public static string Sha256(byte[] data) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(data));

    public static string Describe(IDictionary<string, long> listing)
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in listing.Take(40))
        {
            sb.Append(k).Append(' ').Append(v).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Wall-clock helper for diagnostics in assertion messages.</summary>
    public static Stopwatch Clock() => Stopwatch.StartNew();
}
