using Stateport.Tests.Shared;

namespace Stateport.Cli.Tests;

/// <summary>
/// No secret (secret key, session token, web identity token) appears in any output of any command, on
/// success or failure, text or JSON (issue 3, security). Every captured stdout/stderr is searched.
/// </summary>
public sealed class SecretLeakTests
{
    private const string FakeSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRETzz";
    private const string FakeToken = "FwoGZXIvYXdzEXAMPLESESSIONTOKENzzLEAKCHECKzz";
    private const string FakeIdentityToken = "eyJhbGciOiJSUzI1NiJ9.WEB-IDENTITY-TOKEN-LEAKCHECK.sig";

    private static void AssertNoSecrets(CliResult result, params string[] secrets)
    {
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, result.Out, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, result.Err, StringComparison.Ordinal);
        }
        // A redacted form may keep the first 4 and last 2 characters, never a longer run.
        foreach (var secret in secrets)
        {
            for (var start = 0; start + 12 <= secret.Length; start++)
            {
                var piece = secret.Substring(start, 12);
                Assert.DoesNotContain(piece, result.Out, StringComparison.Ordinal);
                Assert.DoesNotContain(piece, result.Err, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Real_secret_never_appears_in_any_command_output()
    {
        var a = S3TestServer.A;
        await using var bucket = await TestBucket.CreateAsync(a, "leak");
        using var temp = new TempDir();
        await bucket.PutAsync("sp/savepoint-aaaaaa-bbbbbbbbbbbb/_metadata", Corpus.Read(Corpus.MetadataFilePaths.First(p => p.Contains("flink2.0-hashmap-savepoint/", StringComparison.Ordinal))));
        var snapshot = bucket.Uri("sp/savepoint-aaaaaa-bbbbbbbbbbbb");
        var good = Cli.S3(a);
        var wrong = new[] { "--endpoint", a.Endpoint, "--access-key", a.AccessKey, "--secret-key", FakeSecret };
        var results = new List<CliResult>
        {
            await Cli.RunAsync(Cli.Args("inspect", snapshot, good)),
            await Cli.RunAsync(Cli.Args("inspect", snapshot, "--json", good)),
            await Cli.RunAsync(Cli.Args("verify", snapshot, "--json", good)),
            await Cli.RunAsync(Cli.Args("relocate", snapshot, bucket.Uri("copy/sp"), "--dry-run", good)),
            await Cli.RunAsync(Cli.Args("relocate", snapshot, bucket.Uri("copy/sp"), "--json", good)),
            await Cli.RunAsync(Cli.Args("rewrite", snapshot, temp.Sub("out") + "/", good)),
            await Cli.RunAsync(Cli.Args("relocate", snapshot, temp.Sub("local"), good)),
            // failures: wrong secret, missing bucket, unreachable endpoint
            await Cli.RunAsync(Cli.Args("inspect", snapshot, wrong)),
            await Cli.RunAsync(Cli.Args("verify", snapshot, "--json", wrong)),
            await Cli.RunAsync(Cli.Args("relocate", snapshot, bucket.Uri("copy2/sp"), wrong)),
            await Cli.RunAsync(Cli.Args("inspect", "s3://no-such-bucket-leakcheck/sp", good)),
            await Cli.RunAsync(Cli.Args("inspect", snapshot, "--endpoint", "http://127.0.0.1:9", "--access-key", a.AccessKey, "--secret-key", a.SecretKey)),
        };
        Assert.Equal(ExitCodes.StorageError, results[7].Code);
        foreach (var result in results)
        {
            AssertNoSecrets(result, a.SecretKey, FakeSecret);
            Assert.DoesNotContain("   at ", result.Err, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Secrets_from_a_flink_config_and_the_environment_never_appear()
    {
        using var temp = new TempDir();
        var tokenFile = temp.Sub("token");
        await File.WriteAllTextAsync(tokenFile, FakeIdentityToken);
        var conf = temp.Sub("flink-conf.yaml");
        await File.WriteAllTextAsync(conf, $"""
            state.checkpoints.dir: s3://leak-bucket/checkpoints
            s3.endpoint: http://127.0.0.1:9
            s3.path.style.access: true
            s3.access-key: AKIAIOSFODNN7EXAMPLE
            s3.secret-key: {FakeSecret}
            fs.s3a.session.token: {FakeToken}
            """);
        var environment = new Dictionary<string, string>(Cli.Environment)
        {
            ["AWS_SECRET_ACCESS_KEY"] = FakeSecret,
            ["AWS_SESSION_TOKEN"] = FakeToken,
            ["AWS_WEB_IDENTITY_TOKEN_FILE"] = tokenFile,
            ["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/flink",
        };
        var runs = new[]
        {
            new[] { "doctor", "--flink-config", conf, "--timeout", "2" },
            ["doctor", "--flink-config", conf, "--json", "--timeout", "2"],
            ["inspect", "s3://leak-bucket/checkpoints/job/chk-1", "--flink-config", conf],
            ["verify", "s3://leak-bucket/checkpoints/job/chk-1", "--json", "--flink-config", conf],
            ["relocate", "s3://leak-bucket/checkpoints/job/chk-1", temp.Sub("out"), "--flink-config", conf],
        };
        foreach (var args in runs)
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var code = await StateportApp.RunAsync(args, new CliContext(output, error, isTerminal: false, environment: environment), timeout.Token);
            var result = new CliResult(code, output.ToString(), error.ToString());
            Assert.NotEqual(ExitCodes.Success, result.Code);
            Assert.NotEqual(ExitCodes.InternalError, result.Code);
            AssertNoSecrets(result, FakeSecret, FakeToken, FakeIdentityToken);
        }
    }
}
