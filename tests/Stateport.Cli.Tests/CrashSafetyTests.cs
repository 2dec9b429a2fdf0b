using System.Diagnostics;
using System.Text;
using Stateport.Metadata;
using Stateport.Metadata.Model;
using Stateport.Relocation;
using Stateport.Tests.Shared;

namespace Stateport.Cli.Tests;

/// <summary>
/// Crash safety (issue 3): the CLI is killed with SIGKILL at named points (STATEPORT_FAILPOINT, see
/// src/Stateport.Relocation/FailPoints.cs), then rerun. After every kill: a destination _metadata exists only
/// if the destination verifies; the source is untouched unless the destination was verified first. After
/// the rerun: the destination equals an uninterrupted run's, byte for byte, with no lock or journal left.
/// </summary>
public sealed class CrashSafetyTests
{
    private const string Job = "0123456789abcdef0123456789abcdef";

    public static TheoryData<string> CopyKillPoints => new()
    {
        "after-lock",
        "after-object:1",   // the 18 MB multipart uploads are still in flight
        "after-object:15",
        "after-object:40",
        "before-metadata",
        "after-metadata",
    };

    public static TheoryData<string> MoveKillPoints => new()
    {
        "after-metadata",
        "before-delete",
        "during-delete:1",  // right after the source _metadata went
        "during-delete:10",
        "during-delete:30",
    };

    [Theory]
    [MemberData(nameof(CopyKillPoints))]
    public async Task Killed_copy_across_endpoints_reruns_to_the_same_result(string killPoint)
    {
        await using var source = await TestBucket.CreateAsync(S3TestServer.A, "crash-src");
        await using var destination = await TestBucket.CreateAsync(S3TestServer.B, "crash-dst");
        var snapshot = await UploadSnapshotAsync(source, smallFiles: 44, largeFiles: 2);
        var sourceBefore = await source.ListAsync();
        string[] args = ["relocate", source.Uri(snapshot), destination.Uri("run-x/chk-7"), .. Cli.S3(S3TestServer.A, "src-"), .. Cli.S3(S3TestServer.B, "dst-")];

        var killed = await RunKilledAsync(killPoint, args);
        Assert.True(killed.Killed, $"the failpoint {killPoint} was not reached:\n{killed.Output}");
        await AssertNoUnverifiedMetadataAsync(destination, "run-x/chk-7");
        Assert.Equal(sourceBefore, await source.ListAsync());

        await Cli.RunExpectingAsync(0, args);
        await AssertSameAsReferenceAsync(destination, "run-x/chk-7", args, "run-x");
        Assert.Equal(sourceBefore, await source.ListAsync());
    }

    [Theory]
    [MemberData(nameof(MoveKillPoints))]
    public async Task Killed_move_never_deletes_before_verification_and_reruns_to_completion(string killPoint)
    {
        await using var bucket = await TestBucket.CreateAsync(S3TestServer.A, "crash-move");
        var snapshot = await UploadSnapshotAsync(bucket, smallFiles: 40, largeFiles: 0);
        var sourceBefore = await bucket.ListAsync($"checkpoints/{Job}/");
        string[] args = ["relocate", bucket.Uri(snapshot), bucket.Uri("moved/chk-7"), "--move", .. Cli.S3(S3TestServer.A)];

        var killed = await RunKilledAsync(killPoint, args);
        Assert.True(killed.Killed, $"the failpoint {killPoint} was not reached:\n{killed.Output}");
        var sourceAfterKill = await bucket.ListAsync($"checkpoints/{Job}/");
        if (!sourceAfterKill.SequenceEqual(sourceBefore))
        {
            // Something was deleted: the destination must already be complete and verified.
            await Cli.RunExpectingAsync(0, Cli.Args("verify", bucket.Uri("moved/chk-7"), "--self-contained", Cli.S3(S3TestServer.A)));
        }
        await AssertNoUnverifiedMetadataAsync(bucket, "moved/chk-7");

        var rerun = await Cli.RunExpectingAsync(0, args);
        Assert.Contains("restore with: flink run -s", rerun.Out, StringComparison.Ordinal);
        await Cli.RunExpectingAsync(0, Cli.Args("verify", bucket.Uri("moved/chk-7"), "--self-contained", "--forbid-prefix", bucket.Uri("checkpoints"), Cli.S3(S3TestServer.A)));
        // Only the job's shared/ files (used by other checkpoints) stay at the source.
        var left = await bucket.ListAsync($"checkpoints/{Job}/");
        Assert.All(left.Keys, key => Assert.Contains("/shared/", key, StringComparison.Ordinal));
        Assert.Equal(sourceBefore.Keys.Count(k => k.Contains("/shared/", StringComparison.Ordinal)), left.Count);
        var moved = await bucket.ListAsync("moved/");
        Assert.DoesNotContain(moved.Keys, k => k.EndsWith(DestinationLock.FileName, StringComparison.Ordinal) || k.EndsWith(Relocator.MoveJournalName, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_second_relocation_to_a_locked_destination_is_refused()
    {
        await using var bucket = await TestBucket.CreateAsync(S3TestServer.A, "crash-lock");
        var snapshot = await UploadSnapshotAsync(bucket, smallFiles: 5, largeFiles: 0);
        // A live run's lock: this very process, heartbeat now.
        var record = $$"""{"RunId":"{{Guid.NewGuid():N}}","Host":"{{Environment.MachineName}}","Pid":{{Environment.ProcessId}},"Started":"{{DateTimeOffset.UtcNow:O}}","Heartbeat":"{{DateTimeOffset.UtcNow:O}}"}""";
        await bucket.PutAsync($"dst/chk-7/{DestinationLock.FileName}", Encoding.UTF8.GetBytes(record));

        var refused = await Cli.RunAsync(Cli.Args("relocate", bucket.Uri(snapshot), bucket.Uri("dst/chk-7"), Cli.S3(S3TestServer.A)));
        Cli.AssertCleanFailure(refused, ExitCodes.StorageError, "another relocation to this destination is running");
        Assert.DoesNotContain((await bucket.ListAsync("dst/")).Keys, k => k.EndsWith("_metadata", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_lock_left_by_a_dead_process_is_taken_over()
    {
        await using var bucket = await TestBucket.CreateAsync(S3TestServer.A, "crash-stale");
        var snapshot = await UploadSnapshotAsync(bucket, smallFiles: 5, largeFiles: 0);
        using var dead = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await dead.WaitForExitAsync();
        var record = $$"""{"RunId":"{{Guid.NewGuid():N}}","Host":"{{Environment.MachineName}}","Pid":{{dead.Id}},"Started":"{{DateTimeOffset.UtcNow:O}}","Heartbeat":"{{DateTimeOffset.UtcNow:O}}"}""";
        await bucket.PutAsync($"dst/chk-7/{DestinationLock.FileName}", Encoding.UTF8.GetBytes(record));

        await Cli.RunExpectingAsync(0, Cli.Args("relocate", bucket.Uri(snapshot), bucket.Uri("dst/chk-7"), Cli.S3(S3TestServer.A)));
        Assert.DoesNotContain((await bucket.ListAsync("dst/")).Keys, k => k.EndsWith(DestinationLock.FileName, StringComparison.Ordinal));
    }

    private sealed record KilledRun(bool Killed, string Output);

    /// <summary>Runs the CLI as a child process with a failpoint; true when it died by SIGKILL at that point.</summary>
    private static async Task<KilledRun> RunKilledAsync(string failPoint, string[] args)
    {
        var dll = typeof(StateportApp).Assembly.Location;
        var dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
        var psi = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(name);
        }
        psi.Environment["STATEPORT_FAILPOINT"] = failPoint;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;
        // SIGKILL: exit status 128 + 9.
        return new KilledRun(process.ExitCode == 137 && output.Contains($"failpoint {failPoint}", StringComparison.Ordinal), $"exit {process.ExitCode}\n{output}");
    }

    /// <summary>No destination ever holds a _metadata whose references are incomplete.</summary>
    private static async Task AssertNoUnverifiedMetadataAsync(TestBucket bucket, string directory)
    {
        var listing = await bucket.ListAsync(directory + "/");
        if (listing.ContainsKey($"{directory}/_metadata"))
        {
            await Cli.RunExpectingAsync(0, Cli.Args("verify", bucket.Uri(directory), "--self-contained", Cli.S3(bucket.Endpoint)));
        }
    }

    /// <summary>The rerun's result equals an uninterrupted run's (same keys, sizes and contents; metadata differs only by the prefix).</summary>
    private static async Task AssertSameAsReferenceAsync(TestBucket destination, string directory, string[] args, string prefix)
    {
        var reference = prefix[..^1] + "r"; // same length, so the rewritten metadata differs only in these bytes
        var referenceArgs = args.Select(a => a == destination.Uri(directory) ? destination.Uri(directory.Replace(prefix, reference, StringComparison.Ordinal)) : a).ToArray();
        await Cli.RunExpectingAsync(0, referenceArgs);
        var actual = await destination.ListAsync(prefix + "/");
        var expected = await destination.ListAsync(reference + "/");
        Assert.Equal(expected.Select(kv => (kv.Key[reference.Length..], kv.Value)), actual.Select(kv => (kv.Key[prefix.Length..], kv.Value)));
        foreach (var key in actual.Keys.Where(k => !k.EndsWith("_metadata", StringComparison.Ordinal)))
        {
            Assert.Equal(Snapshots.Sha256(await destination.GetAsync(reference + key[prefix.Length..])), Snapshots.Sha256(await destination.GetAsync(key)));
        }
        var expectedMetadata = Encoding.Latin1.GetString(await destination.GetAsync($"{reference}{directory[prefix.Length..]}/_metadata"))
            .Replace($"/{reference}/", $"/{prefix}/", StringComparison.Ordinal);
        Assert.Equal(expectedMetadata, Encoding.Latin1.GetString(await destination.GetAsync($"{directory}/_metadata")));
        Assert.DoesNotContain(actual.Keys, k => k.Contains(".stateport-", StringComparison.Ordinal));
        await Cli.RunExpectingAsync(0, Cli.Args("verify", destination.Uri(directory), "--self-contained", Cli.S3(destination.Endpoint)));
    }

    /// <summary>
    /// A Flink 2.x-style incremental checkpoint at checkpoints/&lt;job&gt;/chk-7: relative exclusive files, absolute
    /// shared/ files (the large ones are above the 16 MiB multipart threshold), inline state. Returns its key.
    /// </summary>
    private static async Task<string> UploadSnapshotAsync(TestBucket bucket, int smallFiles, int largeFiles)
    {
        var random = new Random(7);
        var jobKey = $"checkpoints/{Job}";
        var uploads = new List<(string Key, byte[] Data)>();
        byte[] Bytes(int n)
        {
            var b = new byte[n];
            random.NextBytes(b);
            return b;
        }
        var privateFiles = new List<NamedStreamHandle>();
        var sharedFiles = new List<NamedStreamHandle>();
        for (var i = 0; i < smallFiles; i++)
        {
            var data = Bytes(random.Next(1024, 24 * 1024));
            var name = $"{i:D4}-{Guid.NewGuid()}";
            if (i % 4 == 0)
            {
                uploads.Add(($"{jobKey}/shared/{name}", data));
                sharedFiles.Add(new NamedStreamHandle { LocalPath = MutfString.FromString($"{i:D6}.sst"), Handle = new FileStateHandle { FilePath = MutfString.FromString(bucket.Uri($"{jobKey}/shared/{name}")), StateSize = data.Length } });
            }
            else
            {
                uploads.Add(($"{jobKey}/chk-7/{name}", data));
                privateFiles.Add(new NamedStreamHandle { LocalPath = MutfString.FromString($"OPTIONS-{i:D6}"), Handle = new RelativeFileStateHandle { RelativePath = MutfString.FromString(name), StateSize = data.Length } });
            }
        }
        for (var i = 0; i < largeFiles; i++)
        {
            var data = Bytes((18 * 1024 * 1024) + i);
            var name = $"large-{i}-{Guid.NewGuid()}";
            uploads.Add(($"{jobKey}/shared/{name}", data));
            sharedFiles.Add(new NamedStreamHandle { LocalPath = MutfString.FromString($"9{i:D5}.sst"), Handle = new FileStateHandle { FilePath = MutfString.FromString(bucket.Uri($"{jobKey}/shared/{name}")), StateSize = data.Length } });
        }
        var metadata = new CheckpointMetadata
        {
            Version = MetadataVersion.V6,
            CheckpointId = 7,
            Operators =
            [
                new OperatorState
                {
                    Name = MutfString.FromString("keyed"),
                    Uid = MutfString.FromString("keyed-uid"),
                    Id = new OperatorId(1, 2),
                    Parallelism = 1,
                    MaxParallelism = 128,
                    StoredSubtaskCount = 1,
                    Subtasks =
                    [
                        new SubtaskEntry
                        {
                            StoredIndex = 0,
                            State = new SubtaskState
                            {
                                ManagedKeyedState = new IncrementalRemoteKeyedStateHandle(11)
                                {
                                    CheckpointId = 7,
                                    BackendIdentifier = MutfString.FromString(Guid.NewGuid().ToString()),
                                    KeyGroupRange = new KeyGroupRange(0, 128),
                                    MetaDataState = new ByteStreamStateHandle { HandleName = MutfString.FromString("meta"), Data = Bytes(64) },
                                    SharedState = [.. sharedFiles],
                                    PrivateState = [.. privateFiles],
                                    StateHandleId = MutfString.FromString(Guid.NewGuid().ToString()),
                                },
                            },
                        },
                    ],
                },
            ],
            Trailer = new byte[] { 0xAC, 0xED, 0x00, 0x05, 0x70 },
        };
        await Parallel.ForEachAsync(uploads, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (u, _) => await bucket.PutAsync(u.Key, u.Data));
        await bucket.PutAsync($"{jobKey}/chk-7/_metadata", MetadataWriter.ToArray(metadata));
        return $"{jobKey}/chk-7";
    }
}
