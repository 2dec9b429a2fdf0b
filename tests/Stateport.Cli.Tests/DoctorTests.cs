using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Stateport.Tests.Shared;

namespace Stateport.Cli.Tests;

/// <summary>A bucket on cluster A for the doctor tests, removed afterwards.</summary>
public sealed class DoctorBucket : IAsyncLifetime
{
    public string Name { get; } = S3TestServer.NewBucketName("doctor");

    public static S3TestEndpoint Endpoint => S3TestServer.A;

    public static AmazonS3Client Client() => S3TestBuckets.Client(Endpoint);

    public async Task<List<string>> KeysAsync()
    {
        using var client = Client();
        var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Name });
        return (page.S3Objects ?? []).Select(o => o.Key).ToList();
    }

    public async Task InitializeAsync()
    {
        using var client = Client();
        await client.PutBucketAsync(new PutBucketRequest { BucketName = Name });
    }

    public async Task DisposeAsync()
    {
        using var client = Client();
        try
        {
            foreach (var key in await KeysAsync())
            {
                await client.DeleteObjectAsync(Name, key);
            }
            await client.DeleteBucketAsync(Name);
        }
        catch (AmazonS3Exception)
        {
            // Throwaway test server.
        }
    }
}

public sealed class DoctorTests(DoctorBucket bucket) : IClassFixture<DoctorBucket>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stateport-doctor-").FullName;

    private static S3TestEndpoint A => DoctorBucket.Endpoint;

    private static readonly Dictionary<string, string> NoAws = new(StringComparer.Ordinal) { ["HOME"] = "/nonexistent-home" };

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed record Run(int Code, string Out, string Error);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string Legacy(string? endpoint = null, string? secret = null, string? bucketName = null, string extra = "") => Write("flink-conf.yaml", $"""
        state.checkpoints.dir: s3://{bucketName ?? bucket.Name}/checkpoints
        state.savepoints.dir: s3://{bucketName ?? bucket.Name}/savepoints
        s3.endpoint: {endpoint ?? A.Endpoint}
        s3.path.style.access: true
        s3.access-key: {A.AccessKey}
        s3.secret-key: {secret ?? A.SecretKey}
        {extra}
        """);

    /// <summary>Runs doctor in-process and asserts the secret never appears in any output.</summary>
    private static async Task<Run> DoctorAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await StateportApp.RunAsync(["doctor", .. args], new CliContext(output, error, isTerminal: false, environment: environment ?? NoAws), CancellationToken.None);
        var run = new Run(code, output.ToString(), error.ToString());
        Assert.DoesNotContain(A.SecretKey, run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(A.SecretKey, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        return run;
    }

    private static List<JsonElement> Steps(Run run) =>
        JsonDocument.Parse(run.Out).RootElement.GetProperty("steps").EnumerateArray().ToList();

    private static JsonElement Step(Run run, string name) => Steps(run).Single(s => s.GetProperty("name").GetString() == name);

    private static string Status(Run run, string name) => Step(run, name).GetProperty("status").GetString()!;

    private static string Fixes(Run run, string name) => string.Join("\n", Step(run, name).GetProperty("fix").EnumerateArray().Select(f => f.GetString()));

    [Fact]
    public async Task Correct_legacy_config_is_all_ok_and_probe_objects_are_removed()
    {
        var run = await DoctorAsync(null, "--flink-config", Legacy(), "--plugin", "hadoop");
        Assert.True(run.Code == ExitCodes.Success, run.Out + run.Error);
        Assert.Contains("ok    probe checkpoints", run.Out, StringComparison.Ordinal);
        Assert.Contains("ok    probe savepoints", run.Out, StringComparison.Ordinal);
        Assert.Contains("PUT, GET, HEAD, LIST, DELETE", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("fail ", run.Out, StringComparison.Ordinal);
        Assert.Empty(await bucket.KeysAsync());
    }

    [Fact]
    public async Task Correct_config_yaml_for_flink_2_is_all_ok_in_json()
    {
        var path = Write("config.yaml", $"""
            execution:
              checkpointing:
                dir: s3://{bucket.Name}/checkpoints
                savepoint-dir: s3://{bucket.Name}/savepoints
            s3:
              endpoint: "{A.Endpoint}"
              path.style.access: true
              access-key: {A.AccessKey}
              secret-key: "{A.SecretKey}"
            """);
        var run = await DoctorAsync(null, "--flink-config", _dir, "--flink-version", "2.0.0", "--json");
        Assert.True(run.Code == ExitCodes.Success, run.Out + run.Error);
        Assert.True(File.Exists(path));
        Assert.DoesNotContain(Steps(run), s => s.GetProperty("status").GetString() == "fail");
        foreach (var name in new[] { "dns", "tcp", "credentials", $"bucket {bucket.Name}", "addressing", "list", "probe checkpoints", "probe savepoints", "checksums", "clock" })
        {
            Assert.True(Status(run, name) == "ok", $"{name}: {Step(run, name)}");
        }
        Assert.Contains("flink-s3-fs-hadoop-2.0.0.jar", run.Out, StringComparison.Ordinal);
        Assert.Empty(await bucket.KeysAsync());
    }

    [Fact]
    public async Task No_write_only_reads()
    {
        var run = await DoctorAsync(null, "--flink-config", Legacy(), "--no-write", "--json");
        Assert.True(run.Code == ExitCodes.Success, run.Out + run.Error);
        Assert.Equal("ok", Status(run, "probe checkpoints"));
        Assert.Equal("skip", Status(run, "checksums"));
    }

    [Fact]
    public async Task Wrong_secret_fails_with_the_403_explained()
    {
        var wrong = "WRONGwrongWRONGwrongWRONGwrongWRONGwrong";
        var run = await DoctorAsync(null, "--flink-config", Legacy(secret: wrong), "--json");
        Assert.Equal(ExitCodes.ProblemsFound, run.Code);
        var evidence = Step(run, $"bucket {bucket.Name}").GetProperty("evidence").GetString()!;
        Assert.Equal("fail", Status(run, $"bucket {bucket.Name}"));
        Assert.Contains("403 SignatureDoesNotMatch", evidence, StringComparison.Ordinal);
        Assert.Contains("secret key is wrong", evidence, StringComparison.Ordinal);
        Assert.Contains("s3.secret-key: <the secret of access key", Fixes(run, $"bucket {bucket.Name}"), StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, run.Out, StringComparison.Ordinal);
        Assert.Equal("skip", Status(run, "list"));
    }

    [Fact]
    public async Task Missing_bucket_fails_with_the_directory_keys_to_change()
    {
        var missing = S3TestServer.NewBucketName("doctor-missing");
        var run = await DoctorAsync(null, "--flink-config", Legacy(bucketName: missing), "--flink-version", "1.20.1");
        Assert.Equal(ExitCodes.ProblemsFound, run.Code);
        Assert.Contains($"bucket {missing} does not exist", run.Out, StringComparison.Ordinal);
        Assert.Contains("fix: execution.checkpointing.dir: s3://<existing bucket>/checkpoints", run.Out, StringComparison.Ordinal);
        Assert.Contains("PROBLEMS FOUND", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_port_fails_at_tcp()
    {
        var port = FreePort();
        var run = await DoctorAsync(null, "--flink-config", Legacy(endpoint: $"http://127.0.0.1:{port}"), "--timeout", "3");
        Assert.Equal(ExitCodes.ProblemsFound, run.Code);
        Assert.Contains($"TCP connect to 127.0.0.1:{port} refused", run.Out, StringComparison.Ordinal);
        Assert.Contains("skip  bucket", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_endpoint_with_ssl_enabled_fails_at_tls_with_the_config_lines()
    {
        var hostPort = A.Endpoint["http://".Length..];
        var run = await DoctorAsync(null, "--flink-config", Legacy(endpoint: hostPort, extra: "fs.s3a.connection.ssl.enabled: true"), "--json", "--timeout", "3");
        Assert.Equal(ExitCodes.ProblemsFound, run.Code);
        Assert.Equal("fail", Status(run, "tls"));
        Assert.Contains("speaks plain HTTP", Step(run, "tls").GetProperty("evidence").GetString(), StringComparison.Ordinal);
        var fixes = Fixes(run, "tls");
        Assert.Contains($"s3.endpoint: http://{hostPort}", fixes, StringComparison.Ordinal);
        Assert.Contains("fs.s3a.connection.ssl.enabled: false", fixes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Web_identity_provider_without_token_file_fails_before_any_s3_call()
    {
        var config = Write("flink-conf.yaml", $"""
            state.checkpoints.dir: s3://{bucket.Name}/checkpoints
            s3.endpoint: {A.Endpoint}
            s3.path.style.access: true
            fs.s3a.aws.credentials.provider: com.amazonaws.auth.WebIdentityTokenCredentialsProvider
            """);
        var environment = new Dictionary<string, string>(NoAws)
        {
            ["AWS_WEB_IDENTITY_TOKEN_FILE"] = Path.Combine(_dir, "no-such-token"),
            ["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/flink",
        };
        var run = await DoctorAsync(environment, "--flink-config", config, "--json");
        Assert.Equal(ExitCodes.ProblemsFound, run.Code);
        Assert.Equal("fail", Status(run, "credentials"));
        Assert.Contains("does not exist", Step(run, "credentials").GetProperty("evidence").GetString(), StringComparison.Ordinal);
        Assert.Contains("eks.amazonaws.com/role-arn", Fixes(run, "credentials"), StringComparison.Ordinal);
        Assert.Equal("skip", Status(run, "bucket"));
    }

    [Fact]
    public async Task Irsa_environment_without_provider_recommends_the_web_identity_provider()
    {
        var config = Write("flink-conf.yaml", $"""
            state.checkpoints.dir: s3://{bucket.Name}/checkpoints
            s3.endpoint: {A.Endpoint}
            s3.path.style.access: true
            """);
        var token = Write("token", "eyJhbGciOi.fake.token");
        var environment = new Dictionary<string, string>(NoAws)
        {
            ["AWS_WEB_IDENTITY_TOKEN_FILE"] = token,
            ["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/flink",
        };
        var run = await DoctorAsync(environment, "--flink-config", config, "--json", "--timeout", "2");
        Assert.Contains(Status(run, "credentials"), new[] { "warn", "fail" });
        Assert.Contains("fs.s3a.aws.credentials.provider: com.amazonaws.auth.WebIdentityTokenCredentialsProvider", Fixes(run, "credentials"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreadable_config_is_invalid_input()
    {
        var missing = await DoctorAsync(null, "--flink-config", Path.Combine(_dir, "nope.yaml"));
        Assert.Equal(ExitCodes.InvalidInput, missing.Code);
        Assert.Contains("no such file", missing.Error, StringComparison.Ordinal);
        var malformed = await DoctorAsync(null, "--flink-config", Write("config.yaml", "s3:\n  endpoint: [unclosed\n"));
        Assert.Equal(ExitCodes.InvalidInput, malformed.Code);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
