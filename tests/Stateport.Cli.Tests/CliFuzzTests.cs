using System.Diagnostics;
using Stateport.Metadata;
using Stateport.Tests.Fuzzing;
using Xunit.Abstractions;

namespace Stateport.Cli.Tests;

/// <summary>
/// The CLI under fuzz (docs/reliability.md, "Codec fuzzing"): <c>inspect</c>, <c>inspect --json</c> and
/// <c>rewrite</c> on mutated <c>_metadata</c> files exit 0 (only when the file parses) or 2 with one
/// "error:" line, never 70 and never a stack trace.
/// </summary>
public sealed class CliFuzzTests(ITestOutputHelper log)
{
    /// <summary>Mutated files per run; STATEPORT_CLI_FUZZ_INPUTS overrides.</summary>
    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("STATEPORT_CLI_FUZZ_INPUTS"), out var n) && n > 0 ? n : 300;

    /// <summary>A seed of its own, so the CLI sees other inputs than the codec test's first indexes.</summary>
    private const int Seed = MetadataFuzzer.DefaultSeed + 1;

    private static readonly Dictionary<string, string> HermeticEnvironment = new(StringComparer.Ordinal)
    {
        ["HOME"] = "/nonexistent-stateport-test-home",
        ["PATH"] = "/usr/bin:/bin",
    };

    [Fact]
    public async Task Inspect_and_rewrite_of_mutated_metadata_exit_0_or_2_with_one_error_line()
    {
        var fuzzer = new MetadataFuzzer(MetadataFuzzer.DefaultSeeds, Seed);
        var root = Path.Combine(Path.GetTempPath(), $"stateport-cli-fuzz-{Guid.NewGuid():N}");
        var problems = new List<string>();
        int parsed = 0, rejected = 0;
        var exits = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        try
        {
            for (var i = 0; i < Cases; i++)
            {
                var input = fuzzer.Generate(i);
                var dir = Path.Combine(root, $"case-{i}");
                Directory.CreateDirectory(dir);
                await File.WriteAllBytesAsync(Path.Combine(dir, "_metadata"), input.Bytes);
                var parses = Parses(input.Bytes);
                if (parses)
                {
                    parsed++;
                }
                else
                {
                    rejected++;
                }
                var output = Path.Combine(root, $"out-{i}") + "/";
                foreach (var args in new[]
                {
                    new[] { "inspect", dir },
                    ["inspect", "--json", dir],
                    ["rewrite", dir, output, "--map", "file:/=file:/x/", "--allow-unmapped"],
                })
                {
                    var (code, problem) = await CheckAsync(args, parses);
                    var key = $"{(args.Length > 1 && args[1] == "--json" ? "inspect --json" : args[0])}: {(parses ? "parses" : "refused")}, exit {code}";
                    exits[key] = exits.GetValueOrDefault(key) + 1;
                    if (problem is not null)
                    {
                        problems.Add($"stateport {string.Join(' ', args)}\n  input: {input.Describe()}, parses: {parses}\n  saved to {FuzzRunner.Save(input)}\n  {problem}");
                    }
                }
                Directory.Delete(dir, recursive: true);
            }
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
        log.WriteLine($"{Cases} mutated files (seed {Seed}): {parsed} parse, {rejected} refused by the codec; {3 * Cases} CLI runs in {clock.Elapsed.TotalSeconds:N1} s");
        foreach (var (key, count) in exits)
        {
            log.WriteLine($"  {key}: {count}");
        }
        Assert.True(problems.Count == 0, $"{problems.Count} CLI run(s) misbehaved on {Cases} mutated files (seed {Seed}):\n{string.Join("\n", problems.Take(10))}");
        Assert.True(parsed > 0 && rejected > 0, $"{parsed} parsed, {rejected} rejected: both outcomes must be exercised");
    }

    /// <summary>
    /// Fuzzer finding (fixed in commit 0e850f8): the checkpoint properties check (JavaSerialization.Walker)
    /// followed superclass descriptors by plain recursion without a depth limit, so a V6 file whose properties
    /// are TC_OBJECT + 100,000 nested TC_CLASSDESC (1.5 MB) killed the process with a stack overflow (exit 134,
    /// "Stack overflow." on stderr). Run as a child process: a stack overflow cannot be caught.
    /// </summary>
    [Fact]
    public async Task A_deep_superclass_chain_in_the_checkpoint_properties_does_not_crash_inspect()
    {
        var root = Path.Combine(Path.GetTempPath(), $"stateport-cli-fuzz-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(root);
            byte[] properties = [0xAC, 0xED, 0x00, 0x05, .. MetadataFuzzer.SerializationSuperclassChain(100_000)];
            await File.WriteAllBytesAsync(Path.Combine(root, "_metadata"), MetadataFuzzer.StandaloneV6([0], properties));
            var (code, stdout, stderr) = await RunChildAsync(["inspect", root]);
            var shown = $"exit {code}\n--- stderr ---\n{Clip(stderr)}";
            Assert.True(code is ExitCodes.Success or ExitCodes.InvalidInput, $"stateport inspect on a 100,000-deep superclass chain: {shown}");
            Assert.Null(Judge(code, stderr, stdout, parses: code == ExitCodes.Success));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Runs the CLI built next to the tests (stateport.dll with its runtimeconfig) as a child process.</summary>
    private static async Task<(int Code, string Out, string Err)> RunChildAsync(string[] args)
    {
        var dll = typeof(StateportApp).Assembly.Location;
        Assert.True(File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")), $"{dll} has no runtimeconfig.json: cannot run it as a program");
        var dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
        var psi = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        psi.Environment.Clear();
        foreach (var (name, value) in HermeticEnvironment)
        {
            psi.Environment[name] = value;
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the CLI");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static bool Parses(byte[] bytes)
    {
        try
        {
            MetadataReader.Read(bytes);
            return true;
        }
        catch (MetadataFormatException)
        {
            return false;
        }
    }

    /// <summary>Runs one command in process: its exit code, and what was wrong (null when it behaved).</summary>
    private static async Task<(int Code, string? Problem)> CheckAsync(string[] args, bool parses)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var code = await StateportApp.RunAsync(args, new CliContext(output, error, isTerminal: false, environment: HermeticEnvironment), timeout.Token);
        var err = error.ToString();
        return (code, Judge(code, err, output.ToString(), parses));
    }

    /// <summary>Null when the run behaved, else what was wrong (with its output).</summary>
    private static string? Judge(int code, string err, string output, bool parses)
    {
        var shown = $"exit {code}; stderr: {Clip(err)}";
        if (err.Contains("   at ", StringComparison.Ordinal) || output.Contains("   at ", StringComparison.Ordinal))
        {
            return $"stack trace printed; {shown}";
        }
        switch (code)
        {
            case ExitCodes.Success when parses:
                return null;
            case ExitCodes.Success:
                return $"exit 0 although the codec refuses the file; {shown}";
            case ExitCodes.InvalidInput:
                var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                if (lines.Length != 1 || !lines[0].StartsWith("error: ", StringComparison.Ordinal))
                {
                    return $"expected exactly one 'error: ' line on stderr; {shown}";
                }
                // A refused file must name where; a file that parses may still fail later (e.g. a path rewrite).
                if (!parses && !(lines[0].Contains("byte offset", StringComparison.Ordinal)
                    || lines[0].Contains("not a ", StringComparison.OrdinalIgnoreCase)
                    || lines[0].Contains("no such", StringComparison.OrdinalIgnoreCase)))
                {
                    return $"the error line names no byte offset; {shown}";
                }
                return null;
            default:
                return $"unexpected exit code; {shown}";
        }
    }

    private static string Clip(string s) => s.Length <= 2000 ? s : s[..2000] + "...";
}
