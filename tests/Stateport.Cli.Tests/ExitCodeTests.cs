using Stateport.Tests.Shared;

namespace Stateport.Cli.Tests;

/// <summary>
/// Expected failures against real storage: exit 2 for invalid usage or input, 3 for storage, credential or
/// network errors; one "error:" line on stderr and never a stack trace.
/// </summary>
public sealed class ExitCodeTests
{
    private static readonly string[] StorageA = Cli.S3(S3TestServer.A);

    private static string[] WrongSecret(string side = "") =>
        [$"--{side}endpoint", S3TestServer.A.Endpoint, $"--{side}access-key", S3TestServer.A.AccessKey, $"--{side}secret-key", "not-the-secret-key-0123456789"];

    private static string[] WrongAccessKey(string side = "") =>
        [$"--{side}endpoint", S3TestServer.A.Endpoint, $"--{side}access-key", "AKNOTAKEY0000000000", $"--{side}secret-key", S3TestServer.A.SecretKey];

    [Fact]
    public async Task Wrong_credentials_are_a_storage_error_for_every_command()
    {
        await using var bucket = await TestBucket.CreateAsync(S3TestServer.A, "creds");
        var sp = await CorpusSnapshots.UploadSavepointAsync(bucket);
        using var temp = new TempDir();

        Cli.AssertCleanFailure(await Cli.RunAsync(Cli.Args("inspect", sp, WrongSecret())), 3, "credentials");
        Cli.AssertCleanFailure(await Cli.RunAsync(Cli.Args("inspect", sp, WrongAccessKey())), 3, "credentials");
        Cli.AssertCleanFailure(await Cli.RunAsync(Cli.Args("verify", sp, WrongSecret())), 3, "credentials");
        Cli.AssertCleanFailure(await Cli.RunAsync(Cli.Args("rewrite", sp, temp.Sub("out/"), WrongSecret())), 3, "credentials");
        Cli.AssertCleanFailure(await Cli.RunAsync(Cli.Args("relocate", sp, temp.Sub("dst"), WrongSecret("src-"))), 3, "credentials");
        Assert.False(Directory.Exists(temp.Sub("dst")) && Directory.EnumerateFileSystemEntries(temp.Sub("dst")).Any());
    }

    [Fact]
    public async Task Wrong_destination_credentials_fail_before_any_metadata_is_written()
    {
        await using var source = await TestBucket.CreateAsync(S3TestServer.A, "creds-src");
        await using var target = await TestBucket.CreateAsync(S3TestServer.B, "creds-dst");
        var sp = await CorpusSnapshots.UploadSavepointAsync(source);
        // Endpoint B with endpoint A's keys: another cluster does not know them.
        string[] dstWrong = ["--dst-endpoint", S3TestServer.B.Endpoint, "--dst-access-key", S3TestServer.A.AccessKey, "--dst-secret-key", S3TestServer.A.SecretKey];

        var result = await Cli.RunAsync(Cli.Args("relocate", sp, target.Uri("dst"), Cli.S3(S3TestServer.A, "src-"), dstWrong));
        Cli.AssertCleanFailure(result, 3, "credentials");
        Assert.Empty(await target.ListAsync());
    }

    [Fact]
    public async Task Missing_bucket_is_a_storage_error_naming_the_bucket()
    {
        var missing = S3TestServer.NewBucketName("no-such-bucket");
        using var temp = new TempDir();

        Cli.AssertCleanFailure(await Cli.RunAsync(Cli.Args("inspect", $"s3://{missing}/savepoints/sp-1", StorageA)), 3, missing);
        Cli.AssertCleanFailure(await Cli.RunAsync(Cli.Args("verify", $"s3://{missing}/savepoints/sp-1", StorageA)), 3, missing);
        Cli.AssertCleanFailure(await Cli.RunAsync(Cli.Args("relocate", $"s3://{missing}/savepoints/sp-1", temp.Sub("dst"), StorageA)), 3, missing);
        Cli.AssertCleanFailure(await Cli.RunAsync(Cli.Args("rewrite", CorpusSnapshots.SavepointDirectory, $"s3://{missing}/out/", StorageA)), 3, missing);
    }

    [Fact]
    public async Task Missing_destination_bucket_is_a_storage_error()
    {
        var missing = S3TestServer.NewBucketName("no-such-dst");
        var result = await Cli.RunAsync(Cli.Args("relocate", CorpusSnapshots.SavepointDirectory, $"s3://{missing}/relocated/sp", Cli.S3(S3TestServer.B, "dst-")));
        Cli.AssertCleanFailure(result, 3, missing);
    }

    [Fact]
    public async Task Unreachable_endpoint_is_a_storage_error()
    {
        // Port 9 (discard) on loopback: connection refused at once.
        string[] storage = ["--endpoint", "http://127.0.0.1:9", "--access-key", "x", "--secret-key", "y"];
        var result = await Cli.RunAsync(Cli.Args("inspect", "s3://bucket/savepoints/sp-1", storage));
        Cli.AssertCleanFailure(result, 3, "127.0.0.1:9");
    }

    [Fact]
    public async Task Corrupt_metadata_on_S3_is_invalid_input()
    {
        await using var bucket = await TestBucket.CreateAsync(S3TestServer.A, "corrupt");
        var bytes = File.ReadAllBytes(Path.Combine(CorpusSnapshots.SavepointDirectory, "_metadata"));
        // Right magic, cut in the middle of the operator list.
        await bucket.PutAsync("sp/_metadata", bytes[..(bytes.Length / 3)]);
        // Not metadata at all.
        await bucket.PutAsync("junk/_metadata", "this is not a Flink _metadata file, just text"u8.ToArray());
        using var temp = new TempDir();

        foreach (var location in new[] { bucket.Uri("sp"), bucket.Uri("junk") })
        {
            Cli.AssertCleanFailure(await Cli.RunAsync(Cli.Args("inspect", location, StorageA)), 2);
            Cli.AssertCleanFailure(await Cli.RunAsync(Cli.Args("inspect", location, "--json", StorageA)), 2);
            Cli.AssertCleanFailure(await Cli.RunAsync(Cli.Args("verify", location, StorageA)), 2);
            Cli.AssertCleanFailure(await Cli.RunAsync(Cli.Args("rewrite", location, temp.Sub("out/"), StorageA)), 2);
            Cli.AssertCleanFailure(await Cli.RunAsync(Cli.Args("relocate", location, temp.Sub("dst"), StorageA)), 2);
        }
    }

    [Fact]
    public async Task Bad_options_are_invalid_usage()
    {
        var sp = CorpusSnapshots.SavepointDirectory;
        using var temp = new TempDir();

        Cli.AssertCleanFailure(await Cli.RunAsync("relocate", sp, temp.Sub("dst"), "--parallel", "many"), 2);
        Cli.AssertCleanFailure(await Cli.RunAsync("relocate", sp, temp.Sub("dst"), "--no-such-option"), 2);
        Cli.AssertCleanFailure(await Cli.RunAsync("relocate", sp, temp.Sub("dst"), "--delete-shared"), 2, "--move");
        Cli.AssertCleanFailure(await Cli.RunAsync("relocate", sp), 2);
        Cli.AssertCleanFailure(await Cli.RunAsync("inspect", "s3://bucket-only-no-key", "--endpoint", "ftp://x"), 2, "endpoint");
        Cli.AssertCleanFailure(await Cli.RunAsync("inspect", "s3://b/k", "--endpoint", S3TestServer.A.Endpoint, "--list-version", "3"), 2, "list-version");
        Cli.AssertCleanFailure(await Cli.RunAsync("inspect", "s3://b/k", "--endpoint", S3TestServer.A.Endpoint, "--access-key", "only-the-key"), 2, "secret-key");
        Cli.AssertCleanFailure(await Cli.RunAsync("inspect", "hdfs://namenode:8020/flink/sp-1"), 2, "hdfs");
        Cli.AssertCleanFailure(await Cli.RunAsync("rewrite", sp, temp.Sub("out/"), "--map", "no-equals-sign"), 2);
        Cli.AssertCleanFailure(await Cli.RunAsync("relocate", sp, Path.Combine(sp, "nested")), 2, "overlaps");
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
    }

    [Fact]
    public async Task Local_location_without_a_snapshot_is_invalid_input_for_inspect()
    {
        using var temp = new TempDir();
        Cli.AssertCleanFailure(await Cli.RunAsync("inspect", temp.Sub("does-not-exist")), 2, "no such snapshot");
        File.WriteAllBytes(temp.Sub("x"), [1, 2, 3]);
        Cli.AssertCleanFailure(await Cli.RunAsync("inspect", temp.Path), 2, "_metadata");
    }

    [Fact]
    public async Task Destination_holding_another_snapshot_is_refused()
    {
        await using var target = await TestBucket.CreateAsync(S3TestServer.B, "occupied");
        var other = File.ReadAllBytes(Path.Combine(Corpus.FullPath("new-stateful-broadcast-udf-migration-itcase-flink1.19-hashmap-savepoint"), "_metadata"));
        await target.PutAsync("dst/_metadata", other);

        var result = await Cli.RunAsync(Cli.Args("relocate", CorpusSnapshots.SavepointDirectory, target.Uri("dst"), Cli.S3(S3TestServer.B, "dst-")));
        Cli.AssertCleanFailure(result, 2, "already exists");
        Assert.Equal(other, await target.GetAsync("dst/_metadata"));
        Assert.Single(await target.ListAsync());
    }
}
