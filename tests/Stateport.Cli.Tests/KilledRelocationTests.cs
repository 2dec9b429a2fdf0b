using System.Diagnostics;
using Stateport.Tests.Shared;

namespace Stateport.Cli.Tests;

/// <summary>
/// The real binary, SIGKILLed in the middle of a streamed copy between endpoints, leaves no _metadata at
/// the destination; a rerun completes, and the result equals that of an uninterrupted run.
/// </summary>
public sealed class KilledRelocationTests
{
    [Fact]
    public async Task Relocation_killed_mid_copy_and_rerun_completes_with_the_same_result()
    {
        await using var source = await TestBucket.CreateAsync(S3TestServer.A, "kill-src");
        await using var interrupted = await TestBucket.CreateAsync(S3TestServer.B, "kill-dst");
        await using var reference = await TestBucket.CreateAsync(S3TestServer.B, "kill-ref");
        var (metadata, files) = Crafted.Savepoint(300, smallSize: 64 * 1024, [8 << 20, 8 << 20, 8 << 20, 8 << 20], seed: 300);
        await Crafted.UploadAsync(source, "savepoints/savepoint-kill", metadata, files);
        var src = source.Uri("savepoints/savepoint-kill");
        const string dstKey = "relocated/savepoint-kill";
        string[] storage = [.. Cli.S3(S3TestServer.A, "src-"), .. Cli.S3(S3TestServer.B, "dst-")];

        // 1. Start the binary and SIGKILL it once some objects have arrived.
        var seen = 0;
        using (var process = StartCli(Cli.Args("relocate", src, interrupted.Uri(dstKey), "--parallel", "2", storage)))
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited)
            {
                seen = (await interrupted.ListAsync(dstKey + "/")).Count;
                if (seen >= 10)
                {
                    break;
                }
                await Task.Delay(50);
            }
            Assert.False(process.HasExited, $"the relocation finished (exit {(process.HasExited ? process.ExitCode : 0)}) before it could be killed; {seen} objects seen");
            process.Kill();
            await process.WaitForExitAsync();
        }

        var partial = await interrupted.ListAsync(dstKey + "/");
        Assert.DoesNotContain($"{dstKey}/_metadata", partial.Keys);
        // The killed run's destination lock stays behind (its owner is gone, so the rerun takes it over).
        partial.Remove($"{dstKey}/{Stateport.Relocation.DestinationLock.FileName}");
        Assert.InRange(partial.Count, 1, files.Count - 1);
        // Every object that is there is complete (writes are atomic).
        Assert.All(partial, kv => Assert.Equal(files[kv.Key[(dstKey.Length + 1)..]].Length, kv.Value));
        // A killed copy is not a snapshot: verify says so.
        await Cli.RunExpectingAsync(1, Cli.Args("verify", interrupted.Uri(dstKey), Cli.S3(S3TestServer.B)));

        // 2. Rerun to completion: what is there is kept, the rest copied.
        var rerun = (await Cli.RunExpectingAsync(0, Cli.Args("relocate", src, interrupted.Uri(dstKey), "--json", storage))).Json();
        Assert.True(rerun.GetProperty("skipped").GetInt32() >= 1, rerun.ToString());
        Assert.Equal(files.Count, rerun.GetProperty("skipped").GetInt32() + rerun.GetProperty("copied").GetInt32());

        // 3. An uninterrupted run to the same key in another bucket gives the same result (and no lock is left).
        await Cli.RunExpectingAsync(0, Cli.Args("relocate", src, reference.Uri(dstKey), storage));
        Assert.Equal(await reference.ListAsync(), await interrupted.ListAsync());
        Assert.Equal(await reference.GetAsync($"{dstKey}/_metadata"), await interrupted.GetAsync($"{dstKey}/_metadata"));
        Assert.Equal(metadata, await interrupted.GetAsync($"{dstKey}/_metadata"));
        await Cli.RunExpectingAsync(0, Cli.Args("verify", interrupted.Uri(dstKey), "--self-contained", Cli.S3(S3TestServer.B)));
        // The source was never touched.
        Assert.Equal(files.Count + 1, (await source.ListAsync()).Count);
    }

    /// <summary>The CLI built next to the tests (Stateport.Cli.dll with its runtimeconfig), run with dotnet.</summary>
    private static Process StartCli(string[] args)
    {
        // The CLI assembly the tests reference (built with its runtimeconfig next to the tests).
        var dll = typeof(StateportApp).Assembly.Location;
        Assert.True(File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")), $"{dll} has no runtimeconfig.json: cannot run it as a program");
        var dotnet = System.Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
        var psi = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(name);
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the CLI");
        // Drain the pipes so the child never blocks on a full one.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
